/** Sign in, who am I, sign out: the session cookie and the CSRF token every state-changing route asks for. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { allow, clientAddress, ROLES, sessionCookieName } from '../access.ts';
import type { AppContext, AppEnv, ContextOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { requireSameOrigin } from '../origin.ts';
import { LoginBody, SessionSchema } from '../schemas.ts';
import type { Session } from '../sessions.ts';
import { errorResponses, json, SESSION_SECURITY, STATE_CHANGE_SECURITY } from './openapi.ts';

const PATH = '/api/v1/session';

function sessionView(context: AppContext, session: Session) {
  return { name: session.user.name, role: session.user.role, csrfToken: session.csrfToken, expiresAt: context.sessions.expiresAt(session) };
}

export function registerSessionRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: PATH,
      summary: 'Sign in: sets the session cookie (HttpOnly, SameSite=Strict) and returns the CSRF token',
      description: 'Needs the Origin header of this server. Failed attempts are audited and slowed down per name and per address (429 with Retry-After).',
      request: { body: { required: true, content: json(LoginBody) } },
      responses: { 200: { description: 'Signed in', content: json(SessionSchema) }, ...errorResponses(400, 401, 403, 413, 429) },
    }),
    async (c) => {
      const context = contextOf();
      requireSameOrigin(c);
      const { name, password } = c.req.valid('json');
      const address = clientAddress(c);
      const waitMs = context.throttle.waitMs(name, address);
      if (waitMs > 0) {
        await context.api.auditSession({ who: name, action: 'login_throttled', address });
        throw new ApiError('HAZMON_API_THROTTLED', `too many failed sign-ins: try again in ${Math.ceil(waitMs / 1000)} s`, 'name', Math.ceil(waitMs / 1000));
      }
      const user = await context.api.authenticate(name, password);
      if (user === null) {
        context.throttle.failed(name, address);
        await context.api.auditSession({ who: name, action: 'login_failed', address });
        throw new ApiError('HAZMON_API_UNAUTHENTICATED', 'unknown user or wrong password');
      }
      context.throttle.succeeded(name, address);
      const { id, session } = context.sessions.create(user);
      await context.api.auditSession({ who: user.name, action: 'login', address, role: user.role });
      setCookie(c, sessionCookieName(context.secure), id, { httpOnly: true, sameSite: 'Strict', secure: context.secure, path: '/', maxAge: context.sessions.maxAgeS });
      return c.json(sessionView(context, session), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: PATH,
      summary: 'Who am I: name, role and the CSRF token of this session',
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: SESSION_SECURITY,
      responses: { 200: { description: 'The session', content: json(SessionSchema) }, ...errorResponses(401, 403) },
    }),
    (c) => c.json(sessionView(contextOf(), c.get('session')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: PATH,
      summary: 'Sign out: ends the session here and clears the cookie',
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      responses: { 204: { description: 'Signed out' }, ...errorResponses(401, 403) },
    }),
    async (c) => {
      const context = contextOf();
      const session = c.get('session');
      context.sessions.end(c.get('sessionId'));
      await context.api.auditSession({ who: session.user.name, action: 'logout', address: clientAddress(c), role: session.user.role });
      deleteCookie(c, sessionCookieName(context.secure), { path: '/', secure: context.secure });
      return c.body(null, 204);
    },
  );
}
