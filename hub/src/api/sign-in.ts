/**
 * The bureau's staff at the hub: `users:` of the hub config sign in with a name and password (the gateway's scrypt
 * hashes, sessions and login back-off, from @hazmon/dashboard/http-kit) and get an HttpOnly SameSite=Strict cookie
 * (`__Host-` and Secure under TLS). A session ends 30 min after its last request, 12 h after sign-in, on sign-out and
 * when its user leaves the config; sessions are in memory, so a restart of the hub signs everyone out. Every read route
 * takes the cookie or a regulator bearer token (tokens stay for machines). Sign-ins, failures, back-offs and
 * sign-outs go to the hub's log with the client's address.
 */
import { ApiError, LoginThrottle, requireSameOrigin, SessionStore, verifyPassword } from '@hazmon/dashboard/http-kit';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ZodType } from 'zod';
import { HUB_ROLES, type HubRole, type HubUser } from '../config.ts';
import { ErrorSchema } from './schemas.ts';

export interface HubSignIn {
  readonly users: () => readonly HubUser[];
  readonly sessions: SessionStore<HubRole>;
  readonly throttle: LoginThrottle;
}

/** The sign-in state of one API server, on its clock. */
export function hubSignIn(users: readonly HubUser[], now: () => number): HubSignIn {
  return { users: () => users, sessions: new SessionStore<HubRole>(now, () => users), throttle: new LoginThrottle(now) };
}

/** Who is calling: a regulator token's name or a signed-in person's. */
export interface HubCaller {
  readonly kind: 'token' | 'user';
  readonly name: string;
}

export interface SignInEnv {
  Variables: { caller: HubCaller };
}

/** Enough to carry a name and a password, and no more to read. */
const LOGIN_BODY_BYTES = 4096;
const BEARER = /^Bearer +([A-Za-z0-9_-]{1,200})$/i;

/** `__Host-` under TLS, so a sibling host or a plain-HTTP page cannot plant the cookie. */
function cookieName(c: Context): { readonly name: string; readonly secure: boolean } {
  const secure = new URL(c.req.url).protocol === 'https:';
  return { name: secure ? '__Host-hazmon_hub_session' : 'hazmon_hub_session', secure };
}

function clientAddress(c: Context): string {
  return getConnInfo(c).remote.address ?? 'unknown';
}

/**
 * Middleware of every read route: a live regulator token in `Authorization: Bearer`, else a live session cookie. A
 * request that sends a token is judged by it alone: a bad token is refused even beside a good cookie.
 */
export function requireCaller(signInOf: () => HubSignIn, tokenName: (secret: string) => Promise<string | null>): MiddlewareHandler<SignInEnv> {
  return async (c, next) => {
    const authorization = c.req.header('Authorization');
    if (authorization !== undefined) {
      const secret = BEARER.exec(authorization)?.[1];
      const name = secret === undefined ? null : await tokenName(secret);
      if (name === null) throw new ApiError('HAZMON_API_UNAUTHENTICATED', 'the regulator token is unknown or revoked (made by `hazmon-hub token create`)', 'Authorization');
      c.set('caller', { kind: 'token', name });
      return next();
    }
    const id = getCookie(c, cookieName(c).name);
    const session = id === undefined ? undefined : signInOf().sessions.touch(id);
    if (session === undefined)
      throw new ApiError(
        'HAZMON_API_UNAUTHENTICATED',
        id === undefined ? 'sign in first (POST /api/v1/login) or send Authorization: Bearer <token>' : 'the session has ended: sign in again (POST /api/v1/login)',
        id === undefined ? 'Authorization' : 'session',
      );
    c.set('caller', { kind: 'user', name: session.user.name });
    await next();
  };
}

function json<S extends ZodType>(schema: S) {
  return { 'application/json': { schema } } as const;
}

const LoginBody = z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) }).openapi('HubLogin');
const HubSessionSchema = z
  .object({
    name: z.string(),
    role: z.enum(HUB_ROLES),
    expiresAt: z.number().int().openapi({ description: 'Epoch ms when the session ends if no request comes first' }),
  })
  .openapi('HubSession');

const error = (description: string) => ({ description, content: json(ErrorSchema) });

