/**
 * The DuckDB file unwritable (the store's fault hooks: each raw commit fails as DuckDB's IO error would, and the
 * alarm event table is taken away so every alarm event commit fails): monitoring and the shut-off go on (a leak
 * closes the valve, its feedback confirms it), the condition is a store alarm in GET /api/v1/alarms, an acknowledgement
 * attempted meanwhile is refused and leaves the alarm unacknowledged (one whose event alone failed to be stored, before
 * any commit failed, is taken back), the readings not stored are counted, and once the file is writable again the
 * queued readings are committed, the same acknowledgement tried again is answered OK with its row on disk, and the audit chain
 * verifies. (Permissions cannot be taken away from a test running as root, so the hooks stand in for them.)
 */
import { join } from 'node:path';
import { Agent, type AlarmView, type FaultDrillDatabase, parseAgentConfig } from '@hazmon/agent';
import { createDashboardServer } from '@hazmon/dashboard';
import { afterEach, expect, it } from 'vitest';
import { type Plant, rawRows, startPlant, waitFor, waitForRows } from '../agent/fixture.ts';
import { ALARMS, DocumentCheck, USERS, WebClient, webConfigYaml } from './web-fixture.ts';

const POINT = 'GD-1.concentration';

let plant: Plant | undefined;
let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
  await plant?.close();
  plant = undefined;
});

it('with the store unwritable the shut-off still works and is confirmed, the condition is a store alarm, no ack is answered OK unstored, and writing resumes', async () => {
  plant = await startPlant({ speed: 4 });
  const config = parseAgentConfig(await webConfigYaml(plant.yaml), join(plant.dir, 'site.yaml'));
  let unwritable = false;
  let drill: FaultDrillDatabase | undefined;
  const agent = await Agent.start(config, {
    store: {
      flushIntervalMs: 200,
      faults: {
        beforeRawCommit: () => {
          if (unwritable) throw new Error(`IO Error: Cannot open file "${join(plant!.dir, 'site.duckdb.wal')}": Permission denied`);
        },
        opened: (database) => (drill = database),
      },
    },
  });
  plant.agent = agent;
  const server = await createDashboardServer({}).start(agent, () => undefined);
  closeServer = () => server.close();
  const client = new WebClient(server.address, await DocumentCheck.load(server.address));
  expect((await client.login(USERS.supervisor)).status).toBe(200);
  const alarms = async () => (await client.request<{ engine: AlarmView[]; runtime: { id: string; state: string; conditionActive: boolean; why: string }[] }>('GET', '/api/v1/alarms')).body;
  await waitFor('lo raised at gas 0', async () => (await alarms()).engine.some((alarm) => alarm.id === ALARMS.lo && alarm.conditionActive), { timeoutMs: 30_000, everyMs: 250 });
  await waitForRows(
    () => rawRows(agent.reader, POINT),
    (rows) => rows.length > 0,
  );

  // Only the alarm events cannot be written (no commit has failed yet): an acknowledgement is answered "not stored"
  // and taken back, so the alarm still asks for one, as the journal a restart reads says.
  await drill!.run('ALTER TABLE alarm_events RENAME TO alarm_events_unwritable');
  const notStored = await client.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.lo)}/ack`, { body: { comment: 'event not stored' } });
  expect(notStored.status).not.toBe(200);
  expect(JSON.stringify(notStored.body)).toMatch(/accepted but not stored/);
  expect((await alarms()).engine.find((alarm) => alarm.id === ALARMS.lo)?.state).toBe('unacknowledged_active');

  // The file becomes unwritable.
  unwritable = true;
  const failedAt = Date.now();
  const flushFailed = await waitFor('store/flush_failed in GET /api/v1/alarms', async () => (await alarms()).runtime.find((alarm) => alarm.id === 'store/flush_failed'), {
    timeoutMs: 30_000,
    everyMs: 250,
  });
  expect(flushFailed.why).toMatch(/Permission denied/);

  // A leak: the engine raises hihi, the valve is closed and its limit switches confirm it, though nothing is stored.
  plant.site.device('GD-1').set('concentration', 45);
  await waitFor('close-gas confirmed by the valve feedback', () => agent.actions().find((action) => action.id === 'close-gas')?.state === 'confirmed', { timeoutMs: 30_000, everyMs: 100 });
  expect(plant.site.device('XV-1').get('closedSwitch')).toBe(1);
  await waitFor('hi raised', async () => (await alarms()).engine.find((alarm) => alarm.id === ALARMS.hi)?.state === 'unacknowledged_active', { timeoutMs: 30_000, everyMs: 250 });

  // An acknowledgement while nothing can be written: not answered OK.
  const refused = await client.request<{ error: { message: string } }>('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.hi)}/ack`, { body: { comment: 'while unwritable' } });
  expect(refused.status).not.toBe(200);
  expect(JSON.stringify(refused.body)).toMatch(/not stored/);
  // Refused before it changed anything: not shown acknowledged while nothing on disk says so.
  expect((await alarms()).engine.find((alarm) => alarm.id === ALARMS.hi)?.state).toBe('unacknowledged_active');

  // The readings not stored are counted: queued, failed commits, none claimed written.
  const during = agent.stats().store;
  expect(during.flushFailures).toBeGreaterThan(0);
  expect(during.queueDepth + during.rawDropped).toBeGreaterThan(0);

  // Writable again: the queued readings are committed, the next acknowledgement is on disk when answered.
  await drill!.run('ALTER TABLE alarm_events_unwritable RENAME TO alarm_events');
  unwritable = false;
  const resumed = await waitForRows(
    () => rawRows(agent.reader, POINT, failedAt),
    (rows) => rows.length > 0,
    30_000,
  );
  expect(resumed.length).toBeGreaterThan(0);
  const cleared = await waitFor('store/flush_failed cleared', async () => (await alarms()).runtime.find((alarm) => alarm.id === 'store/flush_failed' && !alarm.conditionActive), {
    timeoutMs: 30_000,
    everyMs: 250,
  });
  expect(cleared.why).toMatch(/commits go through again/);
  await waitFor('the queue drained', () => agent.stats().store.queueDepth === 0 || undefined, { timeoutMs: 30_000 });
  // The same acknowledgement tried again is accepted (it was taken back, not left half done).
  const ackOk = await client.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.hi)}/ack`, { body: { comment: 'writable again' } });
  expect(ackOk.status).toBe(200);
  expect((await alarms()).engine.find((alarm) => alarm.id === ALARMS.hi)?.state).toBe('acknowledged_active');
  const events = await agent.reader.alarmEventsAfter(0, 10_000);
  expect(events.some((row) => row.kind === 'acknowledged' && row.details?.['alarmId'] === ALARMS.hi && row.who === 'sup' && row.why === 'writable again')).toBe(true);
  expect(await agent.reader.verifyAuditChain()).toMatchObject({ ok: true });
  // The shut-off stays latched and confirmed throughout.
  expect(agent.actions().find((action) => action.id === 'close-gas')).toMatchObject({ state: 'confirmed', latched: true });
}, 120_000);
