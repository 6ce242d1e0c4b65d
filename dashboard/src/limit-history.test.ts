import { THRESHOLD_HISTORY_LIMIT, type ThresholdHistoryEntry } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { historyByPoint, limitsOverRange } from './limit-history.ts';

const entry = (time: number, pointId: string, limit: ThresholdHistoryEntry['limit'], old: number | null, next: number | null): ThresholdHistoryEntry => ({
  time,
  pointId,
  limit,
  old,
  new: next,
  who: 'sup',
  why: 'test',
  kind: 'changed',
});

const NOW = { lolo: null, lo: 10, hi: 25, hihi: 40 };

describe('limitsOverRange', () => {
  const history = [entry(100, 'A', 'hi', 20, 22), entry(150, 'B', 'hi', 1, 2), entry(200, 'A', 'hi', 22, 25), entry(300, 'A', 'hihi', 45, 40)];
  const ofA = historyByPoint(history).get('A')!;

  it("walks the point's changes back from now to the range's start, and lists those inside the range without the point", () => {
    const over = limitsOverRange(NOW, ofA, history, 100, 300);
    expect(over.limitsAtFrom).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 45 });
    expect(over.limitChanges.map((change) => [change.time, change.limit, change.old, change.new])).toEqual([
      [100, 'hi', 20, 22],
      [200, 'hi', 22, 25],
    ]);
    expect(over.limitChanges[0]).not.toHaveProperty('pointId');
    expect(over.limitsRecordedFrom).toBeNull();
  });

  it('gives the limits in force now for a range after the last change, and leaves them as they are', () => {
    expect(limitsOverRange(NOW, ofA, history, 301, 400)).toEqual({ limitsAtFrom: NOW, limitChanges: [], limitsRecordedFrom: null });
    expect(NOW.hi).toBe(25);
  });

  it('says from when the limits are known when the record was cut after the range began', () => {
    const full = Array.from({ length: THRESHOLD_HISTORY_LIMIT }, (_, i) => entry(1000 + i, 'B', 'hi', i, i + 1));
    expect(limitsOverRange(NOW, [], full, 500, 5000).limitsRecordedFrom).toBe(1000);
    expect(limitsOverRange(NOW, [], full, 1000, 5000).limitsRecordedFrom).toBeNull();
    expect(limitsOverRange(NOW, [], full.slice(1), 500, 5000).limitsRecordedFrom).toBeNull();
  });
});
