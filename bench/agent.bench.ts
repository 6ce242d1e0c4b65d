/**
 * End to end: simulated Modbus devices -> `hazmon run` (poller, engine, store) -> a DuckDB file, on one core.
 *
 * Plant: 10,000 int16 points (ppm, resolution 1: the device's own step) on 80 register banks of 125 registers, 8 banks
 * per Modbus TCP port, 10 lines; one read of 125 registers per device and cycle; every point has hi/hihi limits. The
 * simulators run in a child process (random walk of 30 % of the points by one step each second) pinned to CPU 1. The
 * measured process is the agent exactly as the systemd unit starts it: `node [the unit's Node options] hazmon.mjs run
 * site.yaml` (the bundle of gateway/scripts/build.ts, written under agent/dist/ for the run) with the unit's environment,
 * pinned to CPU 0 with `taskset`. The config holds the plant (a `profiles.dir` with the bench's register bank) and a
 * loopback /metrics listener, scraped at the window's start and end for the store's figures. Nothing is added to the
 * process for measuring: its RSS (anonymous and file-backed pages) is read from /proc/PID/status every 50 ms from its
 * spawn to its exit, its CPU time from /proc/PID/stat. Each run: WARMUP s after "started", MEASURE s measured, then
 * SIGTERM (the agent commits and closes the store) and the file is read.
 *
 * Figures, each beside a baseline measured in the same run:
 * - sustained readings/s into the store, every point polled each 50 ms (200k readings/s offered): rows DuckDB holds
 *   with a receive time in the window, counted in the file after the stop; also per CPU second of the agent, the
 *   store's commits (wall time: the COMMIT runs on a libuv thread) and the longest main-thread stall in the window
 *   (the agent's `event_loop_lag_window_max_seconds`, a histogram of each 1-s window's largest event-loop delay, read
 *   at the window's start and end: no scraping in between adds to what is measured), beside the longest delay an idle
 *   process pinned to the same CPU saw in the same window (the CPU's own wait on a shared machine: what the agent's
 *   figure holds that is not its own), and the same windows by their busy part (`event_loop_busy_window_max_seconds`:
 *   each delay no longer than the loop thread's own CPU time in it, from the kernel's count). Then the stall once more with the agent and the idle process at nice
 *   HAZMON_BENCH_STALL_NICE (default -15; needs root), ahead of the machine's other work on that CPU.
 *   Baseline: the ModbusPoller alone (no engine, no store) on the same lines and devices.
 * - agent RSS with the 10,000 points polled each second: the max over the whole run (start-up, window, stop) and the
 *   window's samples; each alternated run's max with the max of each phase (start-up, warm-up, window, stop). Baseline: the poller alone.
 * - bytes on disk per raw reading after the closing checkpoint (file growth over the same store with its points
 *   registered and no reading, divided by the rows; from the fast run). Baseline: the uncompressed width of a raw row.
 * Targets from shared/README.md ("MB" there is read as 10^6 bytes: 150 MB = 143.05 MiB; figures here are MiB).
 * HAZMON_BENCH_WARMUP_S (default 60: V8 tiers up the functions called a few hundred times a second only 20-45 s after
 * the start, and the unit's `--optimize-for-size` has its memory reducer run up to three full GCs ~8 s after the
 * start-up's; a window before them measures start-up and the compiler, not the running agent: bench/RESULTS.md "The
 * memory reducer under `--optimize-for-size`" and "the bench's window still holds the JIT's work"; /metrics is scraped
 * twice during the warm-up, as Prometheus scrapes a deployed agent, because an agent's first HTTP answers deoptimize
 * Node's socket paths, which are recompiled for ~10 s after), HAZMON_BENCH_MEASURE_S (default 8) and
 * HAZMON_BENCH_FAST_POLL_MS (default 50) change the run.
 *
 * Old against new on this shared machine (load swings figures 1.5-2x between runs, so two benches minutes apart
 * compare nothing): HAZMON_BENCH_BASELINE_BUNDLE=PATH (a hazmon.mjs built by gateway/scripts/build.ts from the old
 * commit, in a tree with its node_modules) alternates that bundle and this tree's at the fast poll,
 * HAZMON_BENCH_ROUNDS (default 3) pairs in turn, each order equally often, printing each run's figures with the load
 * average and the median ratio new / old per CPU second. HAZMON_BENCH_BASELINE_UNIT=PATH makes the old side a unit
 * file's flags (this tree's bundle, or the baseline bundle, run with that file's Node options and environment): V8 flags
 * against V8 flags; with HAZMON_BENCH_FAST_POLL_MS=1000 the pairs show RSS at 1-s polls. HAZMON_BENCH_UNIT=PATH measures
 * the new side and every other run with that unit file instead of gateway/deploy/hazmon.service.
 * HAZMON_BENCH_MAX_IN_FLIGHT (default 1) is the plant's lines' `timing.maxInFlight` (Modbus TCP requests a line sends
 * before their answers come; 8 is one request per device of a line), for the agent and the poller alone alike;
 * HAZMON_BENCH_BASELINE_MAX_IN_FLIGHT=N alternates too (alone: this tree's bundle on both sides) with the old side's
 * lines at N, and runs the poller alone at both settings.
 * HAZMON_BENCH_ALTERNATE_ONLY=1 stops after the pairs (no single run, stall run or RSS run: a shorter turn of the
 * machine's bench lock). HAZMON_BENCH_STALL_ONLY=1 runs the pairs at HAZMON_BENCH_STALL_NICE, with no poller baseline and
 * nothing after them, and sums each side's 1-s windows by their largest delay (whole and busy part) over its runs: old
 * against new for the stall alone, with HAZMON_BENCH_MEASURE_S longer for more windows per warm-up. HAZMON_BENCH_CPU_PROF=DIR runs the measured agent with `--cpu-prof` into DIR (profiling
 * slows it: figures of such a run are not the agent's); HAZMON_BENCH_PERF_MAP=1 with `--perf-basic-prof`, so that
 * `perf record -p PID` names its JavaScript functions.
 *
 * Soak (opt-in, not in CI): HAZMON_SOAK=1 [HAZMON_SOAK_MIN=10] runs only the agent with the 10,000 points polled each
 * second for that many minutes and prints its RSS (anonymous / file-backed) and V8 heap in use every 30 s, then the
 * growth over the second half and the max with when it was seen, beside the poller alone. HAZMON_SOAK_TRACE=FILE writes
 * every memory sample and a scrape of the store's counters every HAZMON_SOAK_TRACE_SCRAPE_S s (default 1; 0 none:
 * the scrapes are work for the agent) (reopens, rows written, queue depth, V8 heap) to FILE as JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_BUNDLE, bundleGateway } from '../gateway/scripts/build.ts';
import type { PollerResult, StoreFigures } from './agent-bench/measure.ts';
import {
  agentConfig,
  bucketCountsIn,
  countIn,
  DEPLOYED_UNIT,
  DEVICES_PER_LINE,
  fmt,
  LINES,
  lineMatching,
  longestUpTo,
  metric,
  mib,
  NODE_OPTIONS,
  nodeCommand,
  pinnable,
  POINTS,
  POINTS_PER_DEVICE,
  pollerPlan,
  sleep,
  startSimulator,
  UNIT_ENVIRONMENT,
  type UnitSettings,
  unitSettings,
  upTo,
  writeProfiles,
} from './agent-bench/plant.ts';
import { atNice, mayRunAtNice } from './agent-bench/priority.ts';
import { cpuMsOf, memoryOf, sampleMemory, type MemorySample } from './agent-bench/process-memory.ts';
import { recordFigure } from './figures.ts';

/** 50 ms offers 200k readings/s, more than the target, so the figure is what the agent sustains; 100 ms offers the target's 100k. */
const FAST_POLL_MS = Number(process.env.HAZMON_BENCH_FAST_POLL_MS ?? 50);
const SLOW_POLL_MS = 1000;
const WARMUP_S = Number(process.env.HAZMON_BENCH_WARMUP_S ?? 60);
/** When, as fractions of the warm-up, /metrics is scraped before the window (the window's own first scrape then finds the socket paths settled). */
const WARMUP_SCRAPES = [1 / 3, 2 / 3];
const MEASURE_S = Number(process.env.HAZMON_BENCH_MEASURE_S ?? 8);
/** point_idx INTEGER + t BIGINT + value_scaled INTEGER + quality UTINYINT + source_t BIGINT + reason UTINYINT. */
const RAW_ROW_WIDTH = 4 + 8 + 4 + 1 + 8 + 1;
/** RSS target: 150 MB = 150,000,000 bytes, for the whole run, momentary peaks included. */
const TARGET = { readingsPerS: 100_000, rssBytes: 150_000_000, bytesPerReading: 4, stallMs: 20 };
/** How often the measured process's RSS is read. */
const SAMPLE_MS = 50;
const SOAK_MIN = process.env.HAZMON_SOAK === '1' ? Number(process.env.HAZMON_SOAK_MIN ?? 10) : null;
/** The soak's every memory sample and a scrape of the store's counters each second, as JSON, for finding what a peak coincides with. */
const SOAK_TRACE = process.env.HAZMON_SOAK_TRACE;
/** Seconds between the trace's scrapes (0: none, the memory samples only: a scrape each second is itself work for the agent). */
const SOAK_TRACE_SCRAPE_S = Number(process.env.HAZMON_SOAK_TRACE_SCRAPE_S ?? 1);
const TRACED_METRICS = ['store_scheduled_reopens_total', 'store_raw_rows_written_total', 'store_queue_depth', 'process_heap_used_bytes'] as const;
const BASELINE_BUNDLE = process.env.HAZMON_BENCH_BASELINE_BUNDLE;
const BASELINE_UNIT = process.env.HAZMON_BENCH_BASELINE_UNIT;
/** Requests in flight on each of the plant's lines, new side and old (`timing.maxInFlight`). */
const MAX_IN_FLIGHT = inFlightSetting('HAZMON_BENCH_MAX_IN_FLIGHT') ?? 1;
const BASELINE_MAX_IN_FLIGHT = inFlightSetting('HAZMON_BENCH_BASELINE_MAX_IN_FLIGHT');
const ROUNDS = Number(process.env.HAZMON_BENCH_ROUNDS ?? 3);
const ALTERNATING = BASELINE_BUNDLE !== undefined || BASELINE_UNIT !== undefined || BASELINE_MAX_IN_FLIGHT !== undefined;
/** The pairs at HAZMON_BENCH_STALL_NICE only, without the poller's baseline run, each side's windows summed by bucket. */
const STALL_ONLY = ALTERNATING && process.env.HAZMON_BENCH_STALL_ONLY === '1';
const ALTERNATE_ONLY = STALL_ONLY || (ALTERNATING && process.env.HAZMON_BENCH_ALTERNATE_ONLY === '1');
const PROFILE_OPTIONS = [
  ...(process.env.HAZMON_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HAZMON_BENCH_CPU_PROF}`] : []),
  ...(process.env.HAZMON_BENCH_PERF_MAP === '1' ? ['--perf-basic-prof'] : []),
];

function inFlightSetting(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 16) throw new Error(`${name} must be an integer 1..16 (got ${JSON.stringify(text)})`);
  return value;
}

const HELPER_SOURCE = fileURLToPath(new URL('./agent-bench/measure.ts', import.meta.url));
const perSecond = (count: number, ms: number) => (count / ms) * 1000;

const scrape = async (url: string) => (await fetch(url)).text();

interface AgentRun {
  readonly windowMs: number;
  readonly cpuMs: number;
  /** Every sample from spawn to exit, and when the window began and ended (ms from spawn). */
  readonly samples: readonly MemorySample[];
  readonly windowFromMs: number;
  readonly windowToMs: number;
  readonly stopAtMs: number;
  readonly startedAtMs: number;
  readonly store: StoreFigures;
  readonly dropped: number;
  /** Store commits in the window: how many, time in them, the smallest bucket bound holding the longest. */
  readonly flushes: number;
  readonly flushMs: number;
  readonly flushLongestUpToMs: number;
  /** V8 heap in use at the window's end (from /metrics). */
  readonly heapUsedBytes: number;
  /**
   * The agent's 1-s lag windows that ended in the window (`event_loop_lag_window_max_seconds`, each window's largest
   * event-loop delay), the smallest bucket bound holding the longest, and how many were over the target.
   */
  readonly stallWindows: number;
  readonly longestStallUpToMs: number;
  readonly windowsOverTarget: number;
  /**
   * The same windows by their busy part (`event_loop_busy_window_max_seconds`: each delay no longer than the loop
   * thread's own CPU time in it), NaN for an agent without that histogram: the agent's own work apart from the CPU's waits.
   */
  readonly longestBusyUpToMs: number;
  readonly busyWindowsOverTarget: number;
  /** The windows by their largest delay (whole, busy part), each bucket's own count: [upper bound ms, windows]; empty when not measured. */
  readonly stallBuckets: readonly [number, number][];
  readonly busyBuckets: readonly [number, number][];
  /** Largest event-loop delay of an idle process on the agent's CPU over the window, ms. */
  readonly canaryStallMs: number;
}

/**
 * The niceness of the stall run: the agent and the idle process beside it ahead of the machine's other work on their
 * CPU (CFS gives a nice -15 process ~28x the share of a nice 0 one), so what the stall figure holds is the agent's own.
 */
const STALL_NICE = Number(process.env.HAZMON_BENCH_STALL_NICE ?? -15);
/** Negative niceness needs root (or CAP_SYS_NICE): without it the stall run is skipped, and says so. */
const canRaisePriority = mayRunAtNice(STALL_NICE);

/** An idle process's event-loop delay: each line on its stdin is answered with the largest delay (ms) since the last. */
const CANARY_SOURCE = `const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }); h.enable();
require('node:readline').createInterface({ input: process.stdin }).on('line', () => { console.log(String(h.count > 0 ? h.max / 1e6 : 0)); h.reset(); });`;

/** The canary on `cpu`; `mark()` resolves with its largest delay since the previous mark. */
function startCanary(cpu: number, nice: number): { mark(): Promise<number>; stop(): void } {
  const [command, args] = atNice(nice, nodeCommand(cpu, '-e', [CANARY_SOURCE]));
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return {
    mark: async () => {
      const answer = lineMatching(child, /^([\d.]+)\n/m, 'canary');
      child.stdin!.write('\n');
      const [, ms] = await answer;
      return Number(ms);
    },
    stop: () => child.kill(),
  };
}

/**
 * `hazmon run CONFIG` as the unit runs it, measured from outside; `everyS` prints a sample line that often (the soak);
 * `nice` runs it and the idle process beside it at that niceness.
 */
async function runAgent(bundle: string, helper: string, configPath: string, measureS: number, everyS: number | null, nice = 0, unit: UnitSettings = DEPLOYED_UNIT): Promise<AgentRun> {
  const [command, args] = atNice(nice, nodeCommand(0, bundle, ['run', configPath], PROFILE_OPTIONS, unit.nodeOptions));
  const child = spawn(command, args, { env: { ...process.env, ...unit.environment }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const memory = sampleMemory(child.pid!, SAMPLE_MS);
  const canary = startCanary(0, nice);
  const spawnedAt = performance.now();
  const sinceSpawn = () => performance.now() - spawnedAt;
  try {
    const [, url] = await lineMatching(child, /metrics at (\S+)\/metrics/, 'hazmon run');
    const startedAtMs = sinceSpawn();
    const metricsUrl = `${url}/metrics`;
    const scrapes: Record<string, number>[] = [];
    const tracer =
      SOAK_TRACE !== undefined && everyS !== null && SOAK_TRACE_SCRAPE_S > 0
        ? setInterval(() => {
            const atMs = sinceSpawn();
            void scrape(metricsUrl).then(
              (text) => scrapes.push({ atMs, ...Object.fromEntries(TRACED_METRICS.map((name) => [name, metric(text, name)])) }),
              () => undefined,
            );
          }, SOAK_TRACE_SCRAPE_S * 1000)
        : undefined;
    for (const [index, at] of WARMUP_SCRAPES.entries()) {
      await sleep((at - (WARMUP_SCRAPES[index - 1] ?? 0)) * WARMUP_S * 1000);
      await scrape(metricsUrl);
    }
    await sleep((1 - WARMUP_SCRAPES.at(-1)!) * WARMUP_S * 1000);
    const windowStart = Date.now();
    const windowFromMs = sinceSpawn();
    const cpuAtStart = cpuMsOf(child.pid!);
    const before = await scrape(metricsUrl);
    await canary.mark();
    const windowEnd = windowStart + measureS * 1000;
    for (let next = windowStart + (everyS ?? measureS) * 1000; everyS !== null && next <= windowEnd; next += everyS * 1000) {
      await sleep(next - Date.now());
      const now = memoryOf(child.pid!);
      const heap = metric(await scrape(metricsUrl), 'process_heap_used_bytes');
      if (now)
        console.log(
          `  ${fmt((next - windowStart) / 1000).padStart(5)} s  RSS ${fmt(mib(now.rssBytes), 1)} MiB (anonymous ${fmt(mib(now.anonBytes), 1)}, file-backed ${fmt(mib(now.fileBytes), 1)}), V8 heap used ${fmt(mib(heap), 1)}`,
        );
    }
    await sleep(windowEnd - Date.now());
    const canaryStallMs = await canary.mark();
    const after = await scrape(metricsUrl);
    const actualEnd = Date.now();
    const windowToMs = sinceSpawn();
    const cpuMs = cpuMsOf(child.pid!) - cpuAtStart;
    const stopAtMs = sinceSpawn();
    clearInterval(tracer);
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`hazmon run exited with ${code}`);
    memory.stop();
    if (SOAK_TRACE !== undefined && everyS !== null) writeFileSync(SOAK_TRACE, JSON.stringify({ startedAtMs, windowFromMs, samples: memory.samples, scrapes }));
    const flushes = countIn(before, after, 'store_flush_duration_seconds');
    // An older agent (a baseline bundle) has no histogram of its windows' largest delays: its stall is not shown.
    const stallWindows = before.includes('hazmon_event_loop_lag_window_max_seconds_count') ? countIn(before, after, 'event_loop_lag_window_max_seconds') : Number.NaN;
    const busyMeasured = before.includes('hazmon_event_loop_busy_window_max_seconds_count');
    const figures = spawnSync(process.execPath, [...NODE_OPTIONS, helper, 'store', configPath, String(windowStart), String(actualEnd)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (figures.status !== 0) throw new Error(`store figures failed (exit ${figures.status ?? figures.signal})`);
    return {
      windowMs: actualEnd - windowStart,
      cpuMs,
      samples: memory.samples,
      windowFromMs,
      windowToMs,
      stopAtMs,
      startedAtMs,
      store: JSON.parse(figures.stdout.split('\n').findLast((line) => line.startsWith('{'))!) as StoreFigures,
      dropped: metric(after, 'store_readings_dropped_total'),
      flushes,
      flushMs: (metric(after, 'store_flush_duration_seconds_sum') - metric(before, 'store_flush_duration_seconds_sum')) * 1000,
      flushLongestUpToMs: longestUpTo(before, after, 'store_flush_duration_seconds') * 1000,
      heapUsedBytes: metric(after, 'process_heap_used_bytes'),
      longestStallUpToMs: Number.isNaN(stallWindows) ? Number.NaN : longestUpTo(before, after, 'event_loop_lag_window_max_seconds') * 1000,
      stallWindows,
      windowsOverTarget: Number.isNaN(stallWindows) ? Number.NaN : stallWindows - upTo(before, after, 'event_loop_lag_window_max_seconds', TARGET.stallMs / 1000),
      longestBusyUpToMs: busyMeasured ? longestUpTo(before, after, 'event_loop_busy_window_max_seconds') * 1000 : Number.NaN,
      busyWindowsOverTarget: busyMeasured ? stallWindows - upTo(before, after, 'event_loop_busy_window_max_seconds', TARGET.stallMs / 1000) : Number.NaN,
      stallBuckets: Number.isNaN(stallWindows) ? [] : bucketsInMs(before, after, 'event_loop_lag_window_max_seconds'),
      busyBuckets: busyMeasured ? bucketsInMs(before, after, 'event_loop_busy_window_max_seconds') : [],
      canaryStallMs,
    };
  } finally {
    memory.stop();
    canary.stop();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const bucketsInMs = (before: string, after: string, name: string): [number, number][] => bucketCountsIn(before, after, name).map(([le, count]) => [le * 1000, count]);

/** Windows summed over runs by bucket, as `<=5: 3, <=10: 40, ...` (empty buckets left out). */
function bucketText(runs: readonly (readonly [number, number][])[]): string {
  const sums = new Map<number, number>();
  for (const run of runs) for (const [le, count] of run) sums.set(le, (sums.get(le) ?? 0) + count);
  return [...sums]
    .filter(([, count]) => count > 0)
    .map(([le, count]) => `<=${fmt(le)}: ${count}`)
    .join(', ');
}

/** The poller alone (the baseline), measured from outside the same way. */
async function runPoller(helper: string, planPath: string, profiles: string, measureS: number): Promise<PollerResult & { readonly rssMaxBytes: number }> {
  const [command, args] = nodeCommand(0, helper, ['poller', planPath, profiles, String(WARMUP_S), String(measureS)]);
  const child = spawn(command, args, { env: { ...process.env, ...UNIT_ENVIRONMENT }, stdio: ['ignore', 'pipe', 'inherit'] });
  const memory = sampleMemory(child.pid!, SAMPLE_MS);
  const [line] = await lineMatching(child, /\{"received".*\}\n/, 'poller');
  memory.stop();
  return { ...(JSON.parse(line) as PollerResult), rssMaxBytes: Math.max(...memory.samples.map((sample) => sample.rssBytes)) };
}

const PHASES = ['start-up', 'warm-up', 'window', 'stop'] as const;

/** The phase of the run a sample was taken in. */
function phaseOf(run: AgentRun, atMs: number): (typeof PHASES)[number] {
  return atMs < run.startedAtMs ? 'start-up' : atMs < run.windowFromMs ? 'warm-up' : atMs <= run.windowToMs ? 'window' : 'stop';
}

/** Max RSS of the samples and where it was seen, and each phase's max; the window's min / median / max. */
function rssFigures(run: AgentRun) {
  const max = run.samples.reduce((best, sample) => (sample.rssBytes > best.rssBytes ? sample : best));
  const phase = phaseOf(run, max.atMs);
  const phaseMax = new Map<(typeof PHASES)[number], number>();
  for (const sample of run.samples) {
    const at = phaseOf(run, sample.atMs);
    phaseMax.set(at, Math.max(phaseMax.get(at) ?? 0, sample.rssBytes));
  }
  const window = run.samples
    .filter((sample) => sample.atMs >= run.windowFromMs && sample.atMs <= run.windowToMs)
    .map((sample) => sample.rssBytes)
    .sort((a, b) => a - b);
  return { max, phase, phaseMax, windowMin: window[0]!, windowMedian: window[Math.floor(window.length / 2)]!, windowMax: window.at(-1)! };
}

/** The longest main-thread stall of a run's window beside the idle process's on the same CPU. */
function stallText(run: AgentRun): string {
  const canary = `an idle process on the same CPU ${fmt(run.canaryStallMs)} ms`;
  if (Number.isNaN(run.stallWindows)) return `not measured (no window histogram in this agent); ${canary}`;
  const busy = Number.isNaN(run.longestBusyUpToMs)
    ? ''
    : `; the agent's own work in it (each delay no longer than the loop thread ran) <= ${fmt(run.longestBusyUpToMs)} ms, ${run.busyWindowsOverTarget} windows over`;
  return `<= ${fmt(run.longestStallUpToMs)} ms, ${run.windowsOverTarget} of ${run.stallWindows} 1-s windows over ${TARGET.stallMs} ms${busy}; ${canary}`;
}