export function registerSignInRoutes(app: OpenAPIHono<SignInEnv>, signInOf: () => HubSignIn, log: () => (line: string) => void): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'hazmon_hub_session',
    description: 'The cookie POST /api/v1/login sets (`__Host-hazmon_hub_session` under TLS)',
  });
  const limitBody = bodyLimit({
    maxSize: LOGIN_BODY_BYTES,
    onError: () => {
      throw new ApiError('HAZMON_API_TOO_LARGE', `the sign-in body is over ${LOGIN_BODY_BYTES} bytes`, 'body');
    },
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/login',
      summary: 'Sign in with a name and password of the hub config’s users: sets the session cookie (HttpOnly, SameSite=Strict, Secure under TLS)',
      description: 'Needs the Origin header of this server. Failed attempts are logged and slowed down per name and per address (429 with Retry-After).',
      middleware: [limitBody] as const,
      request: { body: { required: true, content: json(LoginBody) } },
      responses: {
        200: { description: 'Signed in', content: json(HubSessionSchema) },
        400: error('Not a name and password: `field` names what to change'),
        401: error('Unknown user or wrong password'),
        403: error('No Origin header, or another site’s'),
        413: error('The body is too large'),
        429: error('Too many failed sign-ins for this name or address: wait Retry-After seconds'),
      },
    }),
    async (c) => {
      requireSameOrigin(c);
      const { sessions, throttle, users } = signInOf();
      const { name, password } = c.req.valid('json');
      const address = clientAddress(c);
      const waitS = Math.ceil(throttle.waitMs(name, address) / 1000);
      if (waitS > 0) {
        log()(`hub api: sign-in of ${JSON.stringify(name)} from ${address} held back ${waitS} s after repeated failures`);
        throw new ApiError('HAZMON_API_THROTTLED', `too many failed sign-ins: try again in ${waitS} s`, 'name', waitS);
      }
      const user = users().find((candidate) => candidate.name === name);
      if (user === undefined || !(await verifyPassword(password, user.passwordHash))) {
        throttle.failed(name, address);
        log()(`hub api: failed sign-in of ${JSON.stringify(name)} from ${address}`);
        throw new ApiError('HAZMON_API_UNAUTHENTICATED', 'unknown user or wrong password', 'password');
      }
      throttle.succeeded(name, address);
      const { id, session } = sessions.create(user);
      log()(`hub api: ${user.name} (${user.role}) signed in from ${address}`);
      const cookie = cookieName(c);
      setCookie(c, cookie.name, id, { httpOnly: true, sameSite: 'Strict', secure: cookie.secure, path: '/', maxAge: sessions.maxAgeS });
      return c.json({ name: session.user.name, role: session.user.role, expiresAt: sessions.expiresAt(session) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/session',
      summary: 'Who is signed in: name, role and when the session ends if no request comes first',
      security: [{ session: [] }],
      responses: { 200: { description: 'The session', content: json(HubSessionSchema) }, 401: error('No live session') },
    }),
    (c) => {
      const { sessions } = signInOf();
      const id = getCookie(c, cookieName(c).name);
      const session = id === undefined ? undefined : sessions.touch(id);
      if (session === undefined) throw new ApiError('HAZMON_API_UNAUTHENTICATED', id === undefined ? 'not signed in' : 'the session has ended: sign in again', 'session');
      return c.json({ name: session.user.name, role: session.user.role, expiresAt: sessions.expiresAt(session) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/logout',
      summary: 'Sign out: ends the session here and clears the cookie (also when it had ended already)',
      description: 'Needs the Origin header of this server.',
      security: [{ session: [] }],
      responses: { 204: { description: 'Signed out' }, 403: error('No Origin header, or another site’s') },
    }),
    (c) => {
      requireSameOrigin(c);
      const { sessions } = signInOf();
      const cookie = cookieName(c);
      const id = getCookie(c, cookie.name);
      if (id !== undefined) {
        const session = sessions.touch(id);
        sessions.end(id);
        if (session !== undefined) log()(`hub api: ${session.user.name} signed out from ${clientAddress(c)}`);
      }
      deleteCookie(c, cookie.name, { path: '/', secure: cookie.secure });
      return c.body(null, 204);
    },
  );
}
