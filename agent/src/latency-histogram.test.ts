/** The latency histogram puts each sample in the first bucket whose bound it does not exceed. */
import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS_MS, LatencyHistogram } from './latency-histogram.ts';

describe('LatencyHistogram', () => {
  it('counts samples per bucket, on the bound inclusive, above every bound in the last bucket', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0, 1, 1.5, 100, 100.1, 20_000, -3]) histogram.record(ms);
    const snapshot = histogram.snapshot();
    expect(snapshot.counts).toHaveLength(LATENCY_BOUNDS_MS.length + 1);
    const at = (bound: number) => snapshot.counts[LATENCY_BOUNDS_MS.indexOf(bound)];
    expect(at(1)).toBe(3); // 0, 1 and the negative sample clamped to 0
    expect(at(2)).toBe(1);
    expect(at(100)).toBe(1);
    expect(at(200)).toBe(1);
    expect(snapshot.counts.at(-1)).toBe(1);
    expect(snapshot).toMatchObject({ count: 7, maxMs: 20_000, sumMs: 0 + 1 + 1.5 + 100 + 100.1 + 20_000 });
  });
});
