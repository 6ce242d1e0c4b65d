/**
 * The aggregates writers' recurring pieces of text (a point's id, an interval's `,start,end,`, a row's keys, a value
 * written already) copied into an output chunk four bytes at a time, as little-endian words through a DataView of it
 * (json-number.ts' viewOf). Byte by byte they were half the day's CSV writer: in one process, its 1.44M rows took
 * ~580 ms of CPU, ~340 with the numbers' digits left out and ~60 with the copies left out as well.
 *
 * A copy writes whole words: up to WORD_SLACK bytes past the piece's end, which the text after it overwrites or the
 * chunk's end (the bytes sent stop at the writer's index) leaves out. A writer keeps that much room after its last
 * piece.
 */

/** Bytes a word copy may write past the piece's end. */
export const WORD_SLACK = 3;

/** A piece's bytes as words, the last one padded. */
export interface WordPiece {
  readonly length: number;
  readonly words: Int32Array;
}

export function wordPiece(bytes: Uint8Array): WordPiece {
  const words = new Int32Array((bytes.length + WORD_SLACK) >> 2);
  for (let at = 0; at < bytes.length; at++) words[at >> 2]! |= bytes[at]! << ((at & 3) << 3);
  return { length: bytes.length, words };
}

/** Writes `piece` at `at` through `view` (WORD_SLACK bytes of room after it); returns the index after its last byte. */
export function copyPiece(view: DataView, at: number, piece: WordPiece): number {
  const { words } = piece;
  for (let word = 0; word < words.length; word++) view.setInt32(at + (word << 2), words[word]!, true);
  return at + piece.length;
}

/**
 * Writes the chunk's bytes from..end again at `at` (at >= end: a value or a row's counts written already), through
 * `view`, WORD_SLACK bytes of room after the copy as for copyPiece; returns the index after the copy.
 */
export function copyWritten(view: DataView, at: number, from: number, end: number): number {
  for (let source = from; source < end; source += 4) view.setInt32(at + source - from, view.getInt32(source, true), true);
  return at + end - from;
}
