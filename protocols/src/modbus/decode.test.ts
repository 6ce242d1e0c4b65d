import { describe, expect, it } from 'vitest';
import { linearScaling, makeRegisterDecoder, makeRegisterEncoder, makeScaling, wireByteIndex } from './decode.ts';
import { ne43Quality } from './ne43.ts';
import type { ValueType, WordOrder } from './point.ts';

/** Wire bytes written by hand from the value's big-endian bytes for each word order. */
const CASES: { type: Exclude<ValueType, 'bool' | 'bit'>; value: number; wire: Record<WordOrder, number[]> }[] = [
  { type: 'int16', value: -2, wire: { ABCD: [0xff, 0xfe], CDAB: [0xff, 0xfe], BADC: [0xfe, 0xff], DCBA: [0xfe, 0xff] } },
  { type: 'uint16', value: 0x1234, wire: { ABCD: [0x12, 0x34], CDAB: [0x12, 0x34], BADC: [0x34, 0x12], DCBA: [0x34, 0x12] } },
  {
    type: 'int32',
    value: -123456789, // 0xF8A432EB
    wire: { ABCD: [0xf8, 0xa4, 0x32, 0xeb], CDAB: [0x32, 0xeb, 0xf8, 0xa4], BADC: [0xa4, 0xf8, 0xeb, 0x32], DCBA: [0xeb, 0x32, 0xa4, 0xf8] },
  },
  {
    type: 'uint32',
    value: 0x89abcdef,
    wire: { ABCD: [0x89, 0xab, 0xcd, 0xef], CDAB: [0xcd, 0xef, 0x89, 0xab], BADC: [0xab, 0x89, 0xef, 0xcd], DCBA: [0xef, 0xcd, 0xab, 0x89] },
  },
  {
    type: 'float32',
    value: -12.25, // 0xC1440000
    wire: { ABCD: [0xc1, 0x44, 0x00, 0x00], CDAB: [0x00, 0x00, 0xc1, 0x44], BADC: [0x44, 0xc1, 0x00, 0x00], DCBA: [0x00, 0x00, 0x44, 0xc1] },
  },
  {
    type: 'float64',
    value: Math.PI, // 0x400921FB54442D18
    wire: {
      ABCD: [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18],
      CDAB: [0x2d, 0x18, 0x54, 0x44, 0x21, 0xfb, 0x40, 0x09],
      BADC: [0x09, 0x40, 0xfb, 0x21, 0x44, 0x54, 0x18, 0x2d],
      DCBA: [0x18, 0x2d, 0x44, 0x54, 0xfb, 0x21, 0x09, 0x40],
    },
  },
];

describe('register decoders', () => {
  for (const { type, value, wire } of CASES) {
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const) {
      it(`decodes ${type} ${order} from a hand-made byte layout, at an offset inside a longer response`, () => {
        const bytes = Buffer.from([0xaa, 0xbb, ...wire[order], 0xcc, 0xdd]);
        expect(makeRegisterDecoder(type, order)(bytes, 2)).toBe(value);
      });
      it(`encodes ${type} ${order} to the same wire bytes`, () => {
        const out = Buffer.alloc(wire[order].length);
        makeRegisterEncoder(type, order)(value, out, 0);
        expect([...out]).toEqual(wire[order]);
      });
    }
  }

  it('float32 1.5 is 3F C0 00 00 on the wire in ABCD', () => {
    expect(makeRegisterDecoder('float32', 'ABCD')(Buffer.from([0x3f, 0xc0, 0, 0]), 0)).toBe(1.5);
    expect(makeRegisterDecoder('float32', 'CDAB')(Buffer.from([0, 0, 0x3f, 0xc0]), 0)).toBe(1.5);
  });

  it('reads single bits of a register, bit 0 being the least significant', () => {
    const word = Buffer.from([0x08, 0x40]); // bits 11 and 6
    expect(makeRegisterDecoder('bit', 'ABCD', 11)(word, 0)).toBe(1);
    expect(makeRegisterDecoder('bit', 'ABCD', 6)(word, 0)).toBe(1);
    expect(makeRegisterDecoder('bit', 'ABCD', 5)(word, 0)).toBe(0);
    expect(makeRegisterDecoder('bit', 'BADC', 3)(word, 0)).toBe(1); // bytes swapped: 0x4008
  });

  it('maps value bytes to wire bytes for four words reversed', () => {
    expect([...wireByteIndex(4, 'CDAB')]).toEqual([6, 7, 4, 5, 2, 3, 0, 1]);
  });

  it('refuses to build a register decoder for a coil value', () => {
    expect(() => makeRegisterDecoder('bool', 'ABCD')).toThrow(TypeError);
  });
});

describe('scaling', () => {
  it('maps a raw span onto the engineering range and back (IGD 0..1200 -> -10..110 %LEL)', () => {
    const scaling = makeScaling({ scale: 1, offset: 0, rawRange: [0, 1200], range: [-10, 110], signal: null });
    expect(scaling.toEngineering(0)).toBe(-10);
    expect(scaling.toEngineering(600)).toBe(50);
    expect(scaling.toEngineering(1200)).toBe(110);
    expect(scaling.toRaw(50)).toBe(600);
  });

  it('applies scale and offset', () => {
    const scaling = makeScaling({ scale: 0.1, offset: -40, rawRange: null, range: null, signal: null });
    expect(scaling.toEngineering(650)).toBeCloseTo(25);
    expect(scaling.toRaw(25)).toBeCloseTo(650);
  });

  it('maps 4..20 mA onto a range', () => {
    const loop = linearScaling([4, 20], [0, 100]);
    expect(loop.toEngineering(12)).toBe(50);
    expect(loop.toEngineering(4)).toBe(0);
  });
});

describe('NE43 bands', () => {
  it.each([
    [3.5, 'bad'],
    [3.6, 'bad'],
    [3.7, 'uncertain'],
    [3.8, 'good'],
    [12, 'good'],
    [20.5, 'good'],
    [20.7, 'uncertain'],
    [21.0, 'bad'],
    [Number.NaN, 'bad'],
  ])('%s mA is %s', (milliamps, quality) => {
    expect(ne43Quality(milliamps)).toBe(quality);
  });
});
