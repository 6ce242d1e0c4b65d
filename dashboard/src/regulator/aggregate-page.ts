/**
 * A page of `GET /api/v1/aggregates` as JSON bytes, written from the store's columns in chunks as the socket takes
 * them: a page of 60k rows is ~10 MB, which as one buffer was written whole before its first byte was sent and held
 * whole until the last. No JS string or object per row or value; what recurs is encoded once (the point ids per
 * config, the bucket starts, counts and completeness per page); numbers by writeNumber.
 */
import type { AggregateColumns } from '@hazmon/agent';
import { MAX_NUMBER_BYTES, writeNumber } from '../json-number.ts';

/** The bytes of one chunk: the socket's writes are few, and a chunk is small against the unit's heap. */
const CHUNK_BYTES = 256 * 1024;

const utf8 = (text: string) => Buffer.from(text);
const PIECES = {
  first: utf8('{"pointId":'),
  next: utf8(',{"pointId":'),
  avg: utf8(',"avg":'),
  max: utf8(',"max":'),
  count: utf8(',"count":'),
  completeness: utf8(',"completeness":'),
  null: utf8('null'),
};
/** A row's bytes but its point id and bucket start, at most: the pieces, three numbers, count and completeness. */
const ROW_BYTES_BEYOND_ID_AND_START = 80 + 5 * MAX_NUMBER_BYTES;

export interface AggregatePage {
  /** The text before the rows, e.g. `{"interval":"1m","rows":[`. */
  readonly head: string;
  /** The rows, by point then start; absent for a page without points. */
  readonly columns: AggregateColumns | undefined;
  /** The start of the page's first interval and the interval: each row's start is one of from + i * intervalMs. */
  readonly from: number;
  readonly intervalMs: number;
  /** Each configured point id as its JSON string, encoded. */
  readonly pointIdJson: ReadonlyMap<string, Uint8Array>;
  /** The text after the rows, e.g. `],"next":null}`. */
  readonly tail: string;
}

/** The page's bytes as a stream of chunks, each written when the socket asks for more. */
export function aggregatePageBody(page: AggregatePage): ReadableStream<Uint8Array> {
  const writer = new AggregatePageWriter(page);
  return new ReadableStream(
    {
      pull(controller) {
        const chunk = writer.nextChunk();
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    },
    // One chunk at a time: the next is written once the socket has taken the last.
    { highWaterMark: 0 },
  );
}

class AggregatePageWriter {
  private row = 0;
  private headWritten = false;
  private tailWritten = false;
  /** Each interval's `,"start":"…","min":`, encoded when first written. */
  private readonly startPieces: (Uint8Array | undefined)[];
  private readonly countText = new Map<number, Uint8Array>();
  private readonly completenessText = new Map<number, Uint8Array>();
  private lastPointId: string | undefined;
  private lastPointIdJson: Uint8Array = PIECES.null;

  constructor(private readonly page: AggregatePage) {
    this.startPieces = [];
  }

  nextChunk(): Uint8Array | undefined {
    if (this.tailWritten) return undefined;
    const { page } = this;
    let out = Buffer.allocUnsafe(CHUNK_BYTES);
    let at = 0;
    if (!this.headWritten) {
      at += out.write(page.head, at, 'utf8');
      this.headWritten = true;
    }
    const columns = page.columns;
    const rows = columns?.length ?? 0;
    let row = this.row;
    if (columns !== undefined) {
      const { pointId: pointIds, start: starts, min, avg, max, count, completeness } = columns;
      for (; row < rows; row++) {
        const pointId = pointIds[row]!;
        if (pointId !== this.lastPointId) {
          this.lastPointId = pointId;
          this.lastPointIdJson = page.pointIdJson.get(pointId) ?? utf8(JSON.stringify(pointId));
        }
        const idJson = this.lastPointIdJson;
        const startPiece = this.startPiece(starts[row]!);
        const rowBytes = idJson.length + startPiece.length + ROW_BYTES_BEYOND_ID_AND_START;
        if (at + rowBytes > out.length) {
          // A row always fits an empty chunk (a point id of any length gets a chunk of its own size).
          if (at > 0) break;
          out = Buffer.allocUnsafe(rowBytes);
        }
        at = copy(out, at, row === 0 ? PIECES.first : PIECES.next);
        at = copy(out, at, idJson);
        at = copy(out, at, startPiece);
        at = writeValue(out, at, min[row]!);
        at = copy(out, at, PIECES.avg);
        at = writeValue(out, at, avg[row]!);
        at = copy(out, at, PIECES.max);
        at = writeValue(out, at, max[row]!);
        at = copy(out, at, PIECES.count);
        at = copy(out, at, recurring(this.countText, count[row]!));
        at = copy(out, at, PIECES.completeness);
        at = copy(out, at, recurring(this.completenessText, completeness[row]!));
        out[at++] = 0x7d; // }
      }
    }
    this.row = row;
    if (row >= rows && at + Buffer.byteLength(page.tail) <= out.length) {
      at += out.write(page.tail, at, 'utf8');
      this.tailWritten = true;
    }
    return out.subarray(0, at);
  }

  private startPiece(start: number): Uint8Array {
    const index = (start - this.page.from) / this.page.intervalMs;
    let piece = this.startPieces[index];
    if (piece === undefined) this.startPieces[index] = piece = utf8(`,"start":${JSON.stringify(new Date(start).toISOString())},"min":`);
    return piece;
  }
}

/** A number, or null for NaN (the store's columns' null). */
function writeValue(out: Uint8Array, at: number, value: number): number {
  return Number.isNaN(value) ? copy(out, at, PIECES.null) : writeNumber(out, at, value);
}

/** A value that recurs through a page (a count, a completeness), encoded once a page. */
function recurring(cache: Map<number, Uint8Array>, value: number): Uint8Array {
  let text = cache.get(value);
  if (text === undefined) cache.set(value, (text = utf8(String(value))));
  return text;
}

/** Short pieces byte by byte: cheaper than TypedArray.set's call for a dozen bytes. */
function copy(out: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]!;
  return at + bytes.length;
}
