/**
 * Detector upkeep, link health, the shift report and the API docs on the real server in the real agent on the
 * simulated plant (real DuckDB file): upkeep records stored as `upkeep` alarm events before the answer and audited,
 * due dates from the config's intervals or as entered, overdue flags, the Midas's sensor life; link health per device
 * and day from the comms_loss events and the daily aggregates; the shift report's parts from the stored events; the
 * route x role matrix; /api/docs listing every path of the document.
 */
import { join } from 'node:path';
import { parseAgentConfig, UPKEEP_RULE } from '@hazmon/agent';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { activationEvents, DAY_MS, expectRoleMatrix, expectUnauthenticated, GAS, gasSpike, type MatrixRoute, type SignedIn, startSignedIn } from './history-fixture.ts';
import { ALARMS, auditRowsAfter, lastAuditSeq } from './web-fixture.ts';

const DETECTOR_LINE = '  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1 }';
const withIntervals = (yaml: string) => {
  expect(yaml).toContain(DETECTOR_LINE);
  return yaml.replace(DETECTOR_LINE, '  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1, upkeep: { bumpTestDays: 30, calibrationDays: 180 } }');
};

let signedIn: SignedIn;
const upkeepPath = (deviceId: string) => `/api/v1/devices/${encodeURIComponent(deviceId)}/upkeep`;

interface Due {
  last: { kind: string; at: number; result: string; who: string | null; nextDue: number | null } | null;
  nextDue: number | null;
  overdue: boolean;
}
interface UpkeepList {
  detectors: { deviceId: string; model: string; intervals: { bumpTestDays: number | null; calibrationDays: number | null }; bumpTest: Due; calibration: Due; sensorLifeHours: number | null }[];
  records: { seq: number; deviceId: string; kind: string; at: number; result: string; who: string | null }[];
}

async function upkeep(): Promise<UpkeepList> {
  const answer = await signedIn.sessions.viewer.request<UpkeepList>('GET', '/api/v1/upkeep');
  expect(answer.status).toBe(200);
  return answer.body;
}

beforeAll(async () => {
  signedIn = await startSignedIn(withIntervals);
  await gasSpike(signedIn.web, signedIn.startedAt);
}, 90_000);

afterAll(async () => {
  await signedIn?.web.close();
});

