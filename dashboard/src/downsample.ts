/**
 * Trend downsampling: readings (raw rows or rollup rows) folded into at most `buckets` equal time buckets, each with
 * the min, max and average of its good values, so a one-reading spike in a year-long trend still shows as a bucket's
 * max. Pure: the route reads, this folds. Readings that were not good are counted apart (`notGoodBuckets`), so a
 * trend can show where the instrument said nothing trustworthy instead of leaving a gap that looks like all clear.
 */
import type { ReadingColumns } from '@hazmon/agent';

export interface TrendBucket {
  readonly start: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  /** Good readings folded into the bucket. */
  readonly count: number;
}

interface Fold {
  min: number;
  max: number;
  sum: number;
  count: number;
}

/**
 * Calls `visit` for each good sample: only good readings count, as in the store's rollups (a bad reading's value is no
 * measurement). A visitor, not an array of samples: 21,600 raw rows made 43k short-lived objects per trend. Rollup
 * rows come as columns, where NaN is a figure without good readings.
 */
function forEachSample(result: ReadingColumns, visit: (time: number, min: number, max: number, avg: number, count: number) => void): void {
  if (result.resolution === 'raw') {
    for (const row of result.rows) if (row.quality === 'good' && row.value !== null) visit(row.time, row.value, row.value, row.value, 1);
    return;
  }
  const { length, start, min, max, avg, goodCount } = result.columns;
  for (let row = 0; row < length; row++) {
    const good = goodCount[row]!;
    if (good > 0 && !Number.isNaN(min[row]!) && !Number.isNaN(max[row]!) && !Number.isNaN(avg[row]!)) visit(start[row]!, min[row]!, max[row]!, avg[row]!, good);
  }
}

/** Buckets of `bucketMs` from `from`, only those with good readings, oldest first; the average is weighted by count. */
export function downsample(result: ReadingColumns, from: number, bucketMs: number): TrendBucket[] {
  const folds = new Map<number, Fold>();
  forEachSample(result, (time, min, max, avg, count) => {
    // A rollup row aligned before `from` (an hour that began earlier) belongs to the first bucket.
    const index = Math.max(0, Math.floor((time - from) / bucketMs));
    const fold = folds.get(index);
    if (fold === undefined) folds.set(index, { min, max, sum: avg * count, count });
    else {
      fold.min = Math.min(fold.min, min);
      fold.max = Math.max(fold.max, max);
      fold.sum += avg * count;
      fold.count += count;
    }
  });
  return [...folds.entries()].sort(([a], [b]) => a - b).map(([index, fold]) => ({ start: from + index * bucketMs, min: fold.min, max: fold.max, avg: fold.sum / fold.count, count: fold.count }));
}

export interface NotGoodBucket {
  readonly start: number;
  /** Readings in the bucket whose quality was bad or uncertain (or that carried no value). */
  readonly count: number;
}

/** Calls `visit` for each row holding readings that were not good (bad, uncertain, or without a value), with how many. */
function forEachNotGood(result: ReadingColumns, visit: (time: number, count: number) => void): void {
  if (result.resolution === 'raw') {
    for (const row of result.rows) if (row.quality !== 'good' || row.value === null) visit(row.time, 1);
    return;
  }
  const { length, start, count, goodCount } = result.columns;
  for (let row = 0; row < length; row++) if (count[row]! > goodCount[row]!) visit(start[row]!, count[row]! - goodCount[row]!);
}

/** Buckets of `bucketMs` from `from` holding readings that were not good, with how many, oldest first. */
export function notGoodBuckets(result: ReadingColumns, from: number, bucketMs: number): NotGoodBucket[] {
  const counts = new Map<number, number>();
  forEachNotGood(result, (time, count) => {
    const index = Math.max(0, Math.floor((time - from) / bucketMs));
    counts.set(index, (counts.get(index) ?? 0) + count);
  });
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([index, count]) => ({ start: from + index * bucketMs, count }));
}
