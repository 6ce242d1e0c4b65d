import { describe, expect, it } from 'vitest';
import { batchSizeAfter } from './ingest.ts';

describe('batchSizeAfter', () => {
  it('fetches 500 small messages a batch, as many large ones as fit in ~8 MB, and always at least one', () => {
    expect(batchSizeAfter(400)).toBe(500);
    // A minute's aggregate part of a 440-point gateway, ~48 KB: 174 a batch instead of 500 (24 MB).
    expect(batchSizeAfter(48_000)).toBe(174);
    expect(batchSizeAfter(8 * 1024 * 1024)).toBe(1);
    expect(batchSizeAfter(64 * 1024 * 1024)).toBe(1);
  });
});
