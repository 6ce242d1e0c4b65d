/**
 * Issue #22's system proof, everything real on loopback: a 3-node NATS JetStream cluster holding the hub's stream
 * with 3 replicas, VictoriaMetrics, PostgreSQL, the hub (`startHub` from a YAML config, as `hazmon-hub run`), and
 * three gateways (`hazmon run` processes on simulated plants whose scenarios keep raising alarms), each reaching the
 * cluster through relays the test cuts. Faults, overlapped: a 60 s cut of each gateway's link (staggered), PostgreSQL
 * and VictoriaMetrics restarted while gateways publish, the stream's leader node killed (SIGKILL) while a gateway's
 * backlog pours in and started again, later the node the hub's ingest is connected to, one gateway killed with -9 in
 * the middle of its cut and started again on its store. Then every alarm event of each gateway is at the hub exactly
 * once (the same seqs, none twice, no gap, and once in the stream), and the hub's 1-minute aggregates equal each
 * gateway's own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, loadHubConfig, startHub, type RunningHub } from '@hazmon/hub';
import { waitFor } from '@hazmon/test-support';
import { uplinkSubject } from '@hazmon/uplink/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from './cluster-servers.ts';
import { Gateway, type GatewayEvent, type GatewayMinute } from './cluster-gateways.ts';
import { hubCli, startPostgres, startVictoriaMetrics, streamStateOver, type Postgres, type VictoriaMetrics } from './servers.ts';

/** Each gateway's plant raises and clears its alarm every `loopS` seconds. */
const GATEWAYS = [
  { gateway: 'GW-CL-A', password: 'a-secret', loopS: 10 },
  { gateway: 'GW-CL-B', password: 'b-secret', loopS: 12 },
  { gateway: 'GW-CL-C', password: 'c-secret', loopS: 14 },
] as const;
const CUT_MS = 60_000;
/** The name the hub's ingest gives its NATS connection (hub/src/ingest.ts). */
const INGEST_CONNECTION = 'hazmon-hub-ingest';
const MINUTE_MS = 60_000;
/**
 * VictoriaMetrics keeps a sample's value to 12 significant decimal digits (its encoding: a decimal mantissa and
 * exponent), so a value read back may differ from the double sent by half a unit in the 12th digit: 5e-12 relative. A
 * 1-minute bucket's min, max and avg are each one such sample (hub/src/api/aggregates.ts).
 */
const RELATIVE_TOLERANCE = 1e-11;

