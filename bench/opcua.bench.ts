/**
 * OPC UA subscription throughput: 5k monitored items changing every 100 ms on a tank farm in a child process.
 * Ours: OpcuaConnection turning every notification into a Reading. Baseline, same run and server: the raw
 * node-opcua subscription callback counting the same notifications without any conversion.
 * Figures: notifications/s and client CPU µs per notification; the ratio is ours / baseline CPU cost.
 *
 * node --import tsx bench/opcua.bench.ts [--items 5000] [--seconds 5]
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OpcuaConnection, parseOpcuaConnection, type OpcuaEndpointConfig } from '../protocols/src/opcua/index.ts';
import { openRawSubscription } from '../protocols/src/opcua/raw-subscription.ts';
import { bulkNodeId, startTankFarm } from '../simulators/src/opcua/index.ts';
import { recordFigure } from './figures.ts';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

const ITEMS = argument('items', 5000);
const SECONDS = argument('seconds', 5);
const WARM_UP_MS = 1500;
const PUBLISHING_MS = 100;
// 0: the server reports every change as it happens (exception-based) instead of running a sampling timer per item
const SAMPLING_MS = 0;

if (process.argv.includes('--server')) {
  // child: the server runs apart so its cost does not land on the client being measured
  const pkiDir = await mkdtemp(join(tmpdir(), 'hazmon-opcua-bench-server-'));
  const farm = await startTankFarm({ port: 0, tanks: [], bulkVariables: ITEMS, speed: 1, tickMs: PUBLISHING_MS, pkiDir });
  console.log(JSON.stringify({ endpointUrl: farm.endpointUrl }));
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await farm.stop();
    await rm(pkiDir, { recursive: true, force: true });
    process.exit(0);
  });
} else {
  await main();
}

interface Measurement {
  perSecond: number;
  cpuMicrosPerNotification: number;
}

/** Counts notifications over the window after a warm-up, with the CPU this process spent meanwhile. */
async function measure(counter: { readonly count: number }): Promise<Measurement> {
  await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
  const startCount = counter.count;
  const startCpu = process.cpuUsage();
  const startMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const cpu = process.cpuUsage(startCpu);
  const seconds = (performance.now() - startMs) / 1000;
  const notifications = counter.count - startCount;
  return { perSecond: notifications / seconds, cpuMicrosPerNotification: (cpu.user + cpu.system) / Math.max(1, notifications) };
}

async function startServer(): Promise<{ child: ChildProcess; endpointUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--server', '--items', String(ITEMS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    if (line.startsWith('{')) return { child, endpointUrl: (JSON.parse(line) as { endpointUrl: string }).endpointUrl };
  }
  throw new Error('bench: the tank farm child exited before printing its endpoint');
}

async function measureOurs(endpointUrl: string, pkiDir: string): Promise<Measurement> {
  const counter = { count: 0 };
  const points = Array.from({ length: ITEMS }, (_, index) => ({ id: `bulk.${index}`, nodeId: bulkNodeId(index), unit: 'm3', samplingIntervalMs: SAMPLING_MS, queueSize: 1 }));
  const connection = new OpcuaConnection(parseOpcuaConnection({ id: 'bench', endpointUrl, pkiDir, publishingIntervalMs: PUBLISHING_MS, points }), {
    onReadings: (readings) => {
      counter.count += readings.length;
    },
  });
  const started = await connection.start();
  if (!started.ok) throw started.error;
  const result = await measure(counter);
  await connection.stop();
  return result;
}

async function measureBaseline(endpointUrl: string, pkiDir: string): Promise<Measurement> {
  const endpoint: OpcuaEndpointConfig = { endpointUrl, securityMode: 'None', securityPolicy: 'Basic256Sha256', pkiDir, trustUnknownServerCertificate: false, requestTimeoutMs: 10_000 };
  const nodeIds = Array.from({ length: ITEMS }, (_, index) => bulkNodeId(index));
  const raw = await openRawSubscription(endpoint, pkiDir, nodeIds, SAMPLING_MS, PUBLISHING_MS);
  const result = await measure(raw);
  await raw.close();
  return result;
}

async function main(): Promise<void> {
  const pkiDir = await mkdtemp(join(tmpdir(), 'hazmon-opcua-bench-client-'));
  const { child, endpointUrl } = await startServer();
  try {
    console.log(`opcua: ${ITEMS} monitored items changing every ${PUBLISHING_MS} ms (server in a child process), ${SECONDS} s per run`);
    const baseline = await measureBaseline(endpointUrl, pkiDir);
    const ours = await measureOurs(endpointUrl, pkiDir);
    const row = (name: string, m: Measurement) =>
      console.log(`  ${name.padEnd(42)} ${Math.round(m.perSecond).toLocaleString('en-US').padStart(9)} notifications/s  ${m.cpuMicrosPerNotification.toFixed(2).padStart(7)} µs CPU each`);
    row('baseline: raw node-opcua callback', baseline);
    row('ours: OpcuaConnection -> Reading[]', ours);
    recordFigure({
      name: `OPC UA, ${ITEMS} monitored items, OpcuaConnection -> Reading[]`,
      value: ours.perSecond,
      unit: 'notifications/s',
      baseline: { name: 'raw node-opcua callback', value: baseline.perSecond },
    });
    recordFigure({ name: 'OPC UA, CPU per notification', value: ours.cpuMicrosPerNotification, unit: 'µs', baseline: { name: 'raw node-opcua callback', value: baseline.cpuMicrosPerNotification } });
    console.log(
      `  ratio ours/baseline: throughput ${(ours.perSecond / baseline.perSecond).toFixed(2)}x, CPU per notification ${(ours.cpuMicrosPerNotification / baseline.cpuMicrosPerNotification).toFixed(2)}x`,
    );
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(pkiDir, { recursive: true, force: true });
  }
}
