import { describe, expect, it } from 'vitest';
import { RegisterBank } from '../devices/register-bank.ts';
import { handleRequestPdu, MAX_PDU_LENGTH } from './pdu.ts';

const unit = new RegisterBank('bank', {
  generate: [
    { namePrefix: 'h', count: 200, table: 'holding', type: 'uint16' },
    { namePrefix: 'c', count: 2000, table: 'coil', type: 'bool' },
  ],
});

function answer(pdu: number[]): number[] {
  const res = Buffer.alloc(MAX_PDU_LENGTH);
  const length = handleRequestPdu(unit, Buffer.from(pdu), 0, pdu.length, res, 0);
  return [...res.subarray(0, length)];
}

describe('handleRequestPdu', () => {
  it('checks read quantities against the protocol limits (exception 03)', () => {
    expect(answer([0x03, 0, 0, 0, 0])).toEqual([0x83, 0x03]);
    expect(answer([0x03, 0, 0, 0, 125]).length).toBe(2 + 250);
    expect(answer([0x01, 0, 0, 0x07, 0xd0]).length).toBe(2 + 250);
    expect(answer([0x01, 0, 0, 0x07, 0xd1])).toEqual([0x81, 0x03]);
  });

  it('answers illegal data address when a read runs past the defined range', () => {
    expect(answer([0x03, 0, 199, 0, 2])).toEqual([0x83, 0x02]);
    expect(answer([0x04, 0, 0, 0, 1])).toEqual([0x84, 0x02]);
  });

  it('refuses FC15/FC16 whose byte count does not match the quantity, and writes nothing', () => {
    expect(answer([0x10, 0, 0, 0, 2, 3, 0, 1, 0])).toEqual([0x90, 0x03]);
    expect(answer([0x0f, 0, 0, 0, 9, 1, 0xff])).toEqual([0x8f, 0x03]);
    expect(unit.get('h0')).toBe(0);
  });

  it('writes FC16 and FC15 and echoes address and quantity', () => {
    expect(answer([0x10, 0, 1, 0, 2, 4, 0, 7, 0, 8])).toEqual([0x10, 0, 1, 0, 2]);
    expect([unit.get('h1'), unit.get('h2')]).toEqual([7, 8]);
    expect(answer([0x0f, 0, 0, 0, 10, 2, 0b0000_0101, 0b10])).toEqual([0x0f, 0, 0, 0, 10]);
    expect([0, 1, 2, 8, 9].map((i) => unit.get(`c${i}`))).toEqual([1, 0, 1, 0, 1]);
    expect(answer([0x01, 0, 0, 0, 10])).toEqual([0x01, 2, 0b0000_0101, 0b10]);
  });
});
