/**
 * Alarm-engine benchmark, run by bench/engine.bench.ts as a JavaScript bundle: throughput with a full rule set on the
 * agent's path (processRows, a device request's rows of plain good numbers), on the path of Reading objects
 * (processReadings: replay) and on the columnar path
 * (processBatch) vs a naive re-scanning engine, window-length cost, batch latency, state size.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AlarmEngine, type ReadingBatch } from '@hazmon/agent';
import { ReadingRowBuffer, type Reading } from '@hazmon/protocols';
import { recordFigure, type Target } from '../figures.ts';

// A collectable heap for the state-size figure without asking for a command-line flag.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const argIndex = process.argv.indexOf('--readings');
const TOTAL_READINGS = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 10_000_000;
const POINTS = 10_000;
const INTERVAL_MS = 1_000;
const T0 = 1_700_000_000_000;

const fullRules = (id: string) => ({
  id,
  limits: { hihi: 90, hi: 70, lo: 10, lolo: 5 },
  deadband: 2,
  onDelayS: 2,
  offDelayS: 2,
  windows: [
    { name: 'avg60', aggregate: 'avg', windowS: 60, above: 60 },
    { name: 'max60', aggregate: 'max', windowS: 60, above: 85 },
  ],
  rate: { windowS: 60, risingPerMinute: 30 },
  health: { staleS: 60, stuck: { epsilon: 0.001, forS: 300 } },
});

/** A deterministic signal per point: normal band with noise, and a 40-reading excursion past hi/hihi every 2000 readings. */
function signal(point: number, round: number): number {
  const excursion = (round + point * 37) % 2_000 < 40 ? 45 : 0;
  return 40 + 8 * Math.sin(round / 60 + point) + ((point * 7_919 + round * 104_729) % 1_000) / 250 + excursion;
}

/** Columnar batch of `rounds` readings for each of `points` points, one round per interval. */
function makeBatch(points: number, rounds: number): ReadingBatch & { time: Float64Array } {
  const length = points * rounds;
  const batch = {
    length,
    point: new Int32Array(length),
    time: new Float64Array(length),
    value: new Float64Array(length),
    quality: new Uint8Array(length),
  };
  for (let r = 0; r < rounds; r += 1) {
    for (let p = 0; p < points; p += 1) {
      const i = r * points + p;
      batch.point[i] = p;
      batch.value[i] = signal(p, r);
    }
  }
  return batch;
}

function setTimes(batch: { time: Float64Array; length: number }, points: number, firstRound: number, intervalMs: number): void {
  for (let i = 0; i < batch.length; i += 1) batch.time[i] = T0 + (firstRound + Math.floor(i / points)) * intervalMs;
}

interface Rate {
  /** Readings per second of wall-clock time spent in the measured calls. */
  readonly wall: number;
  /** Readings per second of this process's CPU time in those calls: on a machine shared with other work, wall time also counts waiting for a core. */
  readonly cpu: number;
  /** The median batch's readings per CPU-second: the least disturbed by other work on a shared machine. */
  readonly medianBatchCpu: number;
}

/** Accumulates wall-clock and CPU time over the measured calls only. */
class Meter {
  private wallNs = 0;
  private cpuUs = 0;
  private readonly batchCpu: number[] = [];

  measure(readings: number, run: () => void): void {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    run();
    this.wallNs += Number(process.hrtime.bigint() - start);
    const cpu = process.cpuUsage(cpuStart);
    this.cpuUs += cpu.user + cpu.system;
    this.batchCpu.push(readings / (Math.max(1, cpu.user + cpu.system) / 1e6));
  }

  rate(readings: number): Rate {
    const sorted = [...this.batchCpu].sort((a, b) => a - b);
    return { wall: readings / (this.wallNs / 1e9), cpu: readings / (this.cpuUs / 1e6), medianBatchCpu: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN };
  }
}

/**
 * Feeds `warmup` then `total` readings in batches; returns readings per second of processBatch time over the
 * `total` only, once the engine's code is compiled and its windows are full.
 */
function throughput(engine: AlarmEngine, points: number, total: number, intervalMs: number, roundsPerBatch: number, warmup = 0): Rate {
  const batch = makeBatch(points, roundsPerBatch);
  const meter = new Meter();
  let fed = 0;
  for (let round = 0; fed < warmup + total; round += roundsPerBatch) {
    setTimes(batch, points, round, intervalMs);
    if (fed < warmup) engine.processBatch(batch);
    else meter.measure(batch.length, () => engine.processBatch(batch));
    fed += batch.length;
  }
  return meter.rate(fed - warmup);
}

