/**
 * The regulator hub at national scale (shared/README.md: ~440 thousand points): `hazmon-hub run` as a process, exactly
 * as the unit starts it, on a real nats-server (JetStream, one user per gateway allowed only its subjects),
 * VictoriaMetrics and PostgreSQL on this machine (tests/hub/servers.ts), fed by simulated gateways (bench/hub-bench),
 * each its own NATS connection and user publishing the uplink contract's messages.
 *
 * 1. Baselines, on the same servers before the hub starts: the bare VictoriaMetrics import (the backlog's minutes as
 *    Influx lines straight to /write, in the hub's batch size) and the bare PostgreSQL insert (the backlog's events in
 *    batches of the hub's size, the hub's unnest ... ON CONFLICT DO NOTHING statement, into a copy of its table).
 * 2. Catch-up, as gateways returning from an outage: with the hub stopped each gateway publishes its site (points'
 *    metadata) and EVENTS_BACKLOG alarm events; the hub starts and the stream's acknowledged floor is followed every
 *    100 ms: events per second from the first batch past the sites to the last full batch (a partial last batch waits
 *    for the fetch's 1-s expiry). The hub stops; BACKLOG_MINUTES minutes of every point are published; it starts again
 *    (and runs on for the live part): samples per second the same way, beside the bare imports.
 * 3. Live: HAZMON_HUB_BENCH_S seconds (default 600) of national scale: every point's minute a jittered few seconds
 *    after each minute (440k point-minutes a minute: 7.3k/s, 37k samples/s on average, in a burst each minute),
 *    EVENTS_PER_S alarm events a second, health every 30 s per gateway. Every second: what the consumer has not
 *    acknowledged (pending + in flight) and the age of the oldest such message (the hub's lag); the hub's CPU and RSS
 *    from /proc. Then the gateways stop and the hub's lag at the end is what it still had to do.
 *
 * HAZMON_HUB_BENCH_S, HAZMON_HUB_BENCH_GATEWAYS (default 1000; the 440k points shared among them), HAZMON_HUB_BENCH_EVENTS_PER_S
 * (default 10), HAZMON_HUB_BENCH_BACKLOG_EVENTS (default 50000), HAZMON_HUB_BENCH_BACKLOG_MINUTES (default 2, at least 1)
 * change the run; HAZMON_HUB_BENCH_CPU_PROF=DIR runs the hub with `--cpu-prof` into DIR. Everything here shares the machine's cores (the gateways' process, nats-server, VictoriaMetrics, PostgreSQL
 * and the hub): figures are of this machine, not of a hub with servers of its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HUB_CONSUMER, HUB_STREAM } from '@hazmon/hub';
import { AGGREGATE_ROWS_PER_MESSAGE } from '@hazmon/uplink/contract';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { hubConnection, startNats, startPostgres, startVictoriaMetrics, type GatewayUser } from '../tests/hub/servers.ts';
import { cpuMsOf, memoryOf, sampleMemory } from './agent-bench/process-memory.ts';
import { recordFigure } from './figures.ts';
import { SimulatedGateway, type PublishCounts } from './hub-bench/gateways.ts';

const NATIONAL_POINTS = 440_000;
const LIVE_S = Number(process.env.HAZMON_HUB_BENCH_S ?? 600);
const GATEWAY_COUNT = Number(process.env.HAZMON_HUB_BENCH_GATEWAYS ?? 1000);
const POINTS_EACH = Math.ceil(NATIONAL_POINTS / GATEWAY_COUNT);
const EVENTS_PER_S = Number(process.env.HAZMON_HUB_BENCH_EVENTS_PER_S ?? 10);
const EVENTS_BACKLOG = Number(process.env.HAZMON_HUB_BENCH_BACKLOG_EVENTS ?? 50_000);
const BACKLOG_MINUTES = Number(process.env.HAZMON_HUB_BENCH_BACKLOG_MINUTES ?? 2);
/** The hub's fetch: messages per batch (hub/src/ingest.ts). */
const HUB_BATCH = 500;
/** Series per point and minute: min, avg, max, count, good_count, completeness. */
const SAMPLES_PER_ROW = 6;
const HUB_BIN = join(dirname(fileURLToPath(import.meta.url)), '../hub/bin/hazmon-hub.js');
const MIB = 1024 * 1024;
/** Runs the hub with `--cpu-prof` into this folder (profiling slows it: such a run's figures are not the hub's). */
const CPU_PROFILE_DIR = process.env.HAZMON_HUB_BENCH_CPU_PROF;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (value: number, digits = 1) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

