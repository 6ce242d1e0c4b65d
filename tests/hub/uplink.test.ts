/**
 * Store and forward, end to end on real servers: a real agent on the simulated plant sends through its uplink (TLS,
 * its own NATS user) to a real nats-server with JetStream, across a TCP link that is cut for a while (the agent restarted meanwhile, its
 * uplink position lost as a crash could lose it), and the hub's ingest writes PostgreSQL and VictoriaMetrics. Once the link is back, every alarm event, every audit
 * row (its hash chain checkable at the hub) and every closed minute's aggregates of the agent's store is at the hub exactly once: in the stream, in PostgreSQL, in VictoriaMetrics.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Agent, auditRowHash, deviceStates, GENESIS_HASH, loadAgentConfig, siteGrades, type AgentConfig, type AggregateRow, type AlarmEventRow, type AuditRow } from '@hazmon/agent';
import { HubIngest } from '@hazmon/hub';
import { startLinkRelay, type LinkRelay } from '@hazmon/simulators';
import { positionPathOf, startUplink, type Uplink } from '@hazmon/uplink';
import { uplinkSubject } from '@hazmon/uplink/contract';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORDS, runHazmon, startPlant, waitFor, type Plant } from '../agent/fixture.ts';
import { gatewayUserName, hubConnection, startNats, startPostgres, startVictoriaMetrics, streamState, victoriaSamples, type NatsServer, type Postgres, type VictoriaMetrics } from './servers.ts';

const GATEWAY = 'GW-TEST-01';
const PASSWORD = 'gw-secret';
/** The store closes minutes soon after they end, so the test waits for one boundary, not two. */
const AGENT_OPTIONS = { store: { flushIntervalMs: 200, rollupIntervalMs: 500, rollupGraceMs: 500 } } as const;

let nats: NatsServer;
let victoria: VictoriaMetrics;
let postgres: Postgres;
let hub: HubIngest;
let relay: LinkRelay;
let plant: Plant;
let database: pg.Client;
const hubLog: string[] = [];

beforeAll(async () => {
  [nats, victoria, postgres] = await Promise.all([startNats([{ gateway: GATEWAY, password: PASSWORD }], { tls: true }), startVictoriaMetrics(), startPostgres()]);
  hub = await HubIngest.start({
    nats: hubConnection(nats),
    postgresUrl: postgres.url,
    victoriaMetricsUrl: victoria.url,
    log: (line) => hubLog.push(line),
  });
  relay = await startLinkRelay(Number(new URL(nats.url.replace(/^\w+:/, 'http:')).port));
  plant = await startPlant({ speed: 4 });
  database = new pg.Client({ connectionString: postgres.url });
  await database.connect();
}, 60_000);

afterAll(async () => {
  await runningUplink?.close();
  await database?.end();
  await plant?.close();
  await relay?.close();
  await hub?.close();
  await Promise.all([nats?.close(), victoria?.close(), postgres?.close()]);
});

/** The site's inventory: R = 2 * (2 * 150 / 50) = 12, grade 3. */
const MAJOR_HAZARD = '{ alpha: 2, substances: [{ name: LPG, quantityT: 150, criticalQuantityT: 50, beta: 2 }] }';

/** The plant's config file with its gateway code, a major-hazard inventory and an uplink through the relay, the password in a file beside it. */
function uplinkConfig(): AgentConfig {
  const passwordFile = join(plant.dir, 'uplink.password');
  writeFileSync(passwordFile, `${PASSWORD}\n`);
  const yaml = `${plant.yaml.replace('  name: Test plant\n', `  name: Test plant\n  gatewayCode: ${GATEWAY}\n  majorHazard: ${MAJOR_HAZARD}\n`)}
uplink:
  servers: [tls://127.0.0.1:${relay.port}]
  auth: { user: ${gatewayUserName(GATEWAY)}, passwordFile: uplink.password }
  tls: { ca: ${JSON.stringify(nats.caFile)} }
  healthIntervalS: 1
`;
  const file = join(plant.dir, 'site.yaml');
  writeFileSync(file, yaml);
  return loadAgentConfig(file);
}

/** The uplink of the agent running in the test's process, closed before the plant's agent stops. */
let runningUplink: Uplink | null = null;

