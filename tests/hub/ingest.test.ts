/**
 * The hub's ingest on real servers, fed by gateways' NATS users publishing the contract's messages directly: the
 * databases restarted under it, messages sent again past the stream's duplicate window, and what the NATS server or
 * the hub refuses.
 */
import { HubIngest } from '@hazmon/hub';
import { UPLINK_VERSION, uplinkMessageId, uplinkSubject, type AggregatesMessage, type EventMessage, type SiteMessage, type UplinkKind } from '@hazmon/uplink/contract';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { gatewayUserName, hubConnection, startNats, startPostgres, startVictoriaMetrics, streamState, victoriaSamples, type NatsServer, type Postgres, type VictoriaMetrics } from './servers.ts';

const GATEWAYS = [
  { gateway: 'GW-A', password: 'a-secret' },
  { gateway: 'GW-B', password: 'b-secret' },
  { gateway: 'GW-C', password: 'c-secret' },
] as const;
/** A whole minute a few minutes back: inside VictoriaMetrics' retention. */
const MINUTE0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

let nats: NatsServer;
let victoria: VictoriaMetrics;
let postgres: Postgres;
let hub: HubIngest;
const hubLog: string[] = [];
const connections: NatsConnection[] = [];

beforeAll(async () => {
  [nats, victoria, postgres] = await Promise.all([startNats(GATEWAYS), startVictoriaMetrics(), startPostgres()]);
  hub = await HubIngest.start({
    nats: hubConnection(nats),
    postgresUrl: postgres.url,
    victoriaMetricsUrl: victoria.url,
    log: (line) => hubLog.push(line),
  });
}, 60_000);

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await hub?.close();
  await Promise.all([nats?.close(), victoria?.close(), postgres?.close()]);
});

async function gatewayClient(gateway: string, password: string): Promise<JetStreamClient> {
  const connection = await connect({ servers: nats.url, user: gatewayUserName(gateway), pass: password });
  connections.push(connection);
  return jetstream(connection);
}

function event(gateway: string, seq: number): EventMessage {
  return {
    v: UPLINK_VERSION,
    gateway,
    seq,
    time: MINUTE0 + seq,
    writtenAt: MINUTE0 + seq + 1,
    pointId: 'GD-1.concentration',
    ruleId: 'hi',
    kind: seq % 2 === 1 ? 'raised' : 'cleared',
    stateAfter: 'unack',
    priority: 'high',
    who: 'engine',
    why: null,
    details: { n: seq },
  };
}

function minute(gateway: string, index: number): AggregatesMessage {
  const rows = ['GD-1.concentration', 'GD-2.concentration'].map((pointId, point) => ({ pointId, min: index, avg: index + 0.5, max: index + point + 1, count: 60, goodCount: 60, completeness: 1 }));
  return { v: UPLINK_VERSION, gateway, minute: MINUTE0 + index * 60_000, part: 0, parts: 1, rows };
}

/** Publishes as the gateway would; `again` gives new message ids, as a gateway sending after the stream's duplicate window. */
async function send(js: JetStreamClient, gateway: string, kind: UplinkKind, key: string | number, body: unknown, again = false): Promise<void> {
  await js.publish(uplinkSubject(gateway, kind), JSON.stringify(body), { msgID: `${uplinkMessageId(gateway, kind, key)}${again ? '.again' : ''}` });
}

async function sendRange(js: JetStreamClient, gateway: string, events: [number, number], minutes: [number, number], again = false): Promise<void> {
  for (let seq = events[0]; seq <= events[1]; seq++) await send(js, gateway, 'events', seq, event(gateway, seq), again);
  for (let index = minutes[0]; index <= minutes[1]; index++) await send(js, gateway, 'aggregates', `${MINUTE0 + index * 60_000}.0`, minute(gateway, index), again);
}

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const eventCount = async (gateway: string) => Number((await query<{ n: string }>('SELECT count(*) AS n FROM alarm_events WHERE gateway = $1', [gateway]))[0]!.n);

