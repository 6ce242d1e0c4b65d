/**
 * Link health and refusals at the hub, on a real nats-server 2.9 with a system account: gateways connecting and
 * disconnecting (seen by the server's events, and by the hub's look after it was not listening), a gateway never
 * heard from, a wrong password (the auth error event) and a gateway publishing another gateway's subject (refused by
 * NATS, seen in the server's log).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, HUB_OPENAPI_PATH, loadHubConfig, startHub, type RunningHub } from '@hazmon/hub';
import { UPLINK_VERSION, uplinkMessageId, uplinkSubject } from '@hazmon/uplink/contract';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { gatewayUserName, startNats, startPostgres, startVictoriaMetrics, streamState, type NatsServer, type Postgres, type VictoriaMetrics, hubCli } from './servers.ts';

const GATEWAYS = [
  { gateway: 'GW-A', password: 'a-secret' },
  { gateway: 'GW-B', password: 'b-secret' },
] as const;
const DAY = 86_400_000;

let nats: NatsServer;
let victoria: VictoriaMetrics;
let postgres: Postgres;
let hub: RunningHub | undefined;
let dir: string;
let configPath: string;
let token: string;
const hubLog: string[] = [];
const connections: NatsConnection[] = [];

beforeAll(async () => {
  [nats, victoria, postgres] = await Promise.all([startNats(GATEWAYS, { system: true }), startVictoriaMetrics(), startPostgres()]);
  dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-link-'));
  writeFileSync(join(dir, 'nats.password'), `${nats.hubUser.password}\n`);
  writeFileSync(join(dir, 'nats-system.password'), `${nats.systemUser!.password}\n`);
  configPath = join(dir, 'hub.yaml');
  writeFileSync(
    configPath,
    `nats:
  servers: [${nats.url}]
  user: ${nats.hubUser.user}
  passwordFile: nats.password
  system: { user: ${nats.systemUser!.user}, passwordFile: nats-system.password, account: ${nats.systemUser!.account}, serverLogs: [${JSON.stringify(nats.logFile)}] }
postgres: { url: "${postgres.url}" }
victoriaMetrics: { url: "${victoria.url}" }
api: { host: 127.0.0.1, port: 0 }
`,
  );
  const created = await hubCli('token', 'create', configPath, 'bureau');
  expect(created.code, created.err).toBe(EXIT.ok);
  token = created.out.trim();
  hub = await startHub(loadHubConfig(configPath), (line) => hubLog.push(line));
}, 60_000);

afterAll(async () => {
  for (const connection of connections) await connection.close().catch(() => undefined);
  await hub?.close();
  await Promise.all([nats?.close(), victoria?.close(), postgres?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${hub!.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as T };
}

async function gatewayConnection(gateway: string, password: string): Promise<NatsConnection> {
  const connection = await connect({ servers: nats.url, user: gatewayUserName(gateway), pass: password, reconnect: false });
  connections.push(connection);
  return connection;
}

interface GatewayLink {
  gateway: string;
  connected: boolean;
  onlineHours: number;
  offlineHours: number;
  disconnections: number;
  averageOfflineHoursPerDay: number | null;
  days: { day: string; onlineHours: number; offlineHours: number; disconnections: number }[];
}

interface Refusal {
  kind: string;
  user: string | null;
  gateway: string | null;
  clientAddress: string | null;
  reason: string;
  subject: string | null;
  time: number;
  sourceTime: string;
}

const today = () => Math.floor(Date.now() / DAY) * DAY;

async function linkOf(gateway: string): Promise<GatewayLink> {
  const answer = await get<{ gateways: GatewayLink[] }>(`/api/v1/link-health?from=${today()}&to=${today() + DAY}&gateway=${gateway}`);
  expect(answer.status).toBe(200);
  return answer.body.gateways.find((entry) => entry.gateway === gateway)!;
}

describe('link health at the hub', () => {
  it("follows a gateway's NATS connection: online, a disconnection, and the site list's 24-hour summary", async () => {
    const started = Date.now();
    const gwA = await gatewayConnection('GW-A', 'a-secret');
    // A site message: GW-A is in the site list.
    await jetstream(gwA).publish(
      uplinkSubject('GW-A', 'site'),
      JSON.stringify({ v: UPLINK_VERSION, gateway: 'GW-A', time: Date.now(), configHash: 'h1', part: 0, parts: 1, site: { id: 'a', name: 'A', timeZone: 'UTC', enterprise: null }, points: [] }),
      { msgID: uplinkMessageId('GW-A', 'site', 'h1.0') },
    );
    await waitFor('GW-A connected at the hub', async () => (await linkOf('GW-A'))?.connected === true, { timeoutMs: 20_000 });
    await gwA.close();
    const link = await waitFor('GW-A disconnected at the hub', async () => {
      const current = await linkOf('GW-A');
      return current.connected ? undefined : current;
    });
    expect(link.disconnections).toBe(1);
    expect(link.onlineHours).toBeGreaterThan(0);
    expect(link.onlineHours * 3_600_000).toBeLessThanOrEqual(Date.now() - started + 1000);
    expect(link.days.map((day) => day.day)).toEqual([new Date(today()).toISOString().slice(0, 10)]);
    // Today up to now, all of it: online + offline.
    expect((link.onlineHours + link.offlineHours) * 3_600_000).toBeGreaterThan(Date.now() - today() - 60_000);
    expect(link.averageOfflineHoursPerDay).toBe(link.offlineHours);

    await waitFor('the site message ingested', async () => (await streamState(nats)).unfinished === 0);
    const sites = await get<{ sites: { gateway: string; link: { connected: boolean; disconnections: number; onlineHours: number } | null }[] }>('/api/v1/sites?gateway=GW-A');
    expect(sites.body.sites.map((site) => [site.gateway, site.link?.connected, site.link?.disconnections])).toEqual([['GW-A', false, 1]]);
    expect(sites.body.sites[0]!.link!.onlineHours).toBeGreaterThan(0);
  });

  it('counts a gateway never heard from offline for the whole span', async () => {
    const from = today() - 3 * DAY;
    const answer = await get<{ gateways: GatewayLink[] }>(`/api/v1/link-health?from=${from}&to=${today()}&gateway=GW-NEVER`);
    expect(answer.status).toBe(200);
    expect(answer.body.gateways).toEqual([
      {
        gateway: 'GW-NEVER',
        connected: false,
        onlineHours: 0,
        offlineHours: 72,
        disconnections: 0,
        averageOfflineHoursPerDay: 24,
        disconnectionsPerDay: 0,
        days: [0, 1, 2].map((day) => ({ day: new Date(from + day * DAY).toISOString().slice(0, 10), onlineHours: 0, offlineHours: 24, disconnections: 0 })),
      },
    ]);
    // Filtered by region: GW-A's site names no enterprise, and a gateway never heard from has no site to match.
    const inRegion = await get<{ gateways: GatewayLink[] }>(`/api/v1/link-health?from=${from}&to=${today()}&region=11`);
    expect(inRegion.body.gateways).toEqual([]);
    const namedInRegion = await get<{ gateways: GatewayLink[] }>(`/api/v1/link-health?from=${from}&to=${today()}&region=11&gateway=GW-NEVER`);
    expect(namedInRegion.body.gateways).toEqual([]);
  });

  it('closes, at its look after a restart, a connection that ended while the hub was not listening; and finds one opened meanwhile', async () => {
    const connecting = Date.now();
    const gwB = await gatewayConnection('GW-B', 'b-secret');
    await waitFor('GW-B connected at the hub', async () => (await linkOf('GW-B')).connected);
    await hub!.close();
    const stoppedAt = Date.now();
    await gwB.close();
    hub = await startHub(loadHubConfig(configPath), (line) => hubLog.push(line));
    const link = await linkOf('GW-B');
    expect([link.connected, link.disconnections]).toEqual([false, 1]);
    // Offline from the hub's last look before it stopped, never online on trust until it came back.
    expect(link.onlineHours * 3_600_000).toBeLessThanOrEqual(stoppedAt - connecting);

    await hub!.close();
    const again = await gatewayConnection('GW-B', 'b-secret');
    hub = await startHub(loadHubConfig(configPath), (line) => hubLog.push(line));
    expect((await linkOf('GW-B')).connected).toBe(true);
    await again.close();
    await waitFor('GW-B disconnected again', async () => !(await linkOf('GW-B')).connected);
    expect((await linkOf('GW-B')).disconnections).toBe(2);
  }, 60_000);

  it("sees a gateway's connection end with its NATS server's restart, and its reconnection", async () => {
    const gwA = await connect({ servers: nats.url, user: gatewayUserName('GW-A'), pass: 'a-secret', maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    connections.push(gwA);
    await waitFor('GW-A connected at the hub', async () => (await linkOf('GW-A')).connected);
    const before = (await linkOf('GW-A')).disconnections;
    await nats.stop();
    await nats.start();
    await waitFor(
      'the old connection closed and the new one open at the hub',
      async () => {
        const link = await linkOf('GW-A');
        return link.connected && link.disconnections === before + 1;
      },
      { timeoutMs: 30_000 },
    );
    await gwA.close();
    await waitFor('GW-A disconnected at the hub', async () => !(await linkOf('GW-A')).connected);
  }, 60_000);

  it("reads a server's connections page by page: a gateway listed past the first page is still connected after a look", async () => {
    // GW-A's 300 connections come first by connection id, so GW-B's lies beyond the look's first page of 256.
    const crowd: NatsConnection[] = [];
    for (let batch = 0; batch < 6; batch++) crowd.push(...(await Promise.all(Array.from({ length: 50 }, () => gatewayConnection('GW-A', 'a-secret')))));
    const gwB = await gatewayConnection('GW-B', 'b-secret');
    await waitFor('GW-B connected at the hub', async () => (await linkOf('GW-B')).connected);
    const before = (await linkOf('GW-B')).disconnections;
    await hub!.close();
    hub = await startHub(loadHubConfig(configPath), (line) => hubLog.push(line));
    const link = await linkOf('GW-B');
    expect([link.connected, link.disconnections]).toEqual([true, before]);
    expect(hubLog.filter((line) => line.includes('unread'))).toEqual([]);
    await Promise.all([...crowd, gwB].map((connection) => connection.close()));
    await waitFor('GW-B disconnected at the hub', async () => !(await linkOf('GW-B')).connected);
  }, 60_000);

  it('holds the events while PostgreSQL is down and records them once it is back', async () => {
    const before = (await linkOf('GW-B')).disconnections;
    // The server's events as the hub hears them, on a system connection of the test's own.
    const system = await connect({ servers: nats.url, user: nats.systemUser!.user, pass: nats.systemUser!.password });
    connections.push(system);
    const disconnects = system.subscribe(`$SYS.ACCOUNT.${nats.systemUser!.account}.DISCONNECT`);
    let gwBDisconnectSent = false;
    void (async () => {
      for await (const message of disconnects) if (message.string().includes(gatewayUserName('GW-B'))) gwBDisconnectSent = true;
    })();
    await system.flush();
    const logBefore = hubLog.length;
    await postgres.stop();
    const gwB = await gatewayConnection('GW-B', 'b-secret');
    await gwB.close();
    // PostgreSQL comes back only once the server has sent the end of the connection and the hub has met PostgreSQL down
    // (whichever of its tasks met it first: the events wait behind it in the monitor's queue).
    await waitFor('the server to send the disconnect event', () => gwBDisconnectSent);
    await waitFor('the hub to meet PostgreSQL down', () => hubLog.slice(logBefore).some((line) => line.startsWith('hub link monitor: cannot record')));
    disconnects.unsubscribe();
    await postgres.start();
    await waitFor('the connection and its end recorded', async () => {
      const link = await linkOf('GW-B').catch(() => null);
      return link !== null && !link.connected && link.disconnections === before + 1;
    });
  }, 60_000);

  it('answers 400 naming the param', async () => {
    for (const [query, field] of [
      [`from=${today()}`, 'to'],
      [`from=${today()}&to=${today() - DAY}`, 'to'],
      [`from=${today()}&to=${today() + 400 * DAY}`, 'to'],
      [`from=x&to=${today()}`, 'from'],
      [`from=${today()}&to=${today() + DAY}&region=north`, 'region'],
      [`from=${today()}&to=${today() + DAY}&site=1`, 'site'],
    ] as const) {
      const answer = await get<{ error: { code: string; field?: string } }>(`/api/v1/link-health?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.field, query).toBe(field);
    }
  });
});

describe('refusals at the hub', () => {
  it('records a wrong password with the user, the client address, the reason and the time', async () => {
    const before = Date.now();
    await expect(connect({ servers: nats.url, user: gatewayUserName('GW-A'), pass: 'wrong', reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    const refusal = await waitFor('the refusal at the hub', async () => (await get<{ refusals: Refusal[] }>('/api/v1/refusals?kind=authentication')).body.refusals.at(-1));
    expect(refusal).toMatchObject({ kind: 'authentication', user: 'gw-GW-A', gateway: 'GW-A', clientAddress: '127.0.0.1', reason: 'Authentication Failure' });
    expect(refusal.time).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(refusal.sourceTime)).toBe(refusal.time);
    const sites = await get<{ sites: { gateway: string; refusals: number }[] }>('/api/v1/sites?gateway=GW-A');
    expect(sites.body.sites[0]!.refusals).toBeGreaterThanOrEqual(1);
  });

  it("has NATS refuse a gateway publishing another gateway's subject, and shows it from the server's log", async () => {
    const gwB = await gatewayConnection('GW-B', 'b-secret');
    const forged = {
      v: UPLINK_VERSION,
      gateway: 'GW-A',
      seq: 1,
      time: 1,
      writtenAt: 1,
      pointId: null,
      ruleId: 'hi',
      kind: 'raised',
      stateAfter: 'x',
      priority: null,
      who: null,
      why: null,
      details: null,
    };
    await expect(jetstream(gwB).publish(uplinkSubject('GW-A', 'events'), JSON.stringify(forged), { timeout: 2000 })).rejects.toThrow(/permission|timeout|no responders/i);
    const refusal = await waitFor('the publish violation at the hub', async () => (await get<{ refusals: Refusal[] }>('/api/v1/refusals?kind=publish_permission&gateway=GW-B')).body.refusals.at(-1), {
      timeoutMs: 20_000,
    });
    expect(refusal).toMatchObject({ kind: 'publish_permission', user: 'gw-GW-B', gateway: 'GW-B', subject: 'hazmon.GW-A.events' });
    expect(refusal.clientAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    // Nothing reached the stream on GW-A's subject.
    expect((await streamState(nats)).subjects[uplinkSubject('GW-A', 'events')]).toBeUndefined();

    const page = await get<{ refusals: Refusal[]; next: number }>('/api/v1/refusals?limit=1');
    expect(page.body.refusals).toHaveLength(1);
    const rest = await get<{ refusals: Refusal[] }>(`/api/v1/refusals?after=${page.body.next}`);
    expect(rest.body.refusals.length).toBeGreaterThanOrEqual(1);
    for (const [query, field] of [
      ['kind=other', 'kind'],
      ['limit=0', 'limit'],
      ['after=-1', 'after'],
      ['user=x', 'user'],
    ] as const) {
      const answer = await get<{ error: { field?: string } }>(`/api/v1/refusals?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.field, query).toBe(field);
    }
  });

  it('lists the new routes in a valid OpenAPI document', async () => {
    const answer = await fetch(`${hub!.url}${HUB_OPENAPI_PATH}`);
    const document = (await answer.json()) as { paths: Record<string, unknown> };
    expect((await new Validator().validate(document)).errors).toBeUndefined();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/link-health', '/api/v1/refusals']));
  });
});
