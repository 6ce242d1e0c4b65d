/** Who may call a regulator route: a live regulator token, or else a session of any role. */
import type { MiddlewareHandler } from 'hono';
import { allow, ROLES } from './access.ts';
import { bearerToken } from './bearer.ts';
import type { AppEnv, ContextOf } from './context.ts';

/** Middleware of the read-only regulator routes: `Authorization: Bearer` when sent (401 if not live), a session otherwise. */
export function allowRegulator(contextOf: ContextOf): MiddlewareHandler<AppEnv> {
  const session = allow(ROLES.read, contextOf);
  return async (c, next) => {
    if (bearerToken(c, contextOf()) !== undefined) await next();
    else await session(c, next);
  };
}
