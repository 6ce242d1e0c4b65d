/**
 * End to end: simulated Modbus devices -> the whole Agent (poller, engine, store) -> a DuckDB file, on one core.
 *
 * Plant: 10,000 int16 points (ppm, resolution 1: the device's own step) on 80 register banks of 125 registers, 8 banks
 * per Modbus TCP port, 10 lines; one read of 125 registers per device and cycle; every point has hi/hihi limits. The
 * simulators run in a child process (random walk of 30 % of the points by one step each second) pinned to CPU 1; the
 * measured process (agent, or the baseline) is another child pinned to CPU 0 with `taskset`, with the Node options of
 * the systemd unit (agent/deploy/hazmon.service: NODE_OPTIONS, ExecStart's options, its other Environment= lines), so its RSS and CPU are
 * its own. Like the unit's agent, the measured script runs as a JavaScript bundle (agent/scripts/build.ts, written
 * under agent/dist/ for the run), not through tsx. Each run: WARMUP s, then MEASURE s measured.
 *
 * Figures, each beside a baseline measured in the same run:
 * - sustained readings/s into the store, every point polled each 50 ms (200k readings/s offered): rows DuckDB holds
 *   with a receive time in the window, counted in the file after a clean stop; also per CPU second of the agent, and
 *   the time the store's flushes held the main thread (a poll that falls due meanwhile is skipped as an overrun).
 *   Baseline: the ModbusPoller alone (no engine, no store) on the same lines and devices.
 * - agent RSS with the 10,000 points polled each second (max over the window). Baseline: the poller alone.
 * - bytes on disk per raw reading after the closing checkpoint (file growth over the same store with its points
 *   registered and no reading, divided by the rows; from the fast run). Baseline:
 *   the uncompressed width of a raw row (26 bytes).
 * Targets from shared/README.md. HAZMON_BENCH_WARMUP_S (default 3), HAZMON_BENCH_MEASURE_S (default 8) and
 * HAZMON_BENCH_FAST_POLL_MS (default 50) change the run.
 *
 * Soak (opt-in, not in CI): HAZMON_SOAK=1 [HAZMON_SOAK_MIN=10] runs only the agent with the 10,000 points polled each
 * second for that many minutes and prints its RSS and DuckDB's buffer-manager bytes every 30 s, then the growth over
 * the second half (the part a memory_limit must hold flat), beside the poller alone over the same time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_BUNDLE, bundleAgent } from '../agent/scripts/build.ts';
import type { MeasureResult } from './agent-bench/measure.ts';

const LINES = 10;
const DEVICES_PER_LINE = 8;
const POINTS_PER_DEVICE = 125;
const POINTS = LINES * DEVICES_PER_LINE * POINTS_PER_DEVICE;
/** 50 ms offers 200k readings/s, more than the target, so the figure is what the agent sustains; 100 ms offers the target's 100k. */
const FAST_POLL_MS = Number(process.env.HAZMON_BENCH_FAST_POLL_MS ?? 50);
const SLOW_POLL_MS = 1000;
const WARMUP_S = Number(process.env.HAZMON_BENCH_WARMUP_S ?? 3);
const MEASURE_S = Number(process.env.HAZMON_BENCH_MEASURE_S ?? 8);
/** point_idx INTEGER + t BIGINT + value_scaled INTEGER + quality UTINYINT + source_t BIGINT + reason UTINYINT. */
const RAW_ROW_WIDTH = 4 + 8 + 4 + 1 + 8 + 1;
const TARGET = { readingsPerS: 100_000, rssMb: 150, bytesPerReading: 4 };
const SOAK_MIN = process.env.HAZMON_SOAK === '1' ? Number(process.env.HAZMON_SOAK_MIN ?? 10) : null;

const SIM = fileURLToPath(new URL('./agent-bench/sim.ts', import.meta.url));
const MEASURE_SOURCE = fileURLToPath(new URL('./agent-bench/measure.ts', import.meta.url));
const pinnable = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const UNIT = readFileSync(fileURLToPath(new URL('../agent/deploy/hazmon.service', import.meta.url)), 'utf8');

/**
 * The Node options the systemd unit runs the agent with (`Environment=NODE_OPTIONS=...` and the options before the
 * script in `ExecStart=`), so RSS is measured as deployed.
 */