describe('the hub ingest', () => {
  it('writes every event and minute once through PostgreSQL and VictoriaMetrics restarts and messages sent again', async () => {
    const js = await gatewayClient('GW-A', 'a-secret');
    await sendRange(js, 'GW-A', [1, 40], [0, 2]);
    await waitFor('40 events in PostgreSQL', async () => (await eventCount('GW-A')) === 40, { everyMs: 200 });

    // Both stores down: the batches fail and stay unacknowledged; the stream keeps what comes meanwhile.
    await Promise.all([postgres.stop(), victoria.stop()]);
    await sendRange(js, 'GW-A', [41, 80], [3, 4]);
    await waitFor('a failed batch', () => hub.status.failures > 0, { everyMs: 200 });
    // PostgreSQL back first: the next batches commit their events, then fail at VictoriaMetrics and come again.
    await postgres.start();
    await waitFor('the events committed with VictoriaMetrics still down', async () => (await eventCount('GW-A').catch(() => 0)) === 80, { everyMs: 200 });
    const failuresBefore = hub.status.failures;
    await waitFor('another failed batch (VictoriaMetrics)', () => hub.status.failures > failuresBefore, { everyMs: 200 });
    await victoria.start();
    await waitFor('the stream all taken and acknowledged', async () => (await streamState(nats)).unfinished === 0, { everyMs: 300 });

    // Everything again under new message ids (a gateway returning after the duplicate window): the stream takes it, the tables do not.
    await sendRange(js, 'GW-A', [1, 80], [0, 4], true);
    await waitFor('the resent messages acknowledged', async () => (await streamState(nats)).unfinished === 0 && (await streamState(nats)).subjects[uplinkSubject('GW-A', 'events')] === 160, {
      everyMs: 300,
    });

    const rows = await query<{ seq: string; t: string; details: { n: number } }>('SELECT seq, t, details FROM alarm_events WHERE gateway = $1 ORDER BY id', ['GW-A']);
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: 80 }, (_, index) => index + 1));
    expect(rows.map((row) => Number(row.t))).toEqual(Array.from({ length: 80 }, (_, index) => MINUTE0 + index + 1));
    expect(rows.every((row, index) => row.details.n === index + 1)).toBe(true);

    const samples = await victoriaSamples(victoria, 'GW-A');
    expect([...samples.keys()].sort()).toEqual([0, 1, 2, 3, 4].flatMap((index) => ['GD-1', 'GD-2'].map((device) => `${device}.concentration@${MINUTE0 + index * 60_000}`)).sort());
    for (const index of [0, 1, 2, 3, 4]) {
      expect(samples.get(`GD-2.concentration@${MINUTE0 + index * 60_000}`)).toEqual({ min: [index], avg: [index + 0.5], max: [index + 2], count: [60], good_count: [60], completeness: [1] });
    }
    expect(hubLog.some((line) => line.includes('hub ingest: cannot write a batch'))).toBe(true);
  }, 90_000);

  it("keeps each gateway's site and points as of its latest config, parts in any order, an older config's late parts ignored", async () => {
    const js = await gatewayClient('GW-B', 'b-secret');
    const site = { id: 'b', name: 'Site B', timeZone: 'Asia/Shanghai', enterprise: null };
    const point = (id: string, high: number) => ({ pointId: id, unit: '%LEL', resolution: 0.1, pollIntervalMs: 1000, high });
    const message = (configHash: string, time: number, part: number, parts: number, points: ReturnType<typeof point>[]): SiteMessage => ({
      v: UPLINK_VERSION,
      gateway: 'GW-B',
      time,
      configHash,
      part,
      parts,
      site,
      points,
    });
    // Config 1 in two parts, the second sent first; then config 2 without P3; then a late part of config 1.
    await send(js, 'GW-B', 'site', 'h1.1', message('h1', MINUTE0, 1, 2, [point('P3', 20)]));
    await send(js, 'GW-B', 'site', 'h1.0', message('h1', MINUTE0, 0, 2, [point('P1', 20), point('P2', 20)]));
    await waitFor('config 1 at the hub', async () => (await query('SELECT 1 FROM gateway_points WHERE gateway = $1', ['GW-B'])).length === 3, { everyMs: 200 });
    await send(js, 'GW-B', 'site', 'h2.0', message('h2', MINUTE0 + 1000, 0, 1, [point('P1', 25), point('P2', 20)]));
    await send(js, 'GW-B', 'site', 'h1.1.late', message('h1', MINUTE0, 1, 2, [point('P3', 20)]));
    await waitFor('every message taken', async () => (await streamState(nats)).unfinished === 0, { everyMs: 200 });
    const points = await query<{ point_id: string; config_hash: string; metadata: { high: number } }>(
      'SELECT point_id, config_hash, metadata FROM gateway_points WHERE gateway = $1 ORDER BY point_id',
      ['GW-B'],
    );
    expect(points.map((row) => [row.point_id, row.config_hash, row.metadata.high])).toEqual([
      ['P1', 'h2', 25],
      ['P2', 'h2', 20],
    ]);
    expect(await query('SELECT config_hash FROM gateway_sites WHERE gateway = $1', ['GW-B'])).toEqual([{ config_hash: 'h2' }]);
  }, 30_000);

  it('writes large messages (fewer a batch), every one', async () => {
    const js = await gatewayClient('GW-C', 'c-secret');
    // ~200 KB each, 12 MB in all: more than a batch of large messages holds (hub/src/ingest.ts BATCH_BYTES).
    const large = (seq: number) => ({ ...event('GW-C', seq), details: { n: seq, text: 'x'.repeat(200_000) } });
    await Promise.all(Array.from({ length: 60 }, (_, index) => send(js, 'GW-C', 'events', index + 1, large(index + 1))));
    await waitFor('the 60 large events in PostgreSQL', async () => (await eventCount('GW-C')) === 60, { everyMs: 200, timeoutMs: 30_000 });
    const rows = await query<{ n: number }>("SELECT (details ->> 'n')::int AS n FROM alarm_events WHERE gateway = $1 ORDER BY id", ['GW-C']);
    expect(rows.map((row) => row.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, index) => index + 1));
  }, 60_000);

  it("refuses a wrong password and another gateway's subjects at the server, and records a payload naming another gateway", async () => {
    await expect(connect({ servers: nats.url, user: gatewayUserName('GW-A'), pass: 'wrong', reconnect: false })).rejects.toThrow(/authorization/i);

    const js = await gatewayClient('GW-A', 'a-secret');
    await expect(js.publish(uplinkSubject('GW-B', 'events'), JSON.stringify(event('GW-B', 1)), { msgID: 'forged', timeout: 3000 })).rejects.toThrow();
    expect((await streamState(nats)).subjects[uplinkSubject('GW-B', 'events')]).toBeUndefined();

    // On its own subject, a payload claiming to be GW-B: taken by the stream, refused and recorded by the hub.
    await send(js, 'GW-A', 'events', 'forged', event('GW-B', 7));
    await waitFor('the refusal recorded', async () => (await query('SELECT 1 FROM rejected_messages')).length === 1, { everyMs: 200 });
    const [refusal] = await query<{ gateway: string; subject: string; reason: string }>('SELECT gateway, subject, reason FROM rejected_messages');
    expect(refusal).toEqual({ gateway: 'GW-A', subject: 'hazmon.GW-A.events', reason: "payload of gateway GW-B on GW-A's subject" });
    expect(await eventCount('GW-B')).toBe(0);
    expect(hub.status.rejected).toBe(1);
  }, 30_000);
});
