/**
 * The web server inside the agent (issue 18): `hazmon run` as the systemd unit starts it (the bundle of
 * gateway/scripts/build.ts, the unit's Node options and environment, pinned to CPU 0) with its web server on a loopback
 * port, on the 10,000-point simulated plant of bench/agent.bench.ts (a child pinned to CPU 1). The clients run in this
 * process and talk to it over real sockets as browsers and regulators do.
 *
 * Figures, each beside a baseline measured in the same run (targets from shared/README.md):
 * 1. Alarm -> SSE: 20 signed-in `GET /api/v1/stream` readers; 20 more points (a register bank simulated in this
 *    process, polled every 50 ms, `hi` at 500) driven over and under their limit until ALARMS `raised` events have
 *    been seen. Latency = arrival at each reader less the event's time (the agent's receive time of the reading the
 *    engine raised it on; same clock), p50 / p99 over every reader's copy. Baseline: the agent's own durable
 *    subscriber seeing the committed row (the `[seq N]` line `hazmon run` prints for it, timed as it arrives here
 *    through the stdout pipe) less the same time; also the row's `writtenAt` (taken as the store's commit round began).
 * 2. Regulator aggregates of 1,000 points at 1 min by a regulator token: one hour by `GET /api/v1/aggregates`, every
 *    page (pages of 10,000 rows), in one page of 60,000, and in one page as series (`shape=series`), and one day streamed as CSV by `GET /api/v1/export?what=aggregates` (read to the last
 *    byte; beside it, not instead, the same day as Parquet, `format=parquet`). Baseline: one SQL query of the same
 *    1-minute rows on the same file (before the agent starts), read into JavaScript objects.
 * 3. Trend of one point `GET /api/v1/trends` over ranges log-spaced from 1 minute to 1 year, ending now, 500 buckets.
 *    Baseline: the store's own query (`StoreReader.readings`, resolution auto) of the same spans on the same file.
 * 4. History over 100k stored alarm events and 100k audit rows: `GET /api/v1/alarm-events` pages of 1,000 after
 *    cursors spread over the table (the only alarm-history route there is), `GET /api/v1/audit` pages of 1,000, all
 *    rows and of one person (`who`); then both newest first (`order=newest&before=`, the same rows by seq descending,
 *    as the UI asks first). Baseline: the same page by plain SQL on the same file.
 * 5. Ingest with the web server, every point polled each 100 ms (100k readings/s offered): readings/s received in the
 *    window and stored (rows of the file with a receive time in it, counted after the stop), without clients and with 20 dashboards (each as
 *    the UI's live store drives one, bench/api-bench/dashboard.ts: a stream, the points at connection, the alarm list
 *    at most once a second) and 10 regulator pulls a second (aggregates of the last minute, alarm events after a
 *    cursor, site, devices); the ratio; RSS max of each run from /proc every 50 ms, spawn to exit. Beside it, the
 *    window's Modbus answers and poll cycles overrun: a ratio below 1 with none dropped is polls not made in time.
 * The history (2-4) is written into the agent's file first (bench/api-bench/history.ts); phases 1-4 run on the
 * plant polled each second, phase 1 first with the streams open, then 2-4 with them closed.
 *
 * Priority (bench/agent-bench/priority.ts): the agent runs in a session of its own whose autogroup has the niceness
 * nearest to the unit's `CPUWeight=` (1000: nice -10), as the unit weighs it against the gateway's other services;
 * HAZMON_BENCH_PRIORITY=equal runs it at a default service's (nice 0) instead. This process (the web clients, which on
 * a plant are browsers and regulators' tools on other machines) and the plant's simulator it starts (the field devices)
 * run at the unit's niceness in both settings, so that only the agent's priority differs between them.
 * HAZMON_BENCH_BACKGROUND=N adds N busy processes at nice 0 for the whole run, each in a session of its own, on both
 * CPUs: the figures under the gateway's other work. The bench prints which priority and load it ran with.
 *
 * The default run took 6-11 min on the shared 2-core machine at load 10-21; the figures print as each phase ends.
 * HAZMON_BENCH_ONLY=history|ingest runs figures 1-4 or figure 5 alone, =stream figure 1 alone (on the same history
 * file, without the baselines of 2-4); HAZMON_BENCH_LOAD=dashboards|regulators gives
 * the loaded ingest run one kind of client only (default both).
 * HAZMON_BENCH_CPU_PROFILE=DIR writes the CPU profiles (node --cpu-prof) of the history agent (figures 1-4) and of the
 * loaded ingest run to DIR.
 * HAZMON_BENCH_DAY_PULLS (default 1; 0 skips the day) sets the whole-day aggregate pulls (of each format).
 * HAZMON_BENCH_ALARMS (default 1000), HAZMON_BENCH_HISTORY_EVENTS (100000), HAZMON_BENCH_REQUESTS (trends of figure 3
 * and hour pulls of 2, default 20), HAZMON_BENCH_EVENT_PAGES and HAZMON_BENCH_AUDIT_PAGES (the pages of figure 4,
 * default 100 alarm-event pages and 100 audit cursors, each asked for all rows and for one person's: the p99 of 100 is
 * their second slowest, where with the 20 and 5 before it was the slowest of the run), HAZMON_BENCH_WARMUP_S (3),
 * HAZMON_BENCH_MEASURE_S (8) and HAZMON_BENCH_ROUNDS (ingest pairs, each order in turn, default 1) change the run.
 */
import { spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { hashPassword } from '@hazmon/agent';
import { startSite } from '@hazmon/simulators';
import { GATEWAY_BUNDLE, bundleGateway } from '../gateway/scripts/build.ts';
import { ApiClient, nowMs, quantile, type ReceivedAlarm, SseReader, type Timed } from './api-bench/client.ts';
import { BenchDashboard } from './api-bench/dashboard.ts';
import { bareQueryTimes, DAY_MS, HOUR_MS, MINUTE_MS, newestCursorOf, prepareHistory, storeQueryTimes } from './api-bench/history.ts';
import {
  agentConfig,
  bankProfile,
  fmt,
  lineMatching,
  longestUpTo,
  metric,
  mib,
  nodeCommand,
  onCpu,
  plantPointIds,
  POINTS,
  sleep,
  startSimulator,
  UNIT_ENVIRONMENT,
  writeProfiles,
} from './agent-bench/plant.ts';
import { inSession, priorityPlan, setOwnSessionNice, startBackgroundLoad } from './agent-bench/priority.ts';
import { sampleMemory } from './agent-bench/process-memory.ts';
import { recordFigure, type Target } from './figures.ts';

const env = process.env;
const ALARMS = Number(env.HAZMON_BENCH_ALARMS ?? 1000);
const HISTORY_EVENTS = Number(env.HAZMON_BENCH_HISTORY_EVENTS ?? 100_000);
const REQUESTS = Number(env.HAZMON_BENCH_REQUESTS ?? 20);
const EVENT_PAGES = Number(env.HAZMON_BENCH_EVENT_PAGES ?? 100);
const AUDIT_PAGES = Number(env.HAZMON_BENCH_AUDIT_PAGES ?? 100);
const WARMUP_S = Number(env.HAZMON_BENCH_WARMUP_S ?? 3);
const MEASURE_S = Number(env.HAZMON_BENCH_MEASURE_S ?? 8);
const ROUNDS = Number(env.HAZMON_BENCH_ROUNDS ?? 1);
/** Pulls of a whole day of aggregates (one streamed export each). */
const DAY_PULLS = Number(env.HAZMON_BENCH_DAY_PULLS ?? 1);
/** Which clients the loaded ingest run has: both (the target's), or one kind alone to see which costs what. */
const LOAD = env.HAZMON_BENCH_LOAD ?? 'both';
if (!['both', 'dashboards', 'regulators'].includes(LOAD)) throw new Error(`HAZMON_BENCH_LOAD: both, dashboards or regulators (got ${LOAD})`);
/** history (figures 1-4), stream (figure 1) or ingest (figure 5) alone; all by default. */
const ONLY = env.HAZMON_BENCH_ONLY ?? 'both';
if (!['both', 'history', 'stream', 'ingest'].includes(ONLY)) throw new Error(`HAZMON_BENCH_ONLY: history, stream or ingest (got ${ONLY})`);
/** Figure 1 without figures 2-4 and their baselines. */
const STREAM_ONLY = ONLY === 'stream';
const withDashboards = LOAD !== 'regulators';
/** HAZMON_BENCH_CPU_PROFILE=DIR: the history agent and the loaded ingest run's agent write a V8 CPU profile there (node --cpu-prof) when they stop. */
const CPU_PROFILE_DIR = env.HAZMON_BENCH_CPU_PROFILE;
const withRegulators = LOAD !== 'dashboards';

const STREAMS = 20;
const DASHBOARDS = 20;
/** How long the dashboards' first loads may take before the loaded run starts its warm-up anyway. */
const CONNECT_LIMIT_MS = 60_000;
const REGULATOR_PULLS_PER_S = 10;
const AGGREGATE_POINTS = 1000;
const ALARM_POINTS = 20;
const ALARM_POLL_MS = 50;
/** Each alarm point goes over its limit for half of this, under for the other half: ~40 raised a second from 20 points. */
const ALARM_CYCLE_MS = 500;
const HISTORY_POLL_MS = 1000;
const INGEST_POLL_MS = 100;
const AGGREGATE_PAGE_ROWS = 10_000;
/** The route's largest page: the hour of 1,000 points in one request. */
const AGGREGATE_HOUR_PAGE_ROWS = 60_000;
/** The pause before the trends are asked a second time (figure 3). */
const TREND_SETTLE_MS = 3000;
const HISTORY_PAGE = 1000;
const SAMPLE_MS = 50;

/** The agent's priority and the background load (HAZMON_BENCH_PRIORITY, HAZMON_BENCH_BACKGROUND). */
const PRIORITY = priorityPlan('the web clients (this process) and the simulated field devices (its simulator child)');

const TARGET = { sseP99Ms: 50, aggregatesHourMs: 200, aggregatesDayMs: 2000, aggregatesRatio: 1.5, trendP99Ms: 100, historyP99Ms: 100, ingestRatio: 0.95, rssBytes: 165_000_000 };

const USERS = { viewer: { name: 'view', password: 'view-secret' }, admin: { name: 'root', password: 'root-secret' } };
/** A cheap scrypt cost: 21 sign-ins must not be what the bench measures. */
const BENCH_COST = { ln: 10, r: 8, p: 1 };

/** The sum of a metric's samples over its labels (a per-line counter). */
const metricTotal = (text: string, name: string) => [...text.matchAll(new RegExp(`^hazmon_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
const ms = (value: number) => `${fmt(value, value < 10 ? 2 : 1)} ms`;
const iso = (time: number) => new Date(time).toISOString();
const median = (values: readonly number[]) => quantile(values, 0.5);
const p99 = (values: readonly number[]) => quantile(values, 0.99);
const spread = (values: readonly number[]) => (values.length === 0 ? 'none' : `p50 ${ms(median(values))}, p99 ${ms(p99(values))}, max ${ms(Math.max(...values))} (${values.length})`);

interface RunningAgent {
  readonly base: string;
  /** CPU seconds (user + system) the agent's process has used so far. */
  cpuSeconds(): number;
  readonly metricsUrl: string;
  /** performance.now() when RSS sampling began (at spawn), and the samples, `atMs` from then. */
  readonly spawnedAt: number;
  readonly samples: readonly { readonly atMs: number; readonly rssBytes: number }[];
  /** When the line `hazmon run` prints for each committed event (its durable subscriber's, `[seq N]`) arrived here, by seq. */
  readonly durableSeenAt: ReadonlyMap<number, number>;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc (in clock ticks of 1/100 s, Linux's USER_HZ). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `hazmon run CONFIG` as the unit runs it, weighed as it weighs it (or as PRIORITY says), in a session of its own; resolves once its web server serves. */
async function startAgent(bundle: string, configPath: string, profiled = false): Promise<RunningAgent> {
  const [command, args] = inSession(PRIORITY.agentNice, nodeCommand(0, bundle, ['run', configPath], profiled && CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : []));
  const child = spawn(command, args, { env: { ...env, ...UNIT_ENVIRONMENT }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const memory = sampleMemory(child.pid!, SAMPLE_MS);
  const spawnedAt = performance.now();
  try {
    const [, metricsUrl, base] = await lineMatching(child, /metrics at (\S+)\/metrics[\s\S]*web server at (\S+)\n/, 'hazmon run');
    const durableSeenAt = new Map<number, number>();
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const seenAt = nowMs();
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const seq = / \[seq (\d+)\]$/.exec(line)?.[1];
        if (seq !== undefined) durableSeenAt.set(Number(seq), seenAt);
      }
    });
    return {
      durableSeenAt,
      cpuSeconds: () => processCpuSeconds(child.pid!),
      base: base!,
      metricsUrl: `${metricsUrl}/metrics`,
      spawnedAt,
      samples: memory.samples,
      async stop() {
        child.kill('SIGTERM');
        const code = await exited;
        memory.stop();
        if (code !== 0) throw new Error(`hazmon run exited with ${code}`);
      },
    };
  } catch (error) {
    memory.stop();
    child.kill('SIGKILL');
    throw error;
  }
}

async function usersSection(): Promise<string> {
  const viewer = await hashPassword(USERS.viewer.password, BENCH_COST);
  const admin = await hashPassword(USERS.admin.password, BENCH_COST);
  return `users:
  - { name: ${USERS.viewer.name}, role: viewer, passwordHash: "${viewer}" }
  - { name: ${USERS.admin.name}, role: admin, passwordHash: "${admin}" }
api: { host: 127.0.0.1, port: 0 }
`;
}

/** An admin issues a regulator token; the regulator's client holds its secret. */
async function regulatorClient(base: string): Promise<ApiClient> {
  const admin = await ApiClient.signIn(base, USERS.admin.name, USERS.admin.password);
  const created = await admin.post<{ secret?: string }>('/api/v1/tokens', { name: 'api bench regulator' });
  if (created.status !== 201 || !created.body.secret) throw new Error(`token: ${created.status} ${JSON.stringify(created.body)}`);
  return ApiClient.regulator(base, created.body.secret);
}

/**
 * Every page of an aggregates query, timed as one pull (the client's JSON.parse of each page included); also the sum
 * of the pages' times to their last byte (the parse left out: ~10 MB of JSON a page of 60k rows); returns the rows read.
 */
async function pullAggregates(
  regulator: ApiClient,
  points: string,
  from: number,
  to: number,
  pageRows: number,
  shape: 'rows' | 'series' = 'rows',
): Promise<{ ms: number; toLastByteMs: number; rows: number; pages: number }> {
  const started = performance.now();
  let rows = 0;
  let pages = 0;
  let toLastByteMs = 0;
  for (let cursor: string | null = iso(from); cursor !== null; pages++) {
    const page: Timed<{ rows?: unknown[]; series?: { min: unknown[] }[]; next: string | null }> = await regulator.ok(
      `/api/v1/aggregates?points=${points}&interval=1m&from=${cursor}&to=${iso(to)}&limit=${pageRows}&shape=${shape}`,
    );
    toLastByteMs += page.ms;
    rows += page.body.rows?.length ?? (page.body.series ?? []).reduce((sum, series) => sum + series.min.length, 0);
    cursor = page.body.next;
  }
  return { ms: performance.now() - started, toLastByteMs, rows, pages };
}

/**
 * One page read by node:http to its last byte, its bytes counted but not decoded or parsed: the route's time with the
 * least a client can add (fetch's web stream of ~10 MB and its text decoding are the bench's, not the server's).
 */
function rawPageMs(regulator: ApiClient, path: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    httpGet(`${regulator.base}${path}`, { headers: regulator.authorization }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`GET ${path}: ${response.statusCode}`));
      response.on('data', () => undefined);
      response.on('end', () => resolve(performance.now() - started));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * The aggregates of a range as one streamed file (`GET /api/v1/export?what=aggregates`), read to its last byte; a
 * CSV's rows counted by line (a Parquet file's are not: -1).
 */
async function exportAggregates(
  regulator: ApiClient,
  points: string,
  from: number,
  to: number,
  format: 'csv' | 'parquet' = 'csv',
): Promise<{ ms: number; firstByteMs: number; rows: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(`${regulator.base}/api/v1/export?what=aggregates&interval=1m&format=${format}&points=${points}&from=${iso(from)}&to=${iso(to)}`, { headers: regulator.authorization });
  if (response.status !== 200 || response.body === null) throw new Error(`export of aggregates: ${response.status} ${await response.text()}`);
  let lines = 0;
  let bytes = 0;
  let firstByteMs = Number.NaN;
  for await (const chunk of response.body) {
    if (bytes === 0) firstByteMs = performance.now() - started;
    const bytesRead = Buffer.from((chunk as Uint8Array).buffer, (chunk as Uint8Array).byteOffset, (chunk as Uint8Array).byteLength);
    bytes += bytesRead.length;
    // Newlines found natively: a JS loop over each of ~170 MB took the client ~0.8 s, near the route's own time.
    if (format === 'csv') for (let at = bytesRead.indexOf(10); at >= 0; at = bytesRead.indexOf(10, at + 1)) lines += 1;
  }
  return { ms: performance.now() - started, firstByteMs, rows: format === 'csv' ? lines - 1 : -1, bytes };
}

/** The alarm points' register bank, simulated here so the bench drives their values. */
async function startAlarmBank() {
  const site = await startSite({
    name: 'api-bench-alarms',
    speed: 1,
    tcp: [
      {
        name: 'alarms',
        port: 0,
        devices: [{ id: 'AL', unitId: 1, model: 'register-bank', options: { generate: [{ namePrefix: 'p', count: ALARM_POINTS, table: 'holding', type: 'int16', start: 0, step: 0 }] } }],
      },
    ],
  });
  const port = site.endpoints.find((endpoint) => endpoint.deviceId === 'AL')!.port!;
  return {
    site,
    extras: {
      lines: [{ id: 'alarms', kind: 'tcp', host: '127.0.0.1', port }],
      devices: [{ id: 'AL', profile: 'alarm-bank', line: 'alarms', unitId: 1 }],
      points: Array.from({ length: ALARM_POINTS }, (_, i) => `  - { id: AL.p${i + 1}, rules: { limits: { hi: 500 } } }`),
    },
  };
}

/** Log-spaced spans from 1 minute to 365 days, `count` of them, shuffled the same way every run. */
function trendSpans(count: number): number[] {
  const spans = Array.from({ length: count }, (_, i) => Math.round(MINUTE_MS * (365 * 1440) ** (i / Math.max(1, count - 1))));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = spans.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [spans[i], spans[j]] = [spans[j]!, spans[i]!];
  }
  return spans;
}

/** The route's p99 (or another statistic) for pnpm bench's table, beside the same statistic of its in-run baseline. */
function recordVersus(name: string, route: readonly number[], baseline: readonly number[], baselineName: string, target: Target, statistic: 'p99' | 'max' = 'p99'): void {
  const of = (values: readonly number[]) => (statistic === 'p99' ? p99(values) : Math.max(...values));
  recordFigure({ name: `${name}, ${statistic}`, value: of(route), unit: 'ms', target, baseline: { name: `${baselineName}, ${statistic}`, value: of(baseline) } });
}

function printVersus(what: string, route: readonly number[], baseline: readonly number[], baselineName: string, target: string): void {
  console.log(`  ${what}`);
  console.log(`    route     : ${spread(route)}`);
  console.log(`    ${baselineName.padEnd(10)}: ${spread(baseline)}`);
  console.log(`    ratio route / baseline: p50 ${fmt(median(route) / median(baseline), 2)}x, p99 ${fmt(p99(route) / p99(baseline), 2)}x; ${target}`);
}

/**
 * The alarms whose last stream copy came latest, each stage as ms after the reading the engine raised it on: the
 * commit round began (its writtenAt), the agent's durable line, the first and the last stream copy. Late at the
 * durable line: the agent (its queue of appends, the commit); late only at the streams: the feed or the sockets.
 */
function printSlowestAlarms(target: readonly ReceivedAlarm[], readers: readonly SseReader[], durableSeenAt: ReadonlyMap<number, number>, count = 12): void {
  const arrivals = new Map<number, number[]>();
  for (const reader of readers) for (const alarm of reader.alarms) arrivals.get(alarm.seq)?.push(alarm.receivedAt) ?? arrivals.set(alarm.seq, [alarm.receivedAt]);
  const stages = target.map((alarm) => {
    const copies = arrivals.get(alarm.seq) ?? [];
    return { alarm, first: Math.min(...copies) - alarm.time, last: Math.max(...copies) - alarm.time, durable: (durableSeenAt.get(alarm.seq) ?? Number.NaN) - alarm.time };
  });
  stages.sort((a, b) => b.last - a.last);
  console.log(`    the ${count} latest (ms after the reading): commit round began / durable line / first stream / last stream`);
  for (const { alarm, first, last, durable } of stages.slice(0, count)) {
    console.log(`      seq ${alarm.seq} at ${iso(alarm.time).slice(11)}: ${fmt(alarm.writtenAt - alarm.time)} / ${fmt(durable, 1)} / ${fmt(first, 1)} / ${fmt(last, 1)}`);
  }
}

async function historyPhase(bundle: string, dir: string, ports: readonly number[], sections: string): Promise<void> {
  const alarmBank = await startAlarmBank();
  try {
    const profiles = writeProfiles(dir, HISTORY_POLL_MS);
    writeFileSync(join(profiles, 'alarm-bank.yaml'), bankProfile('alarm-bank', ALARM_POINTS, ALARM_POLL_MS));
    const storePath = join(dir, 'history.duckdb');
    const configPath = join(dir, 'history.yaml');
    writeFileSync(configPath, agentConfig(ports, storePath, profiles, { ...alarmBank.extras, sections }));
    const pointIds = plantPointIds();
    const trendPoint = pointIds[0]!;
    const aggregatePoints = pointIds.slice(POINTS - AGGREGATE_POINTS);
    const prepared = await prepareHistory(configPath, { trendPoint, aggregatePoints, alarmEvents: HISTORY_EVENTS, auditRows: HISTORY_EVENTS }, dir);
    console.log(
      `\nhistory written through the store in ${fmt(prepared.seconds, 1)} s: ${fmt(AGGREGATE_POINTS)} points x 1 day of 1-minute rollups (${iso(prepared.aggregateDay).slice(0, 10)}), ` +
        `${trendPoint}: raw at 1 s from ${iso(prepared.rawFrom)}, rollups a year before; ${fmt(HISTORY_EVENTS)} alarm events, ${fmt(HISTORY_EVENTS)} audit rows`,
    );
    const hourFrom = prepared.aggregateDay + 12 * HOUR_MS;
    // Aggregates take up to seconds each: fewer of them, so the default run stays within minutes.
    const hourRepeats = Math.ceil(REQUESTS / 2);
    const dayRepeats = DAY_PULLS;
    const spreadOver = (count: number) => Array.from({ length: count }, (_, i) => Math.floor((i * (HISTORY_EVENTS - HISTORY_PAGE)) / count));
    const cursors = spreadOver(EVENT_PAGES);
    const auditCursors = spreadOver(AUDIT_PAGES);
    const spans = trendSpans(REQUESTS);
    // The baselines run on the agent's CPU, as the agent's queries will.
    const bare = STREAM_ONLY
      ? null
      : await onCpu(0, () =>
          bareQueryTimes(storePath, {
            aggregatePoints,
            hourFrom,
            dayFrom: prepared.aggregateDay,
            hourRepeats,
            dayRepeats,
            eventCursors: cursors,
            auditCursors,
            rareWho: prepared.rareWho,
          }),
        );
    const pageMs = Math.floor(AGGREGATE_PAGE_ROWS / AGGREGATE_POINTS) * MINUTE_MS;
    const onePageMs = Math.floor(AGGREGATE_HOUR_PAGE_ROWS / AGGREGATE_POINTS) * MINUTE_MS;
    const store = STREAM_ONLY ? null : await onCpu(0, () => storeQueryTimes(configPath, { trendPoint, spans, to: Date.now(), aggregatePoints, hourFrom, hourRepeats, pageMs, onePageMs }));

    const agent = await startAgent(bundle, configPath, true);
    try {
      const base = agent.base;
      console.log(`agent with its web server at ${base}: ${fmt(POINTS)} points polled each second, ${ALARM_POINTS} alarm points each ${ALARM_POLL_MS} ms; load average ${fmt(loadavg()[0]!, 2)}`);
      const viewers = await Promise.all(Array.from({ length: STREAMS }, () => ApiClient.signIn(base, USERS.viewer.name, USERS.viewer.password)));
      const regulator = await regulatorClient(base);
      const readers = await Promise.all(viewers.map((viewer) => SseReader.open(base, viewer.cookie)));
      await sleep(WARMUP_S * 1000);

      // 1. Alarm -> SSE.
      const device = alarmBank.site.device('AL');
      // Every time the engine makes an alarm active: `raised` from normal, `changed` from unacknowledged-returned.
      const raisedAt = (reader: SseReader) => reader.alarms.filter((alarm) => alarm.who === 'engine' && alarm.stateAfter === 'unacknowledged_active' && alarm.pointId?.startsWith('AL.'));
      const loopBefore = await (await fetch(agent.metricsUrl)).text();
      const driveStarted = performance.now();
      let tick = 0;
      const driver = setInterval(
        () => {
          // Point k goes over its limit at k steps into the cycle and back under half a cycle later.
          const point = tick % ALARM_POINTS;
          const high = Math.floor(tick / ALARM_POINTS) % 2 === 0;
          device.set(`p${point}`, high ? 1000 : 0);
          tick += 1;
        },
        ALARM_CYCLE_MS / 2 / ALARM_POINTS,
      );
      const deadline = Date.now() + Math.max(60_000, (ALARMS / ALARM_POINTS) * ALARM_CYCLE_MS * 3);
      while (raisedAt(readers[0]!).length < ALARMS && Date.now() < deadline) await sleep(100);
      clearInterval(driver);
      for (let i = 0; i < ALARM_POINTS; i++) device.set(`p${i}`, 0);
      const driveS = (performance.now() - driveStarted) / 1000;
      const target = raisedAt(readers[0]!).slice(0, ALARMS);
      const lastSeq = target.at(-1)?.seq ?? 0;
      const settle = Date.now() + 10_000;
      while (readers.some((reader) => !reader.alarms.some((alarm) => alarm.seq >= lastSeq)) && Date.now() < settle) await sleep(50);
      const wanted = new Set(target.map((alarm) => alarm.seq));
      const latencies = readers.flatMap((reader) =>
        raisedAt(reader)
          .filter((alarm) => wanted.has(alarm.seq))
          .map((alarm) => alarm.receivedAt - alarm.time),
      );
      const commits = target.map((alarm) => alarm.writtenAt - alarm.time);
      const durable = target.flatMap((alarm) => {
        const seenAt = agent.durableSeenAt.get(alarm.seq);
        return seenAt === undefined ? [] : [seenAt - alarm.time];
      });
      const loopAfter = await (await fetch(agent.metricsUrl)).text();
      const missing = wanted.size * STREAMS - latencies.length;
      const streamBytes = readers.reduce((sum, reader) => sum + reader.bytes, 0);
      await Promise.all(readers.map((reader) => reader.close()));
      console.log(
        `\n1. engine alarm -> SSE reader, ${fmt(target.length)} raised alarms (~${fmt(target.length / driveS)}/s) x ${STREAMS} open streams (${fmt(mib(streamBytes) / STREAMS, 1)} MiB each, readings included)`,
      );
      console.log(`    at the readers          : ${spread(latencies)}${missing > 0 ? `; ${fmt(missing)} copies never arrived` : ''}`);
      console.log(`    baseline durable line   : ${spread(durable)} (the line \`hazmon run\`'s durable subscriber prints for the committed row, read here from its stdout)`);
      console.log(`    commit round began      : ${spread(commits)} (the row's writtenAt)`);
      const loopUpTo = (name: string) => `<= ${fmt(longestUpTo(loopBefore, loopAfter, name) * 1000)} ms`;
      console.log(
        `    the agent's event loop  : each 1-s window's largest delay ${loopUpTo('event_loop_lag_window_max_seconds')}; ` +
          `its part no longer than the loop thread ran ${loopUpTo('event_loop_busy_window_max_seconds')} (the agent's own work; the rest is waiting for the CPU)`,
      );
      recordFigure({
        name: `engine alarm -> SSE event, ${STREAMS} streams, p99${missing > 0 ? ` (${fmt(missing)} copies never arrived)` : ''}`,
        value: missing > 0 ? Number.NaN : p99(latencies),
        unit: 'ms',
        target: { text: `p99 <= ${TARGET.sseP99Ms} ms (20 SSE clients)`, atMost: TARGET.sseP99Ms },
        baseline: { name: "the agent's durable line, p99", value: p99(durable) },
      });
      console.log(
        `    the stream's own share  : p50 ${ms(median(latencies) - median(durable))}, p99 ${ms(p99(latencies) - p99(durable))}; target p99 <= ${TARGET.sseP99Ms} ms: ${met(p99(latencies) <= TARGET.sseP99Ms && missing === 0)}`,
      );
      printSlowestAlarms(target, readers, agent.durableSeenAt);
      if (bare === null || store === null) return;

      // 2. Aggregates.
      const ids = aggregatePoints.join(',');
      const hourPullsTimed: { ms: number; toLastByteMs: number }[] = [];
      for (let i = 0; i < hourRepeats; i++) hourPullsTimed.push(await pullAggregates(regulator, ids, hourFrom, hourFrom + HOUR_MS, AGGREGATE_PAGE_ROWS));
      const onePagePullsTimed: { ms: number; toLastByteMs: number }[] = [];
      for (let i = 0; i < hourRepeats; i++) onePagePullsTimed.push(await pullAggregates(regulator, ids, hourFrom, hourFrom + HOUR_MS, AGGREGATE_HOUR_PAGE_ROWS));
      const seriesPulls: number[] = [];
      for (let i = 0; i < hourRepeats; i++) seriesPulls.push((await pullAggregates(regulator, ids, hourFrom, hourFrom + HOUR_MS, AGGREGATE_HOUR_PAGE_ROWS, 'series')).ms);
      const onePageRaw: number[] = [];
      const onePagePath = `/api/v1/aggregates?points=${ids}&interval=1m&from=${iso(hourFrom)}&to=${iso(hourFrom + HOUR_MS)}&limit=${AGGREGATE_HOUR_PAGE_ROWS}`;
      for (let i = 0; i < hourRepeats; i++) onePageRaw.push(await rawPageMs(regulator, onePagePath));
      const hourPulls = hourPullsTimed.map((pull) => pull.ms);
      const onePagePulls = onePagePullsTimed.map((pull) => pull.ms);
      const dayPulls: { ms: number; firstByteMs: number; rows: number; bytes: number }[] = [];
      for (let i = 0; i < dayRepeats; i++) dayPulls.push(await exportAggregates(regulator, ids, prepared.aggregateDay, prepared.aggregateDay + DAY_MS));
      const dayParquetPulls: number[] = [];
      let dayParquetBytes = 0;
      for (let i = 0; i < dayRepeats; i++) {
        const pull = await exportAggregates(regulator, ids, prepared.aggregateDay, prepared.aggregateDay + DAY_MS, 'parquet');
        dayParquetPulls.push(pull.ms);
        dayParquetBytes = pull.bytes;
      }
      console.log(`\n2. GET /api/v1/aggregates, ${fmt(AGGREGATE_POINTS)} points at 1 min, pages of ${fmt(AGGREGATE_PAGE_ROWS)} rows (regulator token)`);
      const hourRatio = median(hourPulls) / median(bare.aggregatesHour);
      printVersus(
        `1 hour (${fmt(AGGREGATE_POINTS * 60)} rows), ${hourRepeats} pulls`,
        hourPulls,
        bare.aggregatesHour,
        'bare SQL',
        `target <= ${TARGET.aggregatesHourMs} ms: ${met(p99(hourPulls) <= TARGET.aggregatesHourMs)} (p99), <= ${TARGET.aggregatesRatio}x bare: ${met(hourRatio <= TARGET.aggregatesRatio)} (p50)`,
      );
      console.log(`    to the last byte of each page, the client's JSON.parse left out: ${spread(hourPullsTimed.map((pull) => pull.toLastByteMs))}`);
      console.log(`    the store's own query, same pages (StoreReader.aggregateColumns, as the route reads them): ${spread(store.aggregatesHour)}`);
      printVersus(
        `1 hour in one page of ${fmt(AGGREGATE_HOUR_PAGE_ROWS)} rows (limit=${AGGREGATE_HOUR_PAGE_ROWS}), ${hourRepeats} pulls`,
        onePagePulls,
        bare.aggregatesHour,
        'bare SQL',
        `target <= ${TARGET.aggregatesHourMs} ms: ${met(p99(onePagePulls) <= TARGET.aggregatesHourMs)} (p99), <= ${TARGET.aggregatesRatio}x bare: ${met(median(onePagePulls) / median(bare.aggregatesHour) <= TARGET.aggregatesRatio)} (p50)`,
      );
      console.log(`    to the last byte, the client's JSON.parse left out: ${spread(onePagePullsTimed.map((pull) => pull.toLastByteMs))}`);
      console.log(`    to the last byte by node:http, the bytes neither decoded nor parsed: ${spread(onePageRaw)}`);
      console.log(`    the store's own query, one page: ${spread(store.aggregatesHourOnePage)}`);
      const seriesRatio = median(seriesPulls) / median(bare.aggregatesHour);
      printVersus(
        `1 hour in one page as series (shape=series: an array per point and figure), ${hourRepeats} pulls`,
        seriesPulls,
        bare.aggregatesHour,
        'bare SQL',
        `target <= ${TARGET.aggregatesHourMs} ms: ${met(p99(seriesPulls) <= TARGET.aggregatesHourMs)} (p99), <= ${TARGET.aggregatesRatio}x bare: ${met(seriesRatio <= TARGET.aggregatesRatio)} (p50)`,
      );
      recordVersus(`aggregates, ${fmt(AGGREGATE_POINTS)} points x 1 h at 1 min, one page as series`, seriesPulls, bare.aggregatesHour, 'bare SQL', {
        text: `<= ${TARGET.aggregatesHourMs} ms`,
        atMost: TARGET.aggregatesHourMs,
      });
      recordFigure({
        name: `aggregates, ${fmt(AGGREGATE_POINTS)} points x 1 h as series, route / bare SQL at p50`,
        value: seriesRatio,
        unit: 'x',
        target: { text: `<= ${TARGET.aggregatesRatio}x the bare DuckDB query in the same run`, atMost: TARGET.aggregatesRatio },
      });
      recordVersus(`aggregates, ${fmt(AGGREGATE_POINTS)} points x 1 h at 1 min, one page`, onePagePulls, bare.aggregatesHour, 'bare SQL', {
        text: `<= ${TARGET.aggregatesHourMs} ms`,
        atMost: TARGET.aggregatesHourMs,
      });
      recordVersus(`aggregates, ${fmt(AGGREGATE_POINTS)} points x 1 h at 1 min`, hourPulls, bare.aggregatesHour, 'bare SQL', {
        text: `<= ${TARGET.aggregatesHourMs} ms`,
        atMost: TARGET.aggregatesHourMs,
      });
      recordFigure({
        name: `aggregates, ${fmt(AGGREGATE_POINTS)} points x 1 h, route / bare SQL at p50`,
        value: hourRatio,
        unit: 'x',
        target: { text: `<= ${TARGET.aggregatesRatio}x the bare DuckDB query in the same run`, atMost: TARGET.aggregatesRatio },
      });
      if (dayPulls.length > 0) {
        const dayTimes = dayPulls.map((pull) => pull.ms);
        const dayRatio = median(dayTimes) / median(bare.aggregatesDay);
        printVersus(
          `1 day (${fmt(dayPulls[0]!.rows)} rows, ${fmt(mib(dayPulls[0]!.bytes), 1)} MiB), streamed as CSV by GET /api/v1/export?what=aggregates, ${dayRepeats} pulls`,
          dayTimes,
          bare.aggregatesDay,
          'bare SQL',
          `target <= ${TARGET.aggregatesDayMs} ms: ${met(Math.max(...dayTimes) <= TARGET.aggregatesDayMs)} (max), <= ${TARGET.aggregatesRatio}x bare: ${met(dayRatio <= TARGET.aggregatesRatio)} (p50)`,
        );
        recordVersus(
          `aggregates, ${fmt(AGGREGATE_POINTS)} points x 1 day at 1 min`,
          dayTimes,
          bare.aggregatesDay,
          'bare SQL',
          { text: `<= ${TARGET.aggregatesDayMs} ms streamed`, atMost: TARGET.aggregatesDayMs },
          'max',
        );
        console.log(`    the CSV's first byte: ${spread(dayPulls.map((pull) => pull.firstByteMs))}`);
        console.log(
          `    the same day as Parquet (format=parquet, ${fmt(mib(dayParquetBytes), 1)} MiB): ${spread(dayParquetPulls)}; <= ${TARGET.aggregatesDayMs} ms: ${met(Math.max(...dayParquetPulls) <= TARGET.aggregatesDayMs)} (max)`,
        );
      }

      // 3. Trends.
      const trendsOf = async () => {
        const times: number[] = [];
        for (const span of spans) {
          const to = Date.now();
          times.push((await viewers[0]!.ok(`/api/v1/trends?points=${trendPoint}&from=${to - span}&to=${to}&buckets=500`)).ms);
        }
        return times;
      };
      const trendTimes = await trendsOf();
      // The same ranges again once the agent has had a few seconds after the day's export: its first requests above
      // meet what the export left behind (the 170 MB sent, the agent's catch-up), which is not the trend route's cost.
      await sleep(TREND_SETTLE_MS);
      const settledTrendTimes = await trendsOf();
      console.log(`\n3. GET /api/v1/trends, ${trendPoint}, ${spans.length} ranges from 1 min to 365 days, 500 buckets`);
      printVersus('every range', trendTimes, store.trends, 'store', `target p99 <= ${TARGET.trendP99Ms} ms: ${met(p99(trendTimes) <= TARGET.trendP99Ms)}`);
      recordVersus(`trend of one point at 1 s, ${spans.length} ranges 1 min .. 1 year`, trendTimes, store.trends, "the store's query", {
        text: `p99 <= ${TARGET.trendP99Ms} ms`,
        atMost: TARGET.trendP99Ms,
      });
      const bySpan = (limit: number) => trendTimes.filter((_, i) => spans[i]! <= limit);
      console.log(`    route by range: <= 6 h (raw) ${spread(bySpan(6 * HOUR_MS))}; <= 8 d ${spread(bySpan(8 * DAY_MS))}`);
      const slowest = (times: readonly number[]) =>
        times
          .map((time, i) => ({ time, i }))
          .sort((a, b) => b.time - a.time)
          .slice(0, 3)
          .map(({ time, i }) => `${ms(time)} (request ${i + 1}, span ${fmt(spans[i]! / MINUTE_MS)} min; store ${ms(store.trends[i]!)})`)
          .join(', ');
      console.log(`    again ${TREND_SETTLE_MS / 1000} s later: ${spread(settledTrendTimes)}; target p99 <= ${TARGET.trendP99Ms} ms: ${met(p99(settledTrendTimes) <= TARGET.trendP99Ms)}`);
      console.log(`    slowest: ${slowest(trendTimes)}; ${TREND_SETTLE_MS / 1000} s later: ${slowest(settledTrendTimes)}`);

      // 4. History.
      const eventPages: number[] = [];
      for (const after of cursors) eventPages.push((await regulator.ok(`/api/v1/alarm-events?after=${after}&limit=${HISTORY_PAGE}`)).ms);
      const admin = await ApiClient.signIn(base, USERS.admin.name, USERS.admin.password);
      const auditPages: number[] = [];
      const auditWhoPages: number[] = [];
      let chain: unknown = null;
      for (const after of auditCursors) {
        const page = await admin.ok<{ chain: { ok: boolean; rowsChecked: number } }>(`/api/v1/audit?after=${after}&limit=${HISTORY_PAGE}`);
        chain ??= page.body.chain;
        auditPages.push(page.ms);
        auditWhoPages.push((await admin.ok(`/api/v1/audit?after=${after}&limit=${HISTORY_PAGE}&who=${prepared.rareWho}`)).ms);
      }
      // The same pages newest first, as the UI's alarm list and audit log ask for them now.
      const eventNewestPages: number[] = [];
      for (const after of cursors) eventNewestPages.push((await regulator.ok(`/api/v1/alarm-events?order=newest&before=${newestCursorOf(after)}&limit=${HISTORY_PAGE}`)).ms);
      const auditNewestPages: number[] = [];
      for (const after of auditCursors) auditNewestPages.push((await admin.ok(`/api/v1/audit?order=newest&before=${newestCursorOf(after)}&limit=${HISTORY_PAGE}`)).ms);
      console.log(`\n4. history over ${fmt(HISTORY_EVENTS)} alarm events and ${fmt(HISTORY_EVENTS)} audit rows, pages of ${HISTORY_PAGE} after cursors spread over the table`);
      const historyTarget = (times: readonly number[]) => `target p99 <= ${TARGET.historyP99Ms} ms: ${met(p99(times) <= TARGET.historyP99Ms)}`;
      printVersus('GET /api/v1/alarm-events?after=&limit=1000', eventPages, bare.alarmEventPages, 'bare SQL', historyTarget(eventPages));
      console.log(`  the audit chain as the route reports it: ${JSON.stringify(chain)}`);
      printVersus('GET /api/v1/audit?after=&limit=1000', auditPages, bare.auditPages, 'bare SQL', historyTarget(auditPages));
      printVersus(`GET /api/v1/audit?who=${prepared.rareWho} (every tenth row)`, auditWhoPages, bare.auditWhoPages, 'bare SQL', historyTarget(auditWhoPages));
      printVersus('GET /api/v1/alarm-events?order=newest&before=&limit=1000', eventNewestPages, bare.alarmEventNewestPages, 'bare SQL', historyTarget(eventNewestPages));
      printVersus('GET /api/v1/audit?order=newest&before=&limit=1000', auditNewestPages, bare.auditNewestPages, 'bare SQL', historyTarget(auditNewestPages));
      const historySearch: Target = { text: `p99 <= ${TARGET.historyP99Ms} ms over 100k events`, atMost: TARGET.historyP99Ms };
      recordVersus(`alarm-event pages over ${fmt(HISTORY_EVENTS)} events`, eventPages, bare.alarmEventPages, 'bare SQL', historySearch);
      recordVersus(`audit pages over ${fmt(HISTORY_EVENTS)} rows`, auditPages, bare.auditPages, 'bare SQL', historySearch);
      recordVersus(`alarm-event pages newest first over ${fmt(HISTORY_EVENTS)} events`, eventNewestPages, bare.alarmEventNewestPages, 'bare SQL', historySearch);
      recordVersus(`audit pages newest first over ${fmt(HISTORY_EVENTS)} rows`, auditNewestPages, bare.auditNewestPages, 'bare SQL', historySearch);
      const rss = Math.max(...agent.samples.map((sample) => sample.rssBytes));
      console.log(`\n  RSS max of this agent over phases 1-4: ${fmt(mib(rss), 1)} MiB`);
    } finally {
      await agent.stop();
    }
  } finally {
    await alarmBank.site.stop();
  }
}

interface IngestRun {
  readonly storedPerS: number;
  readonly dropped: number;
  /** In the measured window: Modbus answers received a second, and poll cycles skipped (the previous one still running). */
  readonly answersPerS: number;
  readonly overruns: number;
  /** The agent's CPU in the window, in seconds a second (1: its whole core). */
  readonly cpuShare: number;
  readonly rssMaxBytes: number;
  readonly rssWindowMedianBytes: number;
  /** Where the RSS max was: each phase's max, and when the run's max was seen (ms after spawn). */
  readonly rssByPhase: string;
  /** The store's block releases refused (a read beside held memory: the blocks stay cached until the next turn), by the first loads' end and by the window's. */
  readonly releasesRefused: { readonly firstLoads: number; readonly total: number };
  readonly load: string;
}

/** The phases of an ingest run, in order, each from its `fromMs` (after spawn) to the next one's. */
const INGEST_PHASES = ['start-up', 'first loads', 'warm-up', 'window', 'stop'] as const;

/** Each phase's RSS max (MiB) and when the run's max was seen: which moment a figure's max is. */
function rssByPhase(samples: RunningAgent['samples'], phaseFrom: Readonly<Record<(typeof INGEST_PHASES)[number], number>>): string {
  const top = samples.reduce((best, sample) => (sample.rssBytes > best.rssBytes ? sample : best));
  const maxima = INGEST_PHASES.flatMap((phase, i) => {
    const next = INGEST_PHASES[i + 1];
    const within = samples.filter((sample) => sample.atMs >= phaseFrom[phase] && (next === undefined || sample.atMs < phaseFrom[next]));
    return within.length === 0 ? [] : [`${phase} ${fmt(mib(Math.max(...within.map((sample) => sample.rssBytes))), 1)}`];
  });
  return `${maxima.join(', ')}; max at ${fmt(top.atMs / 1000, 1)} s after spawn`;
}

/** 20 dashboards (each as the UI's live store drives one: bench/api-bench/dashboard.ts) and 10 regulator pulls a second, until `stop()`. */
async function startClientLoad(base: string) {
  const viewers = withDashboards ? await Promise.all(Array.from({ length: DASHBOARDS }, () => ApiClient.signIn(base, USERS.viewer.name, USERS.viewer.password))) : [];
  const regulator = await regulatorClient(base);
  const dashboards = await Promise.all(viewers.map((viewer) => BenchDashboard.open(viewer)));
  // What the figure is about is 20 dashboards open, not 20 opening at once: their first loads (~3 MB of fixed point
  // fields each) end before the warm-up begins, and are reported apart.
  const connecting = performance.now();
  while (dashboards.some((dashboard) => dashboard.connectLoads.length + dashboard.failures.length === 0) && performance.now() - connecting < CONNECT_LIMIT_MS) await sleep(100);
  const connectedMs = performance.now() - connecting;
  const pulls: number[] = [];
  const failures: string[] = [];
  let skipped = 0;
  let inFlight = 0;
  let cursor = 0;
  let pull = 0;
  const regulatorPaths = [
    () => {
      const to = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      return `/api/v1/aggregates?interval=1m&from=${iso(to - MINUTE_MS)}&to=${iso(to)}&limit=${AGGREGATE_PAGE_ROWS}`;
    },
    () => `/api/v1/alarm-events?after=${cursor}&limit=1000`,
    () => '/api/v1/site',
    () => '/api/v1/devices',
  ];
  const puller = setInterval(() => {
    if (!withRegulators) return;
    // Open loop, at most 10 in flight: a server that falls behind shows as pulls skipped, not as a slower schedule.
    if (inFlight >= REGULATOR_PULLS_PER_S) {
      skipped += 1;
      return;
    }
    inFlight += 1;
    const path = regulatorPaths[pull++ % regulatorPaths.length]!();
    regulator
      .ok<{ next?: number }>(path)
      .then(
        (answer) => {
          pulls.push(answer.ms);
          if (path.startsWith('/api/v1/alarm-events') && typeof answer.body.next === 'number') cursor = answer.body.next;
        },
        (error: unknown) => failures.push(String(error)),
      )
      .finally(() => (inFlight -= 1));
  }, 1000 / REGULATOR_PULLS_PER_S);
  return {
    async stop(): Promise<string> {
      clearInterval(puller);
      const streamed = dashboards.reduce((sum, dashboard) => sum + dashboard.streamedBytes, 0);
      await Promise.all(dashboards.map((dashboard) => dashboard.close()));
      failures.push(...dashboards.flatMap((dashboard) => dashboard.failures));
      return (
        `dashboards' loads at connection ${spread(dashboards.flatMap((dashboard) => dashboard.connectLoads))} (all done ${fmt(connectedMs / 1000, 1)} s after opening), ` +
        `alarm list reloads ${spread(dashboards.flatMap((dashboard) => dashboard.reloads))} (largest ${fmt(Math.max(0, ...dashboards.map((dashboard) => dashboard.alarmListMaxBytes)))} bytes); ` +
        `regulator pulls ${spread(pulls)}, ${skipped} skipped (10 in flight); ` +
        `${fmt(mib(streamed) / Math.max(1, dashboards.length), 1)} MiB streamed to each dashboard${failures.length > 0 ? `; ${failures.length} FAILED, first: ${failures[0]}` : ''}`
      );
    },
  };
}

/**
 * Rows the store file holds with a receive time in [from, to), read after the agent stopped: the readings received in
 * the window that were stored. Not the committed-rows counter between two scrapes: at 100k readings/s a commit is
 * ~65k rows (8 % of an 8-s window), so where the window's ends fall between commits moved that figure by up to 8 %.
 */
async function rowsReceivedIn(storePath: string, from: number, to: number): Promise<number> {
  const instance = await DuckDBInstance.create(storePath, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll('SELECT count(*) AS n FROM raw_readings WHERE t >= $1 AND t < $2', [from, to]);
    connection.closeSync();
    return Number(reader.getRowObjectsJS()[0]?.['n']);
  } finally {
    instance.closeSync();
  }
}

async function ingestRun(bundle: string, configPath: string, storePath: string, loaded: boolean): Promise<IngestRun> {
  const load = loadavg()[0]!;
  const agent = await startAgent(bundle, configPath, loaded);
  let clientLoad: Awaited<ReturnType<typeof startClientLoad>> | null = null;
  let clients = '';
  let windowMs = 0;
  let dropped = 0;
  let answers = 0;
  let overruns = 0;
  let cpuShare = 0;
  let window = { from: 0, to: 0 };
  let received = { from: 0, to: 0 };
  let refusedByFirstLoads = 0;
  let refused = 0;
  const sinceSpawn = () => performance.now() - agent.spawnedAt;
  const phaseFrom = { 'start-up': 0, 'first loads': sinceSpawn(), 'warm-up': 0, window: 0, stop: Number.POSITIVE_INFINITY };
  try {
    if (loaded) clientLoad = await startClientLoad(agent.base);
    phaseFrom['warm-up'] = sinceSpawn();
    refusedByFirstLoads = metric(await (await fetch(agent.metricsUrl)).text(), 'store_block_releases_refused_total');
    await sleep(WARMUP_S * 1000);
    const metricsBefore = await (await fetch(agent.metricsUrl)).text();
    const cpuBefore = agent.cpuSeconds();
    const started = performance.now();
    received = { from: Date.now(), to: 0 };
    window = { from: started - agent.spawnedAt, to: 0 };
    await sleep(MEASURE_S * 1000);
    const after = await (await fetch(agent.metricsUrl)).text();
    windowMs = performance.now() - started;
    received = { ...received, to: received.from + windowMs };
    cpuShare = ((agent.cpuSeconds() - cpuBefore) * 1000) / windowMs;
    window = { ...window, to: performance.now() - agent.spawnedAt };
    phaseFrom.window = window.from;
    phaseFrom.stop = window.to;
    dropped = metric(after, 'store_readings_dropped_total');
    refused = metric(after, 'store_block_releases_refused_total');
    answers = metricTotal(after, 'modbus_responses_total') - metricTotal(metricsBefore, 'modbus_responses_total');
    overruns = metricTotal(after, 'modbus_poll_overruns_total') - metricTotal(metricsBefore, 'modbus_poll_overruns_total');
    if (clientLoad) clients = await clientLoad.stop();
    clientLoad = null;
  } finally {
    await clientLoad?.stop();
    await agent.stop();
  }
  const stored = await rowsReceivedIn(storePath, received.from, received.to);
  const inWindow = agent.samples
    .filter((sample) => sample.atMs >= window.from && sample.atMs <= window.to)
    .map((sample) => sample.rssBytes)
    .sort((a, b) => a - b);
  return {
    storedPerS: (stored / windowMs) * 1000,
    dropped,
    answersPerS: (answers / windowMs) * 1000,
    overruns,
    cpuShare,
    rssMaxBytes: Math.max(...agent.samples.map((sample) => sample.rssBytes)),
    rssWindowMedianBytes: median(inWindow),
    rssByPhase: rssByPhase(agent.samples, phaseFrom),
    releasesRefused: { firstLoads: refusedByFirstLoads, total: refused },
    load: `load average ${fmt(load, 2)} before it${clients ? `; ${clients}` : ''}`,
  };
}

async function ingestPhase(bundle: string, dir: string, ports: readonly number[], sections: string): Promise<void> {
  const profiles = writeProfiles(dir, INGEST_POLL_MS);
  const runs: Record<'alone' | 'loaded', IngestRun[]> = { alone: [], loaded: [] };
  console.log(
    `\n5. ingest, ${fmt(POINTS)} points each ${INGEST_POLL_MS} ms (${fmt((POINTS * 1000) / INGEST_POLL_MS)}/s offered), web server on; ${WARMUP_S} s warm-up + ${MEASURE_S} s measured; ` +
      `loaded: ${withDashboards ? `${DASHBOARDS} dashboards (as the UI's live store: a stream each, the points at connection, the alarm list at most once a second)` : 'no dashboards'} and ${withRegulators ? REGULATOR_PULLS_PER_S : 'no'} regulator pulls a second (HAZMON_BENCH_LOAD=${LOAD})`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of round % 2 === 0 ? (['alone', 'loaded'] as const) : (['loaded', 'alone'] as const)) {
      const configPath = join(dir, `ingest-${which}-${round}.yaml`);
      const storePath = join(dir, `ingest-${which}-${round}.duckdb`);
      writeFileSync(configPath, agentConfig(ports, storePath, profiles, { sections }));
      const run = await ingestRun(bundle, configPath, storePath, which === 'loaded');
      runs[which].push(run);
      console.log(
        `    round ${round + 1} ${which.padEnd(6)}: ${fmt(run.storedPerS)} readings/s stored, ${fmt(run.dropped)} dropped, ${fmt(run.answersPerS)} Modbus answers/s, ${fmt(run.overruns)} poll cycles overrun, agent CPU ${fmt(run.cpuShare, 2)} s/s, RSS max ${fmt(mib(run.rssMaxBytes), 1)} MiB (window median ${fmt(mib(run.rssWindowMedianBytes), 1)}; by phase ${run.rssByPhase}); block releases refused ${run.releasesRefused.firstLoads} by the first loads' end, ${run.releasesRefused.total} by the window's; ${run.load}`,
      );
    }
  }
  const ratios = runs.loaded.map((run, i) => run.storedPerS / runs.alone[i]!.storedPerS);
  const ratio = median(ratios);
  const rssMax = Math.max(...runs.loaded.map((run) => run.rssMaxBytes));
  console.log(`    ratio loaded / alone: ${fmt(ratio, 3)}x (${ratios.map((value) => fmt(value, 3)).join(', ')}); target >= ${TARGET.ingestRatio}x: ${met(ratio >= TARGET.ingestRatio)}`);
  recordFigure({
    name: `ingest with the web server's clients (${LOAD}), loaded / alone, median of ${ROUNDS}`,
    value: ratio,
    unit: 'x',
    target: { text: `>= ${TARGET.ingestRatio}x of the same run without them`, atLeast: TARGET.ingestRatio },
  });
  recordFigure({
    name: 'RSS max of `hazmon run` with the clients',
    value: rssMax / 1e6,
    unit: 'MB',
    target: { text: `<= ${fmt(TARGET.rssBytes / 1e6)} MB (150 + 15)`, atMost: TARGET.rssBytes / 1e6 },
    baseline: { name: 'alone', value: Math.max(...runs.alone.map((run) => run.rssMaxBytes)) / 1e6 },
  });
  console.log(
    `    RSS max loaded ${fmt(mib(rssMax), 1)} MiB = ${fmt(rssMax / 1e6, 1)} MB, alone ${fmt(mib(Math.max(...runs.alone.map((run) => run.rssMaxBytes))), 1)} MiB; target <= ${fmt(TARGET.rssBytes / 1e6)} MB: ${met(rssMax <= TARGET.rssBytes)}`,
  );
}

// The clients (here) and the simulator (a child in this session) stand for other machines: ahead of the background load.
setOwnSessionNice(PRIORITY.otherMachinesNice);
const dir = mkdtempSync(join(tmpdir(), 'hazmon-api-bench-'));
mkdirSync(dirname(GATEWAY_BUNDLE), { recursive: true });
// Under gateway/dist/ as the unit's bundle: its externals (DuckDB) resolve through gateway/node_modules.
const bundleDir = mkdtempSync(join(dirname(GATEWAY_BUNDLE), 'api-bench-'));
const background = startBackgroundLoad(PRIORITY.background);
try {
  const bundle = join(bundleDir, 'hazmon.mjs');
  await bundleGateway({ outfile: bundle });
  const simulator = await startSimulator(join(dir, 'site.json'));
  try {
    console.log(`web server bench: \`hazmon run\` as the unit starts it (pinned to CPU 0), the ${fmt(POINTS)}-point plant simulated on CPU 1, clients in this process`);
    console.log(`  ${PRIORITY.text}`);
    const sections = await usersSection();
    if (ONLY !== 'ingest') await historyPhase(bundle, dir, simulator.ports, sections);
    if (ONLY === 'both' || ONLY === 'ingest') await ingestPhase(bundle, dir, simulator.ports, sections);
  } finally {
    await simulator.stop();
  }
} finally {
  background.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
}