function deployedNodeOptions(): string[] {
  const environment = /^Environment=NODE_OPTIONS=(.*)$/m.exec(UNIT)?.[1]?.trim().split(/\s+/) ?? [];
  const [, ...execStart] = /^ExecStart=(.*)$/m.exec(UNIT)?.[1]?.trim().split(/\s+/) ?? [];
  const beforeScript = execStart.findIndex((word) => !word.startsWith('-'));
  return [...environment, ...execStart.slice(0, Math.max(0, beforeScript))];
}
const NODE_OPTIONS = deployedNodeOptions();
/** The unit's other `Environment=NAME=value` lines (glibc's malloc settings), given to the measured process. */
const UNIT_ENVIRONMENT = Object.fromEntries(
  [...UNIT.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)].filter(([, name]) => name !== 'NODE_OPTIONS').map(([, name, value]) => [name!, value!.trim()]),
);

/** `node --expose-gc [the unit's options] [--import tsx for a .ts] SCRIPT ...args`, pinned to one CPU when taskset works. */
function nodeCommand(cpu: number, script: string, args: readonly string[]): [string, string[]] {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const node = [process.execPath, '--expose-gc', ...NODE_OPTIONS, ...loader, script, ...args];
  return pinnable ? ['taskset', ['-c', String(cpu), ...node]] : [node[0]!, node.slice(1)];
}

const deviceId = (line: number, device: number) => `B${line + 1}-${device + 1}`;

function siteSpec(): object {
  return {
    name: 'agent-bench',
    speed: 1,
    pointsPerDevice: POINTS_PER_DEVICE,
    tcp: Array.from({ length: LINES }, (_, line) => ({
      name: `line${line + 1}`,
      port: 0,
      devices: Array.from({ length: DEVICES_PER_LINE }, (_, device) => ({
        id: deviceId(line, device),
        unitId: device + 1,
        model: 'register-bank',
        options: { generate: [{ namePrefix: 'p', count: POINTS_PER_DEVICE, table: 'holding', type: 'int16', start: 100, step: 0 }] },
      })),
    })),
  };
}

/** A profile folder holding the bench's register bank with every point polled at `pollMs`. */
function writeProfiles(dir: string, pollMs: number): string {
  const profiles = join(dir, `profiles-${pollMs}`);
  mkdirSync(profiles);
  writeFileSync(
    join(profiles, 'bench-bank.yaml'),
    `model: bench-bank
description: ${POINTS_PER_DEVICE} gas readings in ppm, one int16 holding register each
defaults: { table: holding }
points:
  - { id: "p{n}", address: 0, repeat: { count: ${POINTS_PER_DEVICE}, step: 1 }, type: int16, unit: ppm, intervalMs: ${pollMs} }
`,
  );
  return profiles;
}

/** The lines and devices, as the config's sections hold them (JSON is YAML). */
function pollerPlan(ports: readonly number[]) {
  return {
    lines: ports.map((port, line) => ({ id: `line${line + 1}`, kind: 'tcp', host: '127.0.0.1', port })),
    devices: Array.from({ length: LINES * DEVICES_PER_LINE }, (_, i) => {
      const line = Math.floor(i / DEVICES_PER_LINE);
      return { id: deviceId(line, i % DEVICES_PER_LINE), profile: 'bench-bank', line: `line${line + 1}`, unitId: (i % DEVICES_PER_LINE) + 1 };
    }),
  };
}

function agentConfig(ports: readonly number[], storePath: string): string {
  const plan = pollerPlan(ports);
  const points = plan.devices.flatMap((device) =>
    Array.from({ length: POINTS_PER_DEVICE }, (_, p) => `  - { id: ${device.id}.p${p + 1}, rules: { limits: { hi: 2000, hihi: 4000 }, deadband: 10 } }`),
  );
  const list = (items: readonly object[]) => items.map((item) => `  - ${JSON.stringify(item)}`).join('\n');
  return `site: { id: bench, name: Agent bench }
lines:
${list(plan.lines)}
devices:
${list(plan.devices)}
points:
${points.join('\n')}
store: { path: ${JSON.stringify(storePath)} }
`;
}

