/**
 * The operator routes on the real server in the real agent, the plant leaking gas: what each returns, the route x role
 * matrix (401 without a session, 403 for a role that may not, 2xx for one that may), and the audit row of every
 * command, accepted or refused by the agent.
 */
import type { AlarmView } from '@hazmon/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import {
  ALARMS,
  auditRowsAfter,
  DocumentCheck,
  lastAuditSeq,
  ROLE_NAMES,
  startWebPlant,
  USERS,
  WebClient,
  type Answer,
  type Role,
  type WebPlant,
  expectNoMarks,
  peoplesMarks,
  withAlarmHelp,
} from './web-fixture.ts';

let web: WebPlant;
let document: DocumentCheck;
const sessions = {} as Record<Role, WebClient>;

const engineAlarm = (id: string): AlarmView | undefined => web.agent.alarms().engine.find((alarm) => alarm.id === id);

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withAlarmHelp);
  document = await DocumentCheck.load(web.base);
  for (const role of ROLE_NAMES) {
    sessions[role] = new WebClient(web.base, document);
    expect((await sessions[role].login(USERS[role])).status).toBe(200);
  }
  await waitFor('lo raised at gas 0', () => engineAlarm(ALARMS.lo)?.state === 'unacknowledged_active');
  web.plant.site.device('GD-1').set('concentration', 45);
  await waitFor(
    'hi and hihi raised, lo returned',
    () => engineAlarm(ALARMS.hihi)?.state === 'unacknowledged_active' && engineAlarm(ALARMS.hi)?.state === 'unacknowledged_active' && engineAlarm(ALARMS.lo)?.state === 'unacknowledged_returned',
  );
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('reads', () => {
  it('GET /api/v1/alarms lists the engine alarms not normal, as the agent holds them', async () => {
    const answer = await sessions.viewer.request<{ engine: AlarmView[]; runtime: unknown[] }>('GET', '/api/v1/alarms');
    expect(answer.status).toBe(200);
    expect(answer.body.engine.map((alarm) => alarm.id)).toEqual(expect.arrayContaining([ALARMS.lo, ALARMS.hi, ALARMS.hihi]));
    expect(answer.body.engine.find((alarm) => alarm.id === ALARMS.hihi)).toMatchObject({ pointId: 'GD-1.concentration', priority: expect.any(String), conditionActive: true });
  });

  it("GET /api/v1/alarms gives each alarm its help: the point's own over its area preset's, field by field", async () => {
    type Help = { cause: string | null; consequence: string | null; responseMinutes: number | null; action: string | null } | null;
    const answer = await sessions.viewer.request<{ engine: (AlarmView & { help: Help })[]; runtime: { id: string; help: Help }[] }>('GET', '/api/v1/alarms');
    const help = (id: string) => answer.body.engine.find((alarm) => alarm.id === id)?.help;
    expect(help(ALARMS.lo)).toEqual({ cause: '量程下限漂移', consequence: null, responseMinutes: 60, action: '通知值班长' });
    expect(help(ALARMS.hihi)).toEqual({ cause: expect.stringContaining('二级报警值'), consequence: expect.any(String), responseMinutes: 2, action: '通知值班长' });
    await waitFor('close-gas latched', () => web.agent.actionLatched('close-gas'));
    const latched = await sessions.viewer.request<{ runtime: { id: string; help: Help }[] }>('GET', '/api/v1/alarms');
    expect(latched.body.runtime.find((alarm) => alarm.id === 'close-gas/latched')?.help).toMatchObject({ action: expect.stringContaining('复位') });
  });

  it('GET /api/v1/site/plan is a 404 naming the path when the config has no plan', async () => {
    expect(await sessions.viewer.request('GET', '/api/v1/site/plan')).toMatchObject({ status: 404, body: { error: { code: 'HAZMON_API_NOT_FOUND', field: 'path' } } });
  });

  it('GET /api/v1/points gives each configured point with its device, area, unit and latest value', async () => {
    const answer = await sessions.viewer.request<{ points: { id: string; device: string; area: string | null; unit: string | null; value: unknown; quality: string; receiveTime: number }[] }>(
      'GET',
      '/api/v1/points',
    );
    expect(answer.status).toBe(200);
    const gas = answer.body.points.find((point) => point.id === 'GD-1.concentration');
    expect(gas).toMatchObject({ device: 'GD-1', area: 'house', quality: 'good', receiveTime: expect.any(Number) });
    expect(gas!.unit).toEqual(expect.any(String));
    expect(gas!.value).toBeCloseTo(45, 0);
    const latest = web.agent.latestValues();
    expect(answer.body.points.map((point) => point.id)).toEqual(latest.map((value) => value.pointId));
    expect(answer.body.points.find((point) => point.id === 'XV-1.closed')).toMatchObject({ device: 'XV-1', area: null });
  });
});

