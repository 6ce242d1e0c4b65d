/**
 * OPC UA subscription throughput: 5k monitored items changing every 100 ms on a tank farm in a child process.
 * Ours: OpcuaConnection handing each notification to the agent as rows (`onRows`: a good number as columns, no
 * object), read as the agent reads them (each row's value, or its Reading). Baseline, same run and server: the raw
 * node-opcua subscription callback counting the same notifications without any conversion.
 * Figures: notifications/s, client CPU µs per notification and bytes allocated per notification (the GC's reclaims
 * plus the heap's growth over the window, `v8.GCProfiler`); the ratio is ours / baseline CPU cost.
 *
 * HAZMON_BENCH_BASELINE_TREE=<a checkout of an older commit, with node_modules or links to ours>: that tree's
 * OpcuaConnection is measured too, in turns with ours (`HAZMON_BENCH_ROUNDS` each, default 2), handing the agent its
 * batches as it took them then: `onReadings` (a Reading per value), copied into rows by point id if that tree's
 * agent did so (before the rows path: `ReadingRowBuffer.addReading`), then read the same way.
 *
 * --agent: instead, a whole Agent (engine with a limit rule per point, latest values, DuckDB store) on the same
 * items, readings judged per client CPU second, ours and (with HAZMON_BENCH_BASELINE_TREE, which then needs its own
 * `pnpm install`) the tree's Agent in turns.
 *
 * node --import tsx bench/opcua.bench.ts [--items 5000] [--seconds 5] [--agent]
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { Reading, ReadingRows } from '../protocols/src/index.ts';
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
const BASELINE_TREE = process.env['HAZMON_BENCH_BASELINE_TREE'];
const ROUNDS = Number(process.env['HAZMON_BENCH_ROUNDS'] ?? 2);
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
  bytesPerNotification: number;
}

/** Counts notifications over the window after a warm-up, with the CPU this process spent and the bytes it allocated meanwhile. */
async function measure(counter: { readonly count: number }): Promise<Measurement> {
  await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
  const startCount = counter.count;
  const gcs = new GCProfiler();
  gcs.start();
  const startHeap = getHeapStatistics().used_heap_size;
  const startCpu = process.cpuUsage();
  const startMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const cpu = process.cpuUsage(startCpu);
  const seconds = (performance.now() - startMs) / 1000;
  const notifications = counter.count - startCount;
  const endHeap = getHeapStatistics().used_heap_size;
  const reclaimed = gcs.stop().statistics.reduce((sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize, 0);
  const per = Math.max(1, notifications);
  return { perSecond: notifications / seconds, cpuMicrosPerNotification: (cpu.user + cpu.system) / per, bytesPerNotification: (endHeap - startHeap + reclaimed) / per };
}

/** What the agent does with each row (`Agent.onRows`, reduced): a plain row's value as a number, another row's Reading. */
function readRows(rows: ReadingRows, sink: { count: number; sum: number; objects: number }): void {
  for (let row = 0; row < rows.length; row++) {
    const reading = rows.objectAt(row);
    if (reading === undefined) sink.sum += rows.value[row]! + rows.sourceTime[row]!;
    else sink.objects += 1;
  }
  sink.count += rows.length;
}

async function startServer(): Promise<{ child: ChildProcess; endpointUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--server', '--items', String(ITEMS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    if (line.startsWith('{')) return { child, endpointUrl: (JSON.parse(line) as { endpointUrl: string }).endpointUrl };
  }
  throw new Error('bench: the tank farm child exited before printing its endpoint');
}

function connectionConfig(endpointUrl: string, pkiDir: string) {
  const points = Array.from({ length: ITEMS }, (_, index) => ({ id: `bulk.${index}`, nodeId: bulkNodeId(index), unit: 'm3', samplingIntervalMs: SAMPLING_MS, queueSize: 1 }));
  return parseOpcuaConnection({ id: 'bench', endpointUrl, pkiDir, publishingIntervalMs: PUBLISHING_MS, points });
}

async function measureConnection(connection: { start(): Promise<{ ok: boolean; error?: unknown }>; stop(): Promise<void> }, sink: { readonly count: number }): Promise<Measurement> {
  const started = await connection.start();
  if (!started.ok) throw started.error;
  const result = await measure(sink);
  await connection.stop();
  return result;
}

async function measureOurs(endpointUrl: string, pkiDir: string): Promise<Measurement> {
  const sink = { count: 0, sum: 0, objects: 0 };
  const connection = new OpcuaConnection(connectionConfig(endpointUrl, pkiDir), { onRows: (rows) => readRows(rows, sink), pointIndex: (pointId) => Number(pointId.slice('bulk.'.length)) });
  return measureConnection(connection, sink);
}

interface RowBuffer extends ReadingRows {
  reset(receiveTime: number): void;
  addReading(point: number, reading: Reading): void;
}

/** The baseline tree's connection with the agent's hand-off of its time: Readings, copied into rows by point id. */
async function measureBaselineTree(tree: string, endpointUrl: string, pkiDir: string): Promise<Measurement> {
  const protocols = (await import(pathToFileURL(join(tree, 'protocols/src/index.ts')).href)) as {
    OpcuaConnection: new (config: unknown, handlers: { onReadings(readings: Reading[]): void }) => { start(): Promise<{ ok: boolean; error?: unknown }>; stop(): Promise<void> };
    ReadingRowBuffer?: new (capacity: number) => RowBuffer;
  };
  const sink = { count: 0, sum: 0, objects: 0 };
  const routes = new Map(Array.from({ length: ITEMS }, (_, index) => [`bulk.${index}`, index]));
  const rows = protocols.ReadingRowBuffer === undefined ? undefined : new protocols.ReadingRowBuffer(64);
  const connection = new protocols.OpcuaConnection(connectionConfig(endpointUrl, pkiDir), {
    onReadings: (readings) => {
      if (rows === undefined) {
        for (const reading of readings) if (typeof reading.value === 'number') sink.sum += reading.value;
        sink.count += readings.length;
        return;
      }
      rows.reset(Date.now());
      for (const reading of readings) rows.addReading(routes.get(reading.pointId) ?? -1, reading);
      readRows(rows, sink);
    },
  });
  return measureConnection(connection, sink);
}

async function measureBaseline(endpointUrl: string, pkiDir: string): Promise<Measurement> {
  const endpoint: OpcuaEndpointConfig = { endpointUrl, securityMode: 'None', securityPolicy: 'Basic256Sha256', pkiDir, trustUnknownServerCertificate: false, requestTimeoutMs: 10_000 };
  const nodeIds = Array.from({ length: ITEMS }, (_, index) => bulkNodeId(index));
  const raw = await openRawSubscription(endpoint, pkiDir, nodeIds, SAMPLING_MS, PUBLISHING_MS);
  const result = await measure(raw);
  await raw.close();
  return result;
}

interface BenchAgent {
  stats(): { readonly readings: number };
  stop(): Promise<void>;
}

/** A whole Agent of the tree at `root` on the items, each a point with a limit rule; readings counted as it judged them. */
async function measureAgent(root: string, endpointUrl: string): Promise<Measurement> {
  const { Agent, parseAgentConfig } = (await import(pathToFileURL(join(root, 'agent/src/index.ts')).href)) as {
    Agent: { start(config: unknown, options: object): Promise<BenchAgent> };
    parseAgentConfig(text: string, file: string): unknown;
  };
  const dir = await mkdtemp(join(tmpdir(), 'hazmon-opcua-bench-agent-'));
  const ids = Array.from({ length: ITEMS }, (_, index) => `bulk.${index}`);
  const config = {
    site: { id: 'bench', name: 'OPC UA bench', areas: [{ id: 'yard', name: 'Yard' }] },
    lines: [],
    devices: [],
    opcua: [
      { id: 'farm', endpointUrl, publishingIntervalMs: PUBLISHING_MS, points: ids.map((id, index) => ({ id, nodeId: bulkNodeId(index), unit: 'm3', samplingIntervalMs: SAMPLING_MS, queueSize: 1 })) },
    ],
    points: ids.map((id) => ({ id, area: 'yard', range: [0, 1_000_000], rules: { limits: { hihi: 900_000 } } })),
    store: { path: join(dir, 'site.duckdb') },
  };
  const agent = await Agent.start(parseAgentConfig(JSON.stringify(config), join(dir, 'site.yaml')), { log: () => {} });
  try {
    return await measure({
      get count() {
        return agent.stats().readings;
      },
    });
  } finally {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function agentMain(endpointUrl: string): Promise<void> {
  const ours = fileURLToPath(new URL('..', import.meta.url));
  const row = (name: string, m: Measurement) =>
    console.log(
      `  ${name.padEnd(34)} ${Math.round(m.perSecond).toLocaleString('en-US').padStart(9)} readings/s  ${m.cpuMicrosPerNotification.toFixed(2).padStart(6)} µs CPU each (${(1 / m.cpuMicrosPerNotification).toFixed(3)} M per CPU second)  ${Math.round(m.bytesPerNotification).toLocaleString('en-US').padStart(6)} bytes allocated each`,
    );
  console.log(`opcua --agent: an Agent on ${ITEMS} monitored items changing every ${PUBLISHING_MS} ms, ${SECONDS} s per run`);
  for (let round = 1; round <= (BASELINE_TREE === undefined ? 1 : ROUNDS); round++) {
    const order = round % 2 === 1 ? ['old', 'new'] : ['new', 'old'];
    const results = new Map<string, Measurement>();
    for (const side of order) {
      if (side === 'old' && BASELINE_TREE === undefined) continue;
      results.set(side, await measureAgent(side === 'old' ? BASELINE_TREE! : ours, endpointUrl));
    }
    const [old, fresh] = [results.get('old'), results.get('new')!];
    if (old !== undefined) row(`round ${round}, old tree's Agent`, old);
    row(`round ${round}, our Agent`, fresh);
    if (old !== undefined)
      console.log(
        `    new / old: CPU per reading ${(fresh.cpuMicrosPerNotification / old.cpuMicrosPerNotification).toFixed(2)}x, bytes allocated ${(fresh.bytesPerNotification / old.bytesPerNotification).toFixed(2)}x`,
      );
  }
}

async function main(): Promise<void> {
  const pkiDir = await mkdtemp(join(tmpdir(), 'hazmon-opcua-bench-client-'));
  const { child, endpointUrl } = await startServer();
  try {
    if (process.argv.includes('--agent')) return await agentMain(endpointUrl);
    console.log(`opcua: ${ITEMS} monitored items changing every ${PUBLISHING_MS} ms (server in a child process), ${SECONDS} s per run`);
    const row = (name: string, m: Measurement) =>
      console.log(
        `  ${name.padEnd(46)} ${Math.round(m.perSecond).toLocaleString('en-US').padStart(9)} notifications/s  ${m.cpuMicrosPerNotification.toFixed(2).padStart(7)} µs CPU each (${(1 / m.cpuMicrosPerNotification).toFixed(3)} M per CPU second)  ${Math.round(m.bytesPerNotification).toLocaleString('en-US').padStart(6)} bytes allocated each`,
      );
    const baseline = await measureBaseline(endpointUrl, pkiDir);
    row('baseline: raw node-opcua callback', baseline);
    let ours = await measureOurs(endpointUrl, pkiDir);
    row('ours: OpcuaConnection -> rows', ours);
    for (let round = 1; BASELINE_TREE !== undefined && round <= ROUNDS; round++) {
      // in turns, the old tree first in odd rounds
      const older = round % 2 === 1 ? await measureBaselineTree(BASELINE_TREE, endpointUrl, pkiDir) : undefined;
      ours = await measureOurs(endpointUrl, pkiDir);
      const old = older ?? (await measureBaselineTree(BASELINE_TREE, endpointUrl, pkiDir));
      row(`round ${round}, old tree: -> Reading[] -> rows`, old);
      row(`round ${round}, ours: -> rows`, ours);
      console.log(
        `    new / old: CPU per notification ${(ours.cpuMicrosPerNotification / old.cpuMicrosPerNotification).toFixed(2)}x, bytes allocated ${(ours.bytesPerNotification / old.bytesPerNotification).toFixed(2)}x`,
      );
    }
    recordFigure({
      name: `OPC UA, ${ITEMS} monitored items, OpcuaConnection -> rows`,
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
