/**
 * GET /api/v1/actions on the real server in the real agent when the shut-off valve sticks open: the action is
 * latched and in discrepancy with the reason, its limit switches say open, and a reset is refused while the gas is
 * present (safety rule 2: a shut-off counts as done only when the valve's feedback confirms it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { ALARMS, DocumentCheck, startWebPlant, USERS, WebClient, type WebPlant } from './web-fixture.ts';

let web: WebPlant;
let viewer: WebClient;

beforeAll(async () => {
  web = await startWebPlant();
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
  feedback: { closed: { value: boolean | null }; open: { value: boolean | null } | null } | null;
  resetAllowed: boolean;
  resetRefusal: string | null;
}

async function closeGas(): Promise<ActionAnswer> {
  const answer = await viewer.request<{ actions: ActionAnswer[] }>('GET', '/api/v1/actions');
  expect(answer.status).toBe(200);
  return answer.body.actions.find((action) => action.id === 'close-gas')!;
}

describe('GET /api/v1/actions', () => {
  it('is normal before a trip, with the valve read open', async () => {
    await waitFor('the open switch read', async () => (await closeGas()).feedback?.open?.value === true);
    expect(await closeGas()).toMatchObject({ state: 'normal', latched: false, discrepancy: null, resetAllowed: false, feedback: { closed: { value: false }, open: { value: true } } });
  });

  it('shows a valve stuck open as a latched discrepancy with its reason, and refuses a reset while the gas is there', async () => {
    web.plant.site.device('XV-1').set('stuckOpen', 1);
    web.plant.site.device('GD-1').set('concentration', 45);
    await waitFor('close-gas in discrepancy', async () => (await closeGas()).state === 'discrepancy', { timeoutMs: 30_000 });
    const action = await closeGas();
    expect(action).toMatchObject({ latched: true, discrepancy: expect.stringContaining('stuck open'), feedback: { closed: { value: false }, open: { value: true } }, resetAllowed: false });
    expect(action.resetRefusal).toContain(ALARMS.hihi);
  }, 40_000);

  it('refuses an unknown query param by name', async () => {
    expect(await viewer.request('GET', '/api/v1/actions?state=latched')).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field: 'state' } } });
  });
});
