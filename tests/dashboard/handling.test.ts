/**
 * The handling record on the real server in the real agent, real DuckDB file: stored as a `handled` alarm event
 * (who, when, the three texts) before the answer, audited, listed with the alarm events and sent on the live stream,
 * no step of the alarm's life cycle; 404 for an unknown alarm; the role matrix (operator and up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOfKind, expectRoleMatrix, expectUnauthenticated, GAS, gasSpike, type MatrixRoute, type SignedIn, startSignedIn } from './history-fixture.ts';
import { SseStream } from './sse-client.ts';
import { ALARMS, auditRowsAfter, lastAuditSeq } from './web-fixture.ts';

let signedIn: SignedIn;
const handling = (who: string) => ({ found: `leak at the flange (${who})`, done: 'isolated the header, replaced the gasket', result: 'gas back to 0 %LEL' });
const handlingPath = (alarmId: string) => `/api/v1/alarms/${encodeURIComponent(alarmId)}/handling`;

beforeAll(async () => {
  signedIn = await startSignedIn();
  await gasSpike(signedIn.web, signedIn.startedAt);
}, 90_000);

afterAll(async () => {
  await signedIn?.web.close();
});

describe('POST /api/v1/alarms/{alarmId}/handling', () => {
  it('stores the record as a `handled` alarm event (who, when, the three texts) before answering, audits it, and lists it with the events', async () => {
    const { web, sessions } = signedIn;
    const before = await lastAuditSeq(web.agent);
    const stream = await SseStream.open(web.base, sessions.viewer.sessionCookie!);
    const sent = Date.now();
    const answer = await sessions.operator.request('POST', handlingPath(ALARMS.hihi), { body: handling('op') });
    expect(answer).toMatchObject({ status: 200, body: { ok: true } });
    // Committed when the answer came: read straight from the store, no waiting.
    const [stored] = await eventsOfKind(web, 'handled');
    expect(stored).toMatchObject({ pointId: GAS, ruleId: 'hihi', who: 'op', why: handling('op').result, details: { alarmId: ALARMS.hihi, ...handling('op') } });
    expect(stored!.time).toBeGreaterThanOrEqual(sent);
    expect(await auditRowsAfter(web.agent, before)).toEqual([
      expect.objectContaining({ action: 'alarm_handling', target: ALARMS.hihi, who: 'op', details: expect.objectContaining({ result: 'accepted', role: 'operator', handling: handling('op') }) }),
    ]);
    const listed = await sessions.viewer.request<{ events: { seq: number; kind: string }[] }>('GET', `/api/v1/alarm-events?after=${stored!.seq - 1}&limit=1`);
    expect(listed.body.events).toEqual([expect.objectContaining({ seq: stored!.seq, kind: 'handled' })]);
    // The live stream sends it too, with its seq as the id: a record made on one screen shows on the others.
    const live = await stream.until('the handled event on the stream', (received) => received.alarmEvents().find((event) => event.row.kind === 'handled'));
    expect(live).toMatchObject({ id: String(stored!.seq), row: { seq: stored!.seq, details: { alarmId: ALARMS.hihi } } });
    await stream.close();
    // No step of the alarm's life cycle: the state a restart takes back is not the record's.
    expect((await web.agent.reader.latestAlarmStates()).every((row) => row.kind !== 'handled')).toBe(true);
  });

  it('refuses an unknown alarm with 404 naming alarmId: nothing stored, nothing audited', async () => {
    const { web, sessions } = signedIn;
    const before = await lastAuditSeq(web.agent);
    const handledBefore = (await eventsOfKind(web, 'handled')).length;
    const answer = await sessions.admin.request('POST', handlingPath('GD-9.nothing/hi'), { body: handling('root') });
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'HAZMON_API_NOT_FOUND', field: 'alarmId' } } });
    expect(await eventsOfKind(web, 'handled')).toHaveLength(handledBefore);
    expect(await auditRowsAfter(web.agent, before)).toEqual([]);
  });
});

describe('the route x role matrix', () => {
  const routes: MatrixRoute[] = [
    { method: 'POST', path: handlingPath(ALARMS.lo), roles: ['operator', 'supervisor', 'admin'], body: handling, audit: { action: 'alarm_handling', target: ALARMS.lo, eventKind: 'handled' } },
  ];

  it('answers 401 without a session', async () => {
    await expectUnauthenticated(signedIn, routes);
  });

  it('answers 403 to a viewer (nothing stored, no audit row) and 200 to operator and up (the record stored and audited with the role)', async () => {
    await expectRoleMatrix(signedIn, routes);
  });
});
