/** The alarm-system health figures on made-up event lists: the EEMUA 191 / ISA-18.2 thresholds at their edges. */
import type { AlarmEventRow } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { alarmHealth } from './alarm-health.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let seq = 0;

function event(time: number, alarmId: string, kind: string, stateAfter: string): AlarmEventRow {
  seq += 1;
  const pointId = alarmId.split('/')[0]!;
  return { seq, time, writtenAt: time, pointId, ruleId: alarmId.split('/')[1]!, kind, stateAfter, priority: 'high', who: 'engine', why: null, details: { alarmId } };
}
const raised = (time: number, alarmId: string) => event(time, alarmId, 'raised', 'unacknowledged_active');
const cleared = (time: number, alarmId: string) => event(time, alarmId, 'cleared', 'normal');

describe('alarmHealth', () => {
  it('finds a flood at 10 activations within 10 minutes and not at 9; overlapping windows are one episode', () => {
    const nine = Array.from({ length: 9 }, (_, index) => raised(index * MINUTE, `P${index}.x/hi`));
    expect(alarmHealth(nine, 0, HOUR).floods).toEqual([]);
    const twelve = Array.from({ length: 12 }, (_, index) => raised(index * 50_000, `P${index}.x/hi`));
    expect(alarmHealth(twelve, 0, HOUR).floods).toEqual([{ start: 0, end: 11 * 50_000, alarms: 12, ongoing: false }]);
  });

  it("calls a flood still at flood level at the range's end ongoing, not ended at its last activation so far", () => {
    const twelve = Array.from({ length: 12 }, (_, index) => raised(index * 50_000, `P${index}.x/hi`));
    const lastActivation = 11 * 50_000;
    expect(alarmHealth(twelve, 0, lastActivation + MINUTE).floods).toEqual([{ start: 0, end: lastActivation, alarms: 12, ongoing: true }]);
    // Ten minutes on, fewer than ten activations in the last window: over.
    expect(alarmHealth(twelve, 0, lastActivation + 5 * MINUTE).floods[0]?.ongoing).toBe(false);
  });

  it('finds a chattering alarm at 3 activations within 1 minute and not when they are a minute apart', () => {
    const chatter = [raised(0, 'A.x/hi'), cleared(10_000, 'A.x/hi'), raised(20_000, 'A.x/hi'), cleared(30_000, 'A.x/hi'), raised(59_000, 'A.x/hi')];
    const spaced = [raised(0, 'B.x/hi'), raised(MINUTE, 'B.x/hi'), raised(2 * MINUTE, 'B.x/hi')];
    const health = alarmHealth([...chatter, ...spaced], 0, HOUR);
    expect(health.chattering).toEqual([{ alarmId: 'A.x/hi', pointId: 'A.x', activations: 3, maxIn1Min: 3 }]);
    expect(health.worstPoints).toEqual([
      { pointId: 'A.x', activations: 3 },
      { pointId: 'B.x', activations: 3 },
    ]);
  });

  it("counts an alarm that comes back before anyone acknowledged it (the engine's changed row) as an activation", () => {
    const returned = (time: number) => event(time, 'U.x/hi', 'cleared', 'unacknowledged_returned');
    const again = (time: number) => event(time, 'U.x/hi', 'changed', 'unacknowledged_active');
    const health = alarmHealth([raised(0, 'U.x/hi'), returned(10_000), again(20_000), returned(30_000), again(59_000)], 0, HOUR);
    expect(health.activations).toBe(3);
    expect(health.chattering).toEqual([{ alarmId: 'U.x/hi', pointId: 'U.x', activations: 3, maxIn1Min: 3 }]);
    expect(health.worstPoints).toEqual([{ pointId: 'U.x', activations: 3 }]);
  });

  it('calls an alarm standing when its last state in the range is active, and stale past 24 h; a handled or refused row changes neither', () => {
    const to = 30 * HOUR;
    const events = [
      raised(HOUR, 'S.x/hi'),
      event(2 * HOUR, 'S.x/hi', 'acknowledged', 'acknowledged_active'),
      event(3 * HOUR, 'S.x/hi', 'command_refused', 'unchanged'),
      event(4 * HOUR, 'S.x/hi', 'handled', 'acknowledged_active'),
      raised(20 * HOUR, 'N.x/hi'),
      raised(21 * HOUR, 'C.x/hi'),
      cleared(22 * HOUR, 'C.x/hi'),
    ];
    const health = alarmHealth(events, 0, to);
    expect(health.standing.map((alarm) => [alarm.alarmId, alarm.state, alarm.activeSince])).toEqual([
      ['S.x/hi', 'acknowledged_active', HOUR],
      ['N.x/hi', 'unacknowledged_active', 20 * HOUR],
    ]);
    expect(health.stale.map((alarm) => alarm.alarmId)).toEqual(['S.x/hi']);
    expect(health.perHour.map((hour) => hour.count)).toEqual([1, 1, 1]);
    expect(health.perDay).toEqual([{ start: 0, count: 3 }]);
    expect(health.averagePer10Min).toBeCloseTo(3 / 180);
  });
});