/** Runs the simulator child; resolves once it printed its endpoints. */
async function startSimulator(specPath: string): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const [command, args] = nodeCommand(1, SIM, [specPath]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let text = '';
  const endpoints = await new Promise<{ deviceId: string; port?: number }[]>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) resolve((JSON.parse(text.slice(0, newline)) as { endpoints: { deviceId: string; port?: number }[] }).endpoints);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code} before listening`)));
  });
  const ports = Array.from({ length: LINES }, (_, line) => endpoints.find((endpoint) => endpoint.deviceId === deviceId(line, 0))!.port!);
  return {
    ports,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One measured child run; its JSON line. */
function measure(bundle: string, mode: 'agent' | 'poller', configPath: string, profilesDir: string, measureS = MEASURE_S): MeasureResult {
  const [command, args] = nodeCommand(0, bundle, [mode, configPath, profilesDir, String(WARMUP_S), String(measureS)]);
  const env = { ...process.env, ...UNIT_ENVIRONMENT };
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
  // Libraries may log to stdout too (node-opcua warns about the Node version): take the result line.
  const line = result.stdout.split('\n').findLast((candidate) => candidate.startsWith('{"mode"')) ?? '';
  if (result.status !== 0 || line === '') throw new Error(`${mode} run failed (exit ${result.status ?? result.signal}): ${result.stdout}`);
  return JSON.parse(line) as MeasureResult;
}

const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const fmt = (value: number, digits = 0) => value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => bytes / 2 ** 20;

/** The soak's curve: RSS every 30 s and the growth over the second half, beside the poller alone (a short run). */
function soak({ agent, baseline }: { agent: MeasureResult; baseline: MeasureResult }): void {
  console.log(`\nsoak: ${fmt(POINTS)} points polled each second for ${SOAK_MIN} min; RSS and DuckDB buffer-manager MB every 30 s`);
  for (const sample of agent.samples) {
    console.log(`  ${String(sample.atS).padStart(5)} s  RSS ${fmt(mb(sample.rssBytes), 1)} MB  DuckDB ${fmt(mb(sample.duckdbBytes ?? 0), 1)} MB`);
  }
  const half = agent.samples.filter((sample) => sample.atS >= (SOAK_MIN! * 60) / 2);
  const first = half[0];
  const last = half.at(-1);
  if (first && last) {
    console.log(
      `  growth over the second half (${first.atS}-${last.atS} s): ${fmt(mb(last.rssBytes - first.rssBytes), 1)} MB RSS; max ${fmt(mb(agent.rssMaxBytes), 1)} MB at ${fmt(agent.rssMaxAtS)} s ` +
        `(baseline poller alone: ${fmt(mb(baseline.rssMaxBytes), 1)} MB max; target <= ${TARGET.rssMb} MB); ${fmt(perSecond(agent.store!.inWindow, agent.windowMs))} readings/s stored`,
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hazmon-agent-bench-'));
// Under agent/dist/ as the unit's bundle: its externals (DuckDB, serialport, node-opcua) resolve through agent/node_modules.
mkdirSync(dirname(AGENT_BUNDLE), { recursive: true });
const bundleDir = mkdtempSync(join(dirname(AGENT_BUNDLE), 'bench-'));
try {
  const measureBundle = join(bundleDir, 'measure.mjs');
  await bundleAgent({ entry: MEASURE_SOURCE, outfile: measureBundle });
  const specPath = join(dir, 'site.json');
  writeFileSync(specPath, JSON.stringify(siteSpec()));
  const simulator = await startSimulator(specPath);
  try {
    console.log(
      `agent end to end: ${fmt(POINTS)} points (${LINES} lines x ${DEVICES_PER_LINE} devices x ${POINTS_PER_DEVICE} registers), every point with hi/hihi limits; ` +
        `${WARMUP_S} s warm-up + ${MEASURE_S} s measured per run; ${pinnable ? 'measured process pinned to CPU 0, simulators to CPU 1' : 'taskset not available: nothing pinned'}; ` +
        `Node options of the systemd unit: ${NODE_OPTIONS.join(' ') || 'none'}; its environment: ${Object.entries(UNIT_ENVIRONMENT).map(([name, value]) => `${name}=${value}`).join(' ') || 'none'}; ` +
        'measured process runs a bundle without tsx',
    );
    const run = (pollMs: number, name: string, measureS = MEASURE_S) => {
      const profiles = writeProfiles(dir, pollMs);
      const configPath = join(dir, `${name}.yaml`);
      writeFileSync(configPath, agentConfig(simulator.ports, join(dir, `${name}.duckdb`)));
      const planPath = join(dir, `${name}-poller.json`);
      writeFileSync(planPath, JSON.stringify(pollerPlan(simulator.ports)));
      const baseline = measure(measureBundle, 'poller', planPath, profiles, SOAK_MIN === null ? measureS : MEASURE_S);
      const agent = measure(measureBundle, 'agent', configPath, profiles, measureS);
      return { agent, baseline };
    };
    if (SOAK_MIN !== null) {
      soak(run(SLOW_POLL_MS, 'soak', SOAK_MIN * 60));
    } else {
      const fast = run(FAST_POLL_MS, 'fast');
      const store = fast.agent.store!;
      const stored = perSecond(store.inWindow, fast.agent.windowMs);
      const polled = perSecond(fast.baseline.received, fast.baseline.windowMs);
      const storedPerCpu = store.inWindow / (fast.agent.cpuMs / 1000);
      const polledPerCpu = fast.baseline.received / (fast.baseline.cpuMs / 1000);
      const core = (result: MeasureResult) => `${fmt((result.cpuMs / result.windowMs) * 100)} % of a core`;
      console.log(`\nreadings/s, every point each ${FAST_POLL_MS} ms (${fmt(perSecond(POINTS, FAST_POLL_MS))}/s offered)`);
      console.log(`  baseline ModbusPoller alone         : ${fmt(polled)} readings/s received, ${fmt(polledPerCpu)} per CPU second (${core(fast.baseline)})`);
      console.log(`  agent -> DuckDB (rows in the file)  : ${fmt(stored)} readings/s stored, ${fmt(storedPerCpu)} per CPU second (${core(fast.agent)}); ${fmt(store.dropped)} dropped`);
      console.log(`  ratio agent / poller alone          : ${fmt(stored / polled, 2)}x stored/s, ${fmt(storedPerCpu / polledPerCpu, 2)}x per CPU second  (target >= ${fmt(TARGET.readingsPerS)} readings/s sustained on one core)`);
      console.log(
        `  store flushes in the window         : ${store.flushes}, ${fmt(store.flushMs)} ms on the main thread (${fmt((store.flushMs / fast.agent.windowMs) * 100, 1)} % of the window), longest ${fmt(store.flushMaxMs)} ms`,
      );

      const bytesPerReading = (store.fileBytes - store.emptyFileBytes) / store.total;
      console.log(
        `\nbytes on disk per raw reading after the closing checkpoint: ${fmt(bytesPerReading, 2)} (growth over the store with its points registered: ` +
          `${fmt(mb(store.fileBytes - store.emptyFileBytes), 2)} MB / ${fmt(store.total)} rows; whole file ${fmt(store.fileBytes / store.total, 2)})`,
      );
      console.log(`  baseline uncompressed row           : ${RAW_ROW_WIDTH} bytes; ratio ${fmt(bytesPerReading / RAW_ROW_WIDTH, 3)}x  (target <= ${TARGET.bytesPerReading})`);

      const slow = run(SLOW_POLL_MS, 'slow');
      const rss = (result: MeasureResult) =>
        `${fmt(mb(result.rssMaxBytes), 1)} MB max (modules loaded ${fmt(mb(result.rssImportedBytes), 1)} MB, configured ${fmt(mb(result.rssConfiguredBytes), 1)} MB, live heap at the end ${fmt(mb(result.heapLiveEndBytes), 1)} MB)`;
      console.log(`\nRSS with ${fmt(POINTS)} points polled each second; the agent's config of ${fmt(POINTS)} points loaded in ${fmt(slow.agent.configLoadMs)} ms`);
      console.log(`  baseline ModbusPoller alone         : ${rss(slow.baseline)}, ${fmt(perSecond(slow.baseline.received, slow.baseline.windowMs))} readings/s`);
      console.log(`  agent                               : ${rss(slow.agent)}, ${fmt(perSecond(slow.agent.store!.inWindow, slow.agent.windowMs))} readings/s stored, ${core(slow.agent)}`);
      console.log(`  ratio agent / poller alone          : ${fmt(slow.agent.rssMaxBytes / slow.baseline.rssMaxBytes, 2)}x  (target <= ${TARGET.rssMb} MB)`);
    }
  } finally {
    await simulator.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
}
