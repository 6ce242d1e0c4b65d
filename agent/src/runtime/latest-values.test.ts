/** LatestValues: a point's reason kept exactly while its latest reading has one, whichever way the readings come. */
import type { Reading } from '@hazmon/protocols';
import { describe, expect, it } from 'vitest';
import { LatestValues } from './latest-values.ts';

const TIMEOUT = { code: 'timeout', message: 'GD-1 unit 3: no answer to read holding registers 0-1 within 1000 ms' } as const;

function reading(pointId: string, fields: Partial<Reading> = {}): Reading {
  return { pointId, value: 12.5, unit: '%LEL', sourceTime: null, receiveTime: 1_000, quality: 'good', ...fields };
}

const reasonOf = (latest: LatestValues, pointId: string) => latest.list([pointId])[0]?.reason ?? null;

describe('LatestValues reasons', () => {
  it("clears a point's reason at its next good reading, as an object or as a plain value, and no other point's", () => {
    const latest = new LatestValues(['A', 'B', 'C']);
    latest.noteAt(latest.slotOf('A'), reading('A', { value: null, quality: 'bad', reason: TIMEOUT }));
    latest.noteAt(latest.slotOf('B'), reading('B', { quality: 'uncertain', reason: { code: 'warm_up', message: 'GD-2 warming up' } }));
    latest.noteValue(latest.slotOf('C'), 2_000, 3, Number.NaN);
    expect([reasonOf(latest, 'A'), reasonOf(latest, 'B')]).toEqual([TIMEOUT, { code: 'warm_up', message: 'GD-2 warming up' }]);
    latest.noteValue(latest.slotOf('A'), 3_000, 11, Number.NaN);
    expect(latest.list([`A`])[0]).toMatchObject({ value: 11, quality: 'good', reason: null });
    expect(reasonOf(latest, 'B')).toEqual({ code: 'warm_up', message: 'GD-2 warming up' });
    latest.noteAt(latest.slotOf('B'), reading('B'));
    expect(reasonOf(latest, 'B')).toBeNull();
    // Bad again after good: the reason is back.
    latest.noteAt(latest.slotOf('A'), reading('A', { value: null, quality: 'bad', reason: TIMEOUT }));
    expect(reasonOf(latest, 'A')).toEqual(TIMEOUT);
  });

  it("keeps a kept point's reason over a reload that moves its slot, and clears it there", () => {
    const latest = new LatestValues(['A', 'B']);
    latest.noteAt(latest.slotOf('B'), reading('B', { value: null, quality: 'bad', reason: TIMEOUT }));
    latest.resize(['B', 'NEW']);
    expect(latest.slotOf('B')).toBe(0);
    expect(reasonOf(latest, 'B')).toEqual(TIMEOUT);
    expect(reasonOf(latest, 'NEW')).toBeNull();
    latest.noteValue(latest.slotOf('NEW'), 4_000, 1, Number.NaN);
    expect(reasonOf(latest, 'B')).toEqual(TIMEOUT);
    latest.noteValue(latest.slotOf('B'), 4_000, 1, Number.NaN);
    expect(reasonOf(latest, 'B')).toBeNull();
  });
});

describe('LatestValues snapshot', () => {
  it('keeps the values of its moment through later readings, whole or from any point to any other', () => {
    const ids = ['A', 'B', 'C', 'D'];
    const latest = new LatestValues(ids);
    latest.noteAt(latest.slotOf('A'), reading('A', { value: null, quality: 'bad', reason: TIMEOUT }));
    latest.noteAt(latest.slotOf('B'), reading('B', { value: true, sourceTime: 900 }));
    latest.noteValue(latest.slotOf('C'), 2_000, 3.25, Number.NaN);
    const then = latest.list();
    const snapshot = latest.snapshot();
    latest.noteValue(latest.slotOf('A'), 3_000, 11, Number.NaN);
    latest.noteValue(latest.slotOf('C'), 3_000, 4.5, 2_500);
    latest.noteAt(latest.slotOf('B'), reading('B', { value: false }));
    latest.noteAt(latest.slotOf('D'), reading('D', { quality: 'uncertain', reason: { code: 'warm_up', message: 'GD-4 warming up' } }));
    latest.resize(['D', 'C']);
    const read = (from?: number, to?: number) => {
      const visited: object[] = [];
      snapshot.each((pointId, value, quality, reason, sourceTime, receiveTime) => visited.push({ pointId, value, quality, reason, sourceTime, receiveTime }), from, to);
      return visited;
    };
    expect(snapshot.count).toBe(4);
    expect(read()).toEqual(then);
    expect(then[0]).toMatchObject({ value: null, quality: 'bad', reason: TIMEOUT });
    expect(read(1, 3)).toEqual(then.slice(1, 3));
    expect(read(3, 99)).toEqual(then.slice(3));
    expect(read(4)).toEqual([]);
  });
});
