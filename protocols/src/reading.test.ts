import { describe, expect, it } from 'vitest';
import { effectiveTime } from './reading.ts';

describe('effectiveTime', () => {
  it('prefers the source timestamp and falls back to the receive time', () => {
    expect(effectiveTime({ sourceTime: 1_000, receiveTime: 2_000 })).toBe(1_000);
    expect(effectiveTime({ sourceTime: null, receiveTime: 2_000 })).toBe(2_000);
  });
});
