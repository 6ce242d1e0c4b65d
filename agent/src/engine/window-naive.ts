/** Reference window aggregates recomputed from scratch over every reading: the oracle for tests and the baseline for the bench. */
import type { WindowShape } from './window.ts';

export interface NaiveAggregates {
  count: number;
  average: number;
  minimum: number;
  maximum: number;
  oldestTime: number;
  oldestValue: number;
  integral: number;
  coveredMs: number;
}

/**
 * Aggregates over (start, now] of readings 0..last (times ascending), with start = the pane-aligned window start.
 * Scans the whole history: O(n) per call on purpose.
 */
export function naiveAggregates(shape: WindowShape, times: ArrayLike<number>, values: ArrayLike<number>, good: ArrayLike<boolean | number>, last: number, now: number): NaiveAggregates {
  const start = Math.floor((now - shape.windowMs) / shape.paneMs) * shape.paneMs;
  const result: NaiveAggregates = {
    count: 0,
    average: Number.NaN,
    minimum: Number.NaN,
    maximum: Number.NaN,
    oldestTime: Number.NaN,
    oldestValue: Number.NaN,
    integral: 0,
    coveredMs: 0,
  };
  let sum = 0;
  for (let i = 0; i <= last; i += 1) {
    const t = times[i]!;
    if (!good[i]) continue;
    const v = values[i]!;
    const end = Math.min(i < last ? times[i + 1]! : now, t + shape.holdMs);
    const covered = Math.max(0, end - Math.max(t, start));
    result.integral += covered * v;
    result.coveredMs += covered;
    if (t <= start) continue;
    if (result.count === 0) {
      result.oldestTime = t;
      result.oldestValue = v;
      result.minimum = v;
      result.maximum = v;
    }
    result.count += 1;
    sum += v;
    result.minimum = Math.min(result.minimum, v);
    result.maximum = Math.max(result.maximum, v);
  }
  if (result.count > 0) result.average = sum / result.count;
  return result;
}
