/** Shared by the simulator tests: serve units over a real TCP socket and read them with a plain modbus-serial client. */

import modbusSerial from 'modbus-serial';
import { afterEach } from 'vitest';
import type { ModbusUnit } from './modbus/memory.ts';
import { startModbusTcpServer, type RunningModbusTcpServer } from './modbus/tcp-server.ts';
import { ModbusUnitHost } from './modbus/unit-host.ts';

// modbus-serial is CommonJS; under NodeNext its class is the `default` property.
export const ModbusClient = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusClient>;

export interface TcpFixture {
  server: RunningModbusTcpServer;
  host: ModbusUnitHost;
  /** A connected modbus-serial client addressing `unitId`. */
  connect(unitId: number, timeoutMs?: number): Promise<ModbusClient>;
  close(): Promise<void>;
}

async function serveOverTcp(units: Record<number, ModbusUnit>): Promise<TcpFixture> {
  const host = new ModbusUnitHost();
  for (const [unitId, unit] of Object.entries(units)) host.addUnit(Number(unitId), unit);
  const server = await startModbusTcpServer(host, { port: 0 });
  const clients: ModbusClient[] = [];
  return {
    server,
    host,
    async connect(unitId, timeoutMs = 5000) {
      const client = new ModbusClient();
      clients.push(client);
      await client.connectTCP('127.0.0.1', { port: server.port });
      client.setID(unitId);
      client.setTimeout(timeoutMs);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => new Promise<void>((resolve) => (client.isOpen ? client.close(() => resolve()) : resolve()))));
      await server.close();
    },
  };
}

/** Decodes two registers, high word first. */
export function float32FromWords(high: number, low: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint16(0, high);
  view.setUint16(2, low);
  return view.getFloat32(0);
}

/** Registers an afterEach that closes whatever `serve` started in the test; use once per describe block. */
export function tcpFixtures(): { serve(units: Record<number, ModbusUnit>): Promise<TcpFixture> } {
  let current: TcpFixture | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    async serve(units) {
      current = await serveOverTcp(units);
      return current;
    },
  };
}