/** The run's max RSS with when it was seen. */
function rssMaxText(run: AgentRun): string {
  const { max, phase, phaseMax, windowMedian } = rssFigures(run);
  const byPhase = PHASES.filter((at) => phaseMax.has(at))
    .map((at) => `${at} ${fmt(mib(phaseMax.get(at)!), 1)}`)
    .join(', ');
  return `${fmt(mib(max.rssBytes), 1)} MiB max RSS (${phase}, ${fmt(max.atMs / 1000, 1)} s after spawn; by phase ${byPhase}; window median ${fmt(mib(windowMedian), 1)})`;
}

const verdict = (bytes: number) =>
  `${fmt(bytes / 1e6, 1)} MB decimal: ${bytes <= TARGET.rssBytes ? 'within' : 'OVER'} the target of ${fmt(TARGET.rssBytes / 1e6)} MB (${fmt(mib(TARGET.rssBytes), 2)} MiB)`;

function printRss(run: AgentRun, baseline: { readonly rssMaxBytes: number }, indent = '  '): void {
  const rss = rssFigures(run);
  console.log(
    `${indent}agent max over the whole run        : ${fmt(mib(rss.max.rssBytes), 1)} MiB at ${fmt(rss.max.atMs / 1000, 1)} s (${rss.phase}; anonymous ${fmt(mib(rss.max.anonBytes), 1)}, file-backed ${fmt(mib(rss.max.fileBytes), 1)}) = ${verdict(rss.max.rssBytes)}`,
  );
  console.log(
    `${indent}agent in the window (every ${SAMPLE_MS} ms)   : min ${fmt(mib(rss.windowMin), 1)}, median ${fmt(mib(rss.windowMedian), 1)}, max ${fmt(mib(rss.windowMax), 1)} MiB; V8 heap used at its end ${fmt(mib(run.heapUsedBytes), 1)} MiB`,
  );
  console.log(`${indent}baseline ModbusPoller alone         : ${fmt(mib(baseline.rssMaxBytes), 1)} MiB max; ratio agent / poller ${fmt(rss.max.rssBytes / baseline.rssMaxBytes, 2)}x`);
  const poller = { name: 'ModbusPoller alone, max', value: mib(baseline.rssMaxBytes) };
  recordFigure({
    name: `RSS of \`hazmon run\`, ${fmt(POINTS)} points polled each second, max over the whole run`,
    value: mib(rss.max.rssBytes),
    unit: 'MiB',
    target: { text: `RSS <= 150 MB (${fmt(mib(TARGET.rssBytes), 2)} MiB), peaks included`, atMost: mib(TARGET.rssBytes) },
    baseline: poller,
  });
  recordFigure({ name: 'RSS of `hazmon run`, window median', value: mib(rss.windowMedian), unit: 'MiB', baseline: poller });
}

