/** What every route works with: the agent's API and the server's own state (sessions, login back-off, live feed). */
import type { AgentApi } from '@hazmon/agent';
import type { HttpBindings } from '@hono/node-server';
import type { LiveFeed } from './live-feed.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { Session, SessionStore } from './sessions.ts';

export interface AppContext {
  readonly api: AgentApi;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly live: LiveFeed;
  /** Served over TLS: the session cookie is Secure and __Host- prefixed, HSTS is sent. */
  readonly secure: boolean;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/**
 * The app is built before any agent exists when only its OpenAPI document is wanted (`hazmon openapi`), so routes take
 * the context through this function, called per request, never while the routes are declared.
 */
export type ContextOf = () => AppContext;

export interface AppEnv {
  Bindings: HttpBindings;
  Variables: { session: Session; sessionId: string };
}
