import { describe, expect, it } from 'vitest';
import { REASON_BY_CODE, REASON_CODE, effectiveTime } from './reading.ts';

describe('effectiveTime', () => {
  it('prefers the source timestamp and falls back to the receive time', () => {
    expect(effectiveTime({ sourceTime: 1_000, receiveTime: 2_000 })).toBe(1_000);
    expect(effectiveTime({ sourceTime: null, receiveTime: 2_000 })).toBe(2_000);
  });

  it('counts a restated value as of its receive time, not its older source time', () => {
    expect(effectiveTime({ sourceTime: 1_000, receiveTime: 9_000, restated: true })).toBe(9_000);
  });
});

describe('reason codes', () => {
  it('are distinct, non-zero, and read back to the same reason', () => {
    const codes = Object.values(REASON_CODE);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
    for (const [reason, code] of Object.entries(REASON_CODE)) expect(REASON_BY_CODE[code]).toBe(reason);
    expect(REASON_BY_CODE[0]).toBeUndefined();
  });
});
