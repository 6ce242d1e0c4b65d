/**
 * A page of `GET /api/v1/aggregates` as JSON bytes, written from the store's columns in chunks as the socket takes
 * them: a page of 60k rows is ~10 MB, which as one buffer was written whole before its first byte was sent and held
 * whole until the last. No JS string or object per row or value; what recurs is encoded once (each point's id as it
 * comes, the bucket starts, counts and completeness per page); numbers by writeNumber.
 */
import type { AggregateColumns } from '@hazmon/agent';
import { standsForItself } from '../json-bytes.ts';
import { MAX_NUMBER_BYTES, viewOf, writeNumber } from '../json-number.ts';
import { type ChunkSource, newChunk } from './chunk-pool.ts';
import { copyPiece, WORD_SLACK, type WordPiece, wordPiece } from './word-pieces.ts';

const utf8 = (text: string) => Buffer.from(text);
const PIECES = {
  first: wordPiece(utf8('{"pointId":')),
  next: wordPiece(utf8(',{"pointId":')),
  avg: wordPiece(utf8(',"avg":')),
  max: wordPiece(utf8(',"max":')),
};
const NULL = utf8('null');
const QUOTE = 0x22;
/** A row's bytes beyond its point id, bucket start and end pieces, at most: three keys, three numbers and a word copy's slack. */
const ROW_BYTES_BEYOND_PIECES = 26 + 3 * MAX_NUMBER_BYTES + WORD_SLACK;

export interface AggregatePage {
  /** The text before the rows, e.g. `{"interval":"1m","rows":[`. */
  readonly head: string;
  /** The rows, by point then start; absent for a page without points. */
  readonly columns: AggregateColumns | undefined;
  /** The start of the page's first interval and the interval: each row's start is one of from + i * intervalMs. */
  readonly from: number;
  readonly intervalMs: number;
  /** The text after the rows, e.g. `],"next":null}`. */
  readonly tail: string;
  /** Called with the columns once every row is text (the writer reads them no more): a SpareColumns' give. */
  readonly written?: (columns: AggregateColumns) => void;
  /** Where the chunks come from (a ChunkPool's, the route's); new ones without. */
  readonly chunks?: ChunkSource;
}

/** The page's bytes as a stream of chunks, each written when the socket asks for more. */
export function aggregatePageBody(page: AggregatePage): ReadableStream<Uint8Array> {
  const writer = new AggregatePageWriter(page);
  return chunkStream(() => writer.nextChunk());
}

