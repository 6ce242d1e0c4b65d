import { describe, expect, it } from 'vitest';
import { crc16 } from './crc16.ts';
import { appendCrc, expectedRequestLength, hasValidCrc, interFrameSilenceMs } from './rtu-framing.ts';

describe('RTU framing', () => {
  it('computes the Modbus CRC of the specification example (01 03 00 00 00 01 -> 84 0A)', () => {
    const frame = Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0, 0]);
    appendCrc(frame, 8);
    expect([...frame.subarray(6)]).toEqual([0x84, 0x0a]);
    expect(crc16(frame, 0, 6)).toBe(0x0a84);
    expect(hasValidCrc(frame, 0, 8)).toBe(true);
    frame[3] = 1;
    expect(hasValidCrc(frame, 0, 8)).toBe(false);
  });

  it('knows request lengths from the function code, waiting for the byte count of FC15/16', () => {
    expect(expectedRequestLength(Buffer.from([1]), 0, 1)).toBe(0);
    expect(expectedRequestLength(Buffer.from([1, 3]), 0, 2)).toBe(8);
    expect(expectedRequestLength(Buffer.from([1, 0x10, 0, 0, 0, 2]), 0, 6)).toBe(0);
    expect(expectedRequestLength(Buffer.from([1, 0x10, 0, 0, 0, 2, 4]), 0, 7)).toBe(13);
    expect(expectedRequestLength(Buffer.from([1, 0x2b]), 0, 2)).toBe(-1);
  });

  it('uses 3.5 character times of silence, fixed at 1.75 ms above 19200 baud', () => {
    // 8E1: 11 bits per character; at 19200 baud 3.5 characters take about 2.005 ms.
    expect(interFrameSilenceMs({ baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1 })).toBeCloseTo((3.5 * 11 * 1000) / 19200, 10);
    expect(interFrameSilenceMs({ baudRate: 115200, parity: 'none', dataBits: 8, stopBits: 1 })).toBe(1.75);
  });
});
