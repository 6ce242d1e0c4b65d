/**
 * Who may call what: a session from the cookie (401 without one), on every state-changing request the Origin and the
 * session's CSRF token (403), then the role (403). The roles come from the agent's own rules, so the API never
 * allows what the agent would refuse.
 */
import { REGULATOR_TOKEN_ROLES, RESET_ROLES, rolesFor, THRESHOLD_ROLES, USER_ROLES, type UserRole } from '@hazmon/agent';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { bearerToken } from './bearer.ts';
import type { AppEnv, ContextOf } from './context.ts';
import { ApiError } from './errors.ts';
import { requireSameOrigin } from './origin.ts';
import { sameToken } from './sessions.ts';

/** What each kind of route needs. */
export const ROLES = {
  /** Alarms, points, alarm history, the live stream. */
  read: USER_ROLES,
  /** Acknowledge, shelve, unshelve: the operator's tools for the alarm in front of them. */
  handleAlarms: rolesFor('shelve'),
  /** Bump-test and calibration records: who tested the detector in front of them. */
  recordUpkeep: rolesFor('ack'),
  /** Out of service and back in service. */
  serviceAlarms: rolesFor('remove_from_service'),
  /** The audit log and the alarm-system health: supervision of people and of the alarm system, not operation. */
  supervise: rolesFor('remove_from_service'),
  /** Release a latched action (a shut-off): never reopens a valve. */
  resetAction: RESET_ROLES,
  /** Issue, list and revoke regulator tokens. */
  manageTokens: REGULATOR_TOKEN_ROLES,
  /** Move a point's limits at run time; read the threshold overrides and their history. */
  changeThresholds: THRESHOLD_ROLES,
  /** The users, their roles and this table. */
  listUsers: REGULATOR_TOKEN_ROLES,
} as const satisfies Record<string, readonly UserRole[]>;

/** What each entry of ROLES lets a person do, in words: the admin page's role table (GET /api/v1/users). */
export const ROLE_DUTIES: Readonly<Record<keyof typeof ROLES, string>> = {
  read: 'see alarms, points, trends, alarm history and the live stream',
  handleAlarms: 'acknowledge, shelve and unshelve an alarm; record how it was handled',
  recordUpkeep: "record a detector's bump test or calibration",
  serviceAlarms: 'take an alarm out of service and back',
  supervise: 'read the audit log and the alarm-system health',
  resetAction: 'release a latched action (a shut-off) once its trigger cleared',
  manageTokens: 'issue, list and revoke regulator tokens',
  changeThresholds: "change a point's limits at run time; read the threshold changes",
  listUsers: 'list the users and their roles',
};

export const CSRF_HEADER = 'X-CSRF-Token';

/** The session cookie's name: `__Host-` under TLS, so a sibling host or plain-HTTP page cannot set it. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-hazmon_session' : 'hazmon_session';
}

/** The client's address as the socket gives it. */
export function clientAddress(c: Context<AppEnv>): string {
  return c.env.incoming.socket.remoteAddress ?? 'unknown';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Middleware: a live session whose role is one of `roles`; for unsafe methods also the same origin and the CSRF token. */
export function allow(roles: readonly UserRole[], contextOf: ContextOf): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const context = contextOf();
    const token = bearerToken(c, context);
    if (token !== undefined) throw new ApiError('HAZMON_API_FORBIDDEN', `regulator token ${token.name} is read-only and reaches only the regulator routes`, 'Authorization');
    const id = getCookie(c, sessionCookieName(context.secure));
    const session = id === undefined ? undefined : context.sessions.touch(id);
    if (id === undefined || session === undefined) throw new ApiError('HAZMON_API_UNAUTHENTICATED', 'sign in first: POST /api/v1/session', 'session');
    if (!SAFE_METHODS.has(c.req.method)) {
      requireSameOrigin(c);
      const token = c.req.header(CSRF_HEADER);
      if (token === undefined || !sameToken(token, session.csrfToken))
        throw new ApiError('HAZMON_API_CSRF', `${CSRF_HEADER} is missing or not this session's (GET /api/v1/session gives it)`, CSRF_HEADER);
    }
    if (!roles.includes(session.user.role)) throw new ApiError('HAZMON_API_FORBIDDEN', `user ${session.user.name} has role ${session.user.role}; this needs ${roles.join(' or ')}`, 'role');
    c.set('session', session);
    c.set('sessionId', id);
    await next();
  };
}
