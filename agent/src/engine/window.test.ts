/** Property tests: every pane-window aggregate equals a naive recompute over random readings, gaps and window lengths. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naiveAggregates } from './window-naive.ts';
import { AGGREGATE_AVG, AGGREGATE_MAX, AGGREGATE_MIN, AGGREGATE_TWA, PaneWindow, RATE_PER_MINUTE, WINDOW_HEADER } from './window.ts';

/** Equal up to float rounding: relative to the result or to the magnitude of the terms summed (cancellation). */
function close(actual: number, expected: number, termScale: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected), termScale);
}

const readingsArbitrary = fc.array(
  fc.record({
    gapMs: fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 200_000 })),
    value: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
    good: fc.integer({ min: 0, max: 9 }).map((n) => n < 8),
    tickAfterMs: fc.integer({ min: 0, max: 50_000 }),
  }),
  { minLength: 1, maxLength: 150 },
);

describe('PaneWindow', () => {
  it('equals a naive recompute after every reading and tick (raw and paned, random gaps and lengths)', () => {
    fc.assert(
      fc.property(
        readingsArbitrary,
        fc.integer({ min: 1, max: 120_000 }),
        fc.constantFrom(1, 7, 1_000, 15_000),
        fc.integer({ min: 1, max: 90_000 }),
        fc.boolean(),
        (readings, windowMs, paneMs, holdMs, tracksHeldValues) => {
          const shape = { windowMs, paneMs, holdMs, tracksHeldValues };
          const window = new PaneWindow(shape, 2);
          // The same window keeping one extreme only, as the engine builds it when no rule reads the other, and
          // packed side by side into shared arrays as the engine does (they move out when they outgrow their region).
          const minimumOnly = new PaneWindow(shape, 64);
          minimumOnly.trackExtremes(true, false);
          const maximumOnly = new PaneWindow(shape, 64);
          maximumOnly.trackExtremes(false, true);
          const sharedPanes = new Float64Array(3 + minimumOnly.panesLength + maximumOnly.panesLength).fill(Number.NaN);
          const headerLength = WINDOW_HEADER.length + WINDOW_HEADER.heldLength;
          const sharedHeaders = new Float64Array(5 + 2 * headerLength).fill(Number.NaN);
          minimumOnly.packInto(sharedPanes, 3, sharedHeaders, 5, 5 + WINDOW_HEADER.length);
          maximumOnly.packInto(sharedPanes, 3 + minimumOnly.panesLength, sharedHeaders, 5 + headerLength, 5 + headerLength + WINDOW_HEADER.length);
          const times: number[] = [];
          const values: number[] = [];
          const good: boolean[] = [];
          let t = 1_700_000_000_000;
          readings.forEach((reading, i) => {
            t += reading.gapMs;
            for (const w of [window, minimumOnly, maximumOnly]) w.add(t, reading.value, reading.good);
            times.push(t);
            values.push(reading.value);
            good.push(reading.good);
            // A later query must not run past the next reading: times never go backwards.
            const nextGap = readings[i + 1]?.gapMs ?? reading.tickAfterMs;
            for (const now of [t, t + Math.min(reading.tickAfterMs, nextGap)]) {
              for (const w of [window, minimumOnly, maximumOnly]) w.evict(now);
              const expected = naiveAggregates(shape, times, values, good, times.length - 1, now);
              // The engine reads rule values through ruleValueInto: the same numbers as the named methods.
              const io = Float64Array.of(Number.NaN, now, reading.value);
              const ruleValue = (kind: number) => {
                window.ruleValueInto(kind, io);
                return io[0]!;
              };
              expect([ruleValue(AGGREGATE_AVG), ruleValue(AGGREGATE_MIN), ruleValue(AGGREGATE_MAX)]).toEqual([window.average(), window.minimum(), window.maximum()]);
              // Nothing covered is no value (NaN), not the running integral's rounding remainder divided by 0.
              const covered = window.coveredMs(now);
              if (tracksHeldValues) expect(ruleValue(AGGREGATE_TWA)).toBe(covered > 0 ? window.timeWeightedIntegral(now) / covered : Number.NaN);
              const oldest = window.oldestTime();
              expect(ruleValue(RATE_PER_MINUTE)).toBe(now > oldest ? ((reading.value - window.oldestValue()) * 60_000) / (now - oldest) : Number.NaN);
              for (const w of [window, minimumOnly, maximumOnly]) {
                const actual = {
                  count: w.readingCount,
                  average: w.average(),
                  minimum: w === maximumOnly ? expected.minimum : w.minimum(),
                  maximum: w === minimumOnly ? expected.maximum : w.maximum(),
                  oldestTime: w.oldestTime(),
                  oldestValue: w.oldestValue(),
                  integral: w.timeWeightedIntegral(now),
                  coveredMs: w.coveredMs(now),
                };
                const largest = Math.max(...values.map(Math.abs));
                for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
                  if (!tracksHeldValues && (key === 'integral' || key === 'coveredMs')) continue;
                  const termScale = key === 'integral' ? largest * (windowMs + paneMs) : key === 'average' ? largest : 0;
                  if (!close(actual[key], expected[key], termScale)) {
                    throw new Error(`${key} at ${now}: engine ${actual[key]} naive ${expected[key]}`);
                  }
                }
              }
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('exactRuleValueInto: an avg or twa of equal values is that value, whatever left the window before (raw and paned)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { maxLength: 60 }),
        fc.oneof(
          fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 100),
          fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        ),
        fc.integer({ min: 1, max: 2_000 }),
        fc.constantFrom(1, 7, 1_000, 60_000),
        fc.integer({ min: 1, max: 997 }),
        (before, value, count, paneMs, stride) => {
          const shape = { windowMs: 600_000, paneMs, holdMs: 5_000 };
          const window = new PaneWindow(shape, 8);
          let t = 1_700_000_000_000;
          for (const other of before) window.add((t += 900), other, true);
          // Past the window, then `count` readings at irregular intervals (1 ms to 1 s apart).
          t += 700_000;
          for (let i = 0; i < count; i += 1) window.add((t += 1 + ((i * stride) % 1_000)), value, true);
          const io = Float64Array.of(Number.NaN, t + 500, value);
          for (const kind of [AGGREGATE_AVG, AGGREGATE_TWA]) {
            window.exactRuleValueInto(kind, io);
            // -0 and 0 alike: no limit tells them apart.
            expect(io[0] === value, `${kind === AGGREGATE_AVG ? 'avg' : 'twa'} ${io[0]} vs ${value}`).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses to read an extreme it was built without', () => {
    const window = new PaneWindow({ windowMs: 10_000, paneMs: 1, holdMs: 1_000 }, 4);
    window.trackExtremes(false, true);
    window.add(1_000, 5, true);
    expect(window.maximum()).toBe(5);
    expect(() => window.minimum()).toThrow(/minimum/);
    expect(() => window.trackExtremes(true, true)).toThrow(/first reading/);
  });

  it('keeps memory bounded for an 8 h window with 1-minute panes however many readings arrive', () => {
    const window = new PaneWindow({ windowMs: 8 * 3_600_000, paneMs: 60_000, holdMs: 10_000 }, 481);
    const before = window.stateBytes;
    for (let i = 0; i < 100_000; i += 1) window.add(i * 1_000, i % 17, true);
    expect(window.stateBytes).toBe(before);
    expect(window.readingCount).toBeLessThanOrEqual(8 * 3_600 + 60);
  });

  it('restores from a snapshot to the same aggregates', () => {
    const shape = { windowMs: 60_000, paneMs: 1, holdMs: 5_000 };
    const original = new PaneWindow(shape, 8);
    for (let i = 0; i < 200; i += 1) original.add(i * 700, Math.sin(i) * 10, i % 9 !== 0);
    const copy = new PaneWindow(shape, 8);
    copy.restore(JSON.parse(JSON.stringify(original.snapshot())));
    for (const now of [139_300, 150_000]) {
      original.evict(now);
      copy.evict(now);
      expect(copy.readingCount).toBe(original.readingCount);
      expect([copy.minimum(), copy.maximum(), copy.oldestTime()]).toEqual([original.minimum(), original.maximum(), original.oldestTime()]);
      expect(copy.average()).toBeCloseTo(original.average(), 9);
      expect(copy.timeWeightedIntegral(now)).toBeCloseTo(original.timeWeightedIntegral(now), 6);
    }
    original.add(160_000, 3, true);
    copy.add(160_000, 3, true);
    expect(copy.timeWeightedIntegral(170_000)).toBeCloseTo(original.timeWeightedIntegral(170_000), 6);
  });
});