describe('detector upkeep', () => {
  it('stores a bump test as an `upkeep` alarm event before answering, audits it, and dates the next one from the interval', async () => {
    const { web, sessions } = signedIn;
    const before = await lastAuditSeq(web.agent);
    const at = Date.now() - 3_600_000;
    const record = { kind: 'bump_test', at, result: 'pass', notes: 'test gas 50 %LEL CH4, alarms 1 and 2 sounded' };
    expect(await sessions.operator.request('POST', upkeepPath('GD-1'), { body: record })).toMatchObject({ status: 200, body: { ok: true } });
    // Committed when the answer came: read straight from the store, no waiting.
    const [stored] = await web.agent.reader.ruleHistory(UPKEEP_RULE, 0, Number.MAX_SAFE_INTEGER);
    expect(stored).toMatchObject({ pointId: 'GD-1', ruleId: UPKEEP_RULE, kind: 'bump_test', stateAfter: 'pass', who: 'op', details: { at, result: 'pass', notes: record.notes, nextDue: null } });
    expect(await auditRowsAfter(web.agent, before)).toEqual([
      expect.objectContaining({ action: 'device_upkeep', target: 'GD-1', who: 'op', details: expect.objectContaining({ result: 'accepted', role: 'operator', record }) }),
    ]);
    // No step of an alarm's life cycle: a restart takes back no state from it.
    expect((await web.agent.reader.latestAlarmStates()).some((row) => row.ruleId === UPKEEP_RULE)).toBe(false);

    const list = await upkeep();
    const gd1 = list.detectors.find((detector) => detector.deviceId === 'GD-1')!;
    expect(list.detectors.map((detector) => detector.deviceId)).toEqual(['GD-1']);
    expect(gd1).toMatchObject({ model: 'honeywell-midas', intervals: { bumpTestDays: 30, calibrationDays: 180 } });
    expect(gd1.bumpTest).toMatchObject({ last: { kind: 'bump_test', at, result: 'pass', who: 'op' }, nextDue: at + 30 * DAY_MS, overdue: false });
    // A calibration interval is set and none was ever recorded: overdue, not "all clear".
    expect(gd1.calibration).toEqual({ last: null, nextDue: null, overdue: true });
    expect(list.records[0]).toMatchObject({ seq: stored!.seq, deviceId: 'GD-1', kind: 'bump_test' });
  });

  it('takes a due date as entered, marks a calibration past its interval overdue, and a failed bump test due at once', async () => {
    const { sessions } = signedIn;
    const old = Date.now() - 200 * DAY_MS;
    expect((await sessions.supervisor.request('POST', upkeepPath('GD-1'), { body: { kind: 'calibration', at: old, result: 'adjusted' } })).status).toBe(200);
    let gd1 = (await upkeep()).detectors[0]!;
    expect(gd1.calibration).toMatchObject({ last: { at: old, result: 'adjusted', who: 'sup' }, nextDue: old + 180 * DAY_MS, overdue: true });

    const at = Date.now() - 60_000;
    const nextDue = at + 90 * DAY_MS;
    expect((await sessions.admin.request('POST', upkeepPath('GD-1'), { body: { kind: 'calibration', at, result: 'pass', nextDue } })).status).toBe(200);
    gd1 = (await upkeep()).detectors[0]!;
    expect(gd1.calibration).toMatchObject({ last: { at, nextDue }, nextDue, overdue: false });

    expect((await sessions.operator.request('POST', upkeepPath('GD-1'), { body: { kind: 'bump_test', at, result: 'fail', notes: 'no alarm at 50 %LEL' } })).status).toBe(200);
    gd1 = (await upkeep()).detectors[0]!;
    expect(gd1.bumpTest).toMatchObject({ last: { result: 'fail' }, nextDue: at, overdue: true });
  });

  it("gives the Midas's remaining cell life (register 40009) in the list and in the regulator's devices", async () => {
    const { sessions } = signedIn;
    // The simulated Midas reports 8760 h; the register is polled once a minute.
    await waitFor('cell life read', async () => (await upkeep()).detectors[0]!.sensorLifeHours === 8760, { timeoutMs: 90_000 });
    const devices = await sessions.viewer.request<{
      devices: { id: string; sensorLifeHours: number | null; faults: unknown[]; upkeep: { bumpTestDue: number | null; calibrationDue: number | null; overdue: boolean } | null }[];
    }>('GET', '/api/v1/devices');
    const gd1 = devices.body.devices.find((device) => device.id === 'GD-1')!;
    const xv1 = devices.body.devices.find((device) => device.id === 'XV-1')!;
    const listed = (await upkeep()).detectors[0]!;
    expect(gd1).toMatchObject({ sensorLifeHours: 8760, upkeep: { bumpTestDue: listed.bumpTest.nextDue, calibrationDue: listed.calibration.nextDue, overdue: true } });
    expect(gd1.faults).toEqual([]);
    // A shut-off valve is not a detector.
    expect(xv1).toMatchObject({ sensorLifeHours: null, upkeep: null });
  }, 120_000);

  it('refuses a device that is no detector (404 naming deviceId), a time in the future and a due date before it (400 naming the field): nothing stored or audited', async () => {
    const { web, sessions } = signedIn;
    const before = await lastAuditSeq(web.agent);
    const stored = (await web.agent.reader.ruleHistory(UPKEEP_RULE, 0, Number.MAX_SAFE_INTEGER)).length;
    const valid = { kind: 'bump_test', at: Date.now() - 60_000, result: 'pass' };
    for (const deviceId of ['XV-1', 'GD-9']) {
      expect(await sessions.admin.request('POST', upkeepPath(deviceId), { body: valid })).toMatchObject({ status: 404, body: { error: { code: 'HAZMON_API_NOT_FOUND', field: 'deviceId' } } });
    }
    expect(await sessions.admin.request('POST', upkeepPath('GD-1'), { body: { ...valid, at: Date.now() + DAY_MS } })).toMatchObject({ status: 400, body: { error: { field: 'at' } } });
    expect(await sessions.admin.request('POST', upkeepPath('GD-1'), { body: { ...valid, nextDue: valid.at } })).toMatchObject({ status: 400, body: { error: { field: 'nextDue' } } });
    expect(await sessions.admin.request('GET', '/api/v1/upkeep?device=XV-1')).toMatchObject({ status: 404, body: { error: { field: 'device' } } });
    expect(await web.agent.reader.ruleHistory(UPKEEP_RULE, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(stored);
    expect(await auditRowsAfter(web.agent, before)).toEqual([]);
  });

  it('refuses upkeep intervals that are no whole number of days, naming the field', () => {
    const yaml = signedIn.web.plant.yaml.replace(DETECTOR_LINE, '  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1, upkeep: { bumpTestDays: 0.5 } }');
    expect(() => parseAgentConfig(yaml, join(signedIn.web.plant.dir, 'site.yaml'))).toThrow(/devices\[0\]\.upkeep\.bumpTestDays/);
  });
});

interface LinkHealth {
  days: {
    deviceId: string;
    day: string;
    onlineHours: number;
    offlineHours: number;
    unmonitoredHours: number;
    disconnections: number;
    readingsReceived: number;
    readingsGood: number;
    readingsExpected: number;
    completeness: number | null;
  }[];
}

describe('GET /api/v1/link-health', () => {
  const today = () => Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const iso = (time: number) => new Date(time).toISOString();

  it('gives each device per UTC day its online hours, disconnections and readings received against expected', async () => {
    const { web, sessions } = signedIn;
    web.plant.site.setCommsFault('GD-1', 'garbled');
    await waitFor('GD-1 in comms loss', () => web.agent.stats().devicesInCommsLoss.includes('GD-1'), { timeoutMs: 20_000 });
    web.plant.site.setCommsFault('GD-1', 'none');
    await waitFor('GD-1 back', () => !web.agent.stats().devicesInCommsLoss.includes('GD-1'), { timeoutMs: 30_000 });
    const start = today();
    const answer = await sessions.viewer.request<LinkHealth>('GET', `/api/v1/link-health?from=${iso(start - DAY_MS)}&to=${iso(start + DAY_MS)}`);
    expect(answer.status).toBe(200);
    const day = iso(start).slice(0, 10);
    const gd1 = answer.body.days.find((row) => row.deviceId === 'GD-1' && row.day === day)!;
    const xv1 = answer.body.days.find((row) => row.deviceId === 'XV-1' && row.day === day)!;
    expect(gd1.disconnections).toBe(1);
    expect(gd1.offlineHours).toBeGreaterThan(0);
    expect(gd1.onlineHours + gd1.offlineHours + gd1.unmonitoredHours).toBeCloseTo((Date.now() - start) / 3_600_000, 1);
    // Before the agent first started today it read nothing: unmonitored, not online.
    expect(gd1.unmonitoredHours).toBeCloseTo((Math.max(signedIn.startedAt, start) - start) / 3_600_000, 1);
    for (const row of [gd1, xv1]) {
      expect(row.readingsReceived).toBeGreaterThan(0);
      expect(row.readingsExpected).toBeGreaterThan(0);
      expect(row.completeness).toBeGreaterThan(0);
      expect(row.completeness).toBeLessThanOrEqual(1);
    }
    // Yesterday the plant did not run: nothing received, everything expected missing, no hour of it online.
    expect(answer.body.days.find((row) => row.deviceId === 'GD-1' && row.day !== day)).toMatchObject({
      readingsReceived: 0,
      completeness: 0,
      disconnections: 0,
      onlineHours: 0,
      offlineHours: 0,
      unmonitoredHours: 24,
    });
  }, 90_000);

  it('answers a regulator token too', async () => {
    const { web, sessions } = signedIn;
    const { secret } = (await sessions.admin.request<{ secret: string }>('POST', '/api/v1/tokens', { body: { name: 'bureau' } })).body;
    const answer = await fetch(`${web.base}/api/v1/link-health?from=${iso(today())}&to=${iso(today() + DAY_MS)}`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(answer.status).toBe(200);
  });

  it('refuses a range that is not whole UTC days, ends before it starts or spans more than 366 days, naming the field; any params: 200 or a 400 naming one', async () => {
    const { sessions } = signedIn;
    const start = today();
    const cases = [
      [`from=${iso(start + 1000)}&to=${iso(start + DAY_MS)}`, 'from'],
      [`from=${iso(start)}&to=${iso(start + DAY_MS + 1000)}`, 'to'],
      [`from=${iso(start)}&to=${iso(start)}`, 'to'],
      [`from=${iso(start - 367 * DAY_MS)}&to=${iso(start)}`, 'to'],
      [`from=${iso(start)}`, 'to'],
      [`from=yesterday&to=${iso(start)}`, 'from'],
    ] as const;
    for (const [query, field] of cases) {
      expect(await sessions.viewer.request('GET', `/api/v1/link-health?${query}`), query).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field } } });
    }
    const value = fc.oneof(
      fc.string(),
      fc.integer({ min: -400, max: 400 }).map((days) => iso(start + days * DAY_MS)),
      fc.integer().map((offset) => iso(start + offset)),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.oneof(fc.constantFrom('from', 'to'), fc.string({ minLength: 1, maxLength: 8 })), value, { maxKeys: 4 }), async (params) => {
        const search = new URLSearchParams(params).toString();
        const answer = await sessions.viewer.request<{ error?: { field?: string } }>('GET', `/api/v1/link-health?${search}`);
        if (answer.status === 200) return;
        expect(answer.status, search).toBe(400);
        expect([...Object.keys(params), 'from', 'to'], search).toContain(answer.body.error?.field);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe('GET /api/v1/link-health across a gateway stop', () => {
  const HOUR_MS = 3_600_000;
  const MINUTE_MS = 60_000;
  /** The first run's gateway clock lags by this: its rows lie this far before the restart, as if the gateway had been off. */
  const LAG_MS = 30 * MINUTE_MS;
  /** A reading counts from its minute's start until its end plus the poll interval; starts and stops take some seconds. */
  const SLACK_MS = 3 * MINUTE_MS;
  let stopped: SignedIn | undefined;

  afterAll(async () => {
    await stopped?.web.close();
  });

  it('counts the time the gateway was not running as unmonitored, not online, from the rows in the DuckDB file after a restart', async () => {
    stopped = await startSignedIn(undefined, { agent: { now: () => Date.now() - LAG_MS } });
    const from = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
    const range = `/api/v1/link-health?from=${new Date(from).toISOString()}&to=${new Date(from + 2 * DAY_MS).toISOString()}`;
    const totals = (health: LinkHealth, deviceId: string) => {
      const rows = health.days.filter((row) => row.deviceId === deviceId);
      const sum = (field: 'onlineHours' | 'offlineHours' | 'unmonitoredHours') => rows.reduce((total, row) => total + row[field], 0) * HOUR_MS;
      return { online: sum('onlineHours'), offline: sum('offlineHours'), unmonitored: sum('unmonitoredHours') };
    };
    const stoppedAt = Date.now();
    const web = await stopped.web.restart();
    stopped = { ...stopped, web };
    const restartedAt = Date.now();
    await waitFor('a reading of the restarted agent stored', async () => (await web.agent.reader.readings(GAS, restartedAt - 10_000, Date.now() + 1000)).rows.length > 0);
    const answer = await (await stopped.sessions.viewer.movedTo(web.base)).request<LinkHealth>('GET', range);
    const askedAt = Date.now();
    expect(answer.status).toBe(200);
    // Read: from the first start (its clock LAG_MS behind) to the stop, and from the restart on.
    const ranMs = stoppedAt - stopped.startedAt + (askedAt - restartedAt);
    for (const deviceId of ['GD-1', 'XV-1']) {
      const { online, offline, unmonitored } = totals(answer.body, deviceId);
      expect(Math.abs(online + offline - ranMs), deviceId).toBeLessThan(SLACK_MS);
      expect(Math.abs(unmonitored - (askedAt - from - ranMs)), deviceId).toBeLessThan(SLACK_MS);
      expect(online + offline + unmonitored, deviceId).toBeCloseTo(askedAt - from, -4);
    }
  }, 120_000);
});

interface ShiftReport {
  raised: { total: number; byPriority: Record<string, number> };
  acknowledgements: { alarmId: string; who: string | null; secondsToAcknowledge: number | null }[];
  handling: { alarmId: string; who: string | null; result: string }[];
  modeChanges: { alarmId: string; kind: string; who: string | null; reason: string | null }[];
  actions: { kind: string; actionId: string | null; alarmId: string }[];
  upkeep: { deviceId: string; kind: string; who: string | null }[];
  commsLosses: { deviceId: string; disconnections: number }[];
  points: { pointId: string; max: number | null; count: number }[];
  standing: { alarmId: string; mode: string }[];
}

describe('GET /api/v1/shift-report', () => {
  it('gives the range: alarms raised by priority, acknowledgements with who and how long, handling, mode changes, shut-offs, comms losses, point figures, standing alarms', async () => {
    const { web, sessions } = signedIn;
    const alarmPath = (alarmId: string, word: string) => `/api/v1/alarms/${encodeURIComponent(alarmId)}/${word}`;
    expect((await sessions.operator.request('POST', alarmPath(ALARMS.hihi, 'ack'), { body: { comment: 'on my way' } })).status).toBe(200);
    expect((await sessions.operator.request('POST', alarmPath(ALARMS.hihi, 'handling'), { body: { found: 'flange leak', done: 'gasket replaced', result: 'back to 0' } })).status).toBe(200);
    expect((await sessions.operator.request('POST', alarmPath(ALARMS.lo, 'shelve'), { body: { reason: 'sensor at zero', minutes: 60 } })).status).toBe(200);
    const to = Date.now() + 1000;
    const answer = await sessions.viewer.request<ShiftReport>('GET', `/api/v1/shift-report?from=${signedIn.startedAt - 60_000}&to=${to}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const report = answer.body;
    const raised = await activationEvents(web);
    expect(report.raised.total).toBe(raised.length);
    expect(report.raised.byPriority['emergency']! + report.raised.byPriority['high']! + report.raised.byPriority['medium']! + report.raised.byPriority['low']!).toBe(report.raised.total);
    expect(report.acknowledgements).toContainEqual(expect.objectContaining({ alarmId: ALARMS.hihi, who: 'op', secondsToAcknowledge: expect.any(Number) }));
    expect(report.handling).toContainEqual(expect.objectContaining({ alarmId: ALARMS.hihi, who: 'op', result: 'back to 0' }));
    expect(report.modeChanges).toContainEqual(expect.objectContaining({ alarmId: ALARMS.lo, kind: 'shelved', who: 'op', reason: 'sensor at zero' }));
    expect(report.actions).toContainEqual(expect.objectContaining({ kind: 'action_commanded', actionId: 'close-gas', alarmId: ALARMS.hihi }));
    expect(report.commsLosses.map((loss) => loss.deviceId)).toContain('GD-1');
    // The records of the upkeep tests above, entered in the range.
    expect(report.upkeep).toContainEqual(expect.objectContaining({ deviceId: 'GD-1', kind: 'bump_test', who: 'op' }));
    expect(report.points).toEqual([expect.objectContaining({ pointId: GAS, max: 45, count: expect.any(Number) })]);
    // At the end the latch's hihi (acknowledged, condition gone) is no longer active; lo stands, shelved.
    expect(report.standing).toContainEqual(expect.objectContaining({ alarmId: ALARMS.lo, mode: 'shelved' }));
  });

  it('refuses a range over 31 days or under a minute, naming to', async () => {
    const now = Date.now();
    for (const to of [now + 32 * DAY_MS, now + 1000, now - 1]) {
      expect(await signedIn.sessions.viewer.request('GET', `/api/v1/shift-report?from=${now}&to=${to}`)).toMatchObject({ status: 400, body: { error: { field: 'to' } } });
    }
  });
});

describe('GET /api/docs', () => {
  it('is an HTML page from this origin listing every route of the OpenAPI document', async () => {
    const response = await fetch(`${signedIn.web.base}/api/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const page = await response.text();
    const paths = Object.keys(signedIn.document.document.paths);
    expect(paths).toContain('/api/v1/upkeep');
    for (const path of paths) expect(page, path).toContain(path.replaceAll('&', '&amp;'));
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
  });
});

describe('the route x role matrix', () => {
  const now = () => Date.now();
  const routes: MatrixRoute[] = [
    {
      method: 'POST',
      path: upkeepPath('GD-1'),
      roles: ['operator', 'supervisor', 'admin'],
      body: () => ({ kind: 'bump_test', at: now() - 1000, result: 'pass' }),
      audit: { action: 'device_upkeep', target: 'GD-1', eventKind: 'bump_test' },
    },
    { method: 'GET', path: '/api/v1/upkeep', roles: ['viewer', 'operator', 'supervisor', 'admin'] },
    { method: 'GET', path: `/api/v1/shift-report?from=${now() - DAY_MS}&to=${now()}`, roles: ['viewer', 'operator', 'supervisor', 'admin'] },
  ];

  it('answers 401 without a session', async () => {
    await expectUnauthenticated(signedIn, routes);
  });

  it('answers 403 to a role that may not (nothing stored or audited) and 200 to one that may, a record stored and audited with the role', async () => {
    await expectRoleMatrix(signedIn, routes);
  });
});
