/**
 * The alarm-system health of a range on the real server in the real agent, real DuckDB file: activations per hour and
 * day match the stored rows, the worst point, the standing alarms; supervisor and up. The thresholds at their edges
 * (floods, chattering, stale) are in dashboard/src/alarm-health.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationEvents, DAY_MS, expectRoleMatrix, expectUnauthenticated, GAS, gasSpike, type SignedIn, startSignedIn } from './history-fixture.ts';
import { ALARMS } from './web-fixture.ts';

let signedIn: SignedIn;

beforeAll(async () => {
  signedIn = await startSignedIn();
  await gasSpike(signedIn.web, signedIn.startedAt);
  const ack = await signedIn.sessions.operator.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.hihi)}/ack`, { body: { comment: 'crew sent' } });
  expect(ack.status).toBe(200);
}, 90_000);

afterAll(async () => {
  await signedIn?.web.close();
});

describe('GET /api/v1/alarm-health', () => {
  it('counts the activations of the range per hour and day, names the worst point and the standing alarms', async () => {
    const { web, sessions, startedAt } = signedIn;
    const to = Date.now() + 1000;
    const answer = await sessions.supervisor.request<{
      activations: number;
      perHour: { count: number }[];
      perDay: { count: number }[];
      worstPoints: { pointId: string; activations: number }[];
      standing: { alarmId: string; state: string }[];
      stale: unknown[];
      floods: unknown[];
      chattering: unknown[];
    }>('GET', `/api/v1/alarm-health?from=${startedAt - 60_000}&to=${to}`);
    expect(answer.status).toBe(200);
    const raised = (await activationEvents(web)).filter((event) => event.time >= startedAt - 60_000);
    expect(raised.length).toBeGreaterThanOrEqual(3);
    expect(answer.body.activations).toBe(raised.length);
    expect(answer.body.perHour.reduce((sum, hour) => sum + hour.count, 0)).toBe(raised.length);
    expect(answer.body.perDay.reduce((sum, day) => sum + day.count, 0)).toBe(raised.length);
    expect(answer.body.worstPoints[0]).toMatchObject({ pointId: GAS });
    // lo stands again at gas 0; hihi was acknowledged while active and stands until its latch is reset.
    const standing = Object.fromEntries(answer.body.standing.map((alarm) => [alarm.alarmId, alarm.state]));
    expect(standing[ALARMS.lo]).toBe('unacknowledged_active');
    expect(answer.body).toMatchObject({ stale: [], floods: [], chattering: [] });
  });
});

describe('the route x role matrix', () => {
  const now = Date.now();
  const routes = [{ method: 'GET', path: `/api/v1/alarm-health?from=${now - DAY_MS}&to=${now}`, roles: ['supervisor', 'admin'] }] as const;

  it('answers 401 without a session, 403 to viewer and operator, 200 to supervisor and admin, writing no audit row', async () => {
    await expectUnauthenticated(signedIn, routes);
    await expectRoleMatrix(signedIn, routes);
  });
});
