/**
 * Helper child of bench/agent.bench.ts, run bundled like the agent. Two modes, each printing one JSON line:
 * - `poller PLAN.json PROFILES_DIR WARMUP_S MEASURE_S`: the baseline, a ModbusPoller alone on the agent's lines and
 *   devices built straight from the profile (no agent config, engine or store, no DuckDB loaded), handing out rows
 *   as it does to the agent; readings received and CPU time over the window. Its RSS is sampled from outside, as the agent's is.
 * - `store CONFIG.yaml FROM TO`: after `hazmon run` stopped, the rows its DuckDB file holds with a receive time in
 *   [FROM, TO), all rows, the file's size, and the size of a store beside it with the same points registered and no
 *   reading (what the readings add to).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModbusPoller, createModbusDevice, parseProfile, type LineConfig, type ModbusDeviceConfig } from '@hazmon/protocols';

export interface PollerResult {
  readonly received: number;
  readonly windowMs: number;
  readonly cpuMs: number;
}

export interface StoreFigures {
  readonly inWindow: number;
  readonly total: number;
  /** File size after the closing checkpoint, and of the same store with its points registered and no reading. */
  readonly fileBytes: number;
  readonly emptyFileBytes: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pollerAlone(planPath: string, profilesDir: string, warmupS: number, measureS: number): Promise<PollerResult> {
  const file = join(profilesDir, 'bench-bank.yaml');
  const profile = parseProfile(readFileSync(file, 'utf8'), file);
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as { lines: LineConfig[]; devices: ModbusDeviceConfig[] };
  let received = 0;
  // Rows, as the agent takes them: the poller's own cost, with no Reading objects for good values.
  const devices = plan.devices.map((device) => createModbusDevice(profile, device));
  const poller = new ModbusPoller({ lines: plan.lines, devices, pointIndex: () => -1, onRows: (rows) => void (received += rows.length) });
  poller.start();
  await sleep(warmupS * 1000);
  const start = Date.now();
  const receivedAtStart = received;
  const cpuAtStart = process.cpuUsage();
  await sleep(measureS * 1000);
  const cpu = process.cpuUsage(cpuAtStart);
  const result = { received: received - receivedAtStart, windowMs: Date.now() - start, cpuMs: (cpu.user + cpu.system) / 1000 };
  await poller.stop();
  return result;
}

async function storeFigures(configPath: string, from: number, to: number): Promise<StoreFigures> {
  // Loaded here only: the poller baseline must not carry DuckDB's library.
  const [{ DuckDBInstance }, { HazmonStore, loadAgentConfig }] = await Promise.all([import('@duckdb/node-api'), import('@hazmon/agent')]);
  const config = loadAgentConfig(configPath);
  const instance = await DuckDBInstance.create(config.store.path);
  const connection = await instance.connect();
  const query = 'SELECT count(*) FILTER (WHERE t >= $1 AND t < $2) AS in_window, count(*) AS total FROM raw_readings';
  const [row] = (await connection.runAndReadAll(query, [from, to])).getRowObjectsJS();
  connection.closeSync();
  instance.closeSync();
  const emptyPath = `${config.store.path}.empty.duckdb`;
  const empty = await HazmonStore.open({ path: emptyPath, retentionIntervalMs: 0 });
  await empty.registerPoints(config.storePoints);
  await empty.checkpoint();
  await empty.close();
  return { inWindow: Number(row?.['in_window']), total: Number(row?.['total']), fileBytes: statSync(config.store.path).size, emptyFileBytes: statSync(emptyPath).size };
}

const [mode, ...args] = process.argv.slice(2);
let result: PollerResult | StoreFigures;
if (mode === 'poller' && args.length === 4) result = await pollerAlone(args[0]!, args[1]!, Number(args[2]), Number(args[3]));
else if (mode === 'store' && args.length === 3) result = await storeFigures(args[0]!, Number(args[1]), Number(args[2]));
else throw new Error(`usage: measure poller PLAN PROFILES_DIR WARMUP_S MEASURE_S | measure store CONFIG FROM TO (got ${process.argv.slice(2).join(' ')})`);
process.stdout.write(`${JSON.stringify(result)}\n`);
