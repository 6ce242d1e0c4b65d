/**
 * Simulator Modbus TCP server: points per second served for a 1000-point register bank (float32, 124 registers per
 * request, one request in flight), against modbus-serial's ServerTCP serving the same registers (the baseline).
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { RegisterBank } from '../simulators/src/devices/register-bank.ts';
import { startModbusTcpServer } from '../simulators/src/modbus/tcp-server.ts';
import { ModbusUnitHost } from '../simulators/src/modbus/unit-host.ts';
import { recordFigure } from './figures.ts';

interface BaselineServer {
  on(event: 'initialized', listener: () => void): void;
  close(callback: () => void): void;
}
// modbus-serial is a dependency of the simulators package, not of the workspace root.
const { ServerTCP } = createRequire(new URL('../simulators/package.json', import.meta.url))('modbus-serial') as {
  ServerTCP: new (vector: object, options: { host: string; port: number; unitID: number }) => BaselineServer;
};

const SECONDS = Number(process.env.HAZMON_BENCH_SECONDS ?? 5);
const POINTS = 1000;
const REGISTERS = POINTS * 2;
const PER_REQUEST = 124;

/** Sends FC03 requests over the bank back to back, one in flight, for SECONDS; returns points read per second. */
async function pointsPerSecond(port: number): Promise<number> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.setNoDelay(true);
  const request = Buffer.from([0, 0, 0, 0, 0, 6, 1, 3, 0, 0, 0, 0]);
  let address = 0;
  let registersRead = 0;
  let pending = 0;
  let expected = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const send = (): void => {
      if (performance.now() > deadline) return resolve();
      const quantity = Math.min(PER_REQUEST, REGISTERS - address);
      request.writeUInt16BE(address, 8);
      request.writeUInt16BE(quantity, 10);
      expected = 9 + quantity * 2;
      registersRead += quantity;
      address = (address + quantity) % REGISTERS;
      socket.write(request);
    };
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.length;
      if (pending < expected) return;
      pending = 0;
      send();
    });
    send();
  });
  const elapsedS = (performance.now() - started) / 1000;
  socket.destroy();
  return registersRead / 2 / elapsedS;
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const bank = new RegisterBank('bench', { generate: [{ namePrefix: 'p', count: POINTS, table: 'holding', type: 'float32', step: 0.5 }] });

const host = new ModbusUnitHost();
host.addUnit(1, bank);
const ours = await startModbusTcpServer(host, { port: 0 });
const oursRate = await pointsPerSecond(ours.port);
await ours.close();

// ServerTCP treats port 0 as "use 502", so it gets a port probed free just before.
const baselinePort = await freePort();
const registers = bank.memory.holdingRegisters.values;
const baseline = new ServerTCP(
  { getMultipleHoldingRegisters: (addr: number, length: number) => Array.from(registers.subarray(addr, addr + length)) },
  { host: '127.0.0.1', port: baselinePort, unitID: 1 },
);
await new Promise<void>((resolve) => baseline.on('initialized', () => resolve()));
const baselineRate = await pointsPerSecond(baselinePort);
await new Promise<void>((resolve) => baseline.close(() => resolve()));

console.log(`simulator TCP server:      ${Math.round(oursRate).toLocaleString('en')} points/s (float32, ${PER_REQUEST} registers per request)`);
console.log(`modbus-serial ServerTCP:   ${Math.round(baselineRate).toLocaleString('en')} points/s (baseline, same bank and client)`);
console.log(`ratio to baseline:         ${(oursRate / baselineRate).toFixed(2)}x`);
recordFigure({
  name: `simulator Modbus TCP server, float32, ${PER_REQUEST} registers per request`,
  value: oursRate,
  unit: 'points/s',
  baseline: { name: 'modbus-serial ServerTCP', value: baselineRate },
});
