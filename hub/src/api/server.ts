/** The regulator API on a Node HTTP or HTTPS server, with timeouts that keep a slow client from holding sockets. */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { messageOf } from '@hazmon/errors';
import { getRequestListener } from '@hono/node-server';
import { HubError } from '../errors.ts';
import { createHubApp, type HubApiContext } from './app.ts';

const SERVER_LIMITS = { headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 } as const;

export interface HubApiServer {
  /** http(s)://host:port as it listens (the port chosen when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

export async function startHubApi(
  context: HubApiContext,
  listen: { readonly host: string; readonly port: number; readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null },
): Promise<HubApiServer> {
  const listener = getRequestListener(createHubApp(() => context).fetch);
  const server: Server = listen.tls === null ? createHttpServer(SERVER_LIMITS, listener) : createHttpsServer({ ...SERVER_LIMITS, cert: listen.tls.cert, key: listen.tls.key }, listener);
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', (error) => reject(new HubError('HAZMON_HUB_LISTEN', `api: cannot listen on ${listen.host}:${listen.port} (${messageOf(error)})`, { cause: error })));
    server.listen(listen.port, listen.host, () => resolve(server.address() as AddressInfo));
  });
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${listen.tls === null ? 'http' : 'https'}://${host}:${address.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
