/**
 * Trend downsampling: readings (raw rows or rollup rows) folded into at most `buckets` equal time buckets, each with
 * the min, max and average of its good values, so a one-reading spike in a year-long trend still shows as a bucket's
 * max. Pure: the route reads, this folds. Readings that were not good are counted apart (`notGoodBuckets`), so a
 * trend can show where the instrument said nothing trustworthy instead of leaving a gap that looks like all clear.
 */
import type { ReadingsResult } from '@hazmon/agent';

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

/** Only good readings count, as in the store's rollups: a bad reading's value is no measurement. */
function samplesOf(result: ReadingsResult): { time: number; min: number; max: number; avg: number; count: number }[] {
  if (result.resolution === 'raw') {
    return result.rows.flatMap((row) => (row.quality === 'good' && row.value !== null ? [{ time: row.time, min: row.value, max: row.value, avg: row.value, count: 1 }] : []));
  }
  return result.rows.flatMap((row) =>
    row.min !== null && row.max !== null && row.avg !== null && row.goodCount > 0 ? [{ time: row.start, min: row.min, max: row.max, avg: row.avg, count: row.goodCount }] : [],
  );
}

/** Buckets of `bucketMs` from `from`, only those with good readings, oldest first; the average is weighted by count. */
export function downsample(result: ReadingsResult, from: number, bucketMs: number): TrendBucket[] {
  const folds = new Map<number, Fold>();
  for (const sample of samplesOf(result)) {
    // A rollup row aligned before `from` (an hour that began earlier) belongs to the first bucket.
    const index = Math.max(0, Math.floor((sample.time - from) / bucketMs));
    const fold = folds.get(index);
    if (fold === undefined) folds.set(index, { min: sample.min, max: sample.max, sum: sample.avg * sample.count, count: sample.count });
    else {
      fold.min = Math.min(fold.min, sample.min);
      fold.max = Math.max(fold.max, sample.max);
      fold.sum += sample.avg * sample.count;
      fold.count += sample.count;
    }
  }
  return [...folds.entries()].sort(([a], [b]) => a - b).map(([index, fold]) => ({ start: from + index * bucketMs, min: fold.min, max: fold.max, avg: fold.sum / fold.count, count: fold.count }));
}

export interface NotGoodBucket {
  readonly start: number;
  /** Readings in the bucket whose quality was bad or uncertain (or that carried no value). */
  readonly count: number;
}

function notGoodSamplesOf(result: ReadingsResult): { time: number; count: number }[] {
  if (result.resolution === 'raw') return result.rows.flatMap((row) => (row.quality === 'good' && row.value !== null ? [] : [{ time: row.time, count: 1 }]));
  return result.rows.flatMap((row) => (row.count > row.goodCount ? [{ time: row.start, count: row.count - row.goodCount }] : []));
}

/** Buckets of `bucketMs` from `from` holding readings that were not good, with how many, oldest first. */
export function notGoodBuckets(result: ReadingsResult, from: number, bucketMs: number): NotGoodBucket[] {
  const counts = new Map<number, number>();
  for (const sample of notGoodSamplesOf(result)) {
    const index = Math.max(0, Math.floor((sample.time - from) / bucketMs));
    counts.set(index, (counts.get(index) ?? 0) + sample.count);
  }
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([index, count]) => ({ start: from + index * bucketMs, count }));
}
