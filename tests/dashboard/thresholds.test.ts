/**
 * Thresholds changed at run time through the real server in the real agent on the simulated plant: an alarm whose
 * limit did not move keeps its state, a moved one is judged again by the engine (never dropped); the limits in force
 * in points, trends and the regulator's points; refusals (409, audited, nothing changes); the overrides file kept
 * over a restart and retired by a config file change to the same limit; the route x role matrix of the new routes
 * (users included); fast-check on the body.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AlarmEventRow, parseAgentConfig, thresholdOverrideFile } from '@hazmon/agent';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import {
  ALARMS,
  auditRowsAfter,
  DocumentCheck,
  expectNoMarks,
  lastAuditSeq,
  peoplesMarks,
  ROLE_NAMES,
  type Role,
  startWebPlant,
  USERS,
  WebClient,
  type WebPlant,
  webConfigYaml,
} from './web-fixture.ts';

const POINT = 'GD-1.concentration';
const THRESHOLDS = `/api/v1/points/${encodeURIComponent(POINT)}/thresholds`;
/** The gas point gets a measuring range, so a limit off it can be refused. */
const withRange = (yaml: string) => yaml.replace(`  - id: ${POINT}\n    area: house\n`, `  - id: ${POINT}\n    area: house\n    range: [0, 100]\n`);

type Limits = { lolo: number | null; lo: number | null; hi: number | null; hihi: number | null };

let web: WebPlant;
let document: DocumentCheck;
/** Before the first threshold change of the file. */
let startedAt: number;
const sessions = {} as Record<Role, WebClient>;

async function signIn(): Promise<void> {
  document = await DocumentCheck.load(web.base);
  for (const role of ROLE_NAMES) {
    sessions[role] = new WebClient(web.base, document);
    expect((await sessions[role].login(USERS[role])).status).toBe(200);
  }
}

const stateOf = (alarmId: string) => web.agent.alarm(alarmId)?.state ?? 'normal';

async function pointLimits(client: WebClient = sessions.viewer): Promise<Limits> {
  const answer = await client.request<{ points: { id: string; thresholds: Limits }[] }>('GET', '/api/v1/points');
  expect(answer.status).toBe(200);
  return answer.body.points.find((point) => point.id === POINT)!.thresholds;
}

async function eventsAfter(seq: number): Promise<AlarmEventRow[]> {
  return (await web.agent.reader.alarmEventsAfter(seq, 10_000)).filter((row) => row.pointId === POINT);
}

async function lastEventSeq(): Promise<number> {
  return (await web.agent.reader.alarmEventsAfter(0, 10_000)).at(-1)?.seq ?? 0;
}