/** One minute's Influx lines of every point, as the hub writes them (hub/src/victoria.ts), for the bare import. */
function bareLines(gateways: number, minute: number): string[] {
  const lines: string[] = [];
  for (let gateway = 0; gateway < gateways; gateway++)
    for (let point = 0; point < POINTS_EACH; point++) {
      const avg = Math.round(Math.random() * 2000) / 100;
      lines.push(`bare_point,gateway=BARE-${gateway},point=GD-${point}.concentration count=60,good_count=60,completeness=1,min=${avg - 0.5},avg=${avg},max=${avg + 0.5} ${minute}000000`);
    }
  return lines;
}

/**
 * The bare VictoriaMetrics import of the backlog's minutes, in chunks the size of the hub's batches: samples/s over
 * them all (the first minute makes the series, as the hub's first does), and the last minute's time (into series that
 * exist, as each live minute).
 */
async function bareVictoriaImport(url: string, firstMinute: number): Promise<{ samplesPerS: number; lastMinuteS: number }> {
  const chunk = HUB_BATCH * POINTS_EACH;
  let lines = 0;
  let elapsedMs = 0;
  let lastMinuteMs = Number.NaN;
  for (let index = 0; index < BACKLOG_MINUTES; index++) {
    const minute = bareLines(GATEWAY_COUNT, firstMinute + index * 60_000);
    const started = performance.now();
    for (let start = 0; start < minute.length; start += chunk) {
      const response = await fetch(`${url}/write`, { method: 'POST', body: minute.slice(start, start + chunk).join('\n') });
      if (!response.ok) throw new Error(`bare import: HTTP ${response.status}`);
    }
    lastMinuteMs = performance.now() - started;
    elapsedMs += lastMinuteMs;
    lines += minute.length;
  }
  return { samplesPerS: (lines * SAMPLES_PER_ROW) / (elapsedMs / 1000), lastMinuteS: lastMinuteMs / 1000 };
}

