/**
 * The generated kernels on their own: every rule's value, read from a window the kernel steps in place, against a
 * naive recompute after every reading. The quiet intervals are empty, so every rule hands its value over.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KERNEL_LAYOUT } from './layout.ts';
import { compileValueKernel, type KernelEnv, type KernelRule } from './kernel.ts';
import { AGGREGATE_AVG, AGGREGATE_MAX, AGGREGATE_MIN, PaneWindow, RATE_PER_MINUTE } from './window.ts';
import { naiveAggregates } from './window-naive.ts';

const L = KERNEL_LAYOUT;
const T0 = 1_700_000_000_000;
/** Where the window's region and header start in the shared arrays: not 0, as for most windows of an engine. */
const REGION_AT = 8;
const HEADER_AT = 16;

describe('value kernels', () => {
  it('hand every rule the aggregate of a naive recompute (raw and paned, min / max kept or not, ring growth)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gapMs: fc.oneof(fc.constant(0), fc.constantFrom(500, 1_000), fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 0, max: 90_000 })),
            value: fc.double({ min: -50, max: 50, noNaN: true }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom(1, 1_000, 7_000),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(4, 200),
        (readings, windowS, paneMs, minimum, maximum, expectedEntries) => {
          const shape = { windowMs: windowS * 1000, paneMs: Math.min(paneMs, windowS * 1000), holdMs: 60_000, tracksHeldValues: false };
          // A ring sized for few readings grows (and moves out of place) when readings come fast.
          const store = new PaneWindow(shape, expectedEntries);
          store.trackExtremes(minimum, maximum);
          const panes = new Float64Array(REGION_AT + store.panesLength);
          const headers = new Float64Array(HEADER_AT + L.header.length + L.header.heldLength);
          store.packInto(panes, REGION_AT, headers, HEADER_AT, HEADER_AT + L.header.length);
          const storeLayout = new Int32Array(L.storeFields);
          const noteLayout = () => {
            const layout = store.inPlaceLayout()!;
            storeLayout[L.storeHeader] = layout.panes === panes ? layout.hbase : -1;
            storeLayout[L.storeEntries] = layout.pbase;
            storeLayout[L.storeMask] = layout.mask;
            return layout;
          };
          const layout = noteLayout();
          const rules: KernelRule[] = [AGGREGATE_AVG, RATE_PER_MINUTE, ...(minimum ? [AGGREGATE_MIN] : []), ...(maximum ? [AGGREGATE_MAX] : [])].map((aggregate, condition) => ({
            condition,
            store: 0,
            aggregate,
          }));
          const scalars = new Float64Array(L.pointFields);
          const handed = new Map<number, number>();
          const ruleInput = new Float64Array(3);
          const env: KernelEnv = {
            scalars,
            ranges: new Int32Array(L.ruleFields),
            headers,
            panes,
            quiet: new Float64Array(rules.length * L.quietFields).fill(Number.POSITIVE_INFINITY).map((x, i) => (i % 2 === 0 ? x : -x)),
            storeLayout,
            storePaneMs: Float64Array.of(shape.paneMs),
            stores: [store],
            ruleInput,
            stepRule: (_index, k) => handed.set(k, ruleInput[0]!),
            refreshLimitBand: () => {},
            detectStuck: () => {},
            growStore: (_k, at) => {
              store.addFrom(scalars, at, true);
              noteLayout();
            },
          };
          const kernel = compileValueKernel(
            { stores: [{ heldValues: false, paned: shape.paneMs !== 1, stride: layout.stride, suffixMax: layout.suffixMax, suffixMin: layout.suffixMin }], limits: [], rules, stuck: false },
            L,
          )(env);
          const times: number[] = [];
          const values: number[] = [];
          let t = T0;
          for (const reading of readings) {
            t += reading.gapMs;
            times.push(t);
            values.push(reading.value);
            scalars[L.lastTime] = t;
            scalars[L.lastValue] = reading.value;
            handed.clear();
            kernel(0);
            const naive = naiveAggregates(
              shape,
              times,
              values,
              times.map(() => true),
              times.length - 1,
              t,
            );
            const rate = t > naive.oldestTime ? ((reading.value - naive.oldestValue) * 60_000) / (t - naive.oldestTime) : Number.NaN;
            const expected = { [AGGREGATE_AVG]: naive.average, [RATE_PER_MINUTE]: rate, [AGGREGATE_MIN]: naive.minimum, [AGGREGATE_MAX]: naive.maximum };
            rules.forEach((rule, k) => {
              const x = handed.get(k)!;
              const want = expected[rule.aggregate as keyof typeof expected];
              // Extremes exactly (-0 and 0 alike: no limit tells them apart, and which of two equal values a window keeps is its own).
              if (rule.aggregate === AGGREGATE_MIN || rule.aggregate === AGGREGATE_MAX) expect(x === want || (Number.isNaN(x) && Number.isNaN(want)), `${x} vs ${want}`).toBe(true);
              else if (Number.isNaN(want)) expect(x, 'no rate without elapsed time').toBeNaN();
              else expect(Math.abs(x - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('kernel source', () => {
  it('takes only integers and booleans from a shape', () => {
    const shape = { stores: [], limits: [0], rules: [], stuck: false };
    expect(() => compileValueKernel(shape, L)).not.toThrow();
    const injected = { ...shape, limits: ['0]; process.exit(1); //' as unknown as number] };
    expect(() => compileValueKernel(injected, L)).toThrow(/shape\.limits\[0\] is "0\]; process\.exit\(1\); \/\/", not an integer or a boolean/);
  });

  it('is compiled anew for each engine, from a source V8 cannot take for an earlier one', () => {
    const shape = { stores: [], limits: [0], rules: [], stuck: true };
    const [first, second] = [compileValueKernel(shape, L), compileValueKernel(shape, L)];
    expect(first).not.toBe(second);
    expect(first.toString()).not.toBe(second.toString());
    // The same code apart from the closing comment.
    const withoutComment = (kernel: unknown) => String(kernel).replace(/\/\/ compilation \d+\n?\}$/, '');
    expect(withoutComment(first)).toBe(withoutComment(second));
  });
});