/** The agent and its uplink, as `hazmon run` composes them. */
async function startGateway(config: AgentConfig, log: string[]): Promise<{ agent: Agent; uplink: Uplink }> {
  const agent = await Agent.start(config, AGENT_OPTIONS);
  plant.agent = agent;
  runningUplink = await startUplink(agent, (line) => log.push(line));
  return { agent, uplink: runningUplink };
}

async function stopGateway(): Promise<void> {
  await runningUplink?.close();
  runningUplink = null;
  await plant.agent?.stop();
  plant.agent = null;
}

async function hubEvents(): Promise<{ gateway: string; seq: number; kind: string; rule_id: string; point_id: string | null; t: number }[]> {
  const result = await database.query('SELECT gateway, seq::float8 AS seq, kind, rule_id, point_id, t::float8 AS t FROM alarm_events ORDER BY gateway, seq');
  return result.rows;
}

const eventKey = (row: { seq: number; kind: string }) => `${row.seq}:${row.kind}`;

interface HubAuditRow {
  gateway: string;
  seq: number;
  time: number;
  who: string;
  action: string;
  target: string | null;
  details: string | null;
  prevHash: string;
  hash: string;
}

async function hubAudit(): Promise<HubAuditRow[]> {
  const result = await database.query('SELECT gateway, seq::float8 AS seq, t::float8 AS time, who, action, target, details, prev_hash AS "prevHash", hash FROM audit_log ORDER BY gateway, seq');
  return result.rows;
}

const auditKey = (row: { seq: number; action: string; hash: string }) => `${row.seq}:${row.action}:${row.hash}`;

