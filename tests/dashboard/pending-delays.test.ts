/**
 * A running on-delay through the real server in the real agent on the simulated plant (GB 16808-2025 5.5.1.3: the
 * delay is shown with its time): GET /api/v1/alarms lists it under `pending` with its due time and no alarm; held, the
 * alarm is raised at exactly that due time; cleared early, the pending entry goes and no alarm is raised.
 */
import type { AlarmView, PendingDelayView } from '@hazmon/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { ALARMS, DocumentCheck, startWebPlant, USERS, WebClient, type WebPlant } from './web-fixture.ts';

const ON_DELAY_S = 6;
const withOnDelay = (yaml: string) => yaml.replace('limits: { lo: 10, hi: 20, hihi: 40 }, deadband: 1', `limits: { lo: 10, hi: 20, hihi: 40 }, deadband: 1, onDelayS: ${ON_DELAY_S}`);

type Alarms = { engine: AlarmView[]; runtime: unknown[]; pending: PendingDelayView[] };

let web: WebPlant;
let viewer: WebClient;

async function alarms(): Promise<Alarms> {
  const answer = await viewer.request<Alarms>('GET', '/api/v1/alarms');
  expect(answer.status).toBe(200);
  return answer.body;
}

const pendingHi = (list: Alarms) => list.pending.find((entry) => entry.alarmId === ALARMS.hi);
const raisedHi = () => web.plant.events.some((event) => event.type === 'alarm' && event.alarmId === ALARMS.hi && event.conditionActive);

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withOnDelay);
  viewer = new WebClient(web.base, await DocumentCheck.load(web.base));
  expect((await viewer.login(USERS.viewer)).status).toBe(200);
  await waitFor('lo raised at gas 0 after its on-delay', async () => (await alarms()).engine.some((alarm) => alarm.id === ALARMS.lo && alarm.conditionActive), { timeoutMs: 60_000, everyMs: 100 });
}, 90_000);

afterAll(async () => {
  await web?.close();
});

it('a condition cleared before its on-delay ran out leaves no pending entry and no alarm', async () => {
  web.plant.site.device('GD-1').set('concentration', 25);
  let entry: PendingDelayView | undefined;
  await waitFor('hi pending', async () => (entry = pendingHi(await alarms())) !== undefined, { timeoutMs: 30_000, everyMs: 100 });
  expect(entry).toMatchObject({ pointId: 'GD-1.concentration', rule: 'hi', kind: 'on', delayMs: ON_DELAY_S * 1000, value: 25, limit: 20 });
  web.plant.site.device('GD-1').set('concentration', 15);
  await waitFor('hi no longer pending', async () => pendingHi(await alarms()) === undefined, { timeoutMs: 30_000, everyMs: 100 });
  const list = await alarms();
  expect(list.engine.find((alarm) => alarm.id === ALARMS.hi)).toBeUndefined();
  expect(raisedHi()).toBe(false);
}, 60_000);

it('GET /api/v1/alarms lists a running on-delay with its due time, then the alarm raised at that time', async () => {
  web.plant.site.device('GD-1').set('concentration', 25);
  let entry: PendingDelayView | undefined;
  let list: Alarms | undefined;
  await waitFor('hi pending', async () => (entry = pendingHi((list = await alarms()))) !== undefined, { timeoutMs: 30_000, everyMs: 100 });
  expect(entry).toMatchObject({ alarmId: ALARMS.hi, site: 'test-plant', rule: 'hi', kind: 'on', delayMs: ON_DELAY_S * 1000, value: 25, limit: 20, priority: 'medium' });
  expect(entry!.dueAt).toBe(entry!.pendingSince + ON_DELAY_S * 1000);
  // One answer is one moment of the engine: while hi waits out its delay it is no alarm.
  expect(list!.engine.find((alarm) => alarm.id === ALARMS.hi)).toBeUndefined();
  let raised: AlarmView | undefined;
  await waitFor('hi raised', async () => (raised = (await alarms()).engine.find((alarm) => alarm.id === ALARMS.hi)) !== undefined, { timeoutMs: 30_000, everyMs: 100 });
  expect(raised).toMatchObject({ state: 'unacknowledged_active', conditionActive: true, activeSince: entry!.dueAt });
  expect(pendingHi(await alarms())).toBeUndefined();
}, 60_000);
