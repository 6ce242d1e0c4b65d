import { describe, expect, it } from 'vitest';
import type { Reading } from './reading.ts';
import { ReadingRowBuffer } from './reading-rows.ts';

describe('ReadingRowBuffer', () => {
  const bad: Reading = { pointId: 'GD-1.gas', value: null, unit: 'ppm', sourceTime: null, receiveTime: 1000, quality: 'bad', reason: { code: 'timeout', message: 'no answer' } };

  it('keeps plain rows as columns and builds their Readings on demand, other rows as given, in row order', () => {
    const rows = new ReadingRowBuffer(1);
    rows.reset(1000);
    rows.addValue(7, 'GD-1.o2', '%VOL', 20.9);
    rows.addReading(8, bad);
    rows.addValue(9, 'GD-1.h2s', 'ppm', 0);
    expect([rows.length, [...rows.point.subarray(0, 3)], rows.value[0]]).toEqual([3, [7, 8, 9], 20.9]);
    expect([rows.objectAt(0), rows.objectAt(1), rows.objectAt(2)]).toEqual([undefined, bad, undefined]);
    expect(rows.readings()).toEqual([
      { pointId: 'GD-1.o2', value: 20.9, unit: '%VOL', sourceTime: null, receiveTime: 1000, quality: 'good' },
      bad,
      { pointId: 'GD-1.h2s', value: 0, unit: 'ppm', sourceTime: null, receiveTime: 1000, quality: 'good' },
    ]);
  });

  it("keeps a plain row's source time and restatement as columns, and builds its Reading with them", () => {
    const rows = new ReadingRowBuffer(1);
    rows.reset(5000);
    rows.addValue(3, 'T101.level', 'mm', 1000, 4990, true);
    rows.addValue(4, 'T101.temperature', 'degC', 18.5, 4995);
    rows.addReading(5, bad);
    expect([[...rows.sourceTime.subarray(0, 3)], [...rows.restated.subarray(0, 3)], rows.unitAt(0), rows.unitAt(2)]).toEqual([[4990, 4995, Number.NaN], [1, 0, 0], 'mm', 'ppm']);
    expect(rows.readingAt(0)).toStrictEqual({ pointId: 'T101.level', value: 1000, unit: 'mm', sourceTime: 4990, receiveTime: 5000, quality: 'good', restated: true });
    expect(rows.readingAt(1)).toStrictEqual({ pointId: 'T101.temperature', value: 18.5, unit: 'degC', sourceTime: 4995, receiveTime: 5000, quality: 'good' });
  });

  it('forgets a batch at reset: a row once holding a Reading is plain when refilled so', () => {
    const rows = new ReadingRowBuffer(2);
    rows.reset(1000);
    rows.addReading(0, bad);
    rows.reset(2000);
    rows.addValue(0, 'GD-1.gas', 'ppm', 5);
    expect([rows.length, rows.objectAt(0), rows.readingAt(0).receiveTime, rows.sourceTime[0], rows.restated[0]]).toEqual([1, undefined, 2000, Number.NaN, 0]);
  });
});
