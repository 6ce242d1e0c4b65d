/**
 * The regulator's exports as CSV (RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma, a
 * quote or a line break, quotes doubled; a text that starts like a formula behind an apostrophe), streamed chunk by chunk so a month of a province stays out of memory: alarm
 * events from PostgreSQL by the hub's id (the same cursor as /api/v1/alarm-events), aggregates per gateway from
 * VictoriaMetrics a day at a time (the same query as /api/v1/aggregates). Times are ISO 8601 UTC.
 */
import { DAY_MS } from '@hazmon/dashboard/http-kit';
import { messageOf } from '@hazmon/errors';
import { queryAggregates } from './aggregates.ts';
import type { HubEventRow, HubReader, SiteFilter } from './reader.ts';

export const EXPORT_KINDS = ['alarm-events', 'aggregates'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Events per PostgreSQL read: one chunk of the answer. */
const EVENT_CHUNK = 1000;
/** The span of one VictoriaMetrics query of a gateway's minutes (its 1m limit, as /api/v1/aggregates). */
const AGGREGATE_PART_MS = DAY_MS;

type Field = string | number | null;

/**
 * A text a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return first) gets a leading apostrophe:
 * the file is opened by bureau staff in Excel or WPS, and a person's comment or a gateway's text must not become a
 * formula there (OWASP, CSV injection). Numbers are written as they are; the JSON routes carry every text unchanged.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: Field): string {
  if (value === null) return '';
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(fields: readonly Field[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

const iso = (time: number) => new Date(time).toISOString();

const EVENT_COLUMNS = ['id', 'gateway', 'seq', 'time', 'writtenAt', 'receivedAt', 'pointId', 'ruleId', 'kind', 'stateAfter', 'priority', 'who', 'why', 'details'] as const;

function eventFields(event: HubEventRow): Field[] {
  return [
    event.id,
    event.gateway,
    event.seq,
    iso(event.time),
    iso(event.writtenAt),
    iso(event.receivedAt),
    event.pointId,
    event.ruleId,
    event.kind,
    event.stateAfter,
    event.priority,
    event.who,
    event.why,
    event.details === null ? null : JSON.stringify(event.details),
  ];
}

const AGGREGATE_COLUMNS = ['gateway', 'pointId', 'minute', 'min', 'avg', 'max', 'count', 'goodCount'] as const;

export interface ExportRequest {
  readonly what: ExportKind;
  readonly from: number;
  readonly to: number;
  readonly filter: SiteFilter;
}

/** The CSV text in chunks: the header, then a chunk per read. */
export async function* exportCsv(reader: HubReader, victoriaMetricsUrl: string, request: ExportRequest): AsyncGenerator<string> {
  const { from, to, filter } = request;
  if (request.what === 'alarm-events') {
    yield csvLine(EVENT_COLUMNS);
    for (let after = 0; ; ) {
      const events = await reader.eventsInRangeAfter(after, { from, to }, EVENT_CHUNK, filter);
      if (events.length === 0) return;
      yield events.map((event) => csvLine(eventFields(event))).join('');
      after = events.at(-1)!.id;
    }
  }
  yield csvLine(AGGREGATE_COLUMNS);
  for (const { gateway } of await reader.sites(filter)) {
    for (let partFrom = from; partFrom < to; partFrom += AGGREGATE_PART_MS) {
      const points = await queryAggregates(victoriaMetricsUrl, { gateway, from: partFrom, to: Math.min(to, partFrom + AGGREGATE_PART_MS), interval: '1m' });
      const lines = points.flatMap(({ pointId, buckets }) => buckets.map((bucket) => csvLine([gateway, pointId, iso(bucket.t), bucket.min, bucket.avg, bucket.max, bucket.count, bucket.goodCount])));
      if (lines.length > 0) yield lines.join('');
    }
  }
}

/**
 * The chunks as a byte stream. The first chunk is taken before the answer starts, so a store down at the start is an
 * error answer; a failure later ends the stream in error, so the client sees a broken transfer, never a short file.
 */
export async function csvStream(chunks: AsyncGenerator<string>, log: (line: string) => void): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  let pending: IteratorResult<string> | null = await chunks.next();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await chunks.next());
        pending = null;
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        log(`hub API: an export ended in error: ${messageOf(error)}`);
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
