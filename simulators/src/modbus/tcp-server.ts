/** Modbus TCP server (MBAP framing) on 127.0.0.1 hosting several unit ids on one port. */

import net from 'node:net';
import type { ModbusUnitHost, ResponseOutcome } from './unit-host.ts';
import { ResponseAction, TRUNCATED_BYTES, WRONG_PROTOCOL_ID } from './unit-host.ts';
import { MAX_PDU_LENGTH } from './pdu.ts';

const MBAP_LENGTH = 7;
// The MBAP length field counts the unit id plus the PDU.
const MAX_FRAME = MBAP_LENGTH + MAX_PDU_LENGTH;

export interface ModbusTcpServerOptions {
  /** 0 (default) picks a free ephemeral port; see `port` on the result. */
  port?: number;
}

export interface RunningModbusTcpServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly units: ModbusUnitHost;
  /** Number of client connections currently open. */
  connectionCount(): number;
  close(): Promise<void>;
}

export async function startModbusTcpServer(units: ModbusUnitHost, options: ModbusTcpServerOptions = {}): Promise<RunningModbusTcpServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serveConnection(socket, units);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: '127.0.0.1',
    port,
    units,
    connectionCount: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function serveConnection(socket: net.Socket, units: ModbusUnitHost): void {
  // Incoming bytes collect here; a pipelining client may send many frames in one chunk.
  let pending = Buffer.alloc(4096);
  let pendingLength = 0;
  const scratch = Buffer.alloc(MAX_FRAME);
  const outcome: ResponseOutcome = { action: ResponseAction.Respond, length: 0 };

  socket.on('data', (chunk: Buffer) => {
    if (pendingLength + chunk.length > pending.length) {
      const grown = Buffer.alloc(Math.max(pending.length * 2, pendingLength + chunk.length));
      pending.copy(grown, 0, 0, pendingLength);
      pending = grown;
    }
    chunk.copy(pending, pendingLength);
    pendingLength += chunk.length;

    let offset = 0;
    // The answers to the frames of one chunk (a pipelining client's requests) go out in one write, as they are made.
    let corked = false;
    while (pendingLength - offset >= MBAP_LENGTH) {
      const protocolId = pending.readUInt16BE(offset + 2);
      const length = pending.readUInt16BE(offset + 4);
      if (length < 2 || length > MAX_PDU_LENGTH + 1) {
        // The stream cannot be resynchronised after a bad length: a real device drops the connection.
        socket.destroy();
        return;
      }
      if (pendingLength - offset < 6 + length) break;
      const frameStart = offset;
      offset += 6 + length;
      if (protocolId !== 0) continue; // not Modbus: ignored, as the specification says
      const unitId = pending[frameStart + 6]!;
      units.process(unitId, pending, frameStart + MBAP_LENGTH, length - 1, scratch, MBAP_LENGTH, outcome);
      if (outcome.action === ResponseAction.NoAnswer) continue;
      if (outcome.action === ResponseAction.CloseConnection) {
        socket.destroy();
        return;
      }
      // socket.write keeps a reference until flushed, so each response gets its own exactly-sized copy.
      const response = Buffer.allocUnsafe(MBAP_LENGTH + outcome.length);
      pending.copy(response, 0, frameStart, frameStart + 4); // transaction and protocol id
      if (outcome.action === ResponseAction.RespondWrongProtocolId) response.writeUInt16BE(WRONG_PROTOCOL_ID, 2);
      const lengthField = 1 + outcome.length;
      response.writeUInt16BE(outcome.action === ResponseAction.RespondGarbled ? lengthField - 2 : lengthField, 4);
      response[6] = unitId;
      scratch.copy(response, MBAP_LENGTH, MBAP_LENGTH, MBAP_LENGTH + outcome.length);
      if (!corked && pendingLength - offset >= MBAP_LENGTH) {
        corked = true;
        socket.cork();
      }
      socket.write(outcome.action === ResponseAction.RespondTruncated ? response.subarray(0, response.length - TRUNCATED_BYTES) : response);
    }
    if (corked) socket.uncork();
    pending.copyWithin(0, offset, pendingLength);
    pendingLength -= offset;
  });
}
