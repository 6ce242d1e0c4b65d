/**
 * Measured child of bench/agent.bench.ts, which runs it bundled (as the gateway runs the agent): `measure.ts agent CONFIG.yaml PROFILES_DIR WARMUP_S MEASURE_S` runs the whole
 * Agent on the config; `measure.ts poller PLAN.json ...`, the baseline, a ModbusPoller alone on the same lines and
 * devices built straight from the profile (no agent config, engine or store). Both poll the simulator child and print
 * one JSON line:
 * readings received in the measured window, this process's CPU time and RSS; for the agent also the rows DuckDB holds
 * for the window (counted in the file after a clean stop), the file's size after the closing checkpoint, its total
 * rows, and the store's flushes in the window (they run on the main thread).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Agent, HazmonStore, loadAgentConfig, type AgentConfig } from '@hazmon/agent';
import { ModbusPoller, createModbusDevice, parseProfile, type LineConfig, type ModbusDeviceConfig, type Reading } from '@hazmon/protocols';

export interface MeasureResult {
  readonly mode: 'agent' | 'poller';
  /** RSS once the modules are loaded, and once the config is loaded (agent) or the devices are built (poller). */
  readonly rssImportedBytes: number;
  readonly rssConfiguredBytes: number;
  readonly configLoadMs: number;
  readonly windowMs: number;
  readonly received: number;
  readonly cpuMs: number;
  readonly rssMaxBytes: number;
  /** Seconds into the window when rssMaxBytes was seen. */
  readonly rssMaxAtS: number;
  /** Heap still reachable at the end of the window (after a full GC; the child runs with --expose-gc). */
  readonly heapLiveEndBytes: number;
  /** RSS (and, for the agent, DuckDB's buffer manager) every SAMPLE_S seconds from the start of the window: the soak's curve. */
  readonly samples: readonly { readonly atS: number; readonly rssBytes: number; readonly duckdbBytes: number | null }[];
  /** Agent only. */
  readonly store?: {
    /** Rows in raw_readings with a receive time in the window, all rows, readings dropped. */
    readonly inWindow: number;
    readonly total: number;
    /** File size after the closing checkpoint, and of the same store with its points registered and no reading. */
    readonly fileBytes: number;
    readonly emptyFileBytes: number;
    readonly dropped: number;
    /** Raw flushes (append + commit, synchronous) in the window: how many, time in them, the longest. */
    readonly flushes: number;
    readonly flushMs: number;
    readonly flushMaxMs: number;
  };
}

const [mode, configPath, profilesDir, warmupS, measureS] = process.argv.slice(2);
if ((mode !== 'agent' && mode !== 'poller') || !configPath || !profilesDir) throw new Error(`usage: measure.ts agent|poller CONFIG PROFILES_DIR WARMUP_S MEASURE_S (got ${process.argv.slice(2).join(' ')})`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rssImportedBytes = process.memoryUsage.rss();
let received = 0;
const count = (batch: readonly Reading[]): void => void (received += batch.length);

/** The poller's lines and devices (a small JSON beside the config), built straight from the profile. */
function pollerOnly(): ModbusPoller {
  const file = join(profilesDir!, 'bench-bank.yaml');
  const profile = parseProfile(readFileSync(file, 'utf8'), file);
  const plan = JSON.parse(readFileSync(configPath!, 'utf8')) as { lines: LineConfig[]; devices: ModbusDeviceConfig[] };
  return new ModbusPoller({ lines: plan.lines, devices: plan.devices.map((device) => createModbusDevice(profile, device)), onReadings: count });
}

/**
 * Size of a store beside the agent's with the same points registered and no reading (checkpointed, closed): what the
 * readings add to. Made after the run, so the agent's own start registers its points fresh as on a first start.
 */
async function emptyStoreBytes(agentConfig: AgentConfig): Promise<number> {
  const path = `${agentConfig.store.path}.empty.duckdb`;
  const empty = await HazmonStore.open({ path, retentionIntervalMs: 0 });
  await empty.registerPoints(agentConfig.storePoints);
  await empty.checkpoint();
  await empty.close();
  return statSync(path).size;
}

const loadStart = performance.now();
const config: AgentConfig | null = mode === 'agent' ? loadAgentConfig(configPath, { profilesDir }) : null;
const poller = config === null ? pollerOnly() : null;
const configLoadMs = performance.now() - loadStart;
const rssConfiguredBytes = process.memoryUsage.rss();
const agent = config === null ? null : await Agent.start(config, { log: (line) => process.stderr.write(`${line}\n`) });
agent?.subscribeReadings(count);
poller?.start();

await sleep(Number(warmupS) * 1000);
const windowStart = Date.now();
const receivedAtStart = received;
const flushesAtStart = agent?.stats().store.flushLatency;
const cpuAtStart = process.cpuUsage();
let rssMaxBytes = 0;
let rssMaxAtS = 0;
const windowEnd = windowStart + Number(measureS) * 1000;
/** A soak (a window of minutes) prints a sample every 30 s as it goes; the default run samples every 2 s. */
const SAMPLE_S = Number(measureS) >= 120 ? 30 : 2;
const samples: { atS: number; rssBytes: number; duckdbBytes: number | null }[] = [];
let nextSampleAt = windowStart;
while (Date.now() < windowEnd) {
  await sleep(250);
  const rssBytes = process.memoryUsage.rss();
  if (rssBytes > rssMaxBytes) {
    rssMaxBytes = rssBytes;
    rssMaxAtS = (Date.now() - windowStart) / 1000;
  }
  if (Date.now() >= nextSampleAt) {
    const sample = { atS: Math.round((Date.now() - windowStart) / 1000), rssBytes, duckdbBytes: agent ? (await agent.store.duckdbMemory()).usedBytes : null };
    samples.push(sample);
    if (SAMPLE_S >= 30) process.stderr.write(`soak ${mode} ${JSON.stringify(sample)}\n`);
    nextSampleAt += SAMPLE_S * 1000;
  }
}
const actualEnd = Date.now();
const cpu = process.cpuUsage(cpuAtStart);
(globalThis as { gc?: () => void }).gc?.();
const base = {
  mode,
  rssImportedBytes,
  rssConfiguredBytes,
  configLoadMs,
  windowMs: actualEnd - windowStart,
  received: received - receivedAtStart,
  cpuMs: (cpu.user + cpu.system) / 1000,
  rssMaxBytes,
  rssMaxAtS,
  samples,
  heapLiveEndBytes: process.memoryUsage().heapUsed,
} as const;

let result: MeasureResult = base;
if (agent && config && flushesAtStart) {
  const stats = agent.stats().store;
  await agent.stop();
  const instance = await DuckDBInstance.create(config.store.path);
  const connection = await instance.connect();
  const query = 'SELECT count(*) FILTER (WHERE t >= $1 AND t < $2) AS in_window, count(*) AS total FROM raw_readings';
  const [row] = (await connection.runAndReadAll(query, [windowStart, actualEnd])).getRowObjectsJS();
  connection.closeSync();
  instance.closeSync();
  const store = {
    inWindow: Number(row?.['in_window']),
    total: Number(row?.['total']),
    fileBytes: statSync(config.store.path).size,
    emptyFileBytes: await emptyStoreBytes(config),
    dropped: stats.rawDropped,
    flushes: stats.flushLatency.count - flushesAtStart.count,
    flushMs: stats.flushLatency.sumMs - flushesAtStart.sumMs,
    flushMaxMs: stats.flushLatency.maxMs,
  };
  result = { ...base, store };
} else {
  await poller!.stop();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
