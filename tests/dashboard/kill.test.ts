/**
 * `hazmon run` with its web server, killed with SIGKILL: what people did through HTTP (an acknowledgement, a shelf, an
 * alarm out of service, a handling record, a threshold change) was on disk when they were answered, so the restarted
 * process serves all of it, and the audit chain verifies.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmView } from '@hazmon/agent';
import { afterEach, expect, it } from 'vitest';
import { type Plant, runHazmon, startPlant, waitFor } from '../agent/fixture.ts';
import { ALARMS, DocumentCheck, USERS, WebClient, webConfigYaml } from './web-fixture.ts';

const POINT = 'GD-1.concentration';

let plant: Plant | undefined;
const children: ReturnType<typeof runHazmon>[] = [];

afterEach(async () => {
  for (const run of children.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }
  await plant?.close();
  plant = undefined;
});

/** `hazmon run` on the file; resolves with the web server's address once it serves. */
async function startHazmon(file: string): Promise<{ run: ReturnType<typeof runHazmon>; base: string }> {
  const run = runHazmon(['run', file]);
  children.push(run);
  const address = await waitFor('web server started', () => /web server at (http:\/\/\S+)/.exec(run.output.stdout)?.[1], { timeoutMs: 60_000, everyMs: 100 });
  return { run, base: address };
}

async function signIn(base: string): Promise<WebClient> {
  const client = new WebClient(base, await DocumentCheck.load(base));
  expect((await client.login(USERS.supervisor)).status).toBe(200);
  return client;
}

async function alarmsOf(client: WebClient): Promise<Map<string, AlarmView>> {
  const answer = await client.request<{ engine: AlarmView[] }>('GET', '/api/v1/alarms');
  expect(answer.status).toBe(200);
  return new Map(answer.body.engine.map((alarm) => [alarm.id, alarm]));
}

const command = (alarmId: string, word: string) => `/api/v1/alarms/${encodeURIComponent(alarmId)}/${word}`;

it('acknowledged, shelved and out-of-service states, a handling record, a threshold change and the session survive kill -9', async () => {
  plant = await startPlant({ speed: 4 });
  const file = join(plant.dir, 'site.yaml');
  writeFileSync(file, await webConfigYaml(plant.yaml));
  const first = await startHazmon(file);
  const before = await signIn(first.base);
  await waitFor('lo raised at gas 0', async () => (await alarmsOf(before)).get(ALARMS.lo)?.state === 'unacknowledged_active', { timeoutMs: 30_000, everyMs: 250 });
  plant.site.device('GD-1').set('concentration', 25);
  await waitFor('hi raised at gas 25', async () => (await alarmsOf(before)).get(ALARMS.hi)?.state === 'unacknowledged_active', { timeoutMs: 30_000, everyMs: 250 });

  expect((await before.request('POST', command(ALARMS.hi, 'ack'), { body: { comment: 'crew sent' } })).status).toBe(200);
  expect((await before.request('POST', command(ALARMS.lo, 'shelve'), { body: { reason: 'detector swap', minutes: 120 } })).status).toBe(200);
  expect((await before.request('POST', command(ALARMS.hihi, 'out-of-service'), { body: { reason: 'recalibration' } })).status).toBe(200);
  const handling = { found: 'flange leak at XV-1', done: 'gasket replaced', result: 'gas back to 0' };
  expect((await before.request('POST', command(ALARMS.hi, 'handling'), { body: handling })).status).toBe(200);
  // hi moves from 20 to 22, still under the gas: the engine judges it again and it stays acknowledged
  const changed = await before.request('PUT', `/api/v1/points/${encodeURIComponent(POINT)}/thresholds`, { body: { hi: 22, reason: 'working level raised' } });
  expect(changed).toMatchObject({ status: 200, body: { thresholds: { hi: 22 } } });
  const states = await alarmsOf(before);
  expect(states.get(ALARMS.hi)).toMatchObject({ state: 'acknowledged_active' });
  first.run.child.kill('SIGKILL');
  await first.run.exited;

  const second = await startHazmon(file);
  // The signed-in page of before the kill goes on without signing in again (the sessions file beside the store).
  const sameBrowser = await before.movedTo(second.base);
  expect((await sameBrowser.request('GET', '/api/v1/session')).body).toMatchObject({ name: 'sup', role: 'supervisor' });
  const after = await signIn(second.base);
  await waitFor('hi judged again after the restart', async () => (await alarmsOf(after)).get(ALARMS.hi)?.conditionActive === true, { timeoutMs: 30_000, everyMs: 250 });
  const restored = await alarmsOf(after);
  expect(restored.get(ALARMS.hi)).toMatchObject({ state: 'acknowledged_active', mode: 'in_service' });
  expect(restored.get(ALARMS.lo)).toMatchObject({ mode: 'shelved', shelvedUntil: states.get(ALARMS.lo)!.shelvedUntil });
  expect(restored.get(ALARMS.hihi)).toMatchObject({ mode: 'out_of_service' });

  const events = await after.request<{ events: { kind: string; who: string; details: Record<string, unknown> | null }[] }>('GET', '/api/v1/alarm-events?limit=1000');
  expect(events.body.events.filter((event) => event.kind === 'handled')).toEqual([expect.objectContaining({ who: 'sup', details: expect.objectContaining(handling) })]);
  const points = await after.request<{ points: { id: string; thresholds: Record<string, number | null> }[] }>('GET', '/api/v1/points');
  expect(points.body.points.find((point) => point.id === POINT)!.thresholds).toEqual({ lolo: null, lo: 10, hi: 22, hihi: 40 });
  const changes = await after.request<{ inForce: unknown[] }>('GET', '/api/v1/threshold-changes');
  expect(changes.body.inForce).toEqual([expect.objectContaining({ pointId: POINT, limit: 'hi', value: 22, configValue: 20, by: 'sup', reason: 'working level raised' })]);
  const audit = await after.request<{ chain: { ok: boolean }; rows: { action: string }[] }>('GET', '/api/v1/audit?limit=1000');
  expect(audit.body.chain.ok).toBe(true);
  expect(audit.body.rows.map((row) => row.action)).toEqual(expect.arrayContaining(['alarm_command', 'alarm_handling', 'threshold_change']));
}, 180_000);
