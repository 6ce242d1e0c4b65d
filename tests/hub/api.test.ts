/**
 * The hub's regulator API on real servers, started by `startHub` from a YAML config as `hazmon-hub run` does, fed by
 * two gateways' NATS users publishing the contract's messages directly: sites, events, audit rows and aggregates across
 * both gateways through the API, the filters, the event cursor while events arrive (a property), bad params and tokens.
 */
import { spawn } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, HUB_OPENAPI_PATH, loadHubConfig, startHub, type RunningHub } from '@hazmon/hub';
import { auditRowHash, GENESIS_HASH } from '@hazmon/agent';
import { UPLINK_VERSION, uplinkMessageId, uplinkSubject, type AggregatesMessage, type AuditMessage, type EventMessage, type UplinkKind } from '@hazmon/uplink/contract';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Validator } from '@seriousme/openapi-schema-validator';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate, waitFor } from '@hazmon/test-support';
import { gatewayUserName, startNats, startPostgres, startVictoriaMetrics, streamState, type NatsServer, type Postgres, type VictoriaMetrics, hubCli } from './servers.ts';

/** GW-A sends its own grades (a latched shut-off: red, though its highest active alarm is high); GW-B, as a gateway from before them, none. */
const GW_A_GRADES = { warning: 'red', areas: { 'tank-farm': 'red', kitchen: 'normal' }, majorHazard: { r: 120, grade: 1 } } as const;
/** GW-A sends its devices (a detector in comms loss, an OPC UA connection fine); GW-B, as a gateway from before them, none. */
const GW_A_DEVICES = [
  {
    id: 'GD-1',
    kind: 'modbus',
    comms: 'comms_loss',
    lastGoodReadingAt: 1_700_000_000_000,
    disconnections: 2,
    offlineHours: 1.5,
    counters: { requests: 100, responses: 90, timeouts: 10, exceptions: 0, connectionErrors: 3 },
    faults: [{ pointId: 'GD-1.concentration', quality: 'bad', reason: 'comms_loss', message: 'no answer in 3 s' }],
    faultCount: 1,
    sensorLifeHours: 4000,
    upkeep: { bumpTestDue: 1_700_100_000_000, calibrationDue: null, overdue: true },
  },
  { id: 'PLC-1', kind: 'opcua', comms: 'ok', lastGoodReadingAt: 1_700_000_001_000, disconnections: 0, offlineHours: 0, counters: null, faults: [], faultCount: 0, sensorLifeHours: null, upkeep: null },
] as const;
const GATEWAYS = [
  { gateway: 'GW-A', password: 'a-secret', enterprise: { code: '1101100012NR', name: 'Beijing Gas Depot' }, activeAlarms: { high: 1, low: 2 }, grades: GW_A_GRADES, devices: GW_A_DEVICES },
  { gateway: 'GW-B', password: 'b-secret', enterprise: { code: '3205000001AB', name: 'Suzhou Tank Farm' }, activeAlarms: {}, grades: undefined, devices: undefined },
] as const;
const POINTS = ['GD-1.concentration', 'GD-2.concentration'] as const;
/** GW-A's GD-1 carries the provincial indicator metadata, as the agent's store definition has it. */
const GD1_INDICATOR = {
  resolution: 0.1,
  valueKind: 'number',
  description: '1号储罐区可燃气体',
  indicatorCode: 'IND-GD-1',
  equipmentCode: 'EQ-T1',
  gatewayCode: '11011000120001',
  tagNumber: 'GT-101',
  lowLow: null,
  low: null,
  high: 20,
  highHigh: 40,
  rangeLow: 0,
  rangeHigh: 100,
  hazardSourceCode: 'HZ-01',
  casNumber: '74-82-8',
  disabled: null,
} as const;
/** A whole hour three hours back: two hours of minutes follow it. */
const HOUR0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
const MINUTES = 120;

