/**
 * A page of `GET /api/v1/aggregates?shape=series` as JSON bytes: per point, one array per figure (min, avg, max, count,
 * completeness) over the page's buckets, which every point of a page shares (pages are cut by time). An hour of 1,000
 * points at 1 min is ~2 MB this way against ~10 MB as rows: no point id, bucket start or key per bucket, and a client
 * parses a fifth of the text. Written from the store's columns in chunks as the socket takes them, like the rows.
 */
import type { AggregateColumns } from '@hazmon/agent';
import { MAX_NUMBER_BYTES, viewOf } from '../json-number.ts';
import { chunkStream, copy, PointIdJson, writeValue } from './aggregate-page.ts';
import { type ChunkSource, newChunk } from './chunk-pool.ts';
import { copyWritten, WORD_SLACK } from './word-pieces.ts';

const utf8 = (text: string) => Buffer.from(text);
const SERIES_OPENING = utf8('{"pointId":');
/** Each figure's array opening, the first after the point id, the others closing the array before. */
const FIGURE_OPENINGS = ['min', 'avg', 'max', 'count', 'completeness'].map((figure, index) => utf8(`${index === 0 ? '' : ']'},"${figure}":[`));
const COMMA = 0x2c;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
/** Room kept free before each value: a figure's opening, the value, and the series' closing `]}` or a word copy's slack after it. */
const VALUE_ROOM = Math.max(...FIGURE_OPENINGS.map((opening) => opening.length)) + MAX_NUMBER_BYTES + Math.max(2, WORD_SLACK);

export interface AggregateSeriesPage {
  /** The text before the series, e.g. `{"interval":"1m","from":…,"to":…,"series":[`. */
  readonly head: string;
  /** The rows, by point then start (`intervals` of them per point); absent for a page without points. */
  readonly columns: AggregateColumns | undefined;
  /** The text after the series, e.g. `],"next":null}`. */
  readonly tail: string;
  /** Called with the columns once every value is text (the writer reads them no more): a SpareColumns' give. */
  readonly written?: (columns: AggregateColumns) => void;
  /** Where the chunks come from (a ChunkPool's, the route's); new ones without. */
  readonly chunks?: ChunkSource;
}

/** The page's bytes as a stream of chunks, each written when the socket asks for more. */
export function aggregateSeriesBody(page: AggregateSeriesPage): ReadableStream<Uint8Array> {
  const writer = new AggregateSeriesWriter(page);
  return chunkStream(() => writer.nextChunk());
}

/**
 * Where the writing stands between chunks: a point, a figure, a bucket. A class and not a generator: a generator's
 * loops ran unoptimized (V8 does not replace a running generator's frame with optimized code), boxing each value.
 */
class AggregateSeriesWriter {
  private headWritten = false;
  private tailWritten = false;
  private point = 0;
  private figure = 0;
  private bucket = 0;
  /** The page's columns and their figures' arrays, until every value is written. */
  private columns: AggregateColumns | undefined;
  private figures: readonly Float64Array[];
  private readonly pointIds: readonly string[];
  private readonly intervals: number;
  /** The point being written's id as its JSON string. */
  private readonly pointIdJson = new PointIdJson();

  constructor(private readonly page: AggregateSeriesPage) {
    const columns = page.columns;
    this.columns = columns;
    this.figures = columns === undefined ? [] : [columns.min, columns.avg, columns.max, columns.count, columns.completeness];
    this.pointIds = columns?.pointIds ?? [];
    this.intervals = columns?.intervals ?? 0;
  }

  nextChunk(): Uint8Array | undefined {
    if (this.tailWritten) return undefined;
    const { page, figures, pointIds, intervals, pointIdJson } = this;
    let out = (page.chunks ?? newChunk)();
    let view = viewOf(out);
    let at = 0;
    if (!this.headWritten) {
      at = out.write(page.head, 0, 'utf8');
      this.headWritten = true;
    }
    let { point, figure, bucket } = this;
    // The last number written in this chunk and where its text is: a point's counts and completeness mostly repeat
    // (60, 60, ...; 1, 1, ...), so their text is copied rather than written again. NaN (null) never equals it.
    let lastValue = Number.NaN;
    let lastValueAt = 0;
    let lastValueEnd = 0;
    points: for (; point < pointIds.length; point++, figure = 0, bucket = 0) {
      if (figure === 0 && bucket === 0) {
        const pointId = pointIds[point]!;
        pointIdJson.encode(pointId);
        // The opening and the first value in one chunk: figure 0, bucket 0 then means the opening is still to write.
        const openingBytes = 1 + SERIES_OPENING.length + pointIdJson.length + VALUE_ROOM;
        if (at + openingBytes > out.length) {
          if (at > 0) break;
          // A point id of any length gets a chunk of its own size.
          out = Buffer.allocUnsafe(openingBytes);
          view = viewOf(out);
        }
        if (point > 0) out[at++] = COMMA;
        at = copy(out, at, SERIES_OPENING);
        at = pointIdJson.copyTo(out, at);
      }
      const first = point * intervals;
      for (; figure < figures.length; figure++, bucket = 0) {
        const values = figures[figure]!;
        for (; bucket < intervals; bucket++) {
          if (at + VALUE_ROOM > out.length) break points;
          if (bucket === 0) at = copy(out, at, FIGURE_OPENINGS[figure]!);
          else out[at++] = COMMA;
          const value = values[first + bucket]!;
          // === takes 0 and -0 as one, which JSON writes alike ("0").
          if (value === lastValue) {
            at = copyWritten(view, at, lastValueAt, lastValueEnd);
          } else {
            lastValue = value;
            lastValueAt = at;
            at = writeValue(out, view, at, value);
            lastValueEnd = at;
          }
        }
      }
      out[at++] = CLOSE_ARRAY;
      out[at++] = CLOSE_OBJECT;
    }
    this.point = point;
    this.figure = figure;
    this.bucket = bucket;
    if (point >= pointIds.length) {
      const { columns } = this;
      if (columns !== undefined) {
        this.columns = undefined;
        this.figures = [];
        page.written?.(columns);
      }
      const tailBytes = Buffer.byteLength(page.tail);
      if (at + tailBytes <= out.length) {
        at += out.write(page.tail, at, 'utf8');
        this.tailWritten = true;
      }
    }
    return out.subarray(0, at);
  }
}
