/** Offline time and disconnections of each device over a period, from its comms_loss events. */
import type { AlarmEventRow } from '../index.ts';
import { describe, expect, it } from 'vitest';
import { commsScores } from './comms-history.ts';

let seq = 0;
const row = (pointId: string, time: number, active: boolean): AlarmEventRow => ({
  seq: ++seq,
  writtenAt: time,
  time,
  pointId,
  ruleId: 'comms_loss',
  kind: active ? 'raised' : 'cleared',
  stateAfter: active ? 'unacknowledged_active' : 'unacknowledged_returned',
  details: { conditionActive: active },
});

describe('commsScores', () => {
  it('counts each loss that starts in the period and the offline time inside it, a loss standing at either end cut there', () => {
    const scores = commsScores([row('GD-1', 50, true), row('GD-1', 120, false), row('GD-1', 300, true), row('GD-1', 310, true), row('GD-1', 400, false), row('GD-2', 900, true)], 100, 1000);
    expect(scores.get('GD-1')).toEqual({ disconnections: 1, offlineMs: 20 + 100 });
    expect(scores.get('GD-2')).toEqual({ disconnections: 1, offlineMs: 100 });
  });

  it('gives a device whose last event before the period cleared nothing', () => {
    expect(commsScores([row('GD-1', 10, false)], 100, 1000).get('GD-1')).toEqual({ disconnections: 0, offlineMs: 0 });
  });
});