let nats: NatsServer;
let victoria: VictoriaMetrics;
let postgres: Postgres;
let hub: RunningHub | undefined;
let dir: string;
let configPath: string;
let token: string;
const hubLog: string[] = [];
const connections: NatsConnection[] = [];
const clients = new Map<string, JetStreamClient>();

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  [nats, victoria, postgres] = await Promise.all([startNats(GATEWAYS), startVictoriaMetrics(), startPostgres()]);
  dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-api-'));
  writeFileSync(join(dir, 'nats.password'), `${nats.hubUser.password}\n`);
  configPath = writeConfig(
    'hub.yaml',
    `nats: { servers: [${nats.url}], user: ${nats.hubUser.user}, passwordFile: nats.password }
postgres: { url: "${postgres.url}" }
victoriaMetrics: { url: "${victoria.url}" }
api: { host: 127.0.0.1, port: 0 }
`,
  );
  const created = await hubCli('token', 'create', configPath, 'bureau');
  expect(created.code, created.err).toBe(EXIT.ok);
  token = created.out.trim();
  hub = await startHub(loadHubConfig(configPath), (line) => hubLog.push(line));
  for (const { gateway, password } of GATEWAYS) {
    const connection = await connect({ servers: nats.url, user: gatewayUserName(gateway), pass: password });
    connections.push(connection);
    clients.set(gateway, jetstream(connection));
  }
  await publishFixture();
}, 60_000);

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await hub?.close();
  await Promise.all([nats?.close(), victoria?.close(), postgres?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function send(gateway: string, kind: UplinkKind, key: string | number, body: unknown): Promise<void> {
  await clients.get(gateway)!.publish(uplinkSubject(gateway, kind), JSON.stringify(body), { msgID: uplinkMessageId(gateway, kind, key) });
}

function event(gateway: string, seq: number): EventMessage {
  return {
    v: UPLINK_VERSION,
    gateway,
    seq,
    time: HOUR0 + seq,
    writtenAt: HOUR0 + seq + 1,
    pointId: POINTS[seq % 2]!,
    ruleId: 'hi',
    kind: 'raised',
    stateAfter: 'unack',
    priority: 'high',
    who: null,
    why: null,
    details: null,
  };
}

const AUDIT_ROWS = 6;

/** A gateway's audit log of AUDIT_ROWS rows, hash-chained as the agent's: odd seqs `sup` acknowledging, even seqs `view` signing in. */
function auditLog(gateway: string): AuditMessage[] {
  const rows: AuditMessage[] = [];
  for (let seq = 1, prevHash = GENESIS_HASH; seq <= AUDIT_ROWS; seq++) {
    const ack = seq % 2 === 1;
    const fields = {
      seq,
      time: HOUR0 + seq,
      who: ack ? 'sup' : 'view',
      action: ack ? 'alarm_command' : 'session_login',
      target: ack ? 'GD-1.concentration/hi' : '127.0.0.1',
      details: ack ? JSON.stringify({ kind: 'ack', reason: `round ${seq}` }) : null,
      prevHash,
    };
    const hash = auditRowHash(fields);
    rows.push({ v: UPLINK_VERSION, gateway, ...fields, hash });
    prevHash = hash;
  }
  return rows;
}

/** Minute `index` of a gateway: GD-1 reads the minute's index, GD-2 ten times it; good readings alternate 60 and 20. */
function minute(gateway: string, index: number): AggregatesMessage {
  const goodCount = index % 2 === 0 ? 60 : 20;
  const rows = POINTS.map((pointId, point) => {
    const value = index * (point === 0 ? 1 : 10) + (gateway === 'GW-B' ? 1000 : 0);
    return { pointId, min: value - 1, avg: value, max: value + 1, count: 60, goodCount, completeness: goodCount / 60 };
  });
  return { v: UPLINK_VERSION, gateway, minute: HOUR0 + index * 60_000, part: 0, parts: 1, rows };
}

/** Each gateway's site, health, 20 events and two hours of minutes. */
async function publishFixture(): Promise<void> {
  await Promise.all(
    GATEWAYS.map(async ({ gateway, enterprise, activeAlarms, grades, devices }) => {
      const site = { id: gateway.toLowerCase(), name: enterprise.name, timeZone: 'Asia/Shanghai', enterprise };
      // GW-B's GD-2 is out of service (a disable record): not counted in completeness.
      const points = POINTS.map((pointId) => ({
        pointId,
        unit: '%LEL',
        pollIntervalMs: 1000,
        // GW-A's points are placed (their site's location is their centroid); GW-B's are not.
        ...(gateway === 'GW-A' && { longitude: pointId === 'GD-1.concentration' ? 116.3 : 116.4, latitude: pointId === 'GD-1.concentration' ? 39.9 : 39.96 }),
        ...(gateway === 'GW-B' && pointId === 'GD-2.concentration' && { disabled: { by: 'root', at: HOUR0, reason: 'replaced' } }),
        ...(gateway === 'GW-A' && pointId === 'GD-1.concentration' && GD1_INDICATOR),
      }));
      await send(gateway, 'site', 'h1.0', { v: UPLINK_VERSION, gateway, time: Date.now(), configHash: 'h1', part: 0, parts: 1, site, points });
      await send(gateway, 'health', Date.now(), {
        v: UPLINK_VERSION,
        gateway,
        time: Date.now(),
        healthy: true,
        alive: true,
        reasons: [],
        activeAlarms,
        ...(grades && { grades }),
        ...(devices && { devices }),
      });
      for (let seq = 1; seq <= 20; seq++) await send(gateway, 'events', seq, event(gateway, seq));
      for (const row of auditLog(gateway)) await send(gateway, 'audit', row.seq, row);
      for (let index = 0; index < MINUTES; index++) await send(gateway, 'aggregates', `${HOUR0 + index * 60_000}.0`, minute(gateway, index));
    }),
  );
  await waitFor('the fixture ingested', async () => (await streamState(nats)).unfinished === 0 && hub!.ingest.status.events >= 40 && hub!.ingest.status.auditRows >= 2 * AUDIT_ROWS, {
    everyMs: 200,
    timeoutMs: 30_000,
  });
}

interface Answer<T> {
  status: number;
  body: T;
}

async function get<T = unknown>(path: string, bearer: string | null = token): Promise<Answer<T>> {
  const response = await fetch(`${hub!.url}${path}`, { headers: bearer === null ? {} : { Authorization: `Bearer ${bearer}` } });
  return { status: response.status, body: (await response.json()) as T };
}

interface ErrorAnswer {
  error: { code: string; message: string; field?: string };
}

async function expectInvalid(path: string, field: string): Promise<void> {
  const answer = await get<ErrorAnswer>(path);
  expect(answer.status, path).toBe(400);
  expect(answer.body.error.code).toBe('HAZMON_API_INVALID');
  expect(answer.body.error.field, path).toBe(field);
}

interface SiteAnswer {
  gateway: string;
  site: { enterprise: { code: string } | null } | null;
  warningGrade: string | null;
  warningGradeFrom: string | null;
  areaGrades: Record<string, string>;
  majorHazardGrade: { r: number; grade: number } | null;
  link: unknown;
  refusals: number;
  rejected: number;
  auditChain: { verifiedThrough: number; received: number; problem: { seq: number; problem: string; message: string } | null } | null;
  online: boolean;
  points: number;
  health: { activeAlarms: Record<string, number> } | null;
  location: { longitude: number; latitude: number; points: number } | null;
}

interface HubEvent {
  id: number;
  gateway: string;
  seq: number;
}

interface EventPage {
  events: HubEvent[];
  next: number;
}

interface Bucket {
  t: number;
  min: number | null;
  avg: number | null;
  max: number | null;
  count: number;
  goodCount: number;
}

interface PointPage {
  points: { gateway: string; id: string; disabled: unknown }[];
  next: string | null;
}

interface Aggregates {
  from: number;
  to: number;
  points: { pointId: string; buckets: Bucket[] }[];
}

interface HubAudit extends Omit<AuditMessage, 'v'> {
  id: number;
  receivedAt: number;
}

async function allAudit(query: string): Promise<HubAudit[]> {
  const rows: HubAudit[] = [];
  for (let after = 0; ; ) {
    const page = await get<{ rows: HubAudit[]; next: number }>(`/api/v1/audit?after=${after}&limit=5${query}`);
    expect(page.status).toBe(200);
    if (page.body.rows.length === 0) return rows;
    rows.push(...page.body.rows);
    after = page.body.next;
  }
}

async function allEvents(query: string): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  for (let after = 0; ; ) {
    const page = await get<EventPage>(`/api/v1/alarm-events?after=${after}&limit=7${query}`);
    expect(page.status).toBe(200);
    if (page.body.events.length === 0) return events;
    events.push(...page.body.events);
    after = page.body.next;
  }
}

describe('the hub regulator API', () => {
  it('serves its OpenAPI 3.1 document, the one `hazmon-hub openapi` prints', async () => {
    const answer = await get<Record<string, unknown>>(HUB_OPENAPI_PATH, null);
    expect(answer.status).toBe(200);
    const validation = await new Validator().validate(answer.body);
    expect(validation.errors).toBeUndefined();
    expect(Object.keys(answer.body.paths as object).sort()).toEqual([
      '/api/v1/aggregates',
      '/api/v1/alarm-events',
      '/api/v1/audit',
      '/api/v1/completeness',
      '/api/v1/devices',
      '/api/v1/export',
      '/api/v1/link-health',
      '/api/v1/login',
      '/api/v1/logout',
      '/api/v1/points',
      '/api/v1/refusals',
      '/api/v1/rejections',
      '/api/v1/session',
      '/api/v1/sites',
    ]);
    const printed = await hubCli('openapi');
    expect(JSON.parse(printed.out)).toEqual(answer.body);
  });

  it("sends the gateway's browser security headers on every answer, and an unknown API path stays the JSON 404 beside the page", async () => {
    for (const path of ['/api/v1/sites', '/api/v1/no-such-route']) {
      const response = await fetch(`${hub!.url}${path}`);
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'self'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    const unknown = await get<ErrorAnswer>('/api/v1/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('HAZMON_API_NOT_FOUND');
  });

  it('answers 401 without a live token: none, unknown, revoked', async () => {
    for (const bearer of [null, 'not-a-token']) {
      const answer = await get<ErrorAnswer>('/api/v1/sites', bearer);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: 'HAZMON_API_UNAUTHENTICATED', field: 'Authorization' });
    }
    const created = await hubCli('token', 'create', configPath, 'short-lived');
    expect((await get('/api/v1/alarm-events', created.out.trim())).status).toBe(200);
    expect((await hubCli('token', 'revoke', configPath, 'short-lived')).code).toBe(EXIT.ok);
    expect((await get('/api/v1/alarm-events', created.out.trim())).status).toBe(401);
    expect((await hubCli('token', 'create', configPath, 'short-lived')).code).toBe(EXIT.failure);
    expect((await hubCli('token', 'list', configPath)).out).toMatch(/^bureau\tcreated .*\nshort-lived\tcreated .*\trevoked /);
  });

  it('lists both sites in graded-supervision order, online, filtered by region, enterprise and gateway', async () => {
    const all = await get<{ sites: SiteAnswer[] }>('/api/v1/sites');
    expect(all.status).toBe(200);
    expect(all.body.sites.map((site) => [site.gateway, site.warningGrade, site.warningGradeFrom, site.online, site.points, site.site?.enterprise?.code])).toEqual([
      ['GW-A', 'red', 'gateway', true, 2, '1101100012NR'],
      ['GW-B', 'normal', 'activeAlarms', true, 2, '3205000001AB'],
    ]);
    expect(all.body.sites[0]!.health?.activeAlarms).toEqual({ high: 1, low: 2 });
    expect(all.body.sites[0]!.location).toEqual({ longitude: expect.closeTo(116.35, 9), latitude: expect.closeTo(39.93, 9), points: 2 });
    expect(all.body.sites[1]!.location).toBeNull();
    expect([all.body.sites[0]!.areaGrades, all.body.sites[0]!.majorHazardGrade]).toEqual([GW_A_GRADES.areas, GW_A_GRADES.majorHazard]);
    expect([all.body.sites[1]!.areaGrades, all.body.sites[1]!.majorHazardGrade]).toEqual([{}, null]);
    // This hub has no NATS system user: it cannot see the links (tests/hub/link.test.ts has one).
    expect(all.body.sites.map((site) => [site.link, site.refusals, site.rejected])).toEqual([
      [null, 0, 0],
      [null, 0, 0],
    ]);
    // Both audit logs arrived whole and hash-chained: checked by the hub on arrival.
    expect(all.body.sites.map((site) => site.auditChain)).toEqual([
      { verifiedThrough: AUDIT_ROWS, received: AUDIT_ROWS, problem: null },
      { verifiedThrough: AUDIT_ROWS, received: AUDIT_ROWS, problem: null },
    ]);
    const linkHealth = await get<ErrorAnswer>(`/api/v1/link-health?from=${HOUR0}&to=${HOUR0 + 3_600_000}`);
    expect(linkHealth.status).toBe(409);
    expect(linkHealth.body.error.message).toMatch(/nats\.system/);
    const gateways = async (query: string) => (await get<{ sites: SiteAnswer[] }>(`/api/v1/sites?${query}`)).body.sites.map((site) => site.gateway);
    expect(await gateways('region=1101')).toEqual(['GW-A']);
    expect(await gateways('region=32')).toEqual(['GW-B']);
    expect(await gateways('region=44')).toEqual([]);
    expect(await gateways('enterprise=3205000001AB')).toEqual(['GW-B']);
    expect(await gateways('gateway=GW-A')).toEqual(['GW-A']);
    await expectInvalid('/api/v1/sites?region=11a', 'region');
    await expectInvalid('/api/v1/sites?gateway=GW.A', 'gateway');
    await expectInvalid('/api/v1/sites?site=x', 'site');
  });

  it("lists each gateway's devices from its latest health, the gateway's time beside the hub's receipt, filtered by gateway, enterprise and region", async () => {
    interface DeviceList {
      gateways: { gateway: string; time: number; receivedAt: number; devices: unknown[] | null }[];
    }
    const all = await get<DeviceList>('/api/v1/devices');
    expect(all.status).toBe(200);
    expect(all.body.gateways.map(({ gateway, devices }) => ({ gateway, devices }))).toEqual([
      { gateway: 'GW-A', devices: GW_A_DEVICES },
      { gateway: 'GW-B', devices: null },
    ]);
    for (const row of all.body.gateways) expect(row.receivedAt).toBeGreaterThanOrEqual(row.time - 60_000);
    const gateways = async (query: string) => (await get<DeviceList>(`/api/v1/devices?${query}`)).body.gateways.map((row) => row.gateway);
    expect(await gateways('gateway=GW-B')).toEqual(['GW-B']);
    expect(await gateways('enterprise=1101100012NR')).toEqual(['GW-A']);
    expect(await gateways('region=32')).toEqual(['GW-B']);
    expect(await gateways('region=44')).toEqual([]);
    await expectInvalid('/api/v1/devices?region=1x', 'region');
    await expectInvalid('/api/v1/devices?gateway=GW.A', 'gateway');
    await expectInvalid('/api/v1/devices?device=GD-1', 'device');
    expect((await get('/api/v1/devices', null)).status).toBe(401);
  });

  it("pages every gateway's events by the hub's id, filtered by gateway and region", async () => {
    const events = await allEvents('');
    expect(events.length).toBeGreaterThanOrEqual(40);
    expect(events.map((entry) => entry.id)).toEqual([...events.map((entry) => entry.id)].sort((a, b) => a - b));
    for (const { gateway } of GATEWAYS) {
      const own = events.filter((entry) => entry.gateway === gateway).slice(0, 20);
      expect(own.map((entry) => entry.seq)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    }
    const ofB = await allEvents('&gateway=GW-B');
    expect(ofB.length).toBeGreaterThanOrEqual(20);
    expect(ofB.every((entry) => entry.gateway === 'GW-B')).toBe(true);
    const inBeijing = await allEvents('&region=110110');
    expect(inBeijing.every((entry) => entry.gateway === 'GW-A')).toBe(true);
    expect(inBeijing).toEqual(events.filter((entry) => entry.gateway === 'GW-A'));

    // Newest first, by `before`: the same events in reverse, per gateway too.
    const newestFirst = async (query: string) => {
      const pages: HubEvent[] = [];
      for (let before = ''; ; ) {
        const page = await get<EventPage>(`/api/v1/alarm-events?order=desc&limit=6${before}${query}`);
        expect(page.status).toBe(200);
        if (page.body.events.length === 0) return pages;
        pages.push(...page.body.events);
        before = `&before=${page.body.next}`;
      }
    };
    expect(await newestFirst('')).toEqual(events.toReversed());
    expect(await newestFirst('&gateway=GW-B')).toEqual(ofB.toReversed());
    await expectInvalid('/api/v1/alarm-events?before=5', 'before');
    await expectInvalid('/api/v1/alarm-events?order=desc&after=5', 'after');
    await expectInvalid('/api/v1/alarm-events?order=up', 'order');

    const lastId = events.at(-1)!.id;
    await expectInvalid(`/api/v1/alarm-events?after=${lastId + 1_000_000}`, 'after');
    await expectInvalid('/api/v1/alarm-events?after=-1', 'after');
    await expectInvalid('/api/v1/alarm-events?limit=0', 'limit');
    await expectInvalid('/api/v1/alarm-events?limit=1001', 'limit');
    await expectInvalid('/api/v1/alarm-events?region=x', 'region');
  });

  it("pages every gateway's audit log by the hub's id, each chain checkable from the answers, filtered by site, action and person", async () => {
    const rows = await allAudit('');
    expect(rows.map((row) => row.id)).toEqual([...rows.map((row) => row.id)].sort((a, b) => a - b));
    for (const { gateway } of GATEWAYS) {
      const own = rows.filter((row) => row.gateway === gateway);
      expect(own.map(({ id, receivedAt, ...row }) => ({ v: UPLINK_VERSION, ...row }))).toEqual(auditLog(gateway));
      // A regulator checks the chain from the answer alone.
      own.forEach((row, index) => {
        expect(auditRowHash(row)).toBe(row.hash);
        expect(row.prevHash).toBe(index === 0 ? GENESIS_HASH : own[index - 1]!.hash);
      });
    }
    const keys = async (query: string) => (await allAudit(query)).map((row) => `${row.gateway}:${row.seq}`);
    const everyKey = rows.map((row) => `${row.gateway}:${row.seq}`);
    expect(await keys('&gateway=GW-B')).toEqual(everyKey.filter((key) => key.startsWith('GW-B:')));
    expect(await keys('&region=110110')).toEqual(everyKey.filter((key) => key.startsWith('GW-A:')));
    expect(await keys('&enterprise=3205000001AB')).toEqual(everyKey.filter((key) => key.startsWith('GW-B:')));
    expect(await keys('&action=session_login')).toEqual(rows.filter((row) => row.action === 'session_login').map((row) => `${row.gateway}:${row.seq}`));
    expect(await keys('&who=sup&region=3205')).toEqual(['GW-B:1', 'GW-B:3', 'GW-B:5']);
    expect(await keys('&who=nobody')).toEqual([]);
    // A page of nothing keeps the cursor.
    expect((await get<{ next: number }>(`/api/v1/audit?after=${rows.at(-1)!.id}`)).body).toEqual({ rows: [], next: rows.at(-1)!.id });

    await expectInvalid(`/api/v1/audit?after=${rows.at(-1)!.id + 1_000_000}`, 'after');
    await expectInvalid('/api/v1/audit?after=-1', 'after');
    await expectInvalid('/api/v1/audit?limit=0', 'limit');
    await expectInvalid('/api/v1/audit?limit=1001', 'limit');
    await expectInvalid('/api/v1/audit?region=x', 'region');
    await expectInvalid('/api/v1/audit?gateway=GW.A', 'gateway');
    await expectInvalid('/api/v1/audit?action=', 'action');
    await expectInvalid('/api/v1/audit?seq=1', 'seq');
    expect((await get('/api/v1/audit', null)).status).toBe(401);
  });

  it("pages joined equal the hub's table while two gateways' events arrive: no gap, no repeat", async () => {
    const nextSeq = new Map(GATEWAYS.map(({ gateway }) => [gateway, 1000]));
    const step = fc.record({ limit: fc.integer({ min: 1, max: 7 }), publishA: fc.integer({ min: 0, max: 4 }), publishB: fc.integer({ min: 0, max: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const start = (await allEvents('')).at(-1)!.id;
        const received: HubEvent[] = [];
        let after = start;
        let published = 0;
        for (const { limit, publishA, publishB } of steps) {
          const publishes = (
            [
              ['GW-A', publishA],
              ['GW-B', publishB],
            ] as const
          ).flatMap(([gateway, count]) =>
            Array.from({ length: count }, () => {
              const seq = nextSeq.get(gateway)!;
              nextSeq.set(gateway, seq + 1);
              return send(gateway, 'events', seq, event(gateway, seq));
            }),
          );
          published += publishes.length;
          const page = await get<EventPage>(`/api/v1/alarm-events?after=${after}&limit=${limit}`);
          expect(page.status).toBe(200);
          expect(page.body.events.length).toBeLessThanOrEqual(limit);
          received.push(...page.body.events);
          after = page.body.next;
          await Promise.all(publishes);
        }
        await waitFor('the published events ingested', async () => (await streamState(nats)).unfinished === 0, { everyMs: 100 });
        for (;;) {
          const page = await get<EventPage>(`/api/v1/alarm-events?after=${after}&limit=5`);
          received.push(...page.body.events);
          if (page.body.events.length === 0) break;
          after = page.body.next;
        }
        const stored = await query<{ id: string; gateway: string; seq: string }>('SELECT id, gateway, seq FROM alarm_events WHERE id > $1 ORDER BY id', [start]);
        expect(received.map((entry) => [entry.id, entry.gateway, entry.seq])).toEqual(stored.map((row) => [Number(row.id), row.gateway, Number(row.seq)]));
        expect(received).toHaveLength(published);
      }),
      { numRuns: 10 },
    );
  }, 60_000);

  it("lists every gateway's points with their indicator metadata, filtered, in pages by (gateway, point id) that join to the whole table", async () => {
    const first = await get<PointPage>('/api/v1/points');
    expect(first.status).toBe(200);
    expect(first.body.next).toBeNull();
    expect(first.body.points.map((point) => [point.gateway, point.id])).toEqual([
      ['GW-A', 'GD-1.concentration'],
      ['GW-A', 'GD-2.concentration'],
      ['GW-B', 'GD-1.concentration'],
      ['GW-B', 'GD-2.concentration'],
    ]);
    const [withIndicator, placedOnly, bare, disabled] = first.body.points;
    expect(withIndicator).toEqual({
      gateway: 'GW-A',
      id: 'GD-1.concentration',
      unit: '%LEL',
      thresholds: { lolo: null, lo: null, hi: 20, hihi: 40 },
      description: '1号储罐区可燃气体',
      indicatorCode: 'IND-GD-1',
      equipmentCode: 'EQ-T1',
      gatewayCode: '11011000120001',
      tagNumber: 'GT-101',
      range: [0, 100],
      longitude: 116.3,
      latitude: 39.9,
      hazardSourceCode: 'HZ-01',
      casNumber: '74-82-8',
      pollIntervalMs: 1000,
      resolution: 0.1,
      disabled: null,
      configHash: 'h1',
      configTime: expect.any(Number),
    });
    // What a gateway did not send is null, never made up.
    expect(placedOnly).toMatchObject({ unit: '%LEL', thresholds: { lolo: null, lo: null, hi: null, hihi: null }, indicatorCode: null, range: null, longitude: 116.4, latitude: 39.96 });
    expect(bare).toMatchObject({ gateway: 'GW-B', longitude: null, latitude: null, disabled: null });
    expect(disabled!.disabled).toEqual({ by: 'root', at: HOUR0, reason: 'replaced' });

    const ids = async (query: string) => (await get<PointPage>(`/api/v1/points?${query}`)).body.points.map((point) => `${point.gateway}:${point.id}`);
    expect(await ids('gateway=GW-B')).toEqual(['GW-B:GD-1.concentration', 'GW-B:GD-2.concentration']);
    expect(await ids('region=110110')).toEqual(['GW-A:GD-1.concentration', 'GW-A:GD-2.concentration']);
    expect(await ids('enterprise=3205000001AB')).toEqual(['GW-B:GD-1.concentration', 'GW-B:GD-2.concentration']);
    expect(await ids('region=44')).toEqual([]);
    expect(await ids('after=GW-A:GD-2.concentration&limit=1')).toEqual(['GW-B:GD-1.concentration']);
    expect(await ids('after=GW-A:GD-1.concentration&region=32')).toEqual(['GW-B:GD-1.concentration', 'GW-B:GD-2.concentration']);

    // Pages of every size, walked by `next` until null, join to the table in its key's order, with each filter.
    const stored = await query<{ gateway: string; point_id: string }>('SELECT gateway, point_id FROM gateway_points ORDER BY gateway, point_id');
    for (const filter of ['', '&gateway=GW-A', '&region=32']) {
      for (const limit of [1, 2, 3, 4, 5]) {
        const walked: string[] = [];
        for (let after: string | null = '', pages = 0; after !== null; pages++) {
          const page: Answer<PointPage> = await get<PointPage>(`/api/v1/points?limit=${limit}${after === '' ? '' : `&after=${encodeURIComponent(after)}`}${filter}`);
          expect(page.status).toBe(200);
          expect(page.body.points.length).toBeLessThanOrEqual(limit);
          expect(pages).toBeLessThan(10);
          walked.push(...page.body.points.map((point) => `${point.gateway}:${point.id}`));
          after = page.body.next;
        }
        const gateways = filter === '' ? ['GW-A', 'GW-B'] : filter === '&gateway=GW-A' ? ['GW-A'] : ['GW-B'];
        expect(walked, `${filter} limit ${limit}`).toEqual(stored.filter((row) => gateways.includes(row.gateway)).map((row) => `${row.gateway}:${row.point_id}`));
      }
    }

    await expectInvalid('/api/v1/points?after=GD-1.concentration', 'after');
    await expectInvalid('/api/v1/points?after=GW.A:GD-1', 'after');
    await expectInvalid('/api/v1/points?limit=0', 'limit');
    await expectInvalid('/api/v1/points?limit=10001', 'limit');
    await expectInvalid('/api/v1/points?region=1101x', 'region');
    await expectInvalid('/api/v1/points?gateway=GW.A', 'gateway');
    await expectInvalid('/api/v1/points?point=GD-1', 'point');
    expect((await get('/api/v1/points', null)).status).toBe(401);
  });

  it('answers aggregates per minute, hour and day from VictoriaMetrics, the average weighted by good readings', async () => {
    const path = (query: string) => `/api/v1/aggregates?gateway=GW-A&from=${HOUR0}&to=${HOUR0 + 2 * 3_600_000}&${query}`;
    const minutes = await get<Aggregates>(path('interval=1m&points=GD-2.concentration'));
    expect(minutes.status).toBe(200);
    expect(minutes.body.points.map((point) => point.pointId)).toEqual(['GD-2.concentration']);
    expect(minutes.body.points[0]!.buckets).toEqual(
      Array.from({ length: MINUTES }, (_, index) => {
        const { rows } = minute('GW-A', index);
        const row = rows[1]!;
        return { t: HOUR0 + index * 60_000, min: row.min, avg: row.avg, max: row.max, count: row.count, goodCount: row.goodCount };
      }),
    );

    const hours = await get<Aggregates>(path('interval=1h'));
    expect(hours.status).toBe(200);
    expect(hours.body.points.map((point) => point.pointId)).toEqual([...POINTS]);
    for (const [point, scale] of [
      [0, 1],
      [1, 10],
    ] as const) {
      const buckets = hours.body.points[point]!.buckets;
      expect(buckets.map((bucket) => bucket.t)).toEqual([HOUR0, HOUR0 + 3_600_000]);
      buckets.forEach((bucket, hour) => {
        const indexes = Array.from({ length: 60 }, (_, index) => hour * 60 + index);
        const weights = indexes.map((index) => (index % 2 === 0 ? 60 : 20));
        const weighted = indexes.reduce((sum, index, at) => sum + index * scale * weights[at]!, 0) / weights.reduce((sum, weight) => sum + weight, 0);
        expect(bucket.min).toBe(indexes[0]! * scale - 1);
        expect(bucket.max).toBe(indexes[59]! * scale + 1);
        expect(bucket.count).toBe(3600);
        expect(bucket.goodCount).toBe(2400);
        expect(bucket.avg).toBeCloseTo(weighted, 9);
      });
    }

    // Rounded out to whole UTC days.
    const [from, to] = [HOUR0 - 1, HOUR0 + 2 * 3_600_000 + 1];
    const days = await get<Aggregates>(`/api/v1/aggregates?gateway=GW-B&points=GD-1.concentration&from=${from}&to=${to}&interval=1d`);
    expect(days.status).toBe(200);
    expect([days.body.from, days.body.to]).toEqual([Math.floor(from / 86_400_000) * 86_400_000, Math.ceil(to / 86_400_000) * 86_400_000]);
    const dayBuckets = days.body.points[0]!.buckets;
    // The two hours fall in one UTC day, or across midnight in two.
    expect(dayBuckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(MINUTES * 60);
    expect(Math.min(...dayBuckets.map((bucket) => bucket.min!))).toBe(999);
    expect(Math.max(...dayBuckets.map((bucket) => bucket.max!))).toBe(1000 + MINUTES);

    // The longest spans taken (31 days of hours, 62 of days) are asked of VictoriaMetrics in parts (its 30,000 points
    // a series: 20.8 days of the average's minutes): the same buckets as the short spans.
    const hoursEnd = HOUR0 + 2 * 3_600_000;
    const longHours = await get<Aggregates>(`/api/v1/aggregates?gateway=GW-A&from=${hoursEnd - 31 * 86_400_000}&to=${hoursEnd}&interval=1h`);
    expect(longHours.status).toBe(200);
    expect(longHours.body.points).toEqual(hours.body.points);
    const daysEnd = Math.ceil(to / 86_400_000) * 86_400_000;
    const longDays = await get<Aggregates>(`/api/v1/aggregates?gateway=GW-B&points=GD-1.concentration&from=${daysEnd - 62 * 86_400_000}&to=${daysEnd}&interval=1d`);
    expect(longDays.status).toBe(200);
    expect(longDays.body.points).toEqual(days.body.points);

    expect((await get<Aggregates>(`/api/v1/aggregates?gateway=GW-X&from=${HOUR0}&to=${HOUR0 + 3_600_000}`)).body.points).toEqual([]);
    await expectInvalid(`/api/v1/aggregates?from=${HOUR0}&to=${HOUR0 + 3_600_000}`, 'gateway');
    await expectInvalid(path('interval=5m'), 'interval');
    await expectInvalid(`/api/v1/aggregates?gateway=GW-A&from=${HOUR0}&to=${HOUR0 + 2 * 86_400_000}&interval=1m`, 'to');
    await expectInvalid(`/api/v1/aggregates?gateway=GW-A&from=${HOUR0}&to=${HOUR0 - 60_000}`, 'to');
    await expectInvalid(`/api/v1/aggregates?gateway=GW-A&from=yesterday&to=${HOUR0}`, 'from');
    await expectInvalid(path('points=a,,b'), 'points');
  });

  it("gives each gateway's completeness from the aggregates' counts and its points' poll intervals, out-of-service points apart", async () => {
    const span = `from=${HOUR0}&to=${HOUR0 + 2 * 3_600_000}`;
    const answer = await get<{ gateways: unknown[] }>(`/api/v1/completeness?${span}`);
    expect(answer.status).toBe(200);
    // Two hours at one reading a second: 7200 expected and received per point, good ones alternating 60 and 20 a minute.
    expect(answer.body.gateways).toEqual([
      { gateway: 'GW-A', points: 2, outOfService: 0, expected: 14_400, received: 14_400, good: 9600, completeness: 2 / 3 },
      { gateway: 'GW-B', points: 1, outOfService: 1, expected: 7200, received: 7200, good: 4800, completeness: 2 / 3 },
    ]);
    const firstHalf = await get<{ gateways: { gateway: string; expected: number; received: number }[] }>(`/api/v1/completeness?from=${HOUR0}&to=${HOUR0 + 1_800_000}&region=3205`);
    expect(firstHalf.body.gateways.map(({ gateway, expected, received }) => [gateway, expected, received])).toEqual([['GW-B', 1800, 1800]]);
    await expectInvalid(`/api/v1/completeness?from=${HOUR0}`, 'to');
    await expectInvalid(`/api/v1/completeness?${span}&region=north`, 'region');
  });

  it('exports alarm events and 1-minute aggregates as streamed CSV equal to what the JSON routes give for the range, filtered, quoted', async () => {
    // An event whose text needs quoting: a comma, quotes, a line break.
    const quoted = { ...event('GW-A', 900_000), time: HOUR0 + 30_000, who: 'Li, "Wei"', why: 'line one\r\nline two', details: { note: 'a,b' } };
    // And one whose texts a spreadsheet would run as formulas: they are written behind an apostrophe.
    const formula = { ...event('GW-A', 900_001), time: HOUR0 + 31_000, who: '=HYPERLINK("http://x","y")', why: '-2+3', details: null };
    await send('GW-A', 'events', quoted.seq, quoted);
    await send('GW-A', 'events', formula.seq, formula);
    await waitFor('the quoted events ingested', async () => (await allEvents('&gateway=GW-A')).filter((row) => row.seq === quoted.seq || row.seq === formula.seq).length === 2);
    const csv = async (query: string) => {
      const response = await fetch(`${hub!.url}/api/v1/export?${query}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status, query).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
      return parseCsv(await response.text());
    };
    const text = (value: unknown) => (value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value));
    const iso = (time: number) => new Date(time).toISOString();

    const from = HOUR0;
    const to = HOUR0 + 60_000;
    const eventRows = (events: (HubEvent & Record<string, unknown>)[]) =>
      events
        .filter((row) => (row['time'] as number) >= from && (row['time'] as number) < to)
        .map((row) =>
          [
            row.id,
            row.gateway,
            row.seq,
            iso(row['time'] as number),
            iso(row['writtenAt'] as number),
            iso(row['receivedAt'] as number),
            ...['pointId', 'ruleId', 'kind', 'stateAfter', 'priority', 'who', 'why', 'details'].map((key) => row[key]),
          ].map(text),
        );
    const header = ['id', 'gateway', 'seq', 'time', 'writtenAt', 'receivedAt', 'pointId', 'ruleId', 'kind', 'stateAfter', 'priority', 'who', 'why', 'details'];
    const allRows = eventRows((await allEvents('')) as (HubEvent & Record<string, unknown>)[]);
    expect(allRows.length).toBeGreaterThan(40);
    expect(allRows.some((row) => row[11] === 'Li, "Wei"' && row[12] === 'line one\r\nline two' && row[13] === '{"note":"a,b"}')).toBe(true);
    expect(allRows.some((row) => row[11] === `'=HYPERLINK("http://x","y")` && row[12] === "'-2+3")).toBe(true);
    expect(await csv(`what=alarm-events&from=${from}&to=${to}`)).toEqual([header, ...allRows]);
    expect(await csv(`what=alarm-events&format=csv&from=${from}&to=${to}&region=32`)).toEqual([header, ...eventRows((await allEvents('&region=32')) as (HubEvent & Record<string, unknown>)[])]);
    expect(await csv(`what=alarm-events&from=${HOUR0 - 120_000}&to=${HOUR0 - 60_000}`)).toEqual([header]);

    const span = { from: HOUR0, to: HOUR0 + 2 * 3_600_000 };
    const aggregateRows = async (gateway: string) => {
      const answer = await get<Aggregates>(`/api/v1/aggregates?gateway=${gateway}&from=${span.from}&to=${span.to}&interval=1m`);
      return answer.body.points.flatMap(({ pointId, buckets }) =>
        buckets.map((bucket) => [gateway, pointId, iso(bucket.t), bucket.min, bucket.avg, bucket.max, bucket.count, bucket.goodCount].map(text)),
      );
    };
    const aggregateHeader = ['gateway', 'pointId', 'minute', 'min', 'avg', 'max', 'count', 'goodCount'];
    const [gatewayA, gatewayB] = [await aggregateRows('GW-A'), await aggregateRows('GW-B')];
    expect(gatewayA).toHaveLength(2 * MINUTES);
    expect(await csv(`what=aggregates&from=${span.from}&to=${span.to}`)).toEqual([aggregateHeader, ...gatewayA, ...gatewayB]);
    expect(await csv(`what=aggregates&from=${span.from}&to=${span.to}&enterprise=3205000001AB`)).toEqual([aggregateHeader, ...gatewayB]);
    // 25 hours ending with the fixture's: two day-long parts per gateway, the first holding its first hour, in that order.
    const longFrom = span.to - 25 * 3_600_000;
    const inHour = (rows: string[][], hour: number) => rows.filter((row) => Date.parse(row[2]!) >= HOUR0 + hour * 3_600_000 && Date.parse(row[2]!) < HOUR0 + (hour + 1) * 3_600_000);
    expect(await csv(`what=aggregates&from=${longFrom}&to=${span.to}&gateway=GW-A`)).toEqual([aggregateHeader, ...inHour(gatewayA, 0), ...inHour(gatewayA, 1)]);

    await expectInvalid(`/api/v1/export?what=readings&from=${from}&to=${to}`, 'what');
    await expectInvalid(`/api/v1/export?what=aggregates&format=parquet&from=${from}&to=${to}`, 'format');
    await expectInvalid(`/api/v1/export?what=aggregates&from=${from}`, 'to');
    await expectInvalid(`/api/v1/export?what=aggregates&from=${from}&to=${from + 32 * 86_400_000}`, 'to');
    await expectInvalid(`/api/v1/export?what=alarm-events&from=${from}&to=${to}&region=north`, 'region');
    await expectInvalid(`/api/v1/export?what=alarm-events&from=${from}&to=${to}&points=GD-1`, 'points');
    expect((await get(`/api/v1/export?what=alarm-events&from=${from}&to=${to}`, null)).status).toBe(401);
  });

  it("lists the gateways' messages it refused, paged by the stream's id and filtered by gateway, and counts them on the sites", async () => {
    interface Rejection {
      id: number;
      gateway: string | null;
      kind: string | null;
      subject: string;
      reason: string;
      receivedAt: number;
    }
    type RejectionPage = { rejections: Rejection[]; next: number };
    const before = (await get<RejectionPage>('/api/v1/rejections')).body.next;
    // Both in the stream (GW-B's own subjects), both outside the contract: a priority no gateway sends, a kind there is not.
    await send('GW-B', 'events', 'broken-priority', { ...event('GW-B', 9_001), priority: 'urgent' });
    await clients.get('GW-B')!.publish('hazmon.GW-B.weather', '{}', { msgID: 'weather-1' });
    const all = await waitFor('both refused by the hub', async () => {
      const page = await get<RejectionPage>(`/api/v1/rejections?after=${before}`);
      return page.body.rejections.length === 2 ? page.body : undefined;
    });
    expect(all.rejections.map(({ gateway, kind, subject }) => [gateway, kind, subject])).toEqual([
      ['GW-B', 'events', 'hazmon.GW-B.events'],
      ['GW-B', null, 'hazmon.GW-B.weather'],
    ]);
    expect(all.rejections[0]!.reason).toMatch(/^events payload: priority: /);
    expect(all.rejections[1]!.reason).toBe('subject outside the uplink contract');
    expect(all.next).toBe(all.rejections[1]!.id);
    const first = await get<RejectionPage>(`/api/v1/rejections?after=${before}&limit=1`);
    expect(first.body.rejections).toEqual([all.rejections[0]]);
    expect((await get<RejectionPage>(`/api/v1/rejections?after=${first.body.next}&limit=1`)).body.rejections).toEqual([all.rejections[1]]);
    expect((await get<RejectionPage>(`/api/v1/rejections?after=${all.next}`)).body).toEqual({ rejections: [], next: all.next });
    expect((await get<RejectionPage>(`/api/v1/rejections?after=${before}&gateway=GW-A`)).body.rejections).toEqual([]);
    const sites = (await get<{ sites: SiteAnswer[] }>('/api/v1/sites')).body.sites;
    expect(sites.map((site) => [site.gateway, site.rejected])).toEqual([
      ['GW-A', 0],
      ['GW-B', 2],
    ]);
    await expectInvalid('/api/v1/rejections?after=-1', 'after');
    await expectInvalid('/api/v1/rejections?limit=0', 'limit');
    await expectInvalid('/api/v1/rejections?gateway=GW.B', 'gateway');
  });

  it("checks each gateway's audit chain on arrival: a row waiting for a missing one, a row rewritten after it was sent, a row edited", async () => {
    const chainOf = async (gateway: string) => (await get<{ sites: SiteAnswer[] }>(`/api/v1/sites?gateway=${gateway}`)).body.sites[0]!.auditChain;
    const chained = (gateway: string, from: AuditMessage, count: number): AuditMessage[] => {
      const rows: AuditMessage[] = [];
      for (let seq = from.seq + 1, prevHash = from.hash; seq <= from.seq + count; seq++) {
        const fields = { seq, time: HOUR0 + seq, who: 'sup', action: 'threshold_change', target: 'GD-1.concentration/hi', details: null, prevHash };
        const hash = auditRowHash(fields);
        rows.push({ v: UPLINK_VERSION, gateway, ...fields, hash });
        prevHash = hash;
      }
      return rows;
    };
    const [next, afterNext] = chained('GW-B', auditLog('GW-B').at(-1)!, 2);
    // The row after a missing one waits for it, then both are checked.
    await send('GW-B', 'audit', afterNext!.seq, afterNext);
    await waitFor('the later row at the hub', async () => (await chainOf('GW-B'))?.received === AUDIT_ROWS + 2);
    expect(await chainOf('GW-B')).toEqual({ verifiedThrough: AUDIT_ROWS, received: AUDIT_ROWS + 2, problem: null });
    await send('GW-B', 'audit', next!.seq, next);
    await waitFor('the gap filled', async () => (await chainOf('GW-B'))?.verifiedThrough === AUDIT_ROWS + 2);
    expect((await chainOf('GW-B'))!.problem).toBeNull();

    // Row 2 sent again, past the stream's duplicate window, rewritten with a hash of its own (the chain after it not).
    const [, second] = auditLog('GW-B');
    const rewritten = { ...second!, who: 'admin', hash: auditRowHash({ ...second!, who: 'admin' }) };
    await send('GW-B', 'audit', '2.again', rewritten);
    const broken = await waitFor('the rewrite seen', async () => (await chainOf('GW-B'))?.problem ?? undefined);
    expect(broken).toMatchObject({ seq: 2, problem: 'rewritten' });
    // The hub keeps the row it had; the page shows the problem.
    const kept = (await get<{ rows: { seq: number; who: string }[] }>('/api/v1/audit?gateway=GW-B&limit=1000')).body.rows.filter((row) => row.seq === 2);
    expect(kept.map((row) => row.who)).toEqual([second!.who]);

    // A new row whose content is not what its hash covers: edited before it was sent.
    const [edited] = chained('GW-A', auditLog('GW-A').at(-1)!, 1);
    await send('GW-A', 'audit', edited!.seq, { ...edited!, target: 'GD-2.concentration/hi' });
    const editedProblem = await waitFor('the edit seen', async () => (await chainOf('GW-A'))?.problem ?? undefined);
    expect(editedProblem).toMatchObject({ seq: AUDIT_ROWS + 1, problem: 'content_changed' });
    expect(await chainOf('GW-A')).toMatchObject({ verifiedThrough: AUDIT_ROWS, received: AUDIT_ROWS + 1 });
  });
});

/** RFC 4180 CSV into rows of fields: quoted fields may hold commas, doubled quotes and line breaks; lines end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < text.length; at++) {
    const character = text[at]!;
    if (quoted) {
      if (character === '"' && text[at + 1] === '"') {
        field += '"';
        at++;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      row.push(field);
      field = '';
    } else if (character === '\r' && text[at + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      at++;
    } else field += character;
  }
  expect(field === '' && row.length === 0 && !quoted, 'the CSV ends with a CRLF').toBe(true);
  return rows;
}

describe('hazmon-hub config', () => {
  it('names the field of each problem', async () => {
    const base = {
      nats: `{ servers: [${nats.url}], user: hub, passwordFile: nats.password }`,
      postgres: `{ url: "${postgres.url}" }`,
      victoriaMetrics: `{ url: "${victoria.url}" }`,
      api: '{ host: 127.0.0.1, port: 0 }',
    };
    const check = async (changes: Partial<typeof base>, extra = '') => {
      const text = `${Object.entries({ ...base, ...changes })
        .map(([key, value]) => `${key}: ${value}`)
        .join('\n')}\n${extra}`;
      return hubCli('check-config', writeConfig('check.yaml', text));
    };
    expect((await check({})).code).toBe(EXIT.ok);
    const problems: [Partial<typeof base>, string, RegExp][] = [
      [{ victoriaMetrics: '{ url: "ftp://x" }' }, '', /victoriaMetrics\.url: a URL \(http: or https:\)/],
      [{ api: '{ host: 0.0.0.0, port: 8443 }' }, '', /api\.tls: off loopback the API needs tls/],
      [{ api: '{ host: 127.0.0.1, port: 70000 }' }, '', /api\.port: /],
      [{ postgres: '{ url: "postgres://u:secret@h/db" }' }, '', /postgres\.url: no password in the URL/],
      [{ nats: `{ servers: [${nats.url}], user: hub, passwordFile: missing.password }` }, '', /nats\.passwordFile: cannot read .*missing\.password/],
      [{}, 'listen: 1', /listen: is not a field of the hub config/],
      [{ nats: `{ servers: [${nats.url}], user: hub, passwordFile: nats.password, system: { user: sys, passwordFile: nats.password } }` }, '', /nats\.system\.account: /],
      [{ nats: `{ servers: [${nats.url}], user: hub, passwordFile: nats.password, system: { user: sys, passwordFile: gone.password, account: A } }` }, '', /nats\.system\.passwordFile: cannot read/],
    ];
    for (const [changes, extra, message] of problems) {
      const result = await check(changes, extra);
      expect(result.code).toBe(EXIT.failure);
      expect(result.err).toMatch(message);
    }
  });
});

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const BIN = fileURLToPath(new URL('../../hub/bin/hazmon-hub.js', import.meta.url));

/** A GET over HTTPS trusting `ca` (the test's self-signed certificate). */
function getOverTls<T>(url: string, ca: Buffer): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers: { Authorization: `Bearer ${token}` } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(JSON.parse(body) as T));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('hazmon-hub run', () => {
  it('runs the ingest and the API over TLS from the config, and stops on SIGTERM', async () => {
    // One ingest per hub: the in-process one stops first.
    await hub!.close();
    hub = undefined;
    const certificate = selfSignedCertificate(dir);
    const tlsConfig = writeConfig(
      'hub-tls.yaml',
      `nats: { servers: [${nats.url}], user: ${nats.hubUser.user}, passwordFile: nats.password }
postgres: { url: "${postgres.url}" }
victoriaMetrics: { url: "${victoria.url}" }
api: { host: 127.0.0.1, port: 0, tls: { cert: cert.pem, key: key.pem } }
`,
    );
    const child = spawn(process.execPath, [BIN, 'run', tlsConfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await waitFor('the API address in the log', () => /regulator API on (https:\/\/\S+?)\/api\/v1\/openapi\.json/.exec(output)?.[1], { state: () => output, timeoutMs: 30_000 });
      await send('GW-B', 'events', 5000, event('GW-B', 5000));
      const ca = readFileSync(certificate.cert);
      const seen = await waitFor(
        'the event through the running hub',
        async () => (await getOverTls<EventPage>(`${url}/api/v1/alarm-events?gateway=GW-B&after=0&limit=1000`, ca)).events.find((entry) => entry.seq === 5000),
        { state: () => output },
      );
      expect(seen.gateway).toBe('GW-B');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('hub: stopping');
  }, 60_000);
});
