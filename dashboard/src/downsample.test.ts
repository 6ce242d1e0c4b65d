/** Trend downsampling on made-up rows: a one-reading spike survives as its bucket's max, averages weigh by count, bad readings do not count. */
import type { AggregateRow, RawReadingRow, ReadingColumns } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { downsample, notGoodBuckets } from './downsample.ts';

const raw = (time: number, value: number | null, quality: RawReadingRow['quality'] = 'good'): RawReadingRow => ({ time, sourceTime: null, value, quality, reason: null, reasonText: null });
const hour = (start: number, min: number, max: number, avg: number, goodCount: number): AggregateRow => ({
  pointId: 'P',
  start,
  end: start + 3_600_000,
  min,
  max,
  avg,
  count: goodCount,
  goodCount,
  completeness: 1,
});
/** Rollup rows as the store's columns hand them over: NaN where a figure had no good reading. */
const hours = (...rows: AggregateRow[]): ReadingColumns => {
  const column = (figure: (row: AggregateRow) => number | null) => Float64Array.from(rows, (row) => figure(row) ?? Number.NaN);
  return {
    resolution: '1h',
    columns: {
      length: rows.length,
      intervals: rows.length,
      pointIds: ['P'],
      start: column((row) => row.start),
      end: column((row) => row.end),
      min: column((row) => row.min),
      avg: column((row) => row.avg),
      max: column((row) => row.max),
      count: column((row) => row.count),
      goodCount: column((row) => row.goodCount),
      completeness: column((row) => row.completeness),
    },
  };
};

describe('downsample', () => {
  it('keeps a single spike among a thousand flat readings as its bucket max; the average barely moves', () => {
    const rows = Array.from({ length: 1000 }, (_, index) => raw(index * 1000, index === 700 ? 45 : 0));
    const buckets = downsample({ resolution: 'raw', rows }, 0, 250_000);
    expect(buckets.map((bucket) => bucket.max)).toEqual([0, 0, 45, 0]);
    expect(buckets[2]).toMatchObject({ start: 500_000, min: 0, count: 250 });
    expect(buckets[2]!.avg).toBeCloseTo(45 / 250);
  });

  it('leaves out bad readings and empty buckets', () => {
    const buckets = downsample({ resolution: 'raw', rows: [raw(0, 5), raw(1000, 99, 'bad'), raw(2000, null, 'uncertain'), raw(9000, 7)] }, 0, 3000);
    expect(buckets).toEqual([
      { start: 0, min: 5, max: 5, avg: 5, count: 1 },
      { start: 9000, min: 7, max: 7, avg: 7, count: 1 },
    ]);
  });

  it('weighs rollup averages by their good readings, and puts a row aligned before `from` in the first bucket', () => {
    const from = 1_800_000;
    const buckets = downsample(hours(hour(0, 1, 3, 2, 3600), hour(3_600_000, 0, 10, 8, 1200)), from, 7_200_000);
    expect(buckets).toEqual([{ start: from, min: 0, max: 10, avg: (2 * 3600 + 8 * 1200) / 4800, count: 4800 }]);
  });

  it('leaves out rollup rows without good readings, which count as not good', () => {
    const allBad: AggregateRow = { ...hour(3_600_000, 0, 0, 0, 0), min: null, max: null, avg: null, count: 3600 };
    const empty: AggregateRow = { ...hour(7_200_000, 0, 0, 0, 0), min: null, max: null, avg: null, count: 0 };
    const trend = hours(hour(0, 1, 3, 2, 3600), allBad, empty);
    expect(downsample(trend, 0, 3_600_000)).toEqual([{ start: 0, min: 1, max: 3, avg: 2, count: 3600 }]);
    expect(notGoodBuckets(trend, 0, 3_600_000)).toEqual([{ start: 3_600_000, count: 3600 }]);
  });

  it('counts the readings that were not good per bucket: bad, uncertain or without value; from a rollup, count less good', () => {
    const rows = [raw(0, 5), raw(1000, 99, 'bad'), raw(2000, null, 'uncertain'), raw(3500, null), raw(9000, 7)];
    expect(notGoodBuckets({ resolution: 'raw', rows }, 0, 3000)).toEqual([
      { start: 0, count: 2 },
      { start: 3000, count: 1 },
    ]);
    const partlyBad: AggregateRow = { ...hour(3_600_000, 0, 1, 0.5, 100), count: 130 };
    expect(notGoodBuckets(hours(hour(0, 1, 3, 2, 3600), partlyBad), 0, 3_600_000)).toEqual([{ start: 3_600_000, count: 30 }]);
  });
});
