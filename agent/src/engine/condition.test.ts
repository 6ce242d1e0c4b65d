/** Quiet intervals: what lets a good reading skip a condition's step, and what must not. */
import { describe, expect, it } from 'vitest';
import { ConditionTable, QUIET_FIELDS, ThresholdCondition } from './condition.ts';

describe('quiet intervals', () => {
  it('end a little inside a finite bound and keep an infinite one: a value far from the limits skips the step', () => {
    const above = new ThresholdCondition(true, 51, 0, 0, 0);
    const below = new ThresholdCondition(false, -3, 1, 0, 0);
    const table = new ConditionTable([above, below]);
    const quiet = (i: number) => Array.from(table.quiet.subarray(i * QUIET_FIELDS, (i + 1) * QUIET_FIELDS));
    const [aboveLow, aboveHigh] = quiet(0);
    expect(aboveLow).toBe(Number.NEGATIVE_INFINITY);
    expect(aboveHigh).toBeLessThan(51);
    expect(aboveHigh).toBeGreaterThan(51 - 1e-6);
    const [belowLow, belowHigh] = quiet(1);
    expect(belowLow).toBeGreaterThan(-3);
    expect(belowLow).toBeLessThan(-3 + 1e-6);
    expect(belowHigh).toBe(Number.POSITIVE_INFINITY);
    // Active: quiet from just inside the deadband up, without an upper bound.
    const io = Float64Array.of(60, 1_000);
    expect(table.stepFrom(0, io, 0, 1)).toBe(true);
    expect(quiet(0)[1]).toBe(Number.POSITIVE_INFINITY);
    expect(quiet(0)[0]).toBeGreaterThan(51);
  });
});
