import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { viewOf } from '../json-number.ts';
import { copyPiece, copyWritten, WORD_SLACK, wordPiece } from './word-pieces.ts';

const FILL = 0x7e;

describe('word pieces', () => {
  it('copies a piece of any length at any place, writing at most WORD_SLACK bytes past it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(7), (bytes, at) => {
        const out = new Uint8Array(at + bytes.length + WORD_SLACK + 4).fill(FILL);
        const end = copyPiece(viewOf(out), at, wordPiece(bytes));
        expect(end).toBe(at + bytes.length);
        expect([...out.subarray(at, end)]).toEqual([...bytes]);
        expect([...out.subarray(0, at)], 'nothing before it').toEqual(Array(at).fill(FILL));
        expect([...out.subarray(end + WORD_SLACK)], 'nothing past the slack').toEqual(Array(out.length - end - WORD_SLACK).fill(FILL));
      }),
      { numRuns: 2_000 },
    );
  });

  it('copies bytes written already to a later place, right after them too, leaving them as they were', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), fc.nat(5), fc.nat(6), (bytes, before, gap) => {
        const out = new Uint8Array(before + 2 * bytes.length + gap + WORD_SLACK + 4).fill(FILL);
        out.set(bytes, before);
        const from = before;
        const at = from + bytes.length + gap;
        const end = copyWritten(viewOf(out), at, from, from + bytes.length);
        expect(end).toBe(at + bytes.length);
        expect([...out.subarray(at, end)]).toEqual([...bytes]);
        expect([...out.subarray(from, from + bytes.length)], 'the source unchanged').toEqual([...bytes]);
        expect([...out.subarray(end + WORD_SLACK)], 'nothing past the slack').toEqual(Array(out.length - end - WORD_SLACK).fill(FILL));
      }),
      { numRuns: 2_000 },
    );
  });
});