beforeAll(async () => {
  startedAt = Date.now();
  web = await startWebPlant({}, undefined, withRange);
  await signIn();
  await waitFor('lo raised at gas 0', () => stateOf(ALARMS.lo) === 'unacknowledged_active');
  web.plant.site.device('GD-1').set('concentration', 25);
  await waitFor('hi raised at gas 25', () => stateOf(ALARMS.hi) === 'unacknowledged_active');
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('a threshold change through the reload path', () => {
  it('keeps the state of an alarm whose limit did not move and has the engine judge the one whose limit moved', async () => {
    expect((await sessions.operator.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.hi)}/ack`, { body: { comment: 'crew sent' } })).status).toBe(200);
    expect(stateOf(ALARMS.hi)).toBe('acknowledged_active');
    const seq = await lastEventSeq();
    const audit = await lastAuditSeq(web.agent);

    const fixedBefore = await sessions.viewer.request('GET', '/api/v1/points?fields=fixed');
    const tagBefore = fixedBefore.headers.get('etag')!;
    expect((await sessions.viewer.request('GET', '/api/v1/points?fields=fixed', { headers: { 'If-None-Match': tagBefore } })).status).toBe(304);

    const raised = await sessions.supervisor.request<{ thresholds: Limits }>('PUT', THRESHOLDS, { body: { hihi: 45, reason: 'new detector position' } });
    expect(raised).toMatchObject({ status: 200, body: { ok: true, thresholds: { lolo: null, lo: 10, hi: 20, hihi: 45 } } });
    // The fixed fields changed with the config: the tag the browser kept no longer matches, the new limits come.
    const fixedAfter = await sessions.viewer.request<{ points: { id: string; thresholds: Limits }[] }>('GET', '/api/v1/points?fields=fixed', { headers: { 'If-None-Match': tagBefore } });
    expect(fixedAfter.status).toBe(200);
    expect(fixedAfter.headers.get('etag')).not.toBe(tagBefore);
    expect(fixedAfter.body.points.find((point) => point.id === POINT)!.thresholds.hihi).toBe(45);
    // hi's limit did not move: still acknowledged and standing, not announced again, no state dropped
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stateOf(ALARMS.hi)).toBe('acknowledged_active');
    expect((await eventsAfter(seq)).filter((row) => row.kind === 'state_discarded' || (row.ruleId === 'hi' && row.kind === 'raised'))).toEqual([]);

    const moved = await sessions.admin.request('PUT', THRESHOLDS, { body: { hi: 30, reason: 'hi above the working level' } });
    expect(moved.status).toBe(200);
    // hi moved above the gas (25): the next readings clear it, as the engine clears any alarm
    await waitFor('hi cleared against its new limit', () => stateOf(ALARMS.hi) === 'normal');
    const hiRows = await waitFor('the clear committed', async () => {
      const rows = (await eventsAfter(seq)).filter((row) => row.ruleId === 'hi');
      return rows.length > 0 && rows;
    });
    expect(hiRows.map((row) => [row.kind, row.who, row.stateAfter])).toEqual([[expect.not.stringMatching(/state_discarded/), 'engine', 'normal']]);

    const back = await sessions.supervisor.request('PUT', THRESHOLDS, { body: { hi: null, reason: 'back to the design value' } });
    expect(back).toMatchObject({ status: 200, body: { thresholds: { hi: 20, hihi: 45 } } });
    await waitFor('hi raised again at its design limit', () => stateOf(ALARMS.hi) === 'unacknowledged_active');

    const rows = (await auditRowsAfter(web.agent, audit)).filter((row) => row.action === 'threshold_change');
    expect(rows.map((row) => [row.who, row.target, row.details])).toEqual([
      ['sup', POINT, { result: 'accepted', reason: 'new detector position', role: 'supervisor', changes: [{ limit: 'hihi', old: 40, new: 45 }] }],
      ['root', POINT, { result: 'accepted', reason: 'hi above the working level', role: 'admin', changes: [{ limit: 'hi', old: 20, new: 30 }] }],
      ['sup', POINT, { result: 'accepted', reason: 'back to the design value', role: 'supervisor', changes: [{ limit: 'hi', old: 30, new: 20 }] }],
    ]);
    const reloads = (await web.agent.reader.auditRows({ afterSeq: audit })).filter((row) => row.action === 'config_reload');
    expect(reloads.map((row) => [row.details?.['trigger'], row.details?.['limitsMoved'], row.details?.['skipped']])).toEqual([
      ['threshold change by sup', [POINT], []],
      ['threshold change by root', [POINT], []],
      ['threshold change by sup', [POINT], []],
    ]);
  }, 60_000);

  it('shows the limits in force in points, trends and the regulator points, and the overrides with their history', async () => {
    const expected = { lolo: null, lo: 10, hi: 20, hihi: 45 };
    expect(await pointLimits()).toEqual(expected);
    const now = Date.now();
    const trend = await sessions.viewer.request<{ series: { limits: Limits }[] }>('GET', `/api/v1/trends?points=${POINT}&from=${now - 600_000}&to=${now}`);
    expect(trend.status).toBe(200);
    expect(trend.body.series[0]!.limits).toEqual(expected);
    const secret = (await sessions.admin.request<{ secret: string }>('POST', '/api/v1/tokens', { body: { name: 'bureau' } })).body.secret;
    const regulator = new WebClient(web.base, document);
    const pulled = await regulator.request<{ points: { id: string; thresholds: Limits }[] }>('GET', '/api/v1/points', { headers: { Authorization: `Bearer ${secret}` } });
    expect(pulled.body.points.find((point) => point.id === POINT)!.thresholds).toEqual(expected);

    const changes = await sessions.supervisor.request<{ inForce: unknown[]; history: unknown[] }>('GET', '/api/v1/threshold-changes');
    expect(changes.status).toBe(200);
    expect(changes.body.inForce).toEqual([{ pointId: POINT, limit: 'hihi', value: 45, configValue: 40, by: 'sup', at: expect.any(Number), reason: 'new detector position' }]);
    expect(changes.body.history).toEqual([
      expect.objectContaining({ limit: 'hi', old: 30, new: 20, who: 'sup', kind: 'removed' }),
      expect.objectContaining({ limit: 'hi', old: 20, new: 30, who: 'root', kind: 'changed', why: 'hi above the working level' }),
      expect.objectContaining({ limit: 'hihi', old: 40, new: 45, who: 'sup', kind: 'changed' }),
    ]);
    const file = JSON.parse(readFileSync(thresholdOverrideFile(web.plant.config.store.path), 'utf8')) as { overrides: unknown[] };
    expect(file.overrides).toEqual(changes.body.inForce);
  });

  it('refuses a limit the point lacks, a broken order, a value off the range, nothing to change: 409, audited, nothing changes', async () => {
    const before = await pointLimits();
    const audit = await lastAuditSeq(web.agent);
    const refusals: [Record<string, unknown>, RegExp, string][] = [
      [{ lolo: 1 }, /no lolo limit/, 'limit_absent'],
      [{ lo: 25 }, /lo \(25\) must be below hi \(20\)/, 'limits_out_of_order'],
      [{ hihi: 150 }, /hihi \(150\) is outside the point's range 0\.\.100/, 'limit_out_of_range'],
      [{ lo: null }, /no override to remove/, 'no_override'],
      [{ hi: 20 }, /nothing changes/, 'nothing_changes'],
    ];
    for (const [limits, reason, code] of refusals) {
      const answer = await sessions.admin.request('PUT', THRESHOLDS, { body: { ...limits, reason: 'try' } });
      expect(answer, JSON.stringify(limits)).toMatchObject({ status: 409, body: { error: { code: 'HAZMON_API_REFUSED', message: expect.stringMatching(reason), refusal: { code } } } });
    }
    const rows = await auditRowsAfter(web.agent, audit);
    expect(rows.map((row) => [row.action, row.details?.['result'], row.details?.['asked']])).toEqual(refusals.map(([limits]) => ['threshold_change', 'refused', limits]));
    expect(await pointLimits()).toEqual(before);
    const unknown = await sessions.admin.request('PUT', `/api/v1/points/${encodeURIComponent('GD-9.concentration')}/thresholds`, { body: { hi: 5, reason: 'x' } });
    expect(unknown).toMatchObject({ status: 404, body: { error: { field: 'pointId' } } });
  });
});

describe('the route x role matrix of the thresholds and users routes', () => {
  const routes = [
    { method: 'PUT', path: THRESHOLDS, body: { hi: 21, reason: 'matrix' }, roles: ['supervisor', 'admin'] },
    { method: 'GET', path: '/api/v1/threshold-changes', roles: ['supervisor', 'admin'] },
    { method: 'GET', path: '/api/v1/users', roles: ['admin'] },
  ] as const;

  it('401 without a session; 403 for a role that may not (no audit row, nothing changes); 200 for one that may', async () => {
    const anonymous = new WebClient(web.base, document);
    for (const route of routes) {
      const answer = await anonymous.request(route.method, route.path, 'body' in route ? { body: route.body } : {});
      expect(answer, route.path).toMatchObject({ status: 401, body: { error: { code: 'HAZMON_API_UNAUTHENTICATED' } } });
    }
    for (const role of ROLE_NAMES) {
      for (const route of routes) {
        const marks = await peoplesMarks(web.agent);
        const limits = await pointLimits();
        // each allowed PUT moves hi away from 21 and back, so every role's call changes something
        const body = 'body' in route ? { body: { ...route.body, hi: limits.hi === 21 ? 20 : 21 } } : {};
        const answer = await sessions[role].request(route.method, route.path, body);
        const what = `${role}: ${route.method} ${route.path}`;
        if (!(route.roles as readonly string[]).includes(role)) {
          expect(answer, what).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_FORBIDDEN', field: 'role' } } });
          await expectNoMarks(web.agent, marks);
          expect(await pointLimits()).toEqual(limits);
          continue;
        }
        expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(200);
        const rows = await auditRowsAfter(web.agent, marks.audit);
        expect(rows.map((row) => [row.action, row.who])).toEqual(route.method === 'PUT' ? [['threshold_change', USERS[role].name]] : []);
      }
    }
    // the agent checks the role itself too, and audits the refusal
    const auditBefore = await lastAuditSeq(web.agent);
    const refused = await web.agent.changeThresholds(POINT, { hi: 22, reason: 'x' }, { authenticated: { name: 'op', role: 'operator' } });
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/role operator; changing a threshold needs supervisor or admin/) });
    expect((await auditRowsAfter(web.agent, auditBefore)).map((row) => [row.action, row.who, row.details?.['result'], row.details?.['role']])).toEqual([
      ['threshold_change', 'op', 'refused', 'operator'],
    ]);
  }, 60_000);

  it('GET /api/v1/users lists the users with their roles, never a hash, and what each role may do', async () => {
    const answer = await sessions.admin.request<{ users: unknown[]; permissions: { duty: string; roles: string[] }[] }>('GET', '/api/v1/users');
    expect(answer.body.users).toEqual(
      expect.arrayContaining([
        { name: 'op', role: 'operator' },
        { name: 'root', role: 'admin' },
        { name: 'sup', role: 'supervisor' },
        { name: 'view', role: 'viewer' },
      ]),
    );
    expect(JSON.stringify(answer.body)).not.toMatch(/scrypt|passwordHash/);
    expect(answer.body.permissions).toContainEqual({ key: 'changeThresholds', duty: expect.stringMatching(/change a point's limits/), roles: ['supervisor', 'admin'] });
    expect(answer.body.permissions).toContainEqual({ key: 'handleAlarms', duty: expect.stringMatching(/acknowledge/), roles: ['operator', 'supervisor', 'admin'] });
  });
});

describe('the request body', () => {
  const limitNames = ['lolo', 'lo', 'hi', 'hihi'] as const;
  const badLimit = fc.oneof(
    fc.string(),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
    fc.double({ min: 1e9, noNaN: true, noDefaultInfinity: true }).filter((value) => value > 1e9),
    fc.constantFrom(1e308, -1e308, -2e9),
  );
  const badReason = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(''), fc.stringMatching(/^[ \t\n]{1,10}$/), fc.string({ minLength: 501, maxLength: 2000 }));
  const validReason = fc.string({ minLength: 1, maxLength: 500 }).filter((text) => text.trim().length > 0);
  const broken = fc.oneof(
    fc.tuple(fc.constantFrom(...limitNames), badLimit, validReason).map(([limit, value, reason]) => ({ body: { [limit]: value, reason } as unknown, field: limit })),
    badReason.map((reason) => ({ body: { hi: 21, reason } as unknown, field: 'reason' })),
    fc.constant({ body: { hi: 21 } as unknown, field: 'reason' }),
    fc.constant({ body: { reason: 'no limit given' } as unknown, field: 'body' }),
    fc
      .tuple(
        fc.string({ minLength: 1, maxLength: 20 }).filter((name) => ![...limitNames, 'reason'].includes(name as never)),
        fc.jsonValue(),
      )
      .map(([name, value]) => ({ body: { hi: 21, reason: 'x', [name]: value } as unknown, field: name })),
    fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)).map((body) => ({ body, field: 'body' })),
  );

  it('one broken field is a 400 naming it, never a 5xx, and nothing changes', async () => {
    const marks = await peoplesMarks(web.agent);
    const limits = await pointLimits();
    await fc.assert(
      fc.asyncProperty(broken, async ({ body, field }) => {
        const answer = await sessions.admin.request('PUT', THRESHOLDS, { rawBody: JSON.stringify(body) });
        const what = JSON.stringify(body).slice(0, 200);
        expect(answer.status, what).toBe(400);
        expect(answer.body, what).toMatchObject({ error: { code: 'HAZMON_API_INVALID', message: expect.any(String), field } });
      }),
      { numRuns: 80 },
    );
    await expectNoMarks(web.agent, marks);
    expect(await pointLimits()).toEqual(limits);
  }, 60_000);
});

describe('over a restart and a config file change', () => {
  it('keeps the override over a restart; a config file change to the same limit retires it, audited', async () => {
    web = await web.restart();
    await signIn();
    expect((await pointLimits()).hihi).toBe(45);
    const audit = await lastAuditSeq(web.agent);
    const file = join(web.plant.dir, 'site.yaml');
    const edited = withRange(await webConfigYaml(web.plant.yaml)).replace('limits: { lo: 10, hi: 20, hihi: 40 }', 'limits: { lo: 10, hi: 20, hihi: 50 }');
    expect(edited).toContain('hihi: 50');
    writeFileSync(file, edited);
    await web.agent.reload(parseAgentConfig(edited, file), 'test');
    // A trend first after the reload works out its point's facts alone: the same as the whole plant's, the new limit.
    const now = Date.now();
    const trend = await sessions.viewer.request<{ series: { unit: string | null; limits: Limits; freshForMs: number | null }[] }>(
      'GET',
      `/api/v1/trends?points=${POINT}&from=${now - 600_000}&to=${now}`,
    );
    expect(trend.status).toBe(200);
    expect((await pointLimits()).hihi).toBe(50);
    const point = (await sessions.viewer.request<{ points: { id: string; unit: string | null; thresholds: Limits; freshForMs: number | null }[] }>('GET', '/api/v1/points')).body.points.find(
      (entry) => entry.id === POINT,
    )!;
    expect(trend.body.series[0]).toMatchObject({ unit: point.unit, limits: point.thresholds, freshForMs: point.freshForMs });
    expect(trend.body.series[0]!.limits.hihi).toBe(50);
    expect(trend.body.series[0]!.freshForMs).toBe(web.agent.pointFreshness().get(POINT));
    const changes = await sessions.admin.request<{ inForce: { limit: string }[]; history: { kind: string; limit: string; old: number; new: number }[] }>('GET', '/api/v1/threshold-changes');
    expect(changes.body.inForce.map((override) => override.limit)).not.toContain('hihi');
    expect(changes.body.history[0]).toMatchObject({ kind: 'retired', limit: 'hihi', old: 45, new: 50, who: 'hazmon' });
    const retired = (await web.agent.reader.auditRows({ afterSeq: audit })).filter((row) => row.action === 'threshold_override_retired');
    expect(retired).toEqual([expect.objectContaining({ who: 'hazmon', target: POINT, details: expect.objectContaining({ limit: 'hihi', value: 45, configValue: 40, valueInForce: 50 }) })]);
  }, 90_000);

  it('draws the trend with the limits as they were: those at the range start and each change in it with who and why, over the restart', async () => {
    type Change = { time: number; limit: string; old: number | null; new: number | null; who: string; why: string; kind: string };
    type LimitTrend = { series: { limits: Limits; limitsAtFrom: Limits; limitChanges: Change[]; limitsRecordedFrom: number | null }[] };
    const trendOver = async (from: number, to: number) => {
      const answer = await sessions.viewer.request<LimitTrend>('GET', `/api/v1/trends?points=${POINT}&from=${from}&to=${to}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.series[0]!;
    };
    const history = (await sessions.supervisor.request<{ history: Change[] }>('GET', '/api/v1/threshold-changes')).body.history.reverse();
    const whole = await trendOver(startedAt - 60_000, Date.now() + 1000);
    expect(whole.limits).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 50 });
    expect(whole.limitsAtFrom).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 40 });
    expect(whole.limitsRecordedFrom).toBeNull();
    // Every change the record holds, in order, each with who and why: the people's (the role matrix's hi 21 and back
    // among them) and the agent's retirement of hihi 45 when the file's 50 took over.
    const fields = ({ time, limit, old, new: value, who, why, kind }: Change) => ({ time, limit, old, new: value, who, why, kind });
    expect(whole.limitChanges).toEqual(history.map(fields));
    expect(whole.limitChanges[0]).toMatchObject({ limit: 'hihi', old: 40, new: 45, who: 'sup', kind: 'changed', why: 'new detector position' });
    expect(whole.limitChanges[1]).toMatchObject({ limit: 'hi', old: 20, new: 30, who: 'root', kind: 'changed', why: 'hi above the working level' });
    expect(whole.limitChanges.at(-1)).toMatchObject({ limit: 'hihi', old: 45, new: 50, who: 'hazmon', kind: 'retired', why: expect.stringContaining('hihi changed from 40 to 50') });
    // A range from the admin's change on (the shortest, a minute): hihi was 45 at its start, and a change at its start is in it.
    const from = history[1]!.time;
    const inner = await trendOver(from, from + 60_000);
    expect(inner.limitsAtFrom).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 45 });
    const inRange = history.slice(1).filter((entry) => entry.time < from + 60_000);
    expect(inner.limitChanges.map((change) => [change.limit, change.old, change.new])).toEqual(inRange.map((entry) => [entry.limit, entry.old, entry.new]));
    expect(inner.limitChanges.slice(0, 2).map((change) => [change.limit, change.old, change.new])).toEqual([
      ['hi', 20, 30],
      ['hi', 30, 20],
    ]);
    // Last week's trend: no change in it, the limits then were the config file's.
    const before = await trendOver(startedAt - 7 * 86_400_000, startedAt);
    expect(before).toMatchObject({ limitsAtFrom: { hi: 20, hihi: 40 }, limitChanges: [], limitsRecordedFrom: null });
  });
});
