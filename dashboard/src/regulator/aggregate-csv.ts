/**
 * `GET /api/v1/export?what=aggregates&format=csv&interval=1m` written from the store's columns and streamed as it is written:
 * a day of 1k points at 1 min is 1.44M rows, ~170 MB. The store's export (DuckDB's COPY of each window to a part file,
 * the parts joined into one file, that file read out) took ~4.7 s of which DuckDB's CSV formatting on the agent's one
 * DuckDB thread was ~2.8; here the windows are read as columns (no text in DuckDB), the next window's query runs while
 * this one is written, and no byte goes through a file. The bytes are the store's export's: the same columns, rows by
 * start then point, numbers as DuckDB writes them (writeDuckDbDouble). At 1 min each cell is one row of the store's
 * (a rollup row or one aggregate of raw rows), so its figures are the same doubles in both queries; a longer interval
 * sums several, in the order the query's plan meets them, and the route leaves those to the store's export.
 */
import type { AggregateColumns, AggregatesQuery } from '@hazmon/agent';
import { MAX_NUMBER_BYTES, viewOf, writeNumber } from '../json-number.ts';
import { type ChunkSource, newChunk } from './chunk-pool.ts';
import { copyPiece, copyWritten, WORD_SLACK, type WordPiece, wordPiece } from './word-pieces.ts';

/**
 * While the next window is read, the event loop gets a turn after this many bytes of a chunk: each of the read's
 * DuckDB chunks (2,048 rows, ~25 a window) comes back in a turn of the loop, and a chunk of 1 MiB written in one go
 * gave it about one turn per 9k rows written, so at each window's end the writer waited, idle, for the read's last
 * ~20 chunks one turn at a time. A turn every 128 KiB (~47 a window) lets the read finish while the window is
 * written.
 */
const TURN_BYTES = 128 * 1024;
/**
 * Point-intervals one query reads: the store's export windows (its ROWS_PER_WINDOW). Two windows' columns are held at
 * a time (~3 MB each), the one being written and the next being read; from the third window on, each is read into the
 * buffers of the one before last, so a day allocates two windows' columns, not 29.
 */
export const AGGREGATE_CSV_WINDOW_CELLS = 50_000;

export const AGGREGATE_CSV_HEADER = 'point_id,start_ms,end_ms,min,avg,max,count,good_count,completeness\n';

const COMMA = 44;
const NEWLINE = 10;
const DOT = 46;
const ZERO = 48;
const MINUS = 45;
/** DuckDB writes a DOUBLE in fixed notation from 1e-4 up to 1e16, else as an exponent. */
const SMALLEST_FIXED = 1e-4;
const LARGEST_FIXED = 1e16;
/** A row's bytes beyond its point id, at most: eight commas, a newline and eight numbers, and a word copy's slack. */
const ROW_BYTES_BEYOND_ID = 9 + 8 * (MAX_NUMBER_BYTES + 2) + WORD_SLACK;

/**
 * A DOUBLE as DuckDB's CSV writer gives it (1.5.x): the shortest decimal that reads back as the value, as JS has it,
 * but with ".0" after a whole number ("1.0", "-0.0") and exponents below 1e-4 and from 1e16 ("1.5e-05", "1e+16"),
 * the exponent of two digits at least; NaN (the store's columns' NULL) as nothing, an empty field. Returns the index
 * after it; `out` must have MAX_NUMBER_BYTES + 2 free at `at`.
 */
export function writeDuckDbDouble(out: Uint8Array, view: DataView, at: number, value: number): number {
  if (Number.isNaN(value)) return at;
  const magnitude = Math.abs(value);
  if (magnitude === 0 || (magnitude >= SMALLEST_FIXED && magnitude < LARGEST_FIXED)) {
    if (Object.is(value, -0)) out[at++] = MINUS;
    const end = writeNumber(out, view, at, value);
    if (!Number.isInteger(value)) return end;
    out[end] = DOT;
    out[end + 1] = ZERO;
    return end + 2;
  }
  return writeText(out, at, exponentText(value));
}

/** "1.5e-5" as DuckDB writes it ("1.5e-05"); infinities as "inf" and "-inf". */
function exponentText(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  const digits = exponent.slice(1);
  return `${mantissa}e${exponent[0]}${digits.length < 2 ? `0${digits}` : digits}`;
}