/** The bare PostgreSQL insert of as many events, batches of the hub's size, the hub's statement, into a table like its own: rows/s. */
async function barePostgresInsert(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE bare_events (id BIGINT PRIMARY KEY, gateway TEXT NOT NULL, seq BIGINT NOT NULL, t BIGINT NOT NULL, written_at BIGINT NOT NULL,
      received_at BIGINT NOT NULL, point_id TEXT, rule_id TEXT NOT NULL, kind TEXT NOT NULL, state_after TEXT NOT NULL, priority TEXT, who TEXT, why TEXT, details JSONB, UNIQUE (gateway, seq))`);
    const started = performance.now();
    for (let start = 0; start < EVENTS_BACKLOG; start += HUB_BATCH) {
      const ids = Array.from({ length: Math.min(HUB_BATCH, EVENTS_BACKLOG - start) }, (_, index) => start + index + 1);
      const gateways = ids.map((id) => `GW-${id % GATEWAY_COUNT}`);
      const times = ids.map(() => Date.now());
      const texts = (text: string) => ids.map(() => text);
      await client.query(
        `INSERT INTO bare_events (id, gateway, seq, t, written_at, received_at, point_id, rule_id, kind, state_after, priority, who, why, details)
         SELECT id, gateway, seq, t, written_at, $14, point_id, rule_id, kind, state_after, priority, who, why, details::jsonb
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
           AS e(id, gateway, seq, t, written_at, point_id, rule_id, kind, state_after, priority, who, why, details)
         ON CONFLICT (gateway, seq) DO NOTHING`,
        [
          ids,
          gateways,
          ids,
          times,
          times,
          texts('GD-0001.concentration'),
          texts('high'),
          texts('raised'),
          texts('active-unacked'),
          texts('high'),
          texts(''),
          texts(''),
          texts('{"value":23.4,"limit":20}'),
          Date.now(),
        ],
      );
    }
    return EVENTS_BACKLOG / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

interface ConsumerState {
  /** Messages in the stream the hub has not acknowledged: not yet delivered, or delivered and in its hands. */
  readonly unfinished: number;
  readonly ackFloor: number;
  /** Age of the oldest message not acknowledged (0 when none): how far behind the hub is. */
  readonly lagS: number;
}

async function consumerState(manager: JetStreamManager): Promise<ConsumerState> {
  const info = await manager.consumers.info(HUB_STREAM, HUB_CONSUMER);
  const unfinished = info.num_pending + info.num_ack_pending;
  if (unfinished === 0) return { unfinished, ackFloor: info.ack_floor.stream_seq, lagS: 0 };
  const oldest = await manager.streams.getMessage(HUB_STREAM, { seq: info.ack_floor.stream_seq + 1 });
  return { unfinished, ackFloor: info.ack_floor.stream_seq, lagS: oldest === null ? 0 : (Date.now() - oldest.time.getTime()) / 1000 };
}

async function lastStreamSeq(manager: JetStreamManager): Promise<number> {
  return (await manager.streams.info(HUB_STREAM)).state.last_seq;
}

/** Runs `work` over the gateways, `atOnce` publishes in flight. */
async function each(gateways: readonly SimulatedGateway[], times: number, atOnce: number, work: (gateway: SimulatedGateway, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const total = gateways.length * times;
  await Promise.all(
    Array.from({ length: atOnce }, async () => {
      while (next < total) {
        const index = next++;
        await work(gateways[index % gateways.length]!, index);
      }
    }),
  );
}

console.log(
  `hub bench: ${GATEWAY_COUNT} gateways x ${POINTS_EACH} points (${fmt(GATEWAY_COUNT * POINTS_EACH, 0)}), live ${LIVE_S} s at ${EVENTS_PER_S} events/s; backlog ${fmt(EVENTS_BACKLOG, 0)} events + ${BACKLOG_MINUTES} minutes; load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
const users: GatewayUser[] = Array.from({ length: GATEWAY_COUNT }, (_, index) => ({ gateway: `GW-${String(index).padStart(5, '0')}`, password: `secret-${index}` }));
const [nats, victoria, postgres] = await Promise.all([startNats(users), startVictoriaMetrics(), startPostgres()]);
const dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-bench-'));
const counts: PublishCounts = { messages: 0, failures: 0, lastFailure: null };
let hubProcess: ReturnType<typeof spawn> | undefined;
try {
  // The hub makes the stream and the consumer at its start; the backlog must be in the stream before, so they are made here as the hub would.
  writeFileSync(join(dir, 'nats.password'), `${nats.hubUser.password}\n`);
  const configPath = join(dir, 'hub.yaml');
  writeFileSync(
    configPath,
    `nats: { servers: [${nats.url}], user: ${nats.hubUser.user}, passwordFile: nats.password }
postgres: { url: "${postgres.url}" }
victoriaMetrics: { url: "${victoria.url}" }
api: { host: 127.0.0.1, port: 0 }
`,
  );
  const startHub = () => {
    const child = spawn(process.execPath, [...(CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : []), HUB_BIN, 'run', configPath], { stdio: ['ignore', 'inherit', 'pipe'] });
    const log: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    return { child, log };
  };
  // A first start makes the stream, the consumer and the tables, then stops: the backlog goes in with the hub down.
  const setup = startHub();
  const manager = await jetstreamManager(await connect(hubConnection(nats)));
  for (let tries = 0; ; tries++) {
    if ((await manager.consumers.info(HUB_STREAM, HUB_CONSUMER).catch(() => null)) !== null && setup.log.join('').includes('ingest running')) break;
    if (tries > 600) throw new Error(`the hub did not start: ${setup.log.join('')}`);
    await sleep(100);
  }
  setup.child.kill('SIGTERM');
  await new Promise((resolve) => setup.child.once('exit', resolve));

  const now = Date.now();
  const firstBacklogMinute = Math.floor(now / 60_000) * 60_000 - BACKLOG_MINUTES * 60_000;
  const bareVictoria = await bareVictoriaImport(victoria.url, firstBacklogMinute);
  const barePostgres = await barePostgresInsert(postgres.url);
  console.log(
    `bare VictoriaMetrics /write: ${fmt(bareVictoria.samplesPerS / 1000)}k samples/s (the last minute of every point, into its series: ${fmt(bareVictoria.lastMinuteS, 2)} s); bare PostgreSQL insert: ${fmt(barePostgres, 0)} rows/s`,
  );

  const gateways = await SimulatedGateway.connectAll(nats.url, users, POINTS_EACH, counts);
  /** Starts the hub and follows the stream's acknowledged floor every 100 ms until it reaches `until`: the samples. */
  const catchUp = async (until: number) => {
    const hub = startHub();
    hubProcess = hub.child;
    const started = performance.now();
    const samples: { atS: number; floor: number }[] = [];
    for (let floor = -1; floor < until; ) {
      floor = (await consumerState(manager)).ackFloor;
      samples.push({ atS: (performance.now() - started) / 1000, floor });
      if (hub.child.exitCode !== null) throw new Error(`the hub exited: ${hub.log.join('')}`);
      await sleep(100);
    }
    return { hub, samples };
  };
  /** Messages a second between the first sample past `from` and the first at or past `to` (a partial last batch waits for the fetch's expiry: leave it out). */
  const rateOf = (samples: readonly { atS: number; floor: number }[], from: number, to: number) => {
    const first = samples.find((sample) => sample.floor > from)!;
    const last = samples.find((sample) => sample.floor >= to)!;
    return { perS: (last.floor - first.floor) / (last.atS - first.atS), seconds: last.atS - first.atS };
  };

  // Catch-up 1: the sites and the events, with the hub down; then the hub started on them.
  await each(gateways, 1, 50, (gateway) => gateway.publishSite(now));
  const sitesEnd = await lastStreamSeq(manager);
  await each(gateways, Math.ceil(EVENTS_BACKLOG / GATEWAY_COUNT), 200, (gateway, index) => (index < EVENTS_BACKLOG ? gateway.publishEvent(now - 600_000 + index) : Promise.resolve()));
  const eventsEnd = await lastStreamSeq(manager);
  const eventsRound = await catchUp(eventsEnd);
  const sitesS = eventsRound.samples.find((sample) => sample.floor >= sitesEnd)!.atS;
  const events = rateOf(eventsRound.samples, sitesEnd, eventsEnd - HUB_BATCH);
  eventsRound.hub.child.kill('SIGTERM');
  await new Promise((resolve) => eventsRound.hub.child.once('exit', resolve));

  // Catch-up 2: the minutes, with the hub down; then the hub started on them (it runs on for the live part).
  await each(gateways, BACKLOG_MINUTES, 50, (gateway, index) => gateway.publishMinute(firstBacklogMinute + Math.floor(index / GATEWAY_COUNT) * 60_000));
  const minutesEnd = await lastStreamSeq(manager);
  if (counts.failures > 0) throw new Error(`${counts.failures} publishes failed: ${counts.lastFailure}`);
  const minutesRound = await catchUp(minutesEnd);
  const hub = minutesRound.hub;
  const pid = hub.child.pid!;
  const memory = sampleMemory(pid, 200);
  const rowsPerMessage = POINTS_EACH / Math.ceil(POINTS_EACH / AGGREGATE_ROWS_PER_MESSAGE);
  const minutes = rateOf(minutesRound.samples, eventsEnd, minutesEnd - HUB_BATCH);
  const hubEventsPerS = events.perS;
  const hubSamplesPerS = minutes.perS * rowsPerMessage * SAMPLES_PER_ROW;
  console.log(
    `catch-up: ${GATEWAY_COUNT} sites (${fmt(GATEWAY_COUNT * POINTS_EACH, 0)} points' metadata) done ${fmt(sitesS, 1)} s after the hub's spawn; events ${fmt(hubEventsPerS, 0)} rows/s over ${fmt(events.seconds, 1)} s (${fmt(hubEventsPerS / barePostgres, 2)}x bare PostgreSQL); minutes ${fmt(hubSamplesPerS / 1000)}k samples/s over ${fmt(minutes.seconds, 1)} s (${fmt(hubSamplesPerS / bareVictoria.samplesPerS, 2)}x bare VictoriaMetrics)`,
  );

  // Live.
  const runs = gateways.map((gateway) => gateway.live());
  let eventCursor = 0;
  const eventTimer = setInterval(() => {
    for (let index = 0; index < EVENTS_PER_S / 10; index++) void gateways[eventCursor++ % gateways.length]!.publishEvent(Date.now());
  }, 100);
  const liveStarted = performance.now();
  const liveCpuStart = cpuMsOf(pid);
  const liveMemoryFrom = memory.samples.length;
  let lagMaxS = 0;
  let unfinishedMax = 0;
  let lastPrint = liveStarted;
  let lastCpu = liveCpuStart;
  while (performance.now() - liveStarted < LIVE_S * 1000) {
    await sleep(1000);
    const state = await consumerState(manager);
    lagMaxS = Math.max(lagMaxS, state.lagS);
    unfinishedMax = Math.max(unfinishedMax, state.unfinished);
    if (performance.now() - lastPrint >= 10_000) {
      const cpu = cpuMsOf(pid);
      const rss = memoryOf(pid)?.rssBytes ?? Number.NaN;
      console.log(
        `  ${fmt((performance.now() - liveStarted) / 1000, 0)} s: not acknowledged ${state.unfinished}, oldest ${fmt(state.lagS, 1)} s (max so far ${fmt(lagMaxS, 1)} s); hub CPU ${fmt(((cpu - lastCpu) / (performance.now() - lastPrint)) * 100, 0)} %, RSS ${fmt(rss / MIB, 0)} MiB; published ${counts.messages}, failed ${counts.failures}; load ${loadavg()[0]!.toFixed(2)}`,
      );
      lastPrint = performance.now();
      lastCpu = cpu;
    }
    if (hub.child.exitCode !== null) throw new Error(`the hub exited: ${hub.log.join('')}`);
  }
  const liveCpuPercent = ((cpuMsOf(pid) - liveCpuStart) / (performance.now() - liveStarted)) * 100;
  clearInterval(eventTimer);
  await Promise.all(runs.map((run) => run.stop()));
  const atEnd = await consumerState(manager);
  const endStarted = performance.now();
  while ((await consumerState(manager)).unfinished > 0) await sleep(100);
  const drainS = (performance.now() - endStarted) / 1000;
  memory.stop();
  const liveRss = memory.samples.slice(liveMemoryFrom).map((sample) => sample.rssBytes);
  const rssMaxMiB = Math.max(...liveRss) / MIB;
  const rssEndMiB = liveRss.at(-1)! / MIB;
  console.log(
    `live ${LIVE_S} s: hub lag max ${fmt(lagMaxS, 1)} s (not acknowledged at most ${unfinishedMax}; a minute of every point into bare VictoriaMetrics: ${fmt(bareVictoria.lastMinuteS, 2)} s); at the end ${fmt(atEnd.lagS, 1)} s, ${atEnd.unfinished} messages, done ${fmt(drainS, 1)} s after; hub CPU ${fmt(liveCpuPercent, 0)} % of a core, RSS max ${fmt(rssMaxMiB, 0)} MiB, at the end ${fmt(rssEndMiB, 0)} MiB; ${counts.messages} messages published, ${counts.failures} failed${counts.lastFailure ? ` (${counts.lastFailure})` : ''}; load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  if (counts.failures > 0) process.exitCode = 1;

  recordFigure({ name: 'catch-up: minutes into VictoriaMetrics', value: hubSamplesPerS, unit: 'samples/s', baseline: { name: 'bare /write', value: bareVictoria.samplesPerS } });
  recordFigure({ name: 'catch-up: alarm events into PostgreSQL', value: hubEventsPerS, unit: 'rows/s', baseline: { name: 'bare batched insert', value: barePostgres } });
  recordFigure({ name: `live lag max (${fmt(GATEWAY_COUNT * POINTS_EACH, 0)} points)`, value: lagMaxS, unit: 's', baseline: { name: 'bare import of a minute', value: bareVictoria.lastMinuteS } });
  recordFigure({ name: 'live lag at the end', value: atEnd.lagS, unit: 's' });
  recordFigure({ name: 'hub CPU, live', value: liveCpuPercent, unit: '% of a core' });
  recordFigure({ name: 'hub RSS max, live', value: rssMaxMiB, unit: 'MiB' });
  await Promise.all(gateways.map((gateway) => gateway.close()));
} finally {
  if (hubProcess && hubProcess.exitCode === null) {
    hubProcess.kill('SIGTERM');
    await new Promise((resolve) => hubProcess!.once('exit', resolve));
  }
  await Promise.all([nats.close(), victoria.close(), postgres.close()]);
  rmSync(dir, { recursive: true, force: true });
}
process.exit();
