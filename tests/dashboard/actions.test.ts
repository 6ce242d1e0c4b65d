/**
 * GET /api/v1/actions on the real server in the real agent, the valve tripped by the interlock of the house's area
 * preset (a process area: the shut-off valve on hihi) instead of a hand-written action. When the valve sticks open the
 * action is latched and in discrepancy with the reason, its limit switches say open, and a reset is refused while the
 * gas is present (safety rule 2: a shut-off counts as done only when the valve's feedback confirms it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { ALARMS, DocumentCheck, startWebPlant, USERS, WebClient, type WebPlant } from './web-fixture.ts';

let web: WebPlant;
let viewer: WebClient;

/** The generated action: `<area>.<output>`. */
const ACTION = 'house.XV-1';

/** The plant's hand-written close-gas action replaced by the house's process preset with XV-1 in its interlock. */
function presetInterlock(yaml: string): string {
  const action = 'actions:\n  - { id: close-gas, kind: shutoff_valve, output: XV-1, when: [GD-1.concentration/hihi] }\n';
  expect(yaml).toContain(action);
  return yaml
    .replace(action, 'actions: []\n')
    .replace('areas: [{ id: house, name: Compressor house }]', 'areas: [{ id: house, name: Compressor house, kind: process, interlock: { outputs: [XV-1] } }]');
}

beforeAll(async () => {
  web = await startWebPlant({}, undefined, presetInterlock);
  viewer = new WebClient(web.base, await DocumentCheck.load(web.base));
  expect((await viewer.login(USERS.viewer)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await web?.close();
});

interface ActionAnswer {
  id: string;
  state: string;
  latched: boolean;
  discrepancy: string | null;
  discrepancyCode: string | null;
  feedback: { closed: { value: boolean | null }; open: { value: boolean | null } | null } | null;
  resetAllowed: boolean;
  resetRefusal: string | null;
}

async function valveAction(): Promise<ActionAnswer> {
  const answer = await viewer.request<{ actions: ActionAnswer[] }>('GET', '/api/v1/actions');
  expect(answer.status).toBe(200);
  expect(answer.body.actions.map((action) => action.id)).toEqual([ACTION]);
  return answer.body.actions[0]!;
}

describe('GET /api/v1/actions', () => {
  it('is normal before a trip, with the valve read open', async () => {
    await waitFor('the open switch read', async () => (await valveAction()).feedback?.open?.value === true);
    expect(await valveAction()).toMatchObject({ state: 'normal', latched: false, discrepancy: null, resetAllowed: false, feedback: { closed: { value: false }, open: { value: true } } });
  });

  it('shows a valve stuck open as a latched discrepancy with its reason, and refuses a reset while the gas is there', async () => {
    web.plant.site.device('XV-1').set('stuckOpen', 1);
    web.plant.site.device('GD-1').set('concentration', 45);
    await waitFor('the valve action in discrepancy', async () => (await valveAction()).state === 'discrepancy', { timeoutMs: 30_000 });
    const action = await valveAction();
    expect(action).toMatchObject({
      latched: true,
      discrepancy: expect.stringContaining('stuck open'),
      discrepancyCode: 'stuck_open',
      feedback: { closed: { value: false }, open: { value: true } },
      resetAllowed: false,
    });
    expect(action.resetRefusal).toContain(ALARMS.hihi);
  }, 40_000);

  it('after a restart shows the restored latch, still in discrepancy, and allows the reset once the gas is gone; the reset leaves it normal', async () => {
    web = await web.restart();
    viewer = new WebClient(web.base, await DocumentCheck.load(web.base));
    expect((await viewer.login(USERS.viewer)).status).toBe(200);
    await waitFor('the restored latch in discrepancy', async () => (await valveAction()).state === 'discrepancy', { timeoutMs: 30_000 });
    expect(await valveAction()).toMatchObject({ latched: true, resetAllowed: false });
    web.plant.site.device('GD-1').set('concentration', 0);
    await waitFor('reset allowed', async () => (await valveAction()).resetAllowed, { timeoutMs: 30_000 });
    expect((await valveAction()).resetRefusal).toBeNull();
    const supervisor = new WebClient(web.base, await DocumentCheck.load(web.base));
    expect((await supervisor.login(USERS.supervisor)).status).toBe(200);
    expect((await supervisor.request('POST', `/api/v1/actions/${ACTION}/reset`, { body: { reason: 'valve freed, leak fixed' } })).status).toBe(200);
    expect(await valveAction()).toMatchObject({ state: 'normal', latched: false, discrepancy: null, resetAllowed: false });
  }, 90_000);

  it('refuses an unknown query param by name', async () => {
    expect(await viewer.request('GET', '/api/v1/actions?state=latched')).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field: 'state' } } });
  });
});