function writeText(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** A text field as DuckDB's CSV writer quotes it: in quotes, its quotes doubled, when it holds a comma, a quote or a line break, or is empty. */
function csvField(text: string): WordPiece {
  return wordPiece(Buffer.from(text === '' || /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text));
}

export interface AggregateCsvRequest {
  /** The asked points, distinct, each a configured reading point; undefined: every point the store holds, as its export has them. */
  readonly pointIds: readonly string[] | undefined;
  /** How many points that is (about, for undefined): it sizes the windows. */
  readonly pointCount: number;
  readonly from: number;
  readonly to: number;
  readonly intervalMs: number;
  /** The store's columnar read (StoreReader.aggregateColumns), into the buffers of `reuse`, a window written already. */
  readonly read: (query: AggregatesQuery, reuse: AggregateColumns | undefined) => Promise<AggregateColumns>;
  /** Where the chunks (of CHUNK_BYTES, ~2k rows) come from (a ChunkPool's, the route's); new ones without. */
  readonly chunks?: ChunkSource;
}

/**
 * The export as a stream of chunks, each written when the socket asks for more. The first window is read before it
 * returns, so a store error is an error of the request, not a cut answer; a later one errors the stream (the client
 * sees the transfer broken off, never a short file that looks whole).
 */
export async function aggregateCsvBody(request: AggregateCsvRequest): Promise<ReadableStream<Uint8Array>> {
  const writer = new AggregateCsvWriter(request);
  await writer.start();
  return new ReadableStream(
    {
      pull: async (controller) => {
        const chunk = await writer.nextChunk();
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
      cancel: () => writer.cancel(),
    },
    // One chunk at a time: the next is written once the socket has taken the last.
    { highWaterMark: 0 },
  );
}

interface WindowRead {
  readonly intervals: number;
  readonly columns: Promise<AggregateColumns>;
  /** Whether `columns` has settled: the writer need not give the loop turns for it. */
  settled: boolean;
}

/** A turn of the event loop: what came back from DuckDB's thread meanwhile is taken. */
const loopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

class AggregateCsvWriter {
  private readonly intervalsPerWindow: number;
  private nextFrom: number;
  /** The window being written; the next window's read, under way; the last window written, whose buffers the read after takes. */
  private columns: AggregateColumns | undefined;
  private nextRead: WindowRead | undefined;
  private written: AggregateColumns | undefined;
  /** The window's points and intervals; the next row to write of it, in the CSV's order (by interval, then point). */
  private points = 0;
  private intervals = 0;
  private row = 0;
  private headerWritten = false;
  private cancelled = false;
  /** Each point's id as a CSV field, by its place among the columns' points (by point index, as the store orders them). */
  private pointFields: WordPiece[] = [];

  constructor(private readonly request: AggregateCsvRequest) {
    this.intervalsPerWindow = Math.max(1, Math.floor(AGGREGATE_CSV_WINDOW_CELLS / Math.max(1, request.pointCount)));
    this.nextFrom = request.from;
  }

  async start(): Promise<void> {
    this.readNextWindow();
    await this.takeNextWindow();
  }

  cancel(): void {
    this.cancelled = true;
  }

  private readNextWindow(): void {
    const { request } = this;
    if (this.nextFrom >= request.to || this.cancelled) {
      this.nextRead = undefined;
      return;
    }
    const from = this.nextFrom;
    const to = Math.min(request.to, from + this.intervalsPerWindow * request.intervalMs);
    this.nextFrom = to;
    const columns = request.read({ ...(request.pointIds === undefined ? {} : { pointIds: request.pointIds }), from, to, intervalMs: request.intervalMs }, this.written);
    this.written = undefined;
    const read: WindowRead = { intervals: (to - from) / request.intervalMs, columns, settled: false };
    // Its error is taken when it is awaited (or dropped once the client has gone); until then it must not count as unhandled.
    columns.then(
      () => (read.settled = true),
      () => (read.settled = true),
    );
    this.nextRead = read;
  }

  /** Waits for the window under way and starts reading the one after it; false when none is left. */
  private async takeNextWindow(): Promise<boolean> {
    const read = this.nextRead;
    if (read === undefined) return false;
    const columns = await read.columns;
    this.readNextWindow();
    const points = columns.pointIds.length;
    if (columns.intervals !== read.intervals || columns.length !== points * read.intervals || (this.pointFields.length > 0 && points !== this.pointFields.length)) {
      throw new Error(`aggregate export: ${columns.length} rows are not ${this.pointFields.length || points} points x ${read.intervals} intervals`);
    }
    // The store's rows come by point, then start.
    if (this.pointFields.length === 0) this.pointFields = columns.pointIds.map(csvField);
    this.columns = columns;
    this.points = points;
    this.intervals = read.intervals;
    this.row = 0;
    return true;
  }

  async nextChunk(): Promise<Uint8Array | undefined> {
    let out = (this.request.chunks ?? newChunk)();
    let view = viewOf(out);
    let at = 0;
    if (!this.headerWritten) {
      at = writeText(out, at, AGGREGATE_CSV_HEADER);
      this.headerWritten = true;
    }
    const { intervalMs } = this.request;
    while (this.columns !== undefined) {
      const { start, min, avg, max, count, goodCount, completeness, length } = this.columns;
      const { points, intervals } = this;
      let row = this.row;
      const turnAt = this.nextRead === undefined || this.nextRead.settled ? Number.POSITIVE_INFINITY : at + TURN_BYTES;
      // `start_ms,end_ms,` of the interval being written, made once per interval.
      let intervalOfPiece = -1;
      let intervalPiece = this.pointFields[0]!;
      // The last `count,good_count,completeness` written in this chunk, and where its text is: neighbouring points
      // mostly have the same (60,60,1.0 where every poll was answered), so its text is copied rather than written again.
      let lastCount = Number.NaN;
      let lastGoodCount = Number.NaN;
      let lastCompleteness = Number.NaN;
      let countsAt = 0;
      let countsEnd = 0;
      for (; row < length && at < turnAt; row++) {
        // Row `row` of the CSV (by interval, then point) is the store's row place * intervals + interval.
        const interval = (row / points) | 0;
        const place = row - interval * points;
        const stored = place * intervals + interval;
        const field = this.pointFields[place]!;
        if (at + field.length + ROW_BYTES_BEYOND_ID > out.length) {
          if (at > 0) break;
          out = Buffer.allocUnsafe(field.length + ROW_BYTES_BEYOND_ID);
          view = viewOf(out);
        }
        if (interval !== intervalOfPiece) {
          intervalOfPiece = interval;
          const rowStart = start[stored]!;
          intervalPiece = wordPiece(Buffer.from(`,${rowStart},${rowStart + intervalMs},`));
        }
        at = copyPiece(view, at, field);
        at = copyPiece(view, at, intervalPiece);
        at = writeDuckDbDouble(out, view, at, min[stored]!);
        out[at++] = COMMA;
        at = writeDuckDbDouble(out, view, at, avg[stored]!);
        out[at++] = COMMA;
        at = writeDuckDbDouble(out, view, at, max[stored]!);
        out[at++] = COMMA;
        // === holds for 0 and -0, which the counts write alike (a completeness is never -0: good_count / expected).
        if (count[stored] === lastCount && goodCount[stored] === lastGoodCount && completeness[stored] === lastCompleteness && countsEnd > 0) {
          at = copyWritten(view, at, countsAt, countsEnd);
        } else {
          lastCount = count[stored]!;
          lastGoodCount = goodCount[stored]!;
          lastCompleteness = completeness[stored]!;
          countsAt = at;
          at = writeNumber(out, view, at, lastCount);
          out[at++] = COMMA;
          at = writeNumber(out, view, at, lastGoodCount);
          out[at++] = COMMA;
          at = writeDuckDbDouble(out, view, at, lastCompleteness);
          countsEnd = at;
        }
        out[at++] = NEWLINE;
      }
      this.row = row;
      if (row < length) {
        if (at < turnAt) break;
        // The rest of the chunk after a turn; the pieces above are made again (a copy's source must be in this chunk).
        await loopTurn();
        continue;
      }
      // Every row of the window is text in `out` now: its buffers are free for the window after next.
      this.written = this.columns;
      this.columns = undefined;
      if (!(await this.takeNextWindow())) break;
      if (at >= out.length - ROW_BYTES_BEYOND_ID) break;
    }
    if (at === 0) return undefined;
    return out.subarray(0, at);
  }
}