/**
 * Readings per Modbus request or OPC UA notification in the agent's path (agent/src/runtime/agent.ts onRows):
 * tens of readings, here of consecutive points as one device's registers give them.
 */
const AGENT_BATCH = 32;

/**
 * throughput() on the agent's path: each round's readings as Reading objects (built untimed, as the protocol layer
 * builds them before the agent calls the engine) given to processReadings AGENT_BATCH at a time.
 */
function readingsThroughput(engine: AlarmEngine, pointIds: readonly string[], total: number, intervalMs: number, warmup: number): Rate {
  const meter = new Meter();
  let fed = 0;
  for (let round = 0; fed < warmup + total; round += 1) {
    const time = T0 + round * intervalMs;
    const requests: Reading[][] = [];
    for (let first = 0; first < pointIds.length; first += AGENT_BATCH) {
      requests.push(
        pointIds.slice(first, first + AGENT_BATCH).map((pointId, j) => ({
          pointId,
          value: signal(first + j, round),
          unit: '%LEL',
          sourceTime: null,
          receiveTime: time,
          quality: 'good',
        })),
      );
    }
    const run = () => {
      for (const readings of requests) engine.processReadings(readings);
    };
    if (fed < warmup) run();
    else meter.measure(pointIds.length, run);
    fed += pointIds.length;
  }
  return meter.rate(fed - warmup);
}

/**
 * throughput() on the agent's path: each round's readings as one device request's rows (plain good numbers, filled
 * untimed, as the Modbus poller fills them before the agent calls the engine) given to processRows AGENT_BATCH at a
 * time, with the point indexes the agent resolves once.
 */
function rowsThroughput(engine: AlarmEngine, pointIds: readonly string[], total: number, intervalMs: number, warmup: number): Rate {
  const meter = new Meter();
  const engineIndex = Int32Array.from(pointIds, (pointId) => engine.pointIndex(pointId));
  const requests = Array.from({ length: Math.ceil(pointIds.length / AGENT_BATCH) }, () => new ReadingRowBuffer(AGENT_BATCH));
  let fed = 0;
  for (let round = 0; fed < warmup + total; round += 1) {
    requests.forEach((rows, request) => {
      rows.reset(T0 + round * intervalMs);
      const first = request * AGENT_BATCH;
      for (let point = first; point < Math.min(first + AGENT_BATCH, pointIds.length); point += 1) rows.addValue(point, pointIds[point]!, '%LEL', signal(point, round));
    });
    const run = () => {
      for (const rows of requests) engine.processRows(rows, engineIndex);
    };
    if (fed < warmup) run();
    else meter.measure(pointIds.length, run);
    fed += pointIds.length;
  }
  return meter.rate(fed - warmup);
}

/** The baseline: same rules, but each reading re-scans its 60 s window (plain arrays, no deques or running sums). */
class NaiveEngine {
  private readonly times: number[][];
  private readonly values: number[][];
  private readonly starts: number[];
  events = 0;
  private readonly state: Uint8Array;

  constructor(points: number) {
    this.times = Array.from({ length: points }, () => []);
    this.values = Array.from({ length: points }, () => []);
    this.starts = new Array<number>(points).fill(0);
    this.state = new Uint8Array(points * 8);
  }

  process(batch: ReadingBatch): void {
    for (let i = 0; i < batch.length; i += 1) {
      const p = batch.point[i]!;
      const t = batch.time[i]!;
      const v = batch.value[i]!;
      const times = this.times[p]!;
      const values = this.values[p]!;
      times.push(t);
      values.push(v);
      let start = this.starts[p]!;
      while (times[start]! <= t - 60_000) start += 1;
      if (start > 1024) {
        times.splice(0, start);
        values.splice(0, start);
        start = 0;
      }
      this.starts[p] = start;
      let sum = 0;
      let max = -Infinity;
      for (let j = start; j < times.length; j += 1) {
        sum += values[j]!;
        if (values[j]! > max) max = values[j]!;
      }
      const n = times.length - start;
      const rate = t > times[start]! ? ((v - values[start]!) * 60_000) / (t - times[start]!) : 0;
      const flags = [v >= 90, v >= 70, v <= 10, v <= 5, sum / n >= 60, max >= 85, rate >= 30];
      for (let k = 0; k < flags.length; k += 1) {
        const bit = flags[k] ? 1 : 0;
        if (this.state[p * 8 + k] !== bit) {
          this.state[p * 8 + k] = bit;
          this.events += 1;
        }
      }
    }
  }
}

