import { type ConfigLimitChange, THRESHOLD_HISTORY_LIMIT, type ThresholdHistoryEntry } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { limitRecordsOf, limitsOverRange, mergedByTime } from './limit-history.ts';

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

const fileChange = (time: number, pointId: string, limit: ConfigLimitChange['limit'], old: number | null, next: number | null): ConfigLimitChange => ({
  time,
  pointId,
  limit,
  old,
  new: next,
  who: 'config file',
  why: 'config reload (SIGHUP)',
  kind: 'config_file',
});

const NOW = { lolo: null, lo: 10, hi: 25, hihi: 40 };
const NO_FILE_CHANGES = { changes: [], recordedFrom: null };

describe('limitsOverRange', () => {
  const history = [entry(100, 'A', 'hi', 20, 22), entry(150, 'B', 'hi', 1, 2), entry(200, 'A', 'hi', 22, 25), entry(300, 'A', 'hihi', 45, 40)];
  const records = limitRecordsOf(['A'], history, NO_FILE_CHANGES);
  const ofA = records.byPoint.get('A')!;

  it("walks the point's changes back from now to the range's start, and lists those inside the range without the point", () => {
    const over = limitsOverRange(NOW, ofA, records.wholeFrom, 100, 300);
    expect(over.limitsAtFrom).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 45 });
    expect(over.limitChanges.map((change) => [change.time, change.limit, change.old, change.new])).toEqual([
      [100, 'hi', 20, 22],
      [200, 'hi', 22, 25],
    ]);
    expect(over.limitChanges[0]).not.toHaveProperty('pointId');
    expect(over.limitsRecordedFrom).toBeNull();
  });

  it('gives the limits in force now for a range after the last change, and leaves them as they are', () => {
    expect(limitsOverRange(NOW, ofA, records.wholeFrom, 301, 400)).toEqual({ limitsAtFrom: NOW, limitChanges: [], limitsRecordedFrom: null });
    expect(NOW.hi).toBe(25);
  });

  it("merges the config file's changes with the threshold changes by time, each walked back in turn", () => {
    const merged = limitRecordsOf(['A'], [entry(100, 'A', 'hi', 20, 22), entry(300, 'A', 'hi', 18, 25)], {
      changes: [fileChange(200, 'A', 'hi', 22, 18), fileChange(250, 'B', 'hi', 1, 2)],
      recordedFrom: null,
    });
    const over = limitsOverRange(NOW, merged.byPoint.get('A')!, merged.wholeFrom, 50, 400);
    expect(over.limitsAtFrom.hi).toBe(20);
    expect(over.limitChanges.map((change) => [change.time, change.old, change.new, change.who, change.kind])).toEqual([
      [100, 20, 22, 'sup', 'changed'],
      [200, 22, 18, 'config file', 'config_file'],
      [300, 18, 25, 'sup', 'changed'],
    ]);
    // From inside the range: the config file's change alone is undone.
    expect(limitsOverRange(NOW, merged.byPoint.get('A')!, merged.wholeFrom, 150, 280)).toMatchObject({ limitsAtFrom: { hi: 22 }, limitChanges: [{ time: 200 }] });
  });

  it('says from when the limits are known when a record was cut after the range began: the later of the two cuts', () => {
    const full = Array.from({ length: THRESHOLD_HISTORY_LIMIT }, (_, i) => entry(1000 + i, 'B', 'hi', i, i + 1));
    const cut = limitRecordsOf([], full, NO_FILE_CHANGES).wholeFrom;
    expect(limitsOverRange(NOW, [], cut, 500, 5000).limitsRecordedFrom).toBe(1000);
    expect(limitsOverRange(NOW, [], cut, 1000, 5000).limitsRecordedFrom).toBeNull();
    expect(limitRecordsOf([], full.slice(1), NO_FILE_CHANGES).wholeFrom).toBeNull();
    const fileCut = limitRecordsOf([], full, { changes: [fileChange(1500, 'B', 'hi', 1, 2)], recordedFrom: 1500 }).wholeFrom;
    expect(limitsOverRange(NOW, [], fileCut, 1200, 5000).limitsRecordedFrom).toBe(1500);
    expect(limitsOverRange(NOW, [], limitRecordsOf([], [], { changes: [], recordedFrom: 700 }).wholeFrom, 500, 5000).limitsRecordedFrom).toBe(700);
  });
});

describe('mergedByTime', () => {
  it("merges the site's two records oldest first, the overrides file's entry first of one time, every point kept", () => {
    const thresholds = [entry(100, 'A', 'hi', 20, 22), entry(200, 'B', 'lo', 1, 2), entry(400, 'A', 'hi', 18, 25)];
    const file = [fileChange(50, 'B', 'hi', 5, 6), fileChange(200, 'A', 'hi', 22, 18), fileChange(500, 'C', 'hihi', 9, 8)];
    expect(mergedByTime(thresholds, file).map((change) => [change.time, change.pointId, change.kind])).toEqual([
      [50, 'B', 'config_file'],
      [100, 'A', 'changed'],
      [200, 'B', 'changed'],
      [200, 'A', 'config_file'],
      [400, 'A', 'changed'],
      [500, 'C', 'config_file'],
    ]);
    expect(mergedByTime([], file)).toEqual(file);
    expect(mergedByTime(thresholds, [])).toEqual(thresholds);
  });
});