interface LimitSwitch {
  pointId: string;
  value: boolean | null;
  quality: string | null;
  sourceTime: number | null;
  receiveTime: number | null;
}

interface ActionAnswer {
  id: string;
  state: string;
  latched: boolean;
  latchedSince: number | null;
  feedback: { closed: LimitSwitch; open: LimitSwitch | null } | null;
  resetAllowed: boolean;
}

interface MatrixRoute {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly roles: readonly Role[];
  /** The audit row an allowed call writes (none for reads). */
  readonly audit?: { readonly action: string; readonly target: string; readonly command?: string };
}

const everyone: readonly Role[] = ['viewer', 'operator', 'supervisor', 'admin'];
const operators: readonly Role[] = ['operator', 'supervisor', 'admin'];
const supervisors: readonly Role[] = ['supervisor', 'admin'];
const alarmCommand = (alarmId: string, word: string, command: string, body: unknown, roles: readonly Role[]): MatrixRoute => ({
  method: 'POST',
  path: `/api/v1/alarms/${encodeURIComponent(alarmId)}/${word}`,
  body,
  roles,
  audit: { action: 'alarm_command', target: alarmId, command },
});

/** In this order for each role, so every allowed call finds the alarm in a state that accepts it. */
const ROUTES: readonly MatrixRoute[] = [
  { method: 'GET', path: '/api/v1/session', roles: everyone },
  { method: 'GET', path: '/api/v1/alarms', roles: everyone },
  { method: 'GET', path: '/api/v1/points', roles: everyone },
  { method: 'GET', path: '/api/v1/actions', roles: everyone },
  { method: 'GET', path: '/api/v1/alarm-events?limit=5', roles: everyone },
  alarmCommand(ALARMS.hi, 'shelve', 'shelve', { reason: 'detector swap', minutes: 30 }, operators),
  alarmCommand(ALARMS.hi, 'unshelve', 'unshelve', { reason: 'swap done' }, operators),
  alarmCommand(ALARMS.lo, 'out-of-service', 'remove_from_service', { reason: 'recalibration' }, supervisors),
  alarmCommand(ALARMS.lo, 'return-to-service', 'return_to_service', {}, supervisors),
];

/** Each role that may acknowledge gets an alarm of its own to acknowledge, so each call is accepted. */
const ACK_TARGETS: Partial<Record<Role, string>> = { operator: ALARMS.hi, supervisor: ALARMS.hihi, admin: ALARMS.lo };

describe('the route x role matrix', () => {
  it('answers 401 without a session on every route but sign-in and the document', async () => {
    const anonymous = new WebClient(web.base, document);
    const routes = [
      ...ROUTES,
      { method: 'POST', path: `/api/v1/alarms/${encodeURIComponent(ALARMS.hi)}/ack`, body: {} },
      { method: 'POST', path: '/api/v1/actions/close-gas/reset', body: { reason: 'x' } },
      { method: 'DELETE', path: '/api/v1/session' },
      { method: 'GET', path: '/api/v1/stream' },
    ];
    for (const route of routes) {
      const answer = await anonymous.request(route.method, route.path, route.body === undefined ? {} : { body: route.body });
      expect(answer, `${route.method} ${route.path}`).toMatchObject({ status: 401, body: { error: { code: 'HAZMON_API_UNAUTHENTICATED', field: 'session' } } });
    }
  });

  it('answers 403 to a role that may not (nothing changes, no audit row) and 2xx to one that may (with its audit row)', async () => {
    for (const role of ROLE_NAMES) {
      const routes: MatrixRoute[] = [...ROUTES];
      const ackTarget = ACK_TARGETS[role] ?? ALARMS.hi;
      routes.push({
        method: 'POST',
        path: `/api/v1/alarms/${encodeURIComponent(ackTarget)}/ack`,
        body: { comment: `seen by ${role}` },
        roles: ['operator', 'supervisor', 'admin'],
        audit: { action: 'alarm_command', target: ackTarget, command: 'ack' },
      });
      for (const route of routes) {
        const before = await lastAuditSeq(web.agent);
        const marks = await peoplesMarks(web.agent);
        const answer: Answer = await sessions[role].request(route.method, route.path, route.body === undefined ? {} : { body: route.body });
        const rows = await auditRowsAfter(web.agent, before);
        const what = `${role}: ${route.method} ${route.path}`;
        if (!route.roles.includes(role)) {
          expect(answer, what).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_FORBIDDEN', field: 'role' } } });
          expect(rows, what).toEqual([]);
          await expectNoMarks(web.agent, marks);
          continue;
        }
        expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(200);
        if (route.audit) {
          expect(rows, what).toEqual([
            expect.objectContaining({
              action: route.audit.action,
              target: route.audit.target,
              who: USERS[role].name,
              details: expect.objectContaining({ command: route.audit.command, result: 'accepted', role }),
            }),
          ]);
        } else expect(rows, what).toEqual([]);
      }
    }
    expect(engineAlarm(ALARMS.hi)).toMatchObject({ state: 'acknowledged_active', mode: 'in_service' });
    expect(engineAlarm(ALARMS.hihi)).toMatchObject({ state: 'acknowledged_active' });
    expect(engineAlarm(ALARMS.lo)?.mode ?? 'in_service').toBe('in_service');
  });
});