describe('the uplink through a cut link and an agent restart', () => {
  it('delivers every alarm event, audit row and closed minute to PostgreSQL and VictoriaMetrics exactly once', async () => {
    const config = uplinkConfig();
    const uplinkLog: string[] = [];
    let { agent, uplink } = await startGateway(config, uplinkLog);

    // Link up: the hi alarm's events reach PostgreSQL.
    plant.site.device('GD-1').set('concentration', 25);
    await waitFor('hi raised in PostgreSQL', async () => (await hubEvents()).some((row) => row.rule_id === 'hi' && row.kind === 'raised'), { timeoutMs: 30_000 });
    // A sign-in, audited at the gateway, reaches the hub's audit log.
    await agent.auditSession({ who: 'sup', action: 'login', address: '127.0.0.1', role: 'supervisor' });
    await waitFor('the sign-in in the hub audit log', async () => (await hubAudit()).some((row) => row.action === 'session_login' && row.who === 'sup'), { timeoutMs: 30_000 });
    const beforeCut = uplink.acknowledged;

    // Cut: what comes meanwhile stays in the agent's store; the agent restarts during the cut.
    relay.silence(true);
    relay.drop();
    // An acknowledgement during the cut: its audit row waits in the store with the events.
    expect(await agent.commandAlarm({ kind: 'ack', target: 'GD-1.concentration/hi', reason: 'crew sent' }, { user: 'sup', password: PASSWORDS.supervisor })).toEqual({ ok: true });
    plant.site.device('GD-1').set('concentration', 0);
    await waitFor('hi cleared in the store', async () => (await agent.reader.alarmEventsAfter(beforeCut.eventsSeq)).some((row) => row.ruleId === 'hi' && row.kind === 'cleared'), {
      timeoutMs: 30_000,
    });
    await stopGateway();
    // As if a crash had lost every write of the position since the start: the restarted uplink sends the whole store
    // again, under the same message ids. The file has no auditSeq, as one written before audit rows were sent: the
    // whole audit log goes again too.
    writeFileSync(positionPathOf(config.store.path), JSON.stringify({ eventsSeq: 0, aggregatesMinute: -1 }));
    ({ agent, uplink } = await startGateway(config, uplinkLog));
    plant.site.device('GD-1').set('concentration', 25);
    // A minute closes during the cut, so aggregates wait in the store too.
    await waitFor('a closed minute waiting in the store', async () => (await agent.reader.minuteRollupsAfter(beforeCut.aggregatesMinute)).length > 0, { timeoutMs: 80_000, everyMs: 500 });
    const waiting = await agent.reader.alarmEventsAfter(beforeCut.eventsSeq);
    expect(waiting.length).toBeGreaterThan(1);
    expect(uplink.acknowledged).toEqual({ eventsSeq: 0, aggregatesMinute: -1, auditSeq: 0 });
    expect((await agent.reader.auditRows({ afterSeq: beforeCut.auditSeq })).some((row) => row.action === 'alarm_command' && row.who === 'sup')).toBe(true);
    expect(uplinkLog.some((line) => line.startsWith('uplink: cannot send to the hub'))).toBe(true);

    // Restored: everything arrives, once.
    relay.silence(false);
    relay.drop();
    let storeEvents: AlarmEventRow[] = [];
    let storeMinutes: AggregateRow[] = [];
    let storeAudit: AuditRow[] = [];
    await waitFor(
      'the hub holding every event, audit row and closed minute of the store',
      async () => {
        storeEvents = await agent.reader.alarmEventsAfter(0, 10_000);
        storeMinutes = await agent.reader.minuteRollupsAfter(-1);
        storeAudit = await agent.reader.auditRows({ limit: 10_000 });
        const events = await hubEvents();
        const aggregates = await victoriaSamples(victoria, GATEWAY);
        return events.length === storeEvents.length && (await hubAudit()).length === storeAudit.length && storeMinutes.every((row) => aggregates.has(`${row.pointId}@${row.start}`));
      },
      { timeoutMs: 40_000, everyMs: 500 },
    );
    expect(storeMinutes.map((row) => row.start).some((start) => start > beforeCut.aggregatesMinute)).toBe(true);

    // Events: the same rows, each once.
    const events = await hubEvents();
    expect(events.map(eventKey)).toEqual(storeEvents.map(eventKey));
    expect(events.every((row) => row.gateway === GATEWAY)).toBe(true);
    expect(events.map((row) => row.t)).toEqual(storeEvents.map((row) => row.time));

    // Audit rows: the same rows, each once, and the chain checks out from the hub's rows alone.
    const audit = await hubAudit();
    expect(audit.map(auditKey)).toEqual(storeAudit.map(auditKey));
    expect(audit.some((row) => row.action === 'alarm_command' && row.who === 'sup' && row.target === 'GD-1.concentration/hi')).toBe(true);
    audit.forEach((row, index) => {
      expect(row.gateway).toBe(GATEWAY);
      expect(auditRowHash(row), `audit row ${row.seq}`).toBe(row.hash);
      expect(row.prevHash).toBe(index === 0 ? GENESIS_HASH : audit[index - 1]!.hash);
    });
    expect(audit[0]!.seq).toBe(1);

    // Aggregates: each point's minute once, with the store's values.
    const aggregates = await victoriaSamples(victoria, GATEWAY);
    for (const row of storeMinutes) {
      const fields = aggregates.get(`${row.pointId}@${row.start}`)!;
      expect(fields['count'], `${row.pointId} ${new Date(row.start).toISOString()}`).toEqual([row.count]);
      expect(fields['good_count']).toEqual([row.goodCount]);
      if (row.max !== null) expect(fields['max']).toEqual([row.max]);
      if (row.min !== null) expect(fields['min']).toEqual([row.min]);
      // VictoriaMetrics keeps 12 significant digits.
      if (row.avg !== null) expect(Math.abs(fields['avg']![0]! - row.avg)).toBeLessThanOrEqual(1e-11 * Math.abs(row.avg));
    }
    // Nothing beyond the store's closed minutes (a minute closing right now may be on its way, never an extra one).
    const storeKeys = new Set((await agent.reader.minuteRollupsAfter(-1)).map((row) => `${row.pointId}@${row.start}`));
    expect([...aggregates.keys()].filter((key) => !storeKeys.has(key))).toEqual([]);

    // The stream itself took each message once: JetStream dropped what was sent again under the same message id.
    const { subjects } = await streamState(nats);
    expect(subjects[uplinkSubject(GATEWAY, 'events')]).toBe(storeEvents.length);
    expect(subjects[uplinkSubject(GATEWAY, 'audit')]).toBe(storeAudit.length);
    expect(subjects[uplinkSubject(GATEWAY, 'aggregates')]).toBe(new Set(storeMinutes.map((row) => row.start)).size);
    expect(hub.status.rejected).toBe(0);

    // The site and its points' metadata, sent once for this config.
    const [site] = (await database.query<{ site: { id: string; name: string } }>('SELECT site FROM gateway_sites WHERE gateway = $1', [GATEWAY])).rows;
    expect(site?.site).toMatchObject({ id: 'test-plant', name: 'Test plant' });
    const points = (await database.query<{ point_id: string; metadata: { gatewayCode: string } }>('SELECT point_id, metadata FROM gateway_points WHERE gateway = $1 ORDER BY point_id', [GATEWAY]))
      .rows;
    expect(points.map((point) => point.point_id)).toEqual((await agent.reader.pointDefinitions()).map((point) => point.pointId).sort());
    expect(points.every((point) => point.metadata.gatewayCode === GATEWAY)).toBe(true);
    expect(subjects[uplinkSubject(GATEWAY, 'site')]).toBe(1);

    // The position on disk is the last acknowledged one.
    await waitFor('the position past every event and audit row', () => uplink.acknowledged.eventsSeq === storeEvents.at(-1)!.seq && uplink.acknowledged.auditSeq === storeAudit.at(-1)!.seq);

    // The gateway's own grades ride on its health messages: the ones its /api/v1/site gives (hi standing on GD-1).
    const gatewayGrades = () => {
      const { warning, majorHazard } = siteGrades(agent);
      return { warning: warning.site, areas: Object.fromEntries(warning.areas), majorHazard };
    };
    expect(gatewayGrades().warning).not.toBe('normal');
    expect(gatewayGrades().areas['house']).toBe(gatewayGrades().warning);
    expect(gatewayGrades().majorHazard).toEqual({ r: 12, grade: 3 });
    await waitFor('the gateway grades at the hub', async () => {
      const [row] = (await database.query<{ grades: unknown }>('SELECT grades FROM gateway_health WHERE gateway = $1', [GATEWAY])).rows;
      return isDeepStrictEqual(row?.grades, gatewayGrades());
    });

    // So do its devices: what its /api/v1/devices gives (the same code), as of the message's time.
    type HubDevice = { id: string; kind: string; comms: string; lastGoodReadingAt: number | null; faultCount: number; upkeep: unknown; sensorLifeHours: number | null };
    const stable = ({ id, kind, comms, faultCount, upkeep, sensorLifeHours }: HubDevice) => ({ id, kind, comms, faultCount, upkeep, sensorLifeHours });
    const gatewayDevices = async () => {
      const now = Date.now();
      return (await deviceStates(agent, now - 30 * 86_400_000, now, now)).map((device) => stable({ ...device, faultCount: device.faults.length }));
    };
    expect((await gatewayDevices()).length).toBeGreaterThan(0);
    await waitFor('the gateway devices at the hub', async () => {
      const [row] = (await database.query<{ t: string; devices: HubDevice[] | null }>('SELECT t, devices FROM gateway_health WHERE gateway = $1', [GATEWAY])).rows;
      if (!row?.devices || !isDeepStrictEqual(row.devices.map(stable), await gatewayDevices())) return false;
      return row.devices.every((device) => device.comms !== 'ok' || (device.lastGoodReadingAt !== null && device.lastGoodReadingAt <= Number(row.t)));
    });
  }, 150_000);

  it('is started by `hazmon run` when the config has an uplink section, and sends the gateway health', async () => {
    await stopGateway();
    const config = uplinkConfig();
    const startedAt = Date.now();
    const run = runHazmon(['run', config.file]);
    try {
      const state = () => `stdout: ${run.output.stdout.slice(-1500)}\nstderr: ${run.output.stderr.slice(-1500)}`;
      await waitFor('the uplink started', () => run.output.stdout.includes(`hazmon run: uplink at tls://127.0.0.1:${relay.port} as ${GATEWAY}\n`), { timeoutMs: 45_000, state });
      await waitFor(
        'a health message this run sent, at the hub',
        async () => {
          const health = await database.query('SELECT healthy FROM gateway_health WHERE gateway = $1 AND t >= $2', [GATEWAY, startedAt]);
          return health.rows.length === 1;
        },
        { state },
      );
    } finally {
      run.child.kill('SIGTERM');
    }
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('still running 30 s after SIGTERM'), 30_000).unref());
    const exit = await Promise.race([run.exited, hung]);
    if (typeof exit === 'string') run.child.kill('SIGKILL');
    expect(exit, `stdout: ${run.output.stdout.slice(-1500)}\nstderr: ${run.output.stderr.slice(-1500)}`).toBe(0);
  }, 120_000);
});