function naiveThroughput(points: number, total: number): Rate {
  const naive = new NaiveEngine(points);
  const rounds = 10;
  const batch = makeBatch(points, rounds);
  const meter = new Meter();
  let fed = 0;
  for (let round = 0; fed < total; round += rounds, fed += batch.length) {
    setTimes(batch, points, round, INTERVAL_MS);
    meter.measure(batch.length, () => naive.process(batch));
  }
  return meter.rate(fed);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const THROUGHPUT: Target = { text: '>= 10 M readings/s on one core', atLeast: 10_000_000 };

const format = (n: number) => Math.round(n).toLocaleString('en-US');
const formatRate = (rate: Rate) => `${format(rate.wall)} readings/s (${format(rate.cpu)} per CPU-second; median batch ${format(rate.medianBatchCpu)})`;
let events = 0;
const sink = () => {
  events += 1;
};

// 1. Throughput with the full rule set.
const points = Array.from({ length: POINTS }, (_, i) => fullRules(`P${i}`));
collectGarbage();
const heapBefore = process.memoryUsage().heapUsed;
const engine = new AlarmEngine({ points }, sink);
collectGarbage();
const heapPerPoint = (process.memoryUsage().heapUsed - heapBefore) / POINTS;
// 2 M readings (200 s of data) first: the kernels compile and the 60 s windows fill; then TOTAL_READINGS timed.
const pointIds = points.map((point) => point.id);
const agentPath = rowsThroughput(new AlarmEngine({ points }, sink), pointIds, TOTAL_READINGS, INTERVAL_MS, 2_000_000);
const AGENT_PATH = `processRows, rows of ${AGENT_BATCH} plain good numbers (the agent's path for Modbus)`;
console.log(`engine, ${POINTS} points, full rule set, ${AGENT_PATH}: ${formatRate(agentPath)} over ${format(TOTAL_READINGS)} readings after 2,000,000 untimed`);
const objectPath = readingsThroughput(new AlarmEngine({ points }, sink), pointIds, TOTAL_READINGS, INTERVAL_MS, 2_000_000);
console.log(`engine, ${POINTS} points, full rule set, processReadings, Reading[] batches of ${AGENT_BATCH} (replay): ${formatRate(objectPath)}`);
events = 0;
const fast = throughput(engine, POINTS, TOTAL_READINGS, INTERVAL_MS, 100, 2_000_000);
console.log(
  `engine, ${POINTS} points, full rule set, processBatch, columnar batches of 1,000,000: ${formatRate(fast)} over ${format(TOTAL_READINGS)} readings after 2,000,000 untimed (${format(events)} events)`,
);
const fewPoints = 100;
const inCache = throughput(new AlarmEngine({ points: points.slice(0, fewPoints) }, sink), fewPoints, Math.min(TOTAL_READINGS, 5_000_000), INTERVAL_MS, 10_000, 1_000_000);
console.log(`same rules, ${fewPoints} points (state fits in cache), processBatch: ${formatRate(inCache)}`);

// 2. Naive baseline on fewer readings (its cost per reading grows with readings per window).
const naiveReadings = Math.min(TOTAL_READINGS, 1_000_000);
const naive = naiveThroughput(POINTS, naiveReadings);
console.log(`naive re-scanning engine: ${formatRate(naive)} over ${format(naiveReadings)} readings`);
console.log(`engine / naive throughput (10k points, same run): ${(fast.wall / naive.wall).toFixed(2)}x wall, ${(fast.cpu / naive.cpu).toFixed(2)}x CPU`);
const againstNaive = { name: 'naive re-scanning engine, wall', value: naive.wall };
recordFigure({ name: '10k points, full rule set, processRows (the agent path), wall', value: agentPath.wall, unit: 'readings/s', target: THROUGHPUT, baseline: againstNaive });
recordFigure({
  name: '10k points, full rule set, processRows, per CPU-second',
  value: agentPath.cpu,
  unit: 'readings/s',
  target: THROUGHPUT,
  baseline: { name: 'naive, per CPU-second', value: naive.cpu },
});
recordFigure({ name: '10k points, full rule set, processReadings (Reading[] of 32), wall', value: objectPath.wall, unit: 'readings/s', target: THROUGHPUT, baseline: againstNaive });
recordFigure({ name: '10k points, full rule set, processBatch (columnar), wall', value: fast.wall, unit: 'readings/s', target: THROUGHPUT, baseline: againstNaive });
recordFigure({ name: '100 points (state in cache), processBatch, wall', value: inCache.wall, unit: 'readings/s', baseline: againstNaive });

// 3. Cost per reading as the window grows from 10 s to 8 h (1000 points, one reading per 10 s, 8.3 h of data).
// Windows up to 5 minutes keep raw readings, longer ones panes of window / 480; the kernels step both in place, so
// the cost is flat within each kind, with one step between them.
const windowEngine = (windowS: number) =>
  new AlarmEngine(
    {
      points: Array.from({ length: 1_000 }, (_, i) => ({
        id: `W${i}`,
        expectedIntervalS: 10,
        windows: [
          { name: 'avg', aggregate: 'avg', windowS, above: 60 },
          { name: 'max', aggregate: 'max', windowS, above: 85 },
        ],
      })),
    },
    sink,
  );
const windowReadings = Math.min(TOTAL_READINGS, 3_000_000);
const windowLengths: readonly (readonly [label: string, windowS: number])[] = [
  ['10 s', 10],
  ['5 min', 300],
  ['15 min (panes 1.875 s)', 900],
  ['8 h (panes 60 s)', 8 * 3600],
];
const windowRates = windowLengths.map(([label, windowS]) => [label, throughput(windowEngine(windowS), 1_000, windowReadings, 10_000, 100)] as const);
const rateOf = (label: string) => windowRates.find(([name]) => name.startsWith(label))![1];
const costRatio = (long: string, short: string) => (rateOf(short).cpu / rateOf(long).cpu).toFixed(2);
console.log(`windows: ${windowRates.map(([label, rate]) => `${label} ${format(rate.cpu)}/CPU-s`).join('; ')}`);
// shared/README.md says "flat"; a cost ratio within 1.5 (this machine's run-to-run swing) is read as flat.
const FLAT: Target = { text: 'flat (O(1) per reading); <= 1.5 read as flat', atMost: 1.5 };
recordFigure({ name: 'cost per reading, window 8 h / 10 s (CPU)', value: rateOf('10 s').cpu / rateOf('8 h').cpu, unit: 'x', target: FLAT });
recordFigure({ name: 'cost per reading, raw window 5 min / 10 s (CPU)', value: rateOf('10 s').cpu / rateOf('5 min').cpu, unit: 'x', target: FLAT });
console.log(`cost ratio per reading (CPU): 8 h / 10 s ${costRatio('8 h', '10 s')}; raw 5 min / 10 s ${costRatio('5 min', '10 s')}; paned 8 h / 15 min ${costRatio('8 h', '15 min')} (target about 1)`);

// 4. Latency per batch at 100k readings/s: 10 ms of readings (1000) per batch, on the full engine, after 20 untimed
// rounds (the engine meets the new batch shape there). The engines of the window comparison above are garbage now;
// collect them first so their sweep is not timed here.
collectGarbage();
const latencies: number[] = [];
const latencyBatch = makeBatch(POINTS, 1);
const sliceLength = 1_000;
const firstRound = Math.ceil(TOTAL_READINGS / POINTS) + 10;
const WARMUP_ROUNDS = 20;
for (let round = 0; round < WARMUP_ROUNDS + 100; round += 1) {
  setTimes(latencyBatch, POINTS, firstRound + round, INTERVAL_MS);
  for (let p = 0; p < POINTS; p += 1) latencyBatch.value[p] = signal(p, firstRound + round);
  for (let offset = 0; offset < POINTS; offset += sliceLength) {
    const view: ReadingBatch = {
      length: sliceLength,
      point: latencyBatch.point.subarray(offset, offset + sliceLength),
      time: latencyBatch.time.subarray(offset, offset + sliceLength),
      value: latencyBatch.value.subarray(offset, offset + sliceLength),
      quality: latencyBatch.quality.subarray(offset, offset + sliceLength),
    };
    const start = process.hrtime.bigint();
    engine.processBatch(view);
    if (round >= WARMUP_ROUNDS) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
latencies.sort((a, b) => a - b);
recordFigure({
  name: `latency, batch of ${sliceLength} readings at 100k readings/s, p99`,
  value: percentile(latencies, 99),
  unit: 'ms',
  target: { text: 'p99 < 1 ms at 100k readings/s', below: 1 },
  baseline: { name: 'p50', value: percentile(latencies, 50) },
});
console.log(`batch of ${sliceLength} readings (10 ms at 100k readings/s): p50 ${percentile(latencies, 50).toFixed(3)} ms, p99 ${percentile(latencies, 99).toFixed(3)} ms (target p99 < 1 ms)`);

// 5. State per point.
console.log(
  `state per point: ${format(engine.stateBytesPerPoint())} bytes of typed arrays (engine tables + window rings) + ${format(heapPerPoint)} bytes of JS heap retained after construction (rule and alarm objects, ids, parsed config)`,
);
recordFigure({ name: 'state per point, typed arrays', value: engine.stateBytesPerPoint(), unit: 'B' });
console.log(`target: >= 10,000,000 readings/s on one core; measured on ${AGENT_PATH} ${formatRate(agentPath)}`);
