import { describe, expect, it } from 'vitest';
import { decodeRegisters, encodeRegisters, REGISTER_VALUE_TYPES, registerCount, WORD_ORDERS } from './word-order.ts';

describe('word order', () => {
  // 0x40490FDB is float32 pi: A=0x40 B=0x49 C=0x0F D=0xDB.
  const piWords = {
    ABCD: [0x4049, 0x0fdb],
    CDAB: [0x0fdb, 0x4049],
    BADC: [0x4940, 0xdb0f],
    DCBA: [0xdb0f, 0x4940],
  } as const;

  for (const order of WORD_ORDERS) {
    it(`puts float32 bytes on the wire as ${order}`, () => {
      const registers = new Uint16Array(2);
      encodeRegisters('float32', order, Math.fround(Math.PI), registers, 0);
      expect(Array.from(registers)).toEqual(piWords[order]);
    });
  }

  it('orders 64-bit values by the same rule', () => {
    const registers = new Uint16Array(4);
    encodeRegisters('uint64', 'CDAB', 0x0001_0002_0003_0004, registers, 0);
    expect(Array.from(registers)).toEqual([4, 3, 2, 1]);
    encodeRegisters('uint64', 'DCBA', 0x0001_0002_0003_0004, registers, 0);
    expect(Array.from(registers)).toEqual([0x0400, 0x0300, 0x0200, 0x0100]);
  });

  it('round-trips every type in every order', () => {
    const samples: Record<string, number> = {
      int16: -1234,
      uint16: 54321,
      int32: -123456789,
      uint32: 3_000_000_000,
      float32: Math.fround(-12.5),
      int64: -9_007_199_254_740_991,
      uint64: 9_007_199_254_740_991,
      float64: 1234.5678901234,
    };
    for (const type of REGISTER_VALUE_TYPES) {
      for (const order of WORD_ORDERS) {
        const registers = new Uint16Array(registerCount(type) + 1);
        encodeRegisters(type, order, samples[type]!, registers, 1);
        expect(decodeRegisters(type, order, registers, 1), `${type} ${order}`).toBe(samples[type]);
      }
    }
  });
});
