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

describe('LatestValues last good readings', () => {
  it("keeps each point's last good receive time through bad readings after it and over a reload; none before a good one", () => {
    const latest = new LatestValues(['A', 'B', 'C']);
    const lastGood = () => {
      const times: Record<string, number> = {};
      latest.eachLastGood((pointId, receiveTime) => (times[pointId] = receiveTime));
      return times;
    };
    latest.noteValue(latest.slotOf('A'), 1_000, 3, Number.NaN);
    latest.noteAt(latest.slotOf('B'), reading('B', { receiveTime: 1_500 }));
    latest.noteAt(latest.slotOf('C'), reading('C', { value: null, quality: 'bad', reason: TIMEOUT, receiveTime: 1_600 }));
    latest.noteAt(latest.slotOf('A'), reading('A', { value: null, quality: 'bad', reason: TIMEOUT, receiveTime: 2_000 }));
    latest.noteAt(latest.slotOf('B'), reading('B', { quality: 'uncertain', receiveTime: 2_500 }));
    expect(lastGood()).toEqual({ A: 1_000, B: 1_500 });
    latest.resize(['B', 'A', 'NEW']);
    expect(lastGood()).toEqual({ A: 1_000, B: 1_500 });
    latest.noteValue(latest.slotOf('A'), 3_000, 4, Number.NaN);
    expect(lastGood()).toEqual({ A: 3_000, B: 1_500 });
  });
});