/**
 * Runs the old (its bundle with its unit's flags) and the new in turn, ROUNDS pairs, each order equally often, each run
 * on a store of its own, both at `nice`; prints every run's figures with the load average before it, then the median of
 * the pairs' ratios new / old and each side's stall windows summed by bucket.
 */
async function alternate(
  baseline: { readonly bundle: string; readonly unit: UnitSettings; readonly maxInFlight: number },
  agentBundle: string,
  helper: string,
  configFor: (name: string, maxInFlight: number) => string,
  nice: number,
): Promise<void> {
  const perCpu: Record<'old' | 'new', number[]> = { old: [], new: [] };
  const runs: Record<'old' | 'new', AgentRun[]> = { old: [], new: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const which of round % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
      const load = loadavg()[0]!;
      const run =
        which === 'old'
          ? await runAgent(baseline.bundle, helper, configFor(`${which}-${round}`, baseline.maxInFlight), MEASURE_S, null, nice, baseline.unit)
          : await runAgent(agentBundle, helper, configFor(`${which}-${round}`, MAX_IN_FLIGHT), MEASURE_S, null, nice);
      runs[which].push(run);
      const storedPerCpu = run.store.inWindow / (run.cpuMs / 1000);
      perCpu[which].push(storedPerCpu);
      console.log(
        `  round ${round + 1} ${which.padEnd(3)}: ${fmt(perSecond(run.store.inWindow, run.windowMs))} readings/s stored, ${fmt(storedPerCpu)} per CPU second, ` +
          `longest stall ${stallText(run)}, longest commit <= ${fmt(run.flushLongestUpToMs)} ms, ${rssMaxText(run)}, ${fmt(run.dropped)} dropped; load average ${fmt(load, 2)} before it`,
      );
    }
  }
  const ratios = perCpu.new.map((value, i) => value / perCpu.old[i]!).sort((a, b) => a - b);
  console.log(`  new / old per CPU second, by round: median ${fmt(ratios[Math.floor(ratios.length / 2)]!, 2)}x (${ratios.map((ratio) => fmt(ratio, 2)).join(', ')})`);
  for (const which of ['old', 'new'] as const) {
    const sideRuns = runs[which];
    console.log(
      `  ${which} stall windows by their largest delay (ms), ${ROUNDS} runs: whole ${bucketText(sideRuns.map((run) => run.stallBuckets))}; busy part ${bucketText(sideRuns.map((run) => run.busyBuckets))}`,
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hazmon-agent-bench-'));
// Under agent/dist/ as the unit's bundle: its externals (DuckDB, serialport, node-opcua) resolve through agent/node_modules.
mkdirSync(dirname(GATEWAY_BUNDLE), { recursive: true });
const bundleDir = mkdtempSync(join(dirname(GATEWAY_BUNDLE), 'bench-'));
try {
  const agentBundle = join(bundleDir, 'hazmon.mjs');
  const helperBundle = join(bundleDir, 'measure.mjs');
  await Promise.all([bundleGateway({ outfile: agentBundle }), bundleGateway({ entry: HELPER_SOURCE, outfile: helperBundle })]);
  const simulator = await startSimulator(join(dir, 'site.json'));
  try {
    console.log(
      `agent end to end: ${fmt(POINTS)} points (${LINES} lines x ${DEVICES_PER_LINE} devices x ${POINTS_PER_DEVICE} registers), every point with hi/hihi limits; ` +
        `${WARMUP_S} s warm-up + ${SOAK_MIN === null ? MEASURE_S : SOAK_MIN * 60} s measured per run; ${pinnable ? 'measured process pinned to CPU 0, simulators to CPU 1' : 'taskset not available: nothing pinned'}; ` +
        `measured: \`node ${NODE_OPTIONS.join(' ')} hazmon.mjs run site.yaml\` with ${
          Object.entries(UNIT_ENVIRONMENT)
            .map(([name, value]) => `${name}=${value}`)
            .join(' ') || 'no other environment'
        } (the systemd unit's), ` +
        `RSS read from /proc every ${SAMPLE_MS} ms from spawn to exit`,
    );
    const configFor = (name: string, profiles: string, maxInFlight = MAX_IN_FLIGHT) => {
      const configPath = join(dir, `${name}.yaml`);
      // The web server runs as it does on a gateway, on a free port so a bench never collides with a running dashboard.
      writeFileSync(configPath, agentConfig(simulator.ports, join(dir, `${name}.duckdb`), profiles, { sections: 'api: { port: 0 }', maxInFlight }));
      return configPath;
    };
    const planFor = (name: string, maxInFlight: number) => {
      const planPath = join(dir, `${name}-poller.json`);
      writeFileSync(planPath, JSON.stringify(pollerPlan(simulator.ports, maxInFlight)));
      return planPath;
    };
    const prepare = (pollMs: number, name: string) => {
      const profiles = writeProfiles(dir, pollMs);
      return { profiles, configPath: configFor(name, profiles), planPath: planFor(name, MAX_IN_FLIGHT) };
    };
    if (SOAK_MIN !== null) {
      const soak = prepare(SLOW_POLL_MS, 'soak');
      const baseline = await runPoller(helperBundle, soak.planPath, soak.profiles, MEASURE_S);
      console.log(`\nsoak: ${fmt(POINTS)} points polled each second for ${SOAK_MIN} min; every 30 s:`);
      const agent = await runAgent(agentBundle, helperBundle, soak.configPath, SOAK_MIN * 60, 30);
      const half = agent.samples.filter((sample) => sample.atMs >= agent.windowFromMs + (agent.windowToMs - agent.windowFromMs) / 2 && sample.atMs <= agent.windowToMs);
      const average = (samples: readonly MemorySample[], key: 'rssBytes' | 'anonBytes' | 'fileBytes') => samples.reduce((sum, sample) => sum + sample[key], 0) / samples.length;
      // Growth as the mean of the second half's last minute less that of its first minute: single samples swing with each checkpoint.
      const firstMinute = half.filter((sample) => sample.atMs < half[0]!.atMs + 60_000);
      const lastMinute = half.filter((sample) => sample.atMs > half.at(-1)!.atMs - 60_000);
      const growth = (key: 'rssBytes' | 'anonBytes' | 'fileBytes') => fmt(mib(average(lastMinute, key) - average(firstMinute, key)), 1);
      console.log(`  growth over the second half (mean of its last minute less its first): RSS ${growth('rssBytes')} MiB (anonymous ${growth('anonBytes')}, file-backed ${growth('fileBytes')})`);
      printRss(agent, baseline);
      console.log(`  ${fmt(perSecond(agent.store.inWindow, agent.windowMs))} readings/s stored, ${fmt(agent.dropped)} dropped`);
    } else {
      const fast = prepare(FAST_POLL_MS, 'fast');
      const fastBaseline = STALL_ONLY ? null : await runPoller(helperBundle, fast.planPath, fast.profiles, MEASURE_S);
      if (ALTERNATING) {
        const baselineUnit = BASELINE_UNIT === undefined ? DEPLOYED_UNIT : unitSettings(BASELINE_UNIT);
        if (STALL_ONLY && !canRaisePriority) throw new Error(`HAZMON_BENCH_STALL_ONLY runs at nice ${STALL_NICE}: raising the priority needs root or CAP_SYS_NICE`);
        const nice = STALL_ONLY ? STALL_NICE : 0;
        const baselineInFlight = BASELINE_MAX_IN_FLIGHT ?? MAX_IN_FLIGHT;
        console.log(
          `\nold (${BASELINE_BUNDLE ?? 'this tree'}, \`node ${baselineUnit.nodeOptions.join(' ')}\`, ${baselineInFlight} in flight per line) against new (this tree, \`node ${NODE_OPTIONS.join(' ')}\`, ${MAX_IN_FLIGHT} in flight), alternated at nice ${nice}, every point each ${FAST_POLL_MS} ms:`,
        );
        await alternate(
          { bundle: BASELINE_BUNDLE ?? agentBundle, unit: baselineUnit, maxInFlight: baselineInFlight },
          agentBundle,
          helperBundle,
          (name, maxInFlight) => configFor(name, fast.profiles, maxInFlight),
          nice,
        );
        if (fastBaseline !== null && baselineInFlight !== MAX_IN_FLIGHT) {
          const oldPoller = await runPoller(helperBundle, planFor('fast-old', baselineInFlight), fast.profiles, MEASURE_S);
          console.log(`  baseline ModbusPoller alone, ${baselineInFlight} in flight (old side): ${fmt(oldPoller.received / (oldPoller.cpuMs / 1000))} readings per CPU second`);
        }
      }
      if (ALTERNATE_ONLY || fastBaseline === null) {
        if (fastBaseline !== null) console.log(`  baseline ModbusPoller alone, ${MAX_IN_FLIGHT} in flight: ${fmt(fastBaseline.received / (fastBaseline.cpuMs / 1000))} readings per CPU second`);
      } else {
        const fastAgent = await runAgent(agentBundle, helperBundle, fast.configPath, MEASURE_S, null);
        const stored = perSecond(fastAgent.store.inWindow, fastAgent.windowMs);
        const polled = perSecond(fastBaseline.received, fastBaseline.windowMs);
        const storedPerCpu = fastAgent.store.inWindow / (fastAgent.cpuMs / 1000);
        const polledPerCpu = fastBaseline.received / (fastBaseline.cpuMs / 1000);
        const core = (cpuMs: number, windowMs: number) => `${fmt((cpuMs / windowMs) * 100)} % of a core`;
        console.log(`\nreadings/s, every point each ${FAST_POLL_MS} ms (${fmt(perSecond(POINTS, FAST_POLL_MS))}/s offered)`);
        console.log(`  baseline ModbusPoller alone         : ${fmt(polled)} readings/s received, ${fmt(polledPerCpu)} per CPU second (${core(fastBaseline.cpuMs, fastBaseline.windowMs)})`);
        console.log(
          `  agent -> DuckDB (rows in the file)  : ${fmt(stored)} readings/s stored, ${fmt(storedPerCpu)} per CPU second (${core(fastAgent.cpuMs, fastAgent.windowMs)}); ${fmt(fastAgent.dropped)} dropped`,
        );
        console.log(
          `  ratio agent / poller alone          : ${fmt(stored / polled, 2)}x stored/s, ${fmt(storedPerCpu / polledPerCpu, 2)}x per CPU second  (target >= ${fmt(TARGET.readingsPerS)} readings/s sustained on one core)`,
        );
        recordFigure({
          name: `end to end, simulated devices -> \`hazmon run\` -> DuckDB, polls every ${FAST_POLL_MS} ms, stored`,
          value: stored,
          unit: 'readings/s',
          target: { text: `>= ${fmt(TARGET.readingsPerS)} readings/s sustained on one core`, atLeast: TARGET.readingsPerS },
          baseline: { name: 'ModbusPoller alone, received', value: polled },
        });
        recordFigure({
          name: `end to end, polls every ${FAST_POLL_MS} ms, stored per CPU second of the agent`,
          value: storedPerCpu,
          unit: 'readings/s',
          baseline: { name: 'ModbusPoller alone, per CPU second', value: polledPerCpu },
        });
        console.log(
          `  store commits in the window         : ${fastAgent.flushes}, ${fmt(fastAgent.flushMs)} ms from BEGIN to COMMIT done (${fmt((fastAgent.flushMs / fastAgent.windowMs) * 100, 1)} % of the window), longest <= ${fmt(fastAgent.flushLongestUpToMs)} ms`,
        );
        console.log(`  longest main-thread stall (window)  : ${stallText(fastAgent)}  (target <= ${TARGET.stallMs} ms at 200k readings/s)`);
        recordFigure({
          name: `longest main-thread stall in the window, polls every ${FAST_POLL_MS} ms`,
          value: fastAgent.longestStallUpToMs,
          unit: 'ms',
          target: { text: `issue 21 (not shared/README.md): <= ${TARGET.stallMs} ms at 200k readings/s`, atMost: TARGET.stallMs },
          baseline: { name: 'an idle process on the same CPU', value: fastAgent.canaryStallMs },
        });
        recordFigure({
          name: `longest main-thread stall in the window no longer than the loop thread ran, polls every ${FAST_POLL_MS} ms`,
          value: fastAgent.longestBusyUpToMs,
          unit: 'ms',
          target: { text: `issue 21 (not shared/README.md): <= ${TARGET.stallMs} ms at 200k readings/s`, atMost: TARGET.stallMs },
          baseline: { name: 'the whole stall, waits for the CPU included', value: fastAgent.longestStallUpToMs },
        });
        console.log(`  RSS max of this run                 : ${fmt(mib(rssFigures(fastAgent).max.rssBytes), 1)} MiB (${rssFigures(fastAgent).phase})`);
        if (canRaisePriority) {
          // The stall above is mostly the agent waiting for its CPU while other work runs on it: once more, ahead of that work.
          const stallRun = await runAgent(agentBundle, helperBundle, configFor('stall', fast.profiles), MEASURE_S, null, STALL_NICE);
          console.log(
            `  the same at nice ${STALL_NICE}, idle process too: longest stall ${stallText(stallRun)}; ${fmt(perSecond(stallRun.store.inWindow, stallRun.windowMs))} readings/s stored, ${fmt(stallRun.store.inWindow / (stallRun.cpuMs / 1000))} per CPU second  (target <= ${TARGET.stallMs} ms)`,
          );
          recordFigure({
            name: `longest main-thread stall in the window, polls every ${FAST_POLL_MS} ms, agent at nice ${STALL_NICE}`,
            value: stallRun.longestStallUpToMs,
            unit: 'ms',
            target: { text: `issue 21 (not shared/README.md): <= ${TARGET.stallMs} ms at 200k readings/s`, atMost: TARGET.stallMs },
            baseline: { name: 'an idle process on the same CPU at the same niceness', value: stallRun.canaryStallMs },
          });
        } else console.log(`  (no stall run at nice ${STALL_NICE}: raising the priority needs root or CAP_SYS_NICE)`);

        const { store } = fastAgent;
        const bytesPerReading = (store.fileBytes - store.emptyFileBytes) / store.total;
        console.log(
          `\nbytes on disk per raw reading after the closing checkpoint: ${fmt(bytesPerReading, 2)} (growth over the store with its points registered: ` +
            `${fmt(mib(store.fileBytes - store.emptyFileBytes), 2)} MiB / ${fmt(store.total)} rows; whole file ${fmt(store.fileBytes / store.total, 2)})`,
        );
        recordFigure({
          name: 'bytes on disk per raw reading after the closing checkpoint',
          value: bytesPerReading,
          unit: 'B',
          target: { text: `<= ${TARGET.bytesPerReading} bytes per raw reading`, atMost: TARGET.bytesPerReading },
          baseline: { name: 'uncompressed row', value: RAW_ROW_WIDTH },
        });
        console.log(`  baseline uncompressed row           : ${RAW_ROW_WIDTH} bytes; ratio ${fmt(bytesPerReading / RAW_ROW_WIDTH, 3)}x  (target <= ${TARGET.bytesPerReading})`);

        const slow = prepare(SLOW_POLL_MS, 'slow');
        const slowBaseline = await runPoller(helperBundle, slow.planPath, slow.profiles, MEASURE_S);
        const slowAgent = await runAgent(agentBundle, helperBundle, slow.configPath, MEASURE_S, null);
        console.log(
          `\nRSS with ${fmt(POINTS)} points polled each second (${fmt(perSecond(slowAgent.store.inWindow, slowAgent.windowMs))} readings/s stored, ${core(slowAgent.cpuMs, slowAgent.windowMs)})`,
        );
        printRss(slowAgent, slowBaseline);
      }
    }
  } finally {
    await simulator.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
}
