/** The shift report's parts from stored alarm events: counts by priority, time to acknowledge, mode changes, actions, standing. */
import type { AlarmEventRow } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { shiftEvents, standingAt } from './shift-report.ts';

let seq = 0;
const event = (time: number, kind: string, fields: Partial<AlarmEventRow> = {}): AlarmEventRow => ({
  seq: ++seq,
  writtenAt: time,
  time,
  pointId: 'GD-1.concentration',
  ruleId: 'hi',
  kind,
  stateAfter: 'unacknowledged_active',
  priority: 'high',
  who: 'engine',
  details: { alarmId: 'GD-1.concentration/hi' },
  ...fields,
});

describe('shiftEvents', () => {
  it('counts raised alarms by priority and times each acknowledgement from its raise, else from the activeSince it carries', () => {
    const report = shiftEvents([
      event(1000, 'raised'),
      event(2000, 'raised', { priority: 'emergency', ruleId: 'hihi', details: { alarmId: 'GD-1.concentration/hihi' } }),
      event(31_000, 'acknowledged', { who: 'op', why: 'on it', stateAfter: 'acknowledged_active' }),
      event(40_000, 'acknowledged', { who: 'op', ruleId: 'lo', details: { alarmId: 'GD-1.concentration/lo', activeSince: 10_000 } }),
      event(50_000, 'acknowledged', { who: 'engine' }),
    ]);
    expect(report.raised).toEqual({ total: 2, byPriority: { emergency: 1, high: 1, medium: 0, low: 0 } });
    expect(report.acknowledgements.map((ack) => [ack.alarmId, ack.who, ack.comment, ack.secondsToAcknowledge])).toEqual([
      ['GD-1.concentration/hi', 'op', 'on it', 30],
      ['GD-1.concentration/lo', 'op', null, 30],
    ]);
  });

  it('counts an alarm active again before anyone acknowledged it, and times the acknowledgement from that activation', () => {
    const report = shiftEvents([
      event(1000, 'raised'),
      event(5000, 'cleared', { stateAfter: 'unacknowledged_returned' }),
      event(60_000, 'changed'),
      event(70_000, 'acknowledged', { who: 'op', stateAfter: 'acknowledged_active' }),
    ]);
    expect(report.raised).toEqual({ total: 2, byPriority: { emergency: 0, high: 2, medium: 0, low: 0 } });
    expect(report.acknowledgements.map((ack) => ack.secondsToAcknowledge)).toEqual([10]);
  });

  it('lists handling records, mode changes, actions with their id and resets', () => {
    const report = shiftEvents([
      event(1, 'handled', { who: 'op', details: { alarmId: 'A', found: 'f', done: 'd', result: 'r' } }),
      event(2, 'shelved', { who: 'op', why: 'maintenance', details: { alarmId: 'A', shelvedUntil: 99 } }),
      event(3, 'out_of_service', { who: 'sup', why: 'replaced' }),
      event(4, 'action_commanded', { ruleId: 'close-gas', pointId: 'XV-1', stateAfter: 'trip', who: 'engine', details: { alarmId: 'GD-1.concentration/hihi' } }),
      event(5, 'reset', { who: 'sup' }),
    ]);
    expect(report.handling).toEqual([expect.objectContaining({ alarmId: 'A', found: 'f', done: 'd', result: 'r' })]);
    expect(report.modeChanges.map((change) => [change.kind, change.who, change.reason, change.shelvedUntil])).toEqual([
      ['shelved', 'op', 'maintenance', 99],
      ['out_of_service', 'sup', 'replaced', null],
    ]);
    expect(report.actions.map((action) => [action.kind, action.actionId, action.command, action.alarmId])).toEqual([
      ['action_commanded', 'close-gas', 'trip', 'GD-1.concentration/hihi'],
      ['reset', null, null, 'GD-1.concentration/hi'],
    ]);
  });
});

describe('standingAt', () => {
  it('keeps the active ones, oldest first, with their mode', () => {
    const standing = standingAt([
      event(9, 'acknowledged', { stateAfter: 'acknowledged_active', details: { alarmId: 'B', activeSince: 5, mode: 'shelved' } }),
      event(3, 'raised', { details: { alarmId: 'A' } }),
      event(10, 'cleared', { stateAfter: 'unacknowledged_returned', details: { alarmId: 'C' } }),
    ]);
    expect(standing.map((alarm) => [alarm.alarmId, alarm.mode, alarm.activeSince])).toEqual([
      ['A', 'in_service', 3],
      ['B', 'shelved', 5],
    ]);
  });
});
