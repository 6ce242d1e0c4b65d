/**
 * `@hazmon/dashboard/http-kit`: the API discipline other servers share with the gateway's (the regulator hub): the one
 * error shape and its statuses, request validation naming the field, the query params of history routes, the serving
 * of a built browser UI with its security headers, and the sign-in of people: scrypt password hashes (the agent's
 * own, from its light `./password` module, and its `hash-password` command, which reads the password at a hidden
 * prompt), sessions, login back-off and the Origin check. Nothing here loads the agent's runtime or protocols, so a
 * server that has no agent may use it.
 */
export { PASSWORD_HASH_PATTERN, verifyPassword } from '@hazmon/agent/password';
export { hashPasswordCommand } from '@hazmon/agent/hash-password';
export { ApiError, errorAnswer, validationError, type ErrorBody } from './errors.ts';
export { checkSpan, DAY_MS, epochMs, filterText, HOUR_MS, MINUTE_MS, pageSize } from './query-params.ts';
export { BROWSER_SECURITY_HEADERS, CSP_HEADER, findUiDir, registerUiRoutes } from './ui-files.ts';
export { LoginThrottle } from './login-throttle.ts';
export { requireSameOrigin } from './origin.ts';
export { SessionStore } from './sessions.ts';