/** A stream of the chunks `next` writes, each written when the socket asks for more; undefined ends it. */
export function chunkStream(next: () => Uint8Array | undefined): ReadableStream<Uint8Array> {
  return new ReadableStream(
    {
      pull(controller) {
        const chunk = next();
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    },
    // One chunk at a time: the next is written once the socket has taken the last.
    { highWaterMark: 0 },
  );
}

class AggregatePageWriter {
  /** The page's columns until every row is written. */
  private columns: AggregateColumns | undefined;
  private readonly rows: number;
  private row = 0;
  private headWritten = false;
  private tailWritten = false;
  /** Each interval's `,"start":"…","min":`, encoded when first written. */
  private readonly startPieces: (WordPiece | undefined)[] = [];
  /** `,"count":…,"completeness":…}` by count, then completeness: a page holds few of them. */
  private readonly rowEnds = new Map<number, Map<number, WordPiece>>();
  private lastPointId: string | undefined;
  /** The last row's point id as its JSON string (rows come by point). */
  private readonly pointIdJson = new PointIdJson();
  private lastCount = Number.NaN;
  private lastCompleteness = Number.NaN;
  private rowEnd: WordPiece = PIECES.first;

  constructor(private readonly page: AggregatePage) {
    this.columns = page.columns;
    this.rows = page.columns?.length ?? 0;
  }

  nextChunk(): Uint8Array | undefined {
    if (this.tailWritten) return undefined;
    const { page } = this;
    let out = (page.chunks ?? newChunk)();
    let view = viewOf(out);
    let at = 0;
    if (!this.headWritten) {
      at += out.write(page.head, at, 'utf8');
      this.headWritten = true;
    }
    const { columns, rows } = this;
    let row = this.row;
    if (columns !== undefined) {
      const { pointIds, intervals, start: starts, min, avg, max, count, completeness } = columns;
      for (; row < rows; row++) {
        const pointId = pointIds[(row / intervals) | 0]!;
        if (pointId !== this.lastPointId) {
          this.lastPointId = pointId;
          this.pointIdJson.encode(pointId);
        }
        if (count[row] !== this.lastCount || completeness[row] !== this.lastCompleteness) {
          this.lastCount = count[row]!;
          this.lastCompleteness = completeness[row]!;
          this.rowEnd = this.rowEndOf(this.lastCount, this.lastCompleteness);
        }
        const startPiece = this.startPiece(starts[row]!);
        const rowBytes = this.pointIdJson.length + startPiece.length + this.rowEnd.length + ROW_BYTES_BEYOND_PIECES;
        if (at + rowBytes > out.length) {
          // A row always fits an empty chunk (a point id of any length gets a chunk of its own size).
          if (at > 0) break;
          out = Buffer.allocUnsafe(rowBytes);
          view = viewOf(out);
        }
        // The first row has no comma before it.
        at = copyPiece(view, at, row === 0 ? PIECES.first : PIECES.next);
        at = this.pointIdJson.copyTo(out, at);
        at = copyPiece(view, at, startPiece);
        at = writeValue(out, view, at, min[row]!);
        at = copyPiece(view, at, PIECES.avg);
        at = writeValue(out, view, at, avg[row]!);
        at = copyPiece(view, at, PIECES.max);
        at = writeValue(out, view, at, max[row]!);
        at = copyPiece(view, at, this.rowEnd);
      }
    }
    this.row = row;
    if (row >= rows && columns !== undefined) {
      this.columns = undefined;
      page.written?.(columns);
    }
    if (row >= rows && at + Buffer.byteLength(page.tail) <= out.length) {
      at += out.write(page.tail, at, 'utf8');
      this.tailWritten = true;
    }
    return out.subarray(0, at);
  }

  private rowEndOf(count: number, completeness: number): WordPiece {
    let byCompleteness = this.rowEnds.get(count);
    if (byCompleteness === undefined) this.rowEnds.set(count, (byCompleteness = new Map()));
    let rowEnd = byCompleteness.get(completeness);
    if (rowEnd === undefined) byCompleteness.set(completeness, (rowEnd = wordPiece(utf8(`,"count":${count},"completeness":${completeness}}`))));
    return rowEnd;
  }

  private startPiece(start: number): WordPiece {
    const index = (start - this.page.from) / this.page.intervalMs;
    let piece = this.startPieces[index];
    if (piece === undefined) this.startPieces[index] = piece = wordPiece(utf8(`,"start":${JSON.stringify(new Date(start).toISOString())},"min":`));
    return piece;
  }
}

/** A number, or null for NaN (the store's columns' null); `view` is a DataView of `out` (viewOf). */
export function writeValue(out: Uint8Array, view: DataView, at: number, value: number): number {
  return Number.isNaN(value) ? copy(out, at, NULL) : writeNumber(out, view, at, value);
}

/**
 * A point id's JSON string, encoded into a buffer of the writer's own and written over for the next point: no Buffer
 * per point id, neither per page (10k a page outlived the young generation) nor per config (10k kept, ~2 MB of heap for
 * as long as the config, beside the agent's RSS target).
 */
export class PointIdJson {
  private bytes = Buffer.allocUnsafe(256);
  length = 0;

  encode(pointId: string): void {
    // Text that stands for itself (printable ASCII but the quote and the backslash) is copied as it is read: no string
    // made, no call out of JavaScript, 10k ids a regulator's pull of the last minute; anything else as JSON.stringify writes it.
    if (pointId.length + 2 <= this.bytes.length) {
      const { bytes } = this;
      bytes[0] = QUOTE;
      let i = 0;
      for (; i < pointId.length; i++) {
        const code = pointId.charCodeAt(i);
        if (!standsForItself(code)) break;
        bytes[i + 1] = code;
      }
      if (i === pointId.length) {
        bytes[i + 1] = QUOTE;
        this.length = i + 2;
        return;
      }
    }
    const json = JSON.stringify(pointId);
    // UTF-16 code units to UTF-8: at most 3 bytes each.
    if (json.length * 3 > this.bytes.length) this.bytes = Buffer.allocUnsafe(json.length * 3);
    this.length = this.bytes.write(json, 0, 'utf8');
  }

  /** The encoded id into `out` at `at`; returns the index after it. */
  copyTo(out: Uint8Array, at: number): number {
    return copy(out, at, this.bytes, this.length);
  }
}

/** Short pieces byte by byte (the first `length` of `bytes`): cheaper than TypedArray.set's call for a few dozen bytes. */
export function copy(out: Uint8Array, at: number, bytes: Uint8Array, length = bytes.length): number {
  for (let i = 0; i < length; i++) out[at + i] = bytes[i]!;
  return at + length;
}
