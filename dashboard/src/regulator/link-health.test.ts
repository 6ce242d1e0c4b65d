/** Link health per device and UTC day: online, offline and unmonitored hours and disconnections cut at day boundaries, readings against expected. */
import type { AggregateRow, AlarmEventRow } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { linkHealth } from './link-health.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
let seq = 0;
const comms = (pointId: string, time: number, active: boolean): AlarmEventRow => ({
  seq: ++seq,
  writtenAt: time,
  time,
  pointId,
  ruleId: 'comms_loss',
  kind: active ? 'raised' : 'cleared',
  stateAfter: active ? 'unacknowledged_active' : 'unacknowledged_returned',
  details: { conditionActive: active },
});
const counted = (pointId: string, start: number, count: number, goodCount: number): AggregateRow => ({ pointId, start, end: start + DAY, min: 0, avg: 0, max: 0, count, goodCount, completeness: 0 });

describe('linkHealth', () => {
  it('splits a loss across midnight between the two days, counting it once where it began; readings against day / poll interval', () => {
    const days = linkHealth({
      from: 0,
      to: 2 * DAY,
      now: 10 * DAY,
      dayMs: DAY,
      devices: ['GD-1'],
      pointsOf: new Map([
        [
          'GD-1',
          [
            { pointId: 'GD-1.a', pollIntervalMs: 60_000 },
            { pointId: 'GD-1.b', pollIntervalMs: 600_000 },
          ],
        ],
      ]),
      comms: [comms('GD-1', DAY - 2 * HOUR, true), comms('GD-1', DAY + HOUR, false)],
      aggregates: [counted('GD-1.a', 0, 1440, 1300), counted('GD-1.b', 0, 144, 144), counted('GD-1.a', DAY, 720, 720)],
      unseen: new Map(),
    });
    expect(days).toEqual([
      {
        deviceId: 'GD-1',
        day: '1970-01-01',
        onlineHours: 22,
        offlineHours: 2,
        unmonitoredHours: 0,
        disconnections: 1,
        readingsReceived: 1584,
        readingsGood: 1444,
        readingsExpected: 1584,
        completeness: 1444 / 1584,
      },
      {
        deviceId: 'GD-1',
        day: '1970-01-02',
        onlineHours: 23,
        offlineHours: 1,
        unmonitoredHours: 0,
        disconnections: 0,
        readingsReceived: 720,
        readingsGood: 720,
        readingsExpected: 1584,
        completeness: 720 / 1584,
      },
    ]);
  });

  it('counts a day only up to now, and a day after now as nothing expected', () => {
    const [today, tomorrow] = linkHealth({
      from: 0,
      to: 2 * DAY,
      now: 6 * HOUR,
      dayMs: DAY,
      devices: ['GD-1'],
      pointsOf: new Map([['GD-1', [{ pointId: 'GD-1.a', pollIntervalMs: HOUR }]]]),
      comms: [],
      aggregates: [],
      unseen: new Map(),
    });
    expect(today).toMatchObject({ onlineHours: 6, readingsExpected: 6, readingsReceived: 0, completeness: 0 });
    expect(tomorrow).toMatchObject({ onlineHours: 0, readingsExpected: 0, completeness: null });
  });

  it('counts time without readings as unmonitored, not online, split at midnight; within a comms loss it stays offline only', () => {
    const health = (comms: AlarmEventRow[], unseen: { start: number; end: number }[], now: number) =>
      linkHealth({
        from: 0,
        to: 2 * DAY,
        now,
        dayMs: DAY,
        devices: ['GD-1'],
        pointsOf: new Map([['GD-1', [{ pointId: 'GD-1.a', pollIntervalMs: 60_000 }]]]),
        comms,
        aggregates: [],
        unseen: new Map([['GD-1', unseen]]),
      }).map(({ deviceId, day, onlineHours, offlineHours, unmonitoredHours, disconnections }) => ({ deviceId, day, onlineHours, offlineHours, unmonitoredHours, disconnections }));
    // A loss stood when the gateway stopped (11 h) and was cleared when it came back (15 h); stopped again 20 h to 02 h.
    expect(
      health(
        [comms('GD-1', 10 * HOUR, true), comms('GD-1', 15 * HOUR, false)],
        [
          { start: 11 * HOUR, end: 15 * HOUR },
          { start: 20 * HOUR, end: DAY + 2 * HOUR },
        ],
        10 * DAY,
      ),
    ).toEqual([
      { deviceId: 'GD-1', day: '1970-01-01', onlineHours: 15, offlineHours: 5, unmonitoredHours: 4, disconnections: 1 },
      { deviceId: 'GD-1', day: '1970-01-02', onlineHours: 22, offlineHours: 0, unmonitoredHours: 2, disconnections: 0 },
    ]);
    // A loss still standing at now covers the silence after it: offline, not unmonitored.
    expect(health([comms('GD-1', HOUR, true)], [{ start: 2 * HOUR, end: 6 * HOUR }], 6 * HOUR)[0]).toEqual({
      deviceId: 'GD-1',
      day: '1970-01-01',
      onlineHours: 1,
      offlineHours: 5,
      unmonitoredHours: 0,
      disconnections: 1,
    });
  });
});
