/** Public surface of @hazmon/dashboard: the web server `hazmon run` starts beside the agent, and its OpenAPI document. */
export { API_VERSION, API_VERSION_HEADER, BODY_LIMIT_BYTES, OPENAPI_PATH, openApiDocument } from './app.ts';
export { ROLES, CSRF_HEADER } from './access.ts';
export { MAX_STREAMS } from './routes/stream.ts';
export type { ReadingsData } from './live-feed.ts';
export { createDashboardServer, dashboardServer, DashboardError, MAX_CONNECTIONS, SERVER_LIMITS } from './server.ts';
export type { DashboardOptions } from './server.ts';
export type { SessionLimits } from './sessions.ts';
export type { ThrottleLimits } from './login-throttle.ts';
export type { ErrorBody } from './errors.ts';
