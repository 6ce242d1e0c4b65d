/** The Origin check of every state-changing request, shared by the gateway's sessions and the hub's sign-in. */
import type { Context } from 'hono';
import { ApiError } from './errors.ts';

/** Refuses a state-changing request whose Origin is not this server's own (a page of another site posting here). */
export function requireSameOrigin(c: Context): void {
  const origin = c.req.header('Origin');
  if (origin === undefined) throw new ApiError('HAZMON_API_CSRF', 'a state-changing request must carry an Origin header', 'Origin');
  if (origin !== new URL(c.req.url).origin) throw new ApiError('HAZMON_API_CSRF', `Origin ${origin} is not this server's`, 'Origin');
}
