/** A small node:http listener for `GET /metrics` (Prometheus text) and `GET /healthz` (200 or 503 with the reasons, JSON). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf } from '@hazmon/errors';
import type { AgentHealth } from './health.ts';
import { METRICS_CONTENT_TYPE } from './metrics.ts';

export interface MonitoringEndpointOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly metrics: () => string;
  readonly health: () => AgentHealth;
}

export interface MonitoringEndpoint {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts listening; rejects when the address cannot be bound (in use, not local). */
export function startMonitoringEndpoint(options: MonitoringEndpointOptions): Promise<MonitoringEndpoint> {
  const server = createServer((request, response) => answer(request, response, options));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function answer(request: IncomingMessage, response: ServerResponse, options: MonitoringEndpointOptions): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', { allow: 'GET, HEAD' });
  try {
    if (path === '/metrics') return send(response, 200, METRICS_CONTENT_TYPE, options.metrics());
    if (path === '/healthz') {
      const health = options.health();
      return send(response, health.healthy ? 200 : 503, 'application/json', `${JSON.stringify(health)}\n`);
    }
  } catch (error) {
    return send(response, 500, 'text/plain; charset=utf-8', `hazmon: ${path} failed: ${messageOf(error)}\n`);
  }
  send(response, 404, 'text/plain; charset=utf-8', `no ${JSON.stringify(path)} here: GET /metrics or /healthz\n`);
}

function send(response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
