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

  it('adds a run of plain rows at once, naming them from the arrays given; a row of it replaced keeps its Reading', () => {
    const rows = new ReadingRowBuffer(2);
    rows.reset(1000);
    rows.addValue(1, 'GD-1.o2', '%VOL', 20.9);
    const first = rows.addPlainRun(3, ['B-1.p1', 'B-1.p2', 'B-1.p3'], ['ppm', 'ppm', '%LEL']);
    rows.point.set([4, 5, 6], first);
    rows.value.set([10, 11, 12], first);
    rows.setReading(first + 1, 5, bad);
    expect([first, rows.length, [...rows.point.subarray(0, 4)], rows.unitAt(3), rows.unitAt(2), rows.objectAt(first + 1)]).toEqual([1, 4, [1, 4, 5, 6], '%LEL', 'ppm', bad]);
    expect(rows.readings()).toEqual([
      { pointId: 'GD-1.o2', value: 20.9, unit: '%VOL', sourceTime: null, receiveTime: 1000, quality: 'good' },
      { pointId: 'B-1.p1', value: 10, unit: 'ppm', sourceTime: null, receiveTime: 1000, quality: 'good' },
      bad,
      { pointId: 'B-1.p3', value: 12, unit: '%LEL', sourceTime: null, receiveTime: 1000, quality: 'good' },
    ]);
    // A second run in the same batch, and the first again after reset.
    rows.reset(2000);
    rows.addPlainRun(1, ['C-1.p1'], ['ppm']);
    rows.addPlainRun(2, ['D-1.p1', 'D-1.p2'], ['mm', 'degC']);
    expect(rows.readings().map(({ pointId, unit, receiveTime }) => `${pointId} ${unit} ${receiveTime}`)).toEqual(['C-1.p1 ppm 2000', 'D-1.p1 mm 2000', 'D-1.p2 degC 2000']);
    expect([[...rows.sourceTime.subarray(0, 3)], [...rows.restated.subarray(0, 3)]]).toEqual([
      [Number.NaN, Number.NaN, Number.NaN],
      [0, 0, 0],
    ]);
  });

  it('says whether every row is plain at the receive time: not after a Reading, a source time or a restatement, again after reset', () => {
    const rows = new ReadingRowBuffer(2);
    const after = (fill: () => void) => {
      rows.reset(1000);
      rows.addValue(0, 'GD-1.gas', 'ppm', 5);
      fill();
      return rows.atReceiveTime;
    };
    expect(after(() => rows.addPlainRun(1, ['GD-1.o2'], ['%VOL']))).toBe(true);
    expect(after(() => rows.addReading(1, bad))).toBe(false);
    expect(after(() => rows.addValue(1, 'T101.level', 'mm', 1000, 990))).toBe(false);
    expect(after(() => rows.addValue(1, 'T101.level', 'mm', 1000, Number.NaN, true))).toBe(false);
    expect(after(() => rows.setReading(rows.addPlainRun(1, ['GD-1.o2'], ['%VOL']), 1, bad))).toBe(false);
  });
});
