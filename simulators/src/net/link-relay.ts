/** A TCP relay in front of a server that plays a faulty network link: silent (packets lost, sockets open) or dropped (sockets reset). */

import { createServer, connect as connectTcp, type Socket } from 'node:net';

export interface LinkRelay {
  /** Clients connect here instead of to the server. */
  readonly port: number;
  /** Silent: both sockets stay open and whatever comes is dropped, as a hung server or a lossy network does. */
  silence(silent: boolean): void;
  /** Resets every connection through the relay (the server keeps running); new connections are relayed again. */
  drop(): void;
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 (a free port) to `targetPort` on 127.0.0.1. */
export async function startLinkRelay(targetPort: number): Promise<LinkRelay> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connectTcp(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => {
        if (!silent) to.write(chunk);
      });
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.on('error', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('link relay: the listening socket has no port');
  const drop = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: address.port,
    silence: (value) => {
      silent = value;
    },
    drop,
    close: async () => {
      drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
