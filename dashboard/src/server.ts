/**
 * The dashboard's AgentServer: the Hono app on a Node HTTP or HTTPS server, with limits that keep a slow or hostile
 * client from holding the agent's process (header and request timeouts, a header size cap, a connection cap).
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, type AgentApi, type AgentServer, type RunningServer } from '@hazmon/agent';
import { HazmonError, messageOf } from '@hazmon/errors';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app.ts';
import type { AppContext } from './context.ts';
import { LiveFeed } from './live-feed.ts';
import { LoginThrottle, ADDRESS_LIMITS, USER_LIMITS, type ThrottleLimits } from './login-throttle.ts';
import { DEFAULT_SESSION_LIMITS, SessionStore, sessionFile, type SessionLimits } from './sessions.ts';

export const SERVER_LIMITS = {
  /** A client has this long to send its headers (slowloris). */
  headersTimeout: 10_000,
  /** ... and this long for the whole request; a stream's response may last for hours. */
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  maxHeaderSize: 16 * 1024,
} as const;
/** Sockets at once: 20 dashboards and 10 regulator pulls with room to spare. */
export const MAX_CONNECTIONS = 256;

export interface DashboardOptions {
  /** Clock of sessions and login back-off; tests move it. */
  readonly now?: () => number;
  readonly sessionLimits?: SessionLimits;
  readonly throttleLimits?: { readonly user: ThrottleLimits; readonly address: ThrottleLimits };
}

export class DashboardError extends HazmonError<'HAZMON_DASHBOARD_TLS' | 'HAZMON_DASHBOARD_LISTEN'> {
  override readonly name = 'DashboardError';
}

function readTlsFile(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DashboardError('HAZMON_DASHBOARD_TLS', `${field}: cannot read ${path} (${messageOf(error)})`, { cause: error });
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new DashboardError('HAZMON_DASHBOARD_LISTEN', `api: cannot listen on ${host}:${port} (${messageOf(error)})`, { cause: error })));
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

export function createDashboardServer(options: DashboardOptions = {}): AgentServer {
  return {
    name: 'web server',
    async start(api: AgentApi, log: (line: string) => void): Promise<RunningServer> {
      const { host, port, tls, allowPlainHttp } = api.config.api;
      const secure = tls !== undefined;
      if (!secure && !isLoopbackHost(host) && allowPlainHttp)
        log(`web server: WARNING plain HTTP on ${host} (api.allowPlainHttp): passwords and session cookies cross the network readable; give api.tls`);
      const now = options.now ?? Date.now;
      const live = await LiveFeed.start(api, log);
      const sessions = await SessionStore.open(sessionFile(api.config.store.path), now, () => api.config.users, options.sessionLimits ?? DEFAULT_SESSION_LIMITS, log);
      const context: AppContext = {
        api,
        sessions,
        throttle: new LoginThrottle(now, options.throttleLimits ?? { user: USER_LIMITS, address: ADDRESS_LIMITS }),
        live,
        secure,
        now,
        log,
      };
      const app = createApp(() => context);
      // The agent's process is shared: leave the global Request and Response alone.
      const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
      const server = secure
        ? createHttpsServer({ ...SERVER_LIMITS, cert: readTlsFile(tls.cert, 'api.tls.cert'), key: readTlsFile(tls.key, 'api.tls.key') }, listener)
        : createHttpServer(SERVER_LIMITS, listener);
      server.maxConnections = MAX_CONNECTIONS;
      let address: AddressInfo;
      try {
        address = await listen(server, port, host);
      } catch (error) {
        live.close();
        throw error;
      }
      const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        address: `${secure ? 'https' : 'http'}://${hostInUrl}:${address.port}`,
        close: async () => {
          live.close();
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          // Live streams never end on their own.
          server.closeAllConnections();
          await closed;
          await sessions.close();
        },
      };
    },
  };
}

export const dashboardServer: AgentServer = createDashboardServer();
