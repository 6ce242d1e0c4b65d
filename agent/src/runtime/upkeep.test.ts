/** Detector upkeep: which devices are detectors, next due dates from records and intervals, overdue flags, sensor life. */
import type { AlarmEventRow, LatestValue, PublicConfig } from '../index.ts';
import { describe, expect, it } from 'vitest';
import { detectorUpkeep, upkeepRecords } from './upkeep.ts';

const DAY = 86_400_000;
const device = (id: string, points: string[]) => ({ id, model: 'honeywell-midas', points: points.map((point) => ({ readingId: `${id}.${point}` })) });
const config = {
  devices: [device('GD-1', ['concentration', 'cellLifeHours']), device('GD-2', ['concentration']), device('XV-1', ['closed']), device('AI-1', ['ch1'])],
  engine: { points: [{ id: 'GD-1.concentration' }, { id: 'GD-2.concentration' }] },
  upkeep: { 'GD-1': { bumpTestDays: 30, calibrationDays: 180 }, 'AI-1': { calibrationDays: 365 } },
} as unknown as PublicConfig;

let seq = 0;
const row = (deviceId: string, kind: string, at: number, result: string, nextDue: number | null = null): AlarmEventRow => ({
  seq: ++seq,
  writtenAt: at,
  time: at + 1000,
  pointId: deviceId,
  ruleId: 'upkeep',
  kind,
  stateAfter: result,
  who: 'op',
  why: result,
  details: { at, result, notes: null, nextDue },
});
const life = (pointId: string, value: number, quality: LatestValue['quality'] = 'good'): LatestValue => ({ pointId, value, quality, reason: null, sourceTime: null, receiveTime: 1 });

describe('detectorUpkeep', () => {
  it('lists devices with a monitored point or intervals, not a valve; dates each kind from its latest record', () => {
    const now = 100 * DAY;
    const records = upkeepRecords([
      row('GD-1', 'bump_test', 90 * DAY, 'pass'),
      row('GD-1', 'bump_test', 50 * DAY, 'pass'),
      row('GD-1', 'calibration', 10 * DAY, 'adjusted'),
      row('XV-1', 'notice', 0, 'x'),
    ]);
    const [gd1, gd2, ai1] = detectorUpkeep(config, records, [life('GD-1.cellLifeHours', 1200)], now);
    expect([gd1, gd2, ai1].map((detector) => detector?.deviceId)).toEqual(['GD-1', 'GD-2', 'AI-1']);
    expect(gd1).toMatchObject({ bumpTest: { nextDue: 120 * DAY, overdue: false }, calibration: { nextDue: 190 * DAY, overdue: false }, sensorLifeHours: 1200 });
    // No interval and no record: nothing is due; an interval and no record: overdue.
    expect(gd2).toMatchObject({ bumpTest: { last: null, nextDue: null, overdue: false }, sensorLifeHours: null });
    expect(ai1).toMatchObject({ calibration: { last: null, nextDue: null, overdue: true } });
  });

  it('takes an entered due date over the interval, makes a failed test due at once, and is overdue from the due moment on', () => {
    const records = upkeepRecords([row('GD-1', 'calibration', 10 * DAY, 'pass', 20 * DAY), row('GD-1', 'bump_test', 15 * DAY, 'fail')]);
    const [atDue] = detectorUpkeep(config, records, [life('GD-1.cellLifeHours', 5, 'bad')], 20 * DAY);
    expect(atDue).toMatchObject({ calibration: { nextDue: 20 * DAY, overdue: true }, bumpTest: { nextDue: 15 * DAY, overdue: true }, sensorLifeHours: null });
    const [before] = detectorUpkeep(config, records, [], 20 * DAY - 1);
    expect(before!.calibration.overdue).toBe(false);
  });
});
