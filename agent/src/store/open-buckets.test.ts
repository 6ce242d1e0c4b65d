/** BucketSums against a naive recompute, and which buckets OpenBuckets answers for (known, empty, built in SQL). */
import { describe, expect, it } from 'vitest';
import { BucketSums, OpenBuckets } from './open-buckets.ts';

const MINUTE = 60_000;

interface Row {
  readonly point: number;
  readonly scaled: number;
  readonly good: boolean;
}

/** min / max / sum over good rows and both counts per point, as the SQL rollup computes them. */
function naive(rows: readonly Row[], point: number) {
  const mine = rows.filter((row) => row.point === point);
  const good = mine.filter((row) => row.good).map((row) => row.scaled);
  return {
    count: mine.length,
    good: good.length,
    ...(good.length > 0 ? { min: Math.min(...good), max: Math.max(...good), sum: good.reduce((a, b) => a + b, 0) } : {}),
  };
}

function read(sums: BucketSums, point: number) {
  const good = sums.good[point]!;
  return {
    count: sums.count[point]!,
    good,
    ...(good > 0 ? { min: sums.min[point]!, max: sums.max[point]!, sum: sums.sum[point]! } : {}),
  };
}

describe('BucketSums', () => {
  it('keeps min, max, sum over good readings and both counts per point; a coarser bucket from finer ones equals all readings at once', () => {
    let seed = 11;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) {
      // Points 0..6, point 5 never good, point 6 never read; values across the int32 range, negatives included.
      const point = Math.floor(random() * 6);
      rows.push({ point, scaled: Math.round((random() - 0.5) * 2 * 2_147_483_647), good: point !== 5 && random() < 0.8 });
    }
    // Sized for 2 points: the rest arrive as points registered later do.
    const whole = new BucketSums(2);
    const parts = [new BucketSums(7), new BucketSums(7), new BucketSums(7)];
    rows.forEach((row, i) => {
      whole.addReading(row.point, row.scaled, row.good);
      parts[i % 3]!.addReading(row.point, row.scaled, row.good);
    });
    const coarse = new BucketSums(1);
    for (const part of parts) for (let point = 0; point < part.points; point++) if (part.count[point]! > 0) coarse.addBucket(point, part);
    for (let point = 0; point < 7; point++) {
      const expected = naive(rows, point);
      expect(read(whole, point), `point ${point}`).toEqual(expected);
      expect(read(coarse, point), `point ${point} from parts`).toEqual(expected);
    }
    expect(read(whole, 5)).toEqual({ count: expect.any(Number), good: 0 });
    whole.clear();
    expect([...whole.count, ...whole.good, ...whole.sum]).toEqual(new Array(3 * whole.points).fill(0));
  });
});

describe('OpenBuckets', () => {
  it('answers sums for a bucket that took rows, empty for a known bucket without rows, null for one before trackedFrom', () => {
    const minutes = new OpenBuckets(MINUTE, 4);
    minutes.reset(10 * MINUTE);
    expect(minutes.sumsFor(9 * MINUTE, 3)).toBeNull();
    const sums = minutes.sumsFor(10 * MINUTE, 3)!;
    sums.addReading(1, 42, true);
    expect(minutes.sumsFor(10 * MINUTE, 3)).toBe(sums);
    expect(minutes.take(9 * MINUTE)).toBeNull();
    expect(minutes.take(10 * MINUTE)).toBe(sums);
    expect(minutes.take(11 * MINUTE)).toBe('empty');
    // Released arrays come back cleared for the next bucket.
    minutes.release(sums);
    const next = minutes.sumsFor(12 * MINUTE, 3)!;
    expect(next).toBe(sums);
    expect(next.count[1]).toBe(0);
  });

  it('drops the oldest bucket to SQL when one more would exceed maxOpen, and buckets marked unknown', () => {
    const minutes = new OpenBuckets(MINUTE, 2);
    minutes.reset(0);
    for (const bucket of [1, 2, 3]) minutes.sumsFor(bucket * MINUTE, 1)!.addReading(0, bucket, true);
    // A bucket older than every open one is not opened either: it would be dropped first.
    expect(minutes.sumsFor(0, 1)).toBeNull();
    minutes.markUnknown(3 * MINUTE + 5, 3 * MINUTE + 6);
    expect(minutes.take(0)).toBeNull();
    expect(minutes.take(1 * MINUTE)).toBeNull();
    expect((minutes.take(2 * MINUTE) as BucketSums).sum[0]).toBe(2);
    expect(minutes.take(3 * MINUTE)).toBeNull();
    // Once taken, a bucket is no longer marked: it opens again (a later reading reopens it through the dirty path).
    expect(minutes.sumsFor(3 * MINUTE, 1)).not.toBeNull();
    // reset() forgets the marks with the buckets.
    minutes.reset(0);
    expect(minutes.take(1 * MINUTE)).toBe('empty');
  });
});