let cluster: NatsCluster | undefined;
let victoria: VictoriaMetrics | undefined;
let postgres: Postgres | undefined;
let hub: RunningHub | undefined;
let dir: string | undefined;
let token = '';
const gateways: Gateway[] = [];
const hubLog: string[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  [cluster, victoria, postgres] = await Promise.all([startNatsCluster(GATEWAYS), startVictoriaMetrics(), startPostgres()]);
  dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-cluster-'));
  writeFileSync(join(dir, 'nats.password'), `${cluster.hubConnection.pass}\n`);
  const configPath = join(dir, 'hub.yaml');
  writeFileSync(
    configPath,
    `nats: { servers: [${cluster.hubConnection.servers.join(', ')}], user: ${cluster.hubConnection.user}, passwordFile: nats.password, replicas: 3 }
postgres: { url: "${postgres.url}" }
victoriaMetrics: { url: "${victoria.url}" }
api: { host: 127.0.0.1, port: 0 }
`,
  );
  const created = await hubCli('token', 'create', configPath, 'bureau');
  expect(created.code, created.err).toBe(EXIT.ok);
  token = created.out.trim();
  hub = await startHub(loadHubConfig(configPath), (line) => hubLog.push(line));
  const nodePorts = cluster.nodes.map((node) => node.clientPort);
  for (const [index, user] of GATEWAYS.entries()) gateways[index] = await Gateway.create(user, user.loopS, nodePorts);
  await Promise.all(gateways.map((gateway) => gateway.start()));
}, 180_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await hub?.close();
  await Promise.all([cluster?.close(), victoria?.close(), postgres?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

interface HubEvent extends GatewayEvent {
  readonly id: number;
  readonly gateway: string;
  readonly receivedAt: number;
}

async function hubGet<T>(path: string): Promise<T> {
  const response = await fetch(`${hub!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`hub GET ${path}: HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every event at the hub, through the regulator API's pages. */
async function hubEvents(): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  for (let after = 0; ; ) {
    const page = await hubGet<{ events: HubEvent[]; next: number }>(`/api/v1/alarm-events?after=${after}&limit=1000`);
    events.push(...page.events);
    if (page.events.length === 0) return events;
    after = page.next;
  }
}

interface HubBucket {
  readonly t: number;
  readonly min: number | null;
  readonly avg: number | null;
  readonly max: number | null;
  readonly count: number;
}

/** The hub's 1-minute buckets of a gateway in [from, to): `<point>@<minute ms>` -> bucket. */
async function hubMinutes(gateway: string, from: number, to: number): Promise<Map<string, HubBucket>> {
  const answer = await hubGet<{ points: { pointId: string; buckets: HubBucket[] }[] }>(`/api/v1/aggregates?gateway=${gateway}&interval=1m&from=${from}&to=${to}`);
  return new Map(answer.points.flatMap(({ pointId, buckets }) => buckets.map((bucket) => [`${pointId}@${bucket.t}`, bucket] as const)));
}

const minuteKey = (row: GatewayMinute) => `${row.pointId}@${Date.parse(row.start)}`;
/** An event as both sides describe it. */
const eventText = ({ seq, time, writtenAt, pointId, ruleId, kind }: GatewayEvent) => JSON.stringify({ seq, time, writtenAt, pointId, ruleId, kind });

/** `at` ms after the schedule's start, run `step`. */
async function after(startedAt: number, at: number, step: () => Promise<void> | void): Promise<void> {
  await sleep(Math.max(0, startedAt + at - Date.now()));
  await step();
}

function closeEnough(hub: number | null, gateway: number | null): boolean {
  if (hub === null || gateway === null) return hub === gateway;
  return Math.abs(hub - gateway) <= RELATIVE_TOLERANCE * Math.abs(gateway);
}

describe('the hub on a 3-node JetStream cluster with three gateways through faults', () => {
  it('holds every alarm event of each gateway exactly once and the same 1-minute aggregates', async () => {
    const [a, b, c] = gateways as [Gateway, Gateway, Gateway];
    // From before the gateways started.
    const firstMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 5 * MINUTE_MS;
    // Each gateway's events reach the hub over the cluster before any fault.
    await waitFor(
      'events of every gateway at the hub',
      async () => {
        const events = await hubEvents();
        return GATEWAYS.every(({ gateway }) => events.some((event) => event.gateway === gateway));
      },
      { timeoutMs: 90_000, everyMs: 1000, state: () => [...gateways.map((gateway) => gateway.output()), ...hubLog].join('\n') },
    );
    const before = await cluster!.streamCluster();
    expect(before.replicas, 'the stream kept on every node').toBe(3);

    // The faults, overlapped, in ms from a minute's start (minutes close 5-10 s after their end, so a fault placed
    // after a boundary meets the aggregates the gateways send then).
    const startedAt = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
    const cuts = new Map<Gateway, { from: number; to: number }>();
    const cut = (gateway: Gateway, at: number) => [
      after(startedAt, at, () => {
        gateway.cut();
        cuts.set(gateway, { from: Date.now(), to: Number.POSITIVE_INFINITY });
      }),
      after(startedAt, at + CUT_MS, () => {
        cuts.set(gateway, { from: cuts.get(gateway)!.from, to: Date.now() });
        gateway.restore();
      }),
    ];
    let killedLeader = '';
    let killedServing = '';
    const faults = await Promise.allSettled([
      // A: cut for the first minute; when it returns, its backlog pours in and the stream's leader is killed under it.
      ...cut(a, 0),
      after(startedAt, CUT_MS + 1000, async () => {
        const { leader } = await cluster!.streamCluster();
        killedLeader = leader.name;
        await leader.kill();
        await sleep(15_000);
        await leader.start();
      }),
      // PostgreSQL down as B and C send the minute before (and health every 5 s).
      after(startedAt, 3000, async () => {
        await postgres!.stop();
        await sleep(10_000);
        await postgres!.start();
      }),
      // C: cut from 15 s to 75 s.
      ...cut(c, 15_000),
      // B: cut from 30 s to 90 s, killed with -9 in the middle of it and started again on its store while still cut.
      ...cut(b, 30_000),
      after(startedAt, 45_000, async () => {
        await b.kill();
        await sleep(5000);
        await b.start();
      }),
      // The node the hub's ingest is connected to, killed as B's backlog pours in: the ingest goes on through another.
      after(startedAt, 30_000 + CUT_MS + 1000, async () => {
        const node = await waitFor('the node serving the ingest', () => cluster!.nodeServing(INGEST_CONNECTION), { timeoutMs: 30_000, everyMs: 500 });
        killedServing = node.name;
        await node.kill();
        await waitFor('the ingest on another node', async () => (await cluster!.nodeServing(INGEST_CONNECTION)) !== undefined, { timeoutMs: 30_000, everyMs: 500 });
        await node.start();
      }),
      // VictoriaMetrics down as A, then C (back at 75 s), send the minute closed at 65-70 s behind their backlogs.
      after(startedAt, CUT_MS + 3000, async () => {
        await victoria!.stop();
        await sleep(20_000);
        await victoria!.start();
      }),
    ]);
    // Every step ran to its end (a failed one leaves no process started behind the cleanup's back).
    for (const fault of faults) if (fault.status === 'rejected') throw fault.reason;
    expect(killedLeader).not.toBe('');
    expect(killedServing).not.toBe('');
    // Both stores' outages met the ingest: it could not write, retried and wrote.
    expect(
      hubLog.some((line) => /cannot write a batch.*VictoriaMetrics/.test(line)),
      hubLog.join('\n'),
    ).toBe(true);
    expect(hubLog.filter((line) => line.includes('cannot write a batch')).length, hubLog.join('\n')).toBeGreaterThanOrEqual(2);

    // Every event each gateway has now is at the hub, once; later ones may come on top (the plants keep alarming).
    const gatewayEvents = new Map<string, GatewayEvent[]>();
    for (const gateway of gateways) gatewayEvents.set(gateway.code, await gateway.events());
    let events: HubEvent[] = [];
    await waitFor(
      "every gateway's events at the hub",
      async () => {
        events = await hubEvents();
        return gateways.every((gateway) => {
          const last = gatewayEvents.get(gateway.code)!.at(-1)!.seq;
          return events.filter((event) => event.gateway === gateway.code && event.seq <= last).length >= last;
        });
      },
      { timeoutMs: 120_000, everyMs: 1000, state: () => [...gateways.map((gateway) => gateway.output()), ...hubLog.slice(-20)].join('\n') },
    );
    const ids = events.map((event) => event.id);
    expect(ids, 'hub ids increasing along the pages').toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    for (const gateway of gateways) {
      const own = gatewayEvents.get(gateway.code)!;
      // The store's seqs themselves have no gap, so "every seq up to the last" is every event.
      expect(own.map((event) => event.seq)).toEqual(own.map((_, index) => index + 1));
      expect(own.length, `${gateway.code}: events across the faults`).toBeGreaterThan(10);
      const atHub = events.filter((event) => event.gateway === gateway.code);
      expect(
        atHub.map((event) => event.seq),
        `${gateway.code}: seqs at the hub, each once, none missing`,
      ).toEqual(atHub.map((_, index) => index + 1));
      expect(atHub.slice(0, own.length).map(eventText)).toEqual(own.map(eventText));
      // The cut was one (no route around the relays): what the gateway stored during it reached the hub after it.
      const { from, to } = cuts.get(gateway)!;
      const storedInCut = atHub.filter((event) => event.writtenAt > from && event.writtenAt < to);
      expect(storedInCut.length, `${gateway.code}: events stored during its cut`).toBeGreaterThan(2);
      expect(storedInCut.filter((event) => event.receivedAt < to).map(eventText), `${gateway.code}: received during its cut`).toEqual([]);
    }

    // Aggregates: every minute from before the faults to the end of the one they ended in (at least 90 s of minutes,
    // so two of them at least), once the gateways have closed it (5-10 s after its end), the same at the hub.
    const lastMinute = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
    await sleep(lastMinute + 15_000 - Date.now());
    for (const gateway of gateways) {
      // The gateway's API lists every point's every minute of the range (count 0 where it got no reading: before it
      // started, while it was down); the hub lists the minutes it was sent, which are those with readings.
      const own = (await gateway.minutes(firstMinute, lastMinute)).filter((row) => row.count > 0);
      expect(new Set(own.map((row) => Date.parse(row.start))).size, `${gateway.code}: minutes`).toBeGreaterThanOrEqual(2);
      let atHub = new Map<string, HubBucket>();
      await waitFor(
        `${gateway.code}'s minutes at the hub`,
        async () => {
          atHub = await hubMinutes(gateway.code, firstMinute, lastMinute);
          return own.every((row) => atHub.has(minuteKey(row)));
        },
        {
          timeoutMs: 60_000,
          everyMs: 1000,
          state: () =>
            `missing ${own
              .filter((row) => !atHub.has(minuteKey(row)))
              .map(minuteKey)
              .join(', ')}\n${gateway.output()}\n${hubLog.slice(-20).join('\n')}`,
        },
      );
      const hubKeys = [...atHub].filter(([, bucket]) => bucket.count > 0).map(([key]) => key);
      expect(hubKeys.sort(), `${gateway.code}: no minute at the hub the gateway lacks`).toEqual(own.map(minuteKey).sort());
      for (const row of own) {
        const bucket = atHub.get(minuteKey(row))!;
        const where = `${gateway.code} ${row.pointId} ${row.start}: hub ${JSON.stringify(bucket)} gateway ${JSON.stringify(row)}`;
        expect(bucket.count, where).toBe(row.count);
        expect(closeEnough(bucket.min, row.min), where).toBe(true);
        expect(closeEnough(bucket.max, row.max), where).toBe(true);
        expect(closeEnough(bucket.avg, row.avg), where).toBe(true);
      }
    }

    // The stream itself holds each event and minute once: JetStream dropped what a gateway sent again (after a lost
    // acknowledgement, a leader change, its own restart) by its message id, so the tables had nothing to drop.
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    const stream = await waitFor(
      'the ingest through the stream',
      async () => {
        const state = await streamStateOver(cluster!.hubConnection);
        return state.unfinished === 0 && state;
      },
      { timeoutMs: 60_000, everyMs: 1000 },
    );
    const finalEvents = await hubEvents();
    for (const gateway of gateways) {
      const seqs = finalEvents.filter((event) => event.gateway === gateway.code).map((event) => event.seq);
      expect(seqs, gateway.code).toEqual(seqs.map((_, index) => index + 1));
      expect(stream.subjects[uplinkSubject(gateway.code, 'events')], gateway.code).toBe(seqs.length);
      // Each closed minute is one message (a gateway of two points sends one part), so the stream holds as many as
      // the hub has minutes of the gateway.
      const sentMinutes = new Set([...(await hubMinutes(gateway.code, firstMinute, Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS)).values()].map((bucket) => bucket.t));
      expect(stream.subjects[uplinkSubject(gateway.code, 'aggregates')], gateway.code).toBe(sentMinutes.size);
    }
    expect(hub!.ingest.status.rejected).toBe(0);
  }, 600_000);
});
