import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NUMBER_BYTES, viewOf, writeNumber } from './json-number.ts';

const textOf = (value: number) => {
  const out = new Uint8Array(MAX_NUMBER_BYTES + 8).fill(0x7e);
  const end = writeNumber(out, viewOf(out), 4, value);
  expect(out[3], 'nothing written before the number').toBe(0x7e);
  expect(out[end], 'nothing written after the number').toBe(0x7e);
  return Buffer.from(out.subarray(4, end)).toString('latin1');
};

// Hundreds of thousands of generated doubles: seconds alone, over the suite's 30 s beside other test files on 2 busy cores.
describe('writeNumber', { timeout: 120_000 }, () => {
  it('writes what JSON.stringify writes for every finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(textOf(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes short decimals, as readings over a divisor give them, as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.constantFrom(1, 10, 100, 1000, 1e4, 1e6, 1e9, 3, 7), (scaled, divisor) => {
        expect(textOf(scaled / divisor)).toBe(JSON.stringify(scaled / divisor));
        expect(textOf((scaled * 1e7) / divisor)).toBe(JSON.stringify((scaled * 1e7) / divisor));
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes doubles of 1 to 17 significant digits around fixed notation as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 1e22, noNaN: true }), fc.integer({ min: 1, max: 17 }), fc.boolean(), (magnitude, precision, negative) => {
        const value = Number((negative ? -magnitude : magnitude).toPrecision(precision));
        expect(textOf(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 50_000 },
    );
  });

  it('writes every digit string of 1 to 17 digits with the point at each place as JSON.stringify does', () => {
    // The digits are written two at a time in two int32 halves of 8: this puts the point before, inside and after
    // either half, at the 8-digit seam, and leading zeros inside the lower half.
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{0,16}$/), fc.integer({ min: 0, max: 24 }), fc.boolean(), (digits, fractionDigits, negative) => {
        const value = Number(`${negative ? '-' : ''}${digits}e-${fractionDigits}`);
        expect(textOf(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 50_000 },
    );
  });

  it('writes the edges of fixed notation, of 15 digits, signs and zeros as String does', () => {
    const edges = [
      0,
      -0,
      1,
      -1,
      0.1,
      0.2 + 0.1,
      1e-6,
      1.5e-6,
      9.99e-7,
      1e-7,
      -1e-7,
      1e14,
      1e15,
      1e15 - 1,
      999_999_999_999_999,
      123_456_789_012_345.6,
      1e20,
      1e21,
      1e22,
      2 ** 53,
      2 ** 53 + 2,
      0.000001234567890123,
      59 / 60,
      1 / 3,
      100.5,
      0.5,
      2.5,
      -2.5,
      4.35,
      0.07,
      1.005,
      12_345_678.9,
      1_234_567.89,
      123_456_789.5,
      0.12345678,
      0.012345678,
      99_999_999,
      100_000_000,
      100_000_000.5,
      12_345_678.12345678,
      10_000_000.000000002,
      1_000_000_000_000.01,
      0.10000000000000002,
      90_000_000.00000001,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      Number.EPSILON,
      Infinity,
      -Infinity,
      Number.NaN,
    ];
    for (const value of edges) expect(textOf(value), String(value)).toBe(String(value));
  });
});
