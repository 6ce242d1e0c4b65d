/** The `hazmon run` log line of a handling record: who handled which alarm, how it ended, and its row on disk. */
import { describe, expect, it } from 'vitest';
import { eventLine } from './run-agent.ts';

describe('eventLine', () => {
  it('prints a handling record with its alarm_events seq', () => {
    const event = {
      type: 'alarm_handled',
      time: Date.UTC(2026, 11, 6, 3, 0, 0),
      alarmId: 'GD-1.concentration/hihi',
      pointId: 'GD-1.concentration',
      rule: 'hihi',
      priority: 'emergency',
      state: 'acknowledged_active',
      who: 'op',
      found: 'flange leak',
      done: 'gasket replaced',
      result: 'gas back to 0 %LEL',
    } as const;
    const row = {
      seq: 7,
      time: event.time,
      pointId: event.pointId,
      ruleId: 'hihi',
      kind: 'handled',
      stateAfter: event.state,
      priority: event.priority,
      who: 'op',
      why: event.result,
      writtenAt: event.time + 3,
    };
    expect(eventLine(event, { outcome: 'stored', seq: 7, row })).toBe('2026-12-06T03:00:00.000Z handled GD-1.concentration/hihi by op: gas back to 0 %LEL [seq 7]');
  });
});