describe('alarm commands', () => {
  it('shelves for the minutes given and says when the shelf ends', async () => {
    const before = Date.now();
    const answer = await sessions.supervisor.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.hihi)}/shelve`, { body: { reason: 'gas crew on site', minutes: 10 } });
    expect(answer.status).toBe(200);
    const shelved = engineAlarm(ALARMS.hihi)!;
    expect(shelved.mode).toBe('shelved');
    expect(shelved.shelvedUntil).toBeGreaterThanOrEqual(before + 10 * 60_000);
    expect(shelved.shelvedUntil).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    expect((await sessions.supervisor.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.hihi)}/unshelve`, { body: {} })).status).toBe(200);
  });

  it('passes the agent refusal on as 409 with its reason, audited as refused; an unknown alarm is 404 naming alarmId', async () => {
    const before = await lastAuditSeq(web.agent);
    const refused = await sessions.admin.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.hi)}/unshelve`, { body: {} });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'HAZMON_API_REFUSED', message: expect.stringContaining('not shelved') } } });
    // The refusal's code and params, for a UI to say it in its own language.
    expect(refused.body).toMatchObject({ error: { refusal: { code: 'not_in_mode', params: { target: ALARMS.hi, mode: 'in_service', expected: 'shelved' } } } });
    expect(await auditRowsAfter(web.agent, before)).toEqual([
      expect.objectContaining({
        action: 'alarm_command',
        who: 'root',
        // The refusal's code and params too, so the audit log page says it in its reader's language.
        details: expect.objectContaining({ command: 'unshelve', result: 'refused', refusal: { code: 'not_in_mode', params: { target: ALARMS.hi, mode: 'in_service', expected: 'shelved' } } }),
      }),
    ]);
    const unknown = await sessions.admin.request('POST', '/api/v1/alarms/GD-9.nothing%2Fhi/ack', { body: {} });
    expect(unknown).toMatchObject({
      status: 404,
      body: { error: { code: 'HAZMON_API_NOT_FOUND', field: 'alarmId', refusal: { code: 'unknown_target', params: { target: 'GD-9.nothing/hi', command: 'ack' } } } },
    });
  });

  it('resets the latched shut-off once the gas is gone (supervisor; 403 for viewer and operator), refuses while it is not latched, 404 for an unknown action', async () => {
    await waitFor('close-gas latched', () => web.agent.actionLatched('close-gas'));
    const action = async () => (await sessions.viewer.request<{ actions: ActionAnswer[] }>('GET', '/api/v1/actions')).body.actions.find((candidate) => candidate.id === 'close-gas')!;
    await waitFor('the valve confirmed closed', async () => (await action()).state === 'confirmed');
    const confirmed = await action();
    expect(confirmed).toMatchObject({
      name: '燃气总管切断阀',
      kind: 'shutoff_valve',
      output: { id: 'XV-1', command: 'XV-1.command', tripValue: false },
      latched: true,
      latchedSince: expect.any(Number),
      trippedBy: [ALARMS.hihi],
      discrepancy: null,
      discrepancyCode: null,
      triggers: [{ alarmId: ALARMS.hihi, state: expect.any(String), conditionActive: true }],
      resetAllowed: false,
      resetRefusal: expect.stringContaining(ALARMS.hihi),
      resetRefusalCode: 'condition_active',
      resetRefusalParams: { target: 'close-gas', active: ALARMS.hihi },
    });
    const whileGas = await sessions.supervisor.request('POST', '/api/v1/actions/close-gas/reset', { body: { reason: 'too early' } });
    expect(whileGas).toMatchObject({ status: 409, body: { error: { code: 'HAZMON_API_REFUSED', refusal: { code: 'condition_active', params: { target: 'close-gas', active: ALARMS.hihi } } } } });
    expect(confirmed.feedback).toEqual({
      closed: { pointId: 'XV-1.closed', value: true, quality: 'good', sourceTime: null, receiveTime: expect.any(Number) },
      open: { pointId: 'XV-1.open', value: false, quality: 'good', sourceTime: null, receiveTime: expect.any(Number) },
    });
    expect(confirmed.latchedSince).toBeLessThanOrEqual(confirmed.feedback!.closed.receiveTime!);
    web.plant.site.device('GD-1').set('concentration', 0);
    await waitFor('hihi condition cleared', () => engineAlarm(ALARMS.hihi)?.conditionActive === false || engineAlarm(ALARMS.hihi) === undefined);
    expect(await action()).toMatchObject({
      state: 'confirmed',
      latched: true,
      resetAllowed: true,
      resetRefusal: null,
      resetRefusalCode: null,
      resetRefusalParams: null,
      triggers: [{ alarmId: ALARMS.hihi, conditionActive: false }],
    });
    const before = await lastAuditSeq(web.agent);
    for (const role of ['viewer', 'operator'] as const) {
      const forbidden = await sessions[role].request('POST', '/api/v1/actions/close-gas/reset', { body: { reason: 'may I?' } });
      expect(forbidden, role).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_FORBIDDEN', field: 'role' } } });
    }
    expect(web.agent.actionLatched('close-gas')).toBe(true);
    const reset = await sessions.supervisor.request('POST', '/api/v1/actions/close-gas/reset', { body: { reason: 'leak fixed, header checked' } });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(web.agent.actionLatched('close-gas')).toBe(false);
    expect(await action()).toMatchObject({
      state: 'normal',
      latched: false,
      latchedSince: null,
      trippedBy: [],
      resetAllowed: false,
      resetRefusal: 'close-gas is not latched',
      resetRefusalCode: 'not_latched',
    });
    const again = await sessions.admin.request('POST', '/api/v1/actions/close-gas/reset', { body: { reason: 'again' } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'HAZMON_API_REFUSED', refusal: { code: 'not_latched', params: { target: 'close-gas' } } } } });
    expect((await auditRowsAfter(web.agent, before)).map((row) => [row.action, row.target, row.who, row.details?.['result']])).toEqual([
      ['reset_action', 'close-gas', 'sup', 'accepted'],
      ['reset_action', 'close-gas', 'root', 'refused'],
    ]);
    const unknown = await sessions.admin.request('POST', '/api/v1/actions/open-sesame/reset', { body: { reason: 'x' } });
    expect(unknown).toMatchObject({ status: 404, body: { error: { field: 'actionId' } } });
  }, 60_000);
});

describe('GET /api/v1/alarm-events', () => {
  it('pages in seq order from any cursor with neither gaps nor repeats, and refuses a cursor past the end', async () => {
    const all = await web.agent.reader.alarmEventsAfter(0, 10_000);
    expect(all.length).toBeGreaterThan(5);
    const paged: number[] = [];
    let after = 0;
    for (;;) {
      const page = await sessions.viewer.request<{ events: { seq: number }[]; next: number }>('GET', `/api/v1/alarm-events?after=${after}&limit=3`);
      expect(page.status).toBe(200);
      if (page.body.events.length === 0) {
        expect(page.body.next).toBe(after);
        break;
      }
      paged.push(...page.body.events.map((event) => event.seq));
      after = page.body.next;
      if (paged.length >= all.length) break;
    }
    expect(paged).toEqual(all.map((row) => row.seq));
    const pastEnd = await sessions.viewer.request('GET', `/api/v1/alarm-events?after=${all.at(-1)!.seq + 1000}`);
    expect(pastEnd).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field: 'after' } } });
  });
});
