/** Read side for the dashboard and the regulator API: raw or rolled-up readings, aggregates with completeness, cursors, exports. */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { QUALITY_CODE, REASON_BY_CODE, REASON_CODE, type Quality } from '@hazmon/protocols';
import { alarmEventFromRow, auditFromRow } from './durable-log.ts';
import { quote } from '@hazmon/errors';
import { StoreError } from './errors.ts';
import type { BucketSums } from './open-buckets.ts';
import type { PointEventBounds } from './point-event-bounds.ts';
import type { PointRegistry } from './points.ts';
import type { Watermarks } from './rollups.ts';
import { ROLLUP_TABLE, ROLLUP_WIDTH_MS, MINUTE_MS, HOUR_MS, DAY_MS, floorTo, type RollupLevel } from './schema.ts';
import { type JsonField, jsonObjectSql, num, numOrNull, sqlString, writtenAsJsonStringify, type SerialConnection } from './sql.ts';
import type {
  AggregateColumns,
  AggregateRow,
  AlarmEventRangeQuery,
  AlarmEventRow,
  AuditRangeQuery,
  AuditRow,
  ExportRequest,
  EventAreas,
  JsonRowsPage,
  RawReadingRow,
  ReadingColumns,
  UnseenSpan,
  ReadingsResolution,
  ReadingsResult,
} from './types.ts';
import { keyWindows, ROWS_PER_WINDOW, TEXT_ROWS_PER_WINDOW, type KeyWindow } from './windows.ts';

const QUALITY_BY_CODE: ReadonlyMap<number, Quality> = new Map(Object.entries(QUALITY_CODE).map(([quality, code]) => [code, quality as Quality]));
const MAX_RAW_ROWS = 1_000_000;
const MAX_AGGREGATE_CELLS = 1_000_000;
/** An aggregates export is written to a file window by window: ~60 bytes of CSV per cell, 600 MB at most. */
const MAX_EXPORT_AGGREGATE_CELLS = 10_000_000;
const MAX_PAGE = 10_000;
/** DuckDB's Parquet writer holds a row group per thread in memory until it is full (default 122,880 rows): too much under a small memory_limit. */
const PARQUET_ROW_GROUP_ROWS = 16_384;

function badRange(where: string, message: string): never {
  throw new StoreError('HAZMON_STORE_BAD_RANGE', `${where}: ${message}`);
}

function requireRange(from: number, to: number, where: string): void {
  if (!Number.isSafeInteger(from) || from < 0) badRange(where, `from ${quote(from)} must be epoch ms (a whole number >= 0)`);
  if (!Number.isSafeInteger(to) || to < 0) badRange(where, `to ${quote(to)} must be epoch ms (a whole number >= 0)`);
  if (to <= from) badRange(where, `to ${to} must be after from ${from}`);
}

function requireCount(value: number, max: number, where: string, field: string): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) badRange(where, `${field} ${quote(value)} must be a whole number in 1..${max}`);
}

/** The reason message of a raw row `r` as `x.text` (NULL for good readings and rows stored before messages were kept). */
const REASON_TEXT_JOIN = 'LEFT JOIN reason_texts x ON r.reason_text <> 0 AND x.text_id = r.reason_text';

/**
 * A point's raw rows, read as columns (no DuckDB row object and no BigInt per row: 21,600 rows of 6 h at 1 s were
 * ~75k short-lived objects); the reason messages of the rows that have one (readings not good) by a second query of
 * their ids, whose texts are committed before the rows that use them and deleted only after the last of those rows
 * (retention.ts, TextEra): a read of rows retention deletes meanwhile may find their text gone (reasonText null).
 */
async function rawReadings(connection: SerialConnection, pointIndex: number, from: number, to: number, limit: number): Promise<RawReadingRow[]> {
  requireCount(limit, MAX_RAW_ROWS, 'readings', 'limit');
  // NaN stands for NULL: a value is a whole number over a divisor, a time a whole number, never NaN.
  const [time, sourceTime, value, quality, reason, textId] = (await connection.doubleColumns(
    `SELECT r.t::DOUBLE, coalesce(r.source_t::DOUBLE, 'NaN'), coalesce((r.value_scaled / p.value_divisor)::DOUBLE, 'NaN'), r.quality::DOUBLE, r.reason::DOUBLE,
       coalesce(r.reason_text, 0)::DOUBLE
     FROM raw_readings r JOIN points p ON p.point_idx = r.point_idx
     WHERE r.point_idx = ${pointIndex} AND r.t >= ${from} AND r.t < ${to}
     ORDER BY r.t LIMIT ${limit}`,
  )) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const textIds = new Set<number>();
  for (const id of textId) if (id !== 0) textIds.add(id);
  const texts = new Map<number, string>();
  if (textIds.size > 0) {
    for (const row of await connection.rows(`SELECT text_id, text FROM reason_texts WHERE text_id IN (${[...textIds].join(', ')})`)) texts.set(num(row.text_id), String(row.text));
  }
  return Array.from(time, (t, row) => ({
    time: t,
    sourceTime: nullIfNaN(sourceTime[row]!),
    value: nullIfNaN(value[row]!),
    quality: QUALITY_BY_CODE.get(quality[row]!) ?? 'bad',
    reason: REASON_BY_CODE[reason[row]!] ?? null,
    reasonText: texts.get(textId[row]!) ?? null,
  }));
}

export interface AggregateQuery {
  readonly pointIndexes: readonly number[];
  readonly from: number;
  readonly to: number;
  readonly intervalMs: number;
}

/** The coarsest rollup level whose buckets tile the requested intervals exactly. */
function levelFor(from: number, intervalMs: number): RollupLevel {
  for (const level of ['1d', '1h', '1m'] as const) {
    const width = ROLLUP_WIDTH_MS[level];
    if (intervalMs % width === 0 && from % width === 0) return level;
  }
  return '1m';
}

/** A minute not yet rolled up whose sums are in memory (RollupMaintainer.openMinutes). */
export interface OpenMinute {
  readonly start: number;
  readonly sums: BucketSums | 'empty';
}

/** Good-reading min / max / sum (engineering units, as a rollup row holds them) and counts of one point and interval. */
interface CellSums {
  min: number | null;
  max: number | null;
  sum: number | null;
  count: number;
  good: number;
}

/** Adds `more` into `into` as SQL's min / max / sum over rollup rows do (NULL where no good reading). */
function addCell(into: CellSums, more: CellSums): void {
  into.count += more.count;
  into.good += more.good;
  if (more.min === null) return;
  into.min = into.min === null ? more.min : Math.min(into.min, more.min);
  into.max = into.max === null ? more.max : Math.max(into.max!, more.max!);
  into.sum = into.sum === null ? more.sum : into.sum + more.sum!;
}

/**
 * The open minutes' sums of the asked points by cell (point_idx * intervals + interval), each minute divided as the
 * rollup row of it will be: read synchronously, before the SQL part runs, as the sums grow with each commit.
 */
function openMinuteCells(minutes: readonly OpenMinute[], points: PointRegistry, query: AggregateQuery): Map<number, CellSums> {
  const { from, to, intervalMs, pointIndexes } = query;
  const intervals = (to - from) / intervalMs;
  const cells = new Map<number, CellSums>();
  for (const { start, sums } of minutes) {
    if (sums === 'empty') continue;
    const interval = Math.floor((start - from) / intervalMs);
    for (const point of pointIndexes) {
      const count = point < sums.points ? sums.count[point]! : 0;
      if (count === 0) continue;
      const good = sums.good[point]!;
      const divisor = points.divisorOf(point);
      const minute: CellSums =
        good === 0 ? { min: null, max: null, sum: null, count, good } : { min: sums.min[point]! / divisor, max: sums.max[point]! / divisor, sum: sums.sum[point]! / divisor, count, good };
      const key = point * intervals + interval;
      const cell = cells.get(key);
      if (cell === undefined) cells.set(key, minute);
      else addCell(cell, minute);
    }
  }
  return cells;
}

/** [from, to) less the open minutes, as consecutive ranges. */
function rangesOutside(from: number, to: number, minutes: readonly OpenMinute[]): [number, number][] {
  const ranges: [number, number][] = [];
  let cursor = from;
  for (const { start } of minutes) {
    if (start > cursor) ranges.push([cursor, start]);
    cursor = Math.max(cursor, start + MINUTE_MS);
  }
  if (cursor < to) ranges.push([cursor, to]);
  return ranges;
}

/** Checks an aggregate query's range and interval and that it asks at most `maxCells` point-intervals. */
function checkAggregateQuery(query: AggregateQuery, where: string, maxCells: number): void {
  const { from, to, intervalMs, pointIndexes } = query;
  requireRange(from, to, where);
  if (!Number.isSafeInteger(intervalMs) || intervalMs < MINUTE_MS || intervalMs % MINUTE_MS !== 0) {
    badRange(where, `intervalMs ${quote(intervalMs)} must be a whole number of minutes (a multiple of ${MINUTE_MS})`);
  }
  if (from % MINUTE_MS !== 0) badRange(where, `from ${from} must fall on a minute boundary`);
  if ((to - from) % intervalMs !== 0) badRange(where, `to - from (${to - from} ms) must be a whole number of intervals of ${intervalMs} ms`);
  const cells = ((to - from) / intervalMs) * pointIndexes.length;
  if (cells > maxCells) badRange(where, `${cells} point-intervals asked for; at most ${maxCells} per query`);
}

/**
 * The rows a query's cells are made of, as the CTE `parts` (point_idx, bucket, min_value, max_value, sum_value, count,
 * good_count), unordered: each stretch of time from the coarsest rollup level complete there, then finer levels, then
 * raw rows (one row per point and minute) for the minutes not yet rolled up but those in `inMemory` (their sums are
 * added by the caller); `filter`, the WHERE of the asked points.
 */
function aggregateParts(points: PointRegistry, watermarks: Watermarks, query: AggregateQuery, openMinutes: (from: number, to: number) => readonly OpenMinute[]) {
  const { from, to, intervalMs, pointIndexes } = query;
  const parts: string[] = [];
  let cursor = from;
  const levels: RollupLevel[] = ['1d', '1h', '1m'];
  for (const level of levels.slice(levels.indexOf(levelFor(from, intervalMs)))) {
    const done = watermarks[level];
    if (done === null) continue;
    const end = Math.min(to, done);
    if (end > cursor) {
      parts.push(`SELECT point_idx, bucket, min_value, max_value, sum_value, count, good_count FROM ${ROLLUP_TABLE[level]} WHERE bucket >= ${cursor} AND bucket < ${end}`);
      cursor = end;
    }
  }
  const inMemory = cursor < to ? openMinutes(cursor, to) : [];
  const rawRanges = rangesOutside(cursor, to, inMemory);
  if (rawRanges.length > 0) {
    parts.push(`SELECT r.point_idx, r.t // ${MINUTE_MS} * ${MINUTE_MS} AS bucket,
        min(r.value_scaled) FILTER (WHERE r.quality = 0) / p.value_divisor,
        max(r.value_scaled) FILTER (WHERE r.quality = 0) / p.value_divisor,
        sum(r.value_scaled) FILTER (WHERE r.quality = 0) / p.value_divisor,
        count(*), count(*) FILTER (WHERE r.quality = 0)
      FROM raw_readings r JOIN points p ON p.point_idx = r.point_idx
      WHERE ${rawRanges.map(([start, end]) => `(r.t >= ${start} AND r.t < ${end})`).join(' OR ')}
      GROUP BY r.point_idx, bucket, p.value_divisor`);
  }
  if (parts.length === 0) parts.push('SELECT point_idx, bucket, min_value, max_value, sum_value, count, good_count FROM rollup_1m WHERE false');
  // Every registered point (a regulator's whole-site pull): no list of them to parse twice.
  const everyPoint = pointIndexes.length === points.size && new Set(pointIndexes).size === points.size;
  const asked = everyPoint ? { filter: '', grid: 'SELECT point_idx FROM points' } : pointSetSql(pointIndexes);
  return { parts: `parts (point_idx, bucket, min_value, max_value, sum_value, count, good_count) AS (${parts.join('\nUNION ALL\n')})`, asked, inMemory };
}

/** The CTE `per_interval`: the parts' rows of the asked points summed per point and interval (start). */
function perIntervalSql(query: AggregateQuery, filter: string): string {
  const { from, intervalMs } = query;
  return `per_interval AS (
      SELECT point_idx, ${from} + (bucket - ${from}) // ${intervalMs} * ${intervalMs} AS start,
             min(min_value) AS min_value, max(max_value) AS max_value, sum(sum_value) AS sum_value,
             sum(count) AS count, sum(good_count) AS good_count
      FROM parts ${filter} GROUP BY ALL
    )`;
}

/**
 * The SELECT of every cell (point_idx, start, min_value, max_value, sum_value, count, good_count) of a query, unordered,
 * for SQL that needs every cell (the store's export): a cell without rows has count 0.
 */
function aggregateCellsSql(points: PointRegistry, watermarks: Watermarks, query: AggregateQuery): string {
  const { from, to, intervalMs } = query;
  const { parts, asked } = aggregateParts(points, watermarks, query, () => []);
  return `
    WITH ${parts},
    ${perIntervalSql(query, asked.filter)},
    grid AS (SELECT p.point_idx, s.start FROM (${asked.grid}) p CROSS JOIN range(${from}, ${to}, ${intervalMs}) s(start))
    SELECT g.point_idx, g.start, a.min_value, a.max_value, a.sum_value, coalesce(a.count, 0) AS count, coalesce(a.good_count, 0) AS good_count
    FROM grid g
    LEFT JOIN per_interval a ON a.point_idx = g.point_idx AND a.start = g.start`;
}

/** Runs of consecutive point indexes written as ranges at most: beyond, the list (a plain predicate either way). */
const MAX_POINT_RUNS = 32;

/**
 * The asked points as the grid query's filter and grid rows. A list of 1,000 indexes took ~13 ms to plan, twice per
 * statement (EXPLAIN alone, DuckDB threads 1), against ~3 as one range; points asked by area or by site are mostly
 * runs of consecutive indexes (registered in config order), so distinct indexes in a few runs are written as ranges.
 * Both forms are plain predicates on point_idx, pushed below the parts' UNION ALL alike.
 */
function pointSetSql(pointIndexes: readonly number[]): { filter: string; grid: string } {
  const sorted = [...pointIndexes].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  let distinct = true;
  for (const index of sorted) {
    const last = runs.at(-1);
    if (last !== undefined && index === last[1]) distinct = false;
    if (last !== undefined && index === last[1] + 1) last[1] = index;
    else runs.push([index, index]);
  }
  // Repeated indexes give repeated grid rows in the list form: kept as they were.
  if (!distinct || runs.length > MAX_POINT_RUNS) {
    const list = pointIndexes.join(', ');
    return { filter: `WHERE point_idx IN (${list})`, grid: `SELECT unnest([${list}]) AS point_idx` };
  }
  return {
    filter: `WHERE ${runs.map(([first, last]) => (first === last ? `point_idx = ${first}` : `point_idx BETWEEN ${first} AND ${last}`)).join(' OR ')}`,
    grid: runs.map(([first, last]) => `SELECT range::INTEGER AS point_idx FROM range(${first}, ${last + 1})`).join(' UNION ALL '),
  };
}

/**
 * The cells of a query that have rows, by point then start, as columns (point_idx, start, min, max, sum, count, good
 * count; NaN stands for NULL, no good reading: a value is a whole number over a divisor, never NaN). At 1 min a cell is
 * one row of the parts (a minute's rollup row, or the aggregate of its raw rows), read as stored and sorted: no GROUP
 * BY, and no grid of every cell joined to the rows (the bench's 1k points: 27-35 ms of CPU a window of 50k cells with
 * them, 15-17 without; DuckDB alone, threads 1). Sorted in SQL though the rows could be placed in any order: a plain scan
 * streamed chunk by chunk cost ~3x the CPU of the same rows sorted (DuckDB 1.5, node-api's stream). A longer interval
 * sums its rows per point and interval in SQL, as does a minute found twice (the store writes one row per point and
 * minute; a file written otherwise), so a cell's figures are always SQL's sum.
 */
async function filledCells(
  connection: SerialConnection,
  parts: string,
  filter: string,
  query: AggregateQuery,
  expectedRows: number,
  into: readonly Float64Array[] | undefined,
): Promise<Float64Array[]> {
  const columns = "point_idx::DOUBLE, start::DOUBLE, coalesce(min_value::DOUBLE, 'NaN'), coalesce(max_value::DOUBLE, 'NaN'), coalesce(sum_value::DOUBLE, 'NaN'), count::DOUBLE, good_count::DOUBLE";
  const summed = () => connection.doubleColumns(`WITH ${parts}, ${perIntervalSql(query, filter)} SELECT ${columns} FROM per_interval ORDER BY point_idx, start`, expectedRows, into);
  if (query.intervalMs !== MINUTE_MS) return summed();
  const rows = await connection.doubleColumns(`WITH ${parts} SELECT ${columns.replace('start::DOUBLE', 'bucket::DOUBLE')} FROM parts ${filter} ORDER BY point_idx, bucket`, expectedRows, into);
  const [point, start, , , sum] = rows as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let row = 1; row < point.length; row++) {
    if (point[row] === point[row - 1] && start[row] === start[row - 1]) return summed();
  }
  // SQL's sum of one row is 0 + it: -0 becomes 0.
  for (let row = 0; row < sum.length; row++) sum[row] = sum[row]! + 0;
  return rows;
}

/**
 * Min/avg/max/count/good count per point and interval, with completeness, by point then interval, as columns. The
 * minutes not yet rolled up are read from their sums in memory where the store keeps them (`openMinutes`, the same
 * figures their rollup rows will hold), else from raw rows. Intervals without any reading are returned with count 0
 * and completeness 0, never left out; a point asked twice has each of its rows twice. `reuse`: earlier columns the
 * caller is done with, whose buffers take these where they have room (StoreReader.aggregateColumns).
 */
export async function aggregateColumns(
  connection: SerialConnection,
  points: PointRegistry,
  watermarks: Watermarks,
  query: AggregateQuery,
  openMinutes: (from: number, to: number) => readonly OpenMinute[] = () => [],
  reuse?: AggregateColumns,
): Promise<AggregateColumns> {
  const { from, to, intervalMs } = query;
  checkAggregateQuery(query, 'aggregates', MAX_AGGREGATE_CELLS);
  if (query.pointIndexes.length === 0) {
    const none = new Float64Array(0);
    return { length: 0, intervals: (to - from) / intervalMs, pointIds: [], start: none, end: none, min: none, avg: none, max: none, count: none, goodCount: none, completeness: none };
  }
  // The rows come by point index, then start; each point as often as asked.
  const asked = [...query.pointIndexes].sort((a, b) => a - b);
  const intervals = (to - from) / intervalMs;
  const length = asked.length * intervals;
  const { parts, asked: askedSql, inMemory } = aggregateParts(points, watermarks, query, openMinutes);
  const memoryCells = openMinuteCells(inMemory, points, query);
  // The columns as filledCells reads them (point, start, min, max, sum, count, good count) take the places they will
  // have: the point column becomes the completeness, the sum the average.
  const into = reuse && [reuse.completeness, reuse.start, reuse.min, reuse.max, reuse.avg, reuse.count, reuse.goodCount].map(wholeBuffer);
  const cells = await filledCells(connection, parts, askedSql.filter, query, length, into);
  // The cells spread over every row in the columns they were read into; the point column then takes the completeness.
  const [completeness, start, min, max, sum, count, good] = spreadCells(cells, asked, from, intervals, intervalMs);
  // Each row's average replaces its sum once read: one column fewer to allocate.
  const avg = sum;
  const reusedEnd = reuse && wholeBuffer(reuse.end);
  const end = reusedEnd !== undefined && reusedEnd.length >= length ? reusedEnd.subarray(0, length) : new Float64Array(length);
  const memoryCell: CellSums = { min: null, max: null, sum: null, count: 0, good: 0 };
  for (let place = 0, copies = 1; place < asked.length; place += copies) {
    const point = asked[place]!;
    copies = 1;
    while (asked[place + copies] === point) copies++;
    const pollIntervalMs = points.pollIntervalOf(point);
    for (let row = place * intervals, interval = 0; interval < intervals; interval++) {
      const rowStart = from + interval * intervalMs;
      const fromMemory = memoryCells.size === 0 ? undefined : memoryCells.get(point * intervals + interval);
      for (let copy = 0; copy < copies; copy++, row++) {
        start[row] = rowStart;
        end[row] = Math.min(rowStart + intervalMs, to);
        if (fromMemory !== undefined) {
          memoryCell.min = nullIfNaN(min[row]!);
          memoryCell.max = nullIfNaN(max[row]!);
          memoryCell.sum = nullIfNaN(sum[row]!);
          memoryCell.count = count[row]!;
          memoryCell.good = good[row]!;
          addCell(memoryCell, fromMemory);
          min[row] = memoryCell.min ?? Number.NaN;
          max[row] = memoryCell.max ?? Number.NaN;
          sum[row] = memoryCell.sum ?? Number.NaN;
          count[row] = memoryCell.count;
          good[row] = memoryCell.good;
        }
        avg[row] = good[row] === 0 ? Number.NaN : sum[row]! / good[row]!;
        const expected = (end[row]! - start[row]!) / pollIntervalMs;
        completeness[row] = expected > 0 ? Math.min(1, good[row]! / expected) : 0;
      }
    }
  }
  return { length, intervals, pointIds: asked.map((point) => points.idOf(point)), start, end, min, avg, max, count, goodCount: good, completeness };
}

/** A column's whole buffer, from its start: the room a reused column has. */
function wholeBuffer(column: Float64Array): Float64Array {
  return new Float64Array(column.buffer, column.byteOffset, (column.buffer.byteLength - column.byteOffset) / Float64Array.BYTES_PER_ELEMENT);
}

/** A cell's seven figures as columns: point, start, min, max, sum, count, good count. */
type CellColumns = [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];

/**
 * The cells read (point, start, min, max, sum, count, good count; by point, then start) moved to their rows among the
 * asked points' (sorted, a point asked twice there twice) every interval, in the same arrays (doubleColumns sized them
 * for every row) and from the last, so no cell is overwritten before it moved: a row of a point asked twice holds its
 * cell twice; a row without one gets NaN (null) and counts of 0. Returns the columns over every row.
 */
function spreadCells(cells: readonly Float64Array[], asked: readonly number[], from: number, intervals: number, intervalMs: number): CellColumns {
  const length = asked.length * intervals;
  const [point, start, min, max, sum, count, good] = cells.map((column) => new Float64Array(column.buffer, column.byteOffset, length)) as CellColumns;
  // The cells (one per point and start) are at most the distinct asked points x intervals: as many as the rows only
  // when no point is asked twice and every row has its cell, each read in its row's place already (the bench's day:
  // ~45 ms of moves a day saved).
  if (cells[0]!.length === length) return [point, start, min, max, sum, count, good];
  // Rows from filledFrom on have their figures; those between the next cell's rows and filledFrom get none.
  let filledFrom = length;
  let place = asked.length - 1;
  // Down to cell -1, which takes no row: the rows before the first cell's get none.
  for (let cell = cells[0]!.length - 1; cell >= -1; cell--) {
    let first = 0;
    let copies = 0;
    if (cell >= 0) {
      const cellPoint = point[cell]!;
      while (place >= 0 && asked[place]! > cellPoint) place--;
      // A row of a point not asked (none: the filter names the asked) is no cell.
      if (place < 0 || asked[place] !== cellPoint) continue;
      let firstPlace = place;
      while (firstPlace > 0 && asked[firstPlace - 1] === cellPoint) firstPlace--;
      copies = place - firstPlace + 1;
      first = firstPlace * intervals + ((start[cell]! - from) / intervalMs) * copies;
    }
    for (let row = first + copies; row < filledFrom; row++) {
      min[row] = Number.NaN;
      max[row] = Number.NaN;
      sum[row] = Number.NaN;
      count[row] = 0;
      good[row] = 0;
    }
    for (let row = first + copies - 1; row >= first; row--) {
      min[row] = min[cell]!;
      max[row] = max[cell]!;
      sum[row] = sum[cell]!;
      count[row] = count[cell]!;
      good[row] = good[cell]!;
    }
    filledFrom = first;
  }
  return [point, start, min, max, sum, count, good];
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** Aggregate columns as one object per row (NaN as null). */
export function aggregateRowsOf(columns: AggregateColumns): AggregateRow[] {
  const { intervals, pointIds, start, end, min, avg, max, count, goodCount, completeness } = columns;
  return Array.from(start, (rowStart, row) => ({
    pointId: pointIds[Math.floor(row / intervals)]!,
    start: rowStart,
    end: end[row]!,
    min: nullIfNaN(min[row]!),
    avg: nullIfNaN(avg[row]!),
    max: nullIfNaN(max[row]!),
    count: count[row]!,
    goodCount: goodCount[row]!,
    completeness: completeness[row]!,
  }));
}

/**
 * Raw rows of all points a raw read of one point may scan: the raw table holds every point's rows in time order, so a
 * point's range is read from all of them (10M: ~17 min of 10k points at 1 s, ~30 ms here; 6 h of 460 such points).
 */
const AUTO_RAW_SCAN_ROWS = 10_000_000;

/**
 * 'auto' keeps a trend to a few thousand rows: raw rows while the range is short and its rows of all points few
 * enough to scan, rollups beyond and where raw rows may already be past retention.
 */
function resolutionFor(requested: ReadingsResolution, from: number, to: number, rawKeptFrom: number, rawRowsPerSecond: number): 'raw' | RollupLevel {
  if (requested !== 'auto') return requested;
  const span = to - from;
  if (span <= 6 * HOUR_MS && (span / 1000) * rawRowsPerSecond <= AUTO_RAW_SCAN_ROWS && from >= rawKeptFrom) return 'raw';
  if (span <= 8 * DAY_MS) return '1m';
  if (span <= 400 * DAY_MS) return '1h';
  return '1d';
}

export async function readingColumns(
  connection: SerialConnection,
  points: PointRegistry,
  watermarks: Watermarks,
  pointId: string,
  from: number,
  to: number,
  resolution: ReadingsResolution,
  limit: number,
  rawKeptFrom: number,
  openMinutes?: (from: number, to: number) => readonly OpenMinute[],
): Promise<ReadingColumns> {
  const pointIndex = points.require(pointId, 'readings');
  requireRange(from, to, 'readings');
  const chosen = resolutionFor(resolution, from, to, rawKeptFrom, points.rawRowsPerSecond);
  if (chosen === 'raw') return { resolution: 'raw', rows: await rawReadings(connection, pointIndex, from, to, limit) };
  const width = ROLLUP_WIDTH_MS[chosen];
  const alignedFrom = floorTo(from, width);
  const alignedTo = Math.ceil(to / width) * width;
  const columns = await aggregateColumns(connection, points, watermarks, { pointIndexes: [pointIndex], from: alignedFrom, to: alignedTo, intervalMs: width }, openMinutes);
  return { resolution: chosen, columns };
}

/** readingColumns with the rollup rows as objects. */
export function readingRows(result: ReadingColumns): ReadingsResult {
  return result.resolution === 'raw' ? result : { resolution: result.resolution, rows: aggregateRowsOf(result.columns) };
}

/** Closed minutes minuteRollupsAfter returns at most per call: at 10k points, 100k rows. */
export const MAX_ROLLUP_MINUTES = 10;

/**
 * The 1-minute rollup rows of the closed minutes (below the 1-minute watermark) after `afterStart`, whole minutes
 * oldest first, each minute's rows in catalog order: an uplink's cursor, which moves by the last minute it got.
 * Minutes without any row (the agent was not running) are skipped, not returned empty.
 */
export async function minuteRollupsAfter(connection: SerialConnection, points: PointRegistry, watermarks: Watermarks, afterStart: number, maxMinutes: number): Promise<AggregateRow[]> {
  if (!Number.isSafeInteger(afterStart)) badRange('minuteRollupsAfter', `afterStart ${quote(afterStart)} must be epoch ms (a whole number)`);
  requireCount(maxMinutes, MAX_ROLLUP_MINUTES, 'minuteRollupsAfter', 'maxMinutes');
  const closedBefore = watermarks['1m'];
  if (closedBefore === null) return [];
  const rows = await connection.rows(
    `WITH minutes AS (SELECT DISTINCT bucket FROM rollup_1m WHERE bucket > $1 AND bucket < $2 ORDER BY bucket LIMIT ${maxMinutes})
     SELECT r.point_idx, r.bucket, r.min_value, r.max_value, r.sum_value / nullif(r.good_count, 0) AS avg_value, r.count, r.good_count
     FROM rollup_1m r WHERE r.bucket IN (SELECT bucket FROM minutes) ORDER BY r.bucket, r.point_idx`,
    [afterStart, closedBefore],
  );
  return rows.map((row) => {
    const pointIndex = num(row.point_idx);
    const start = num(row.bucket);
    const goodCount = num(row.good_count);
    return {
      pointId: points.idOf(pointIndex),
      start,
      end: start + MINUTE_MS,
      min: numOrNull(row.min_value),
      avg: numOrNull(row.avg_value),
      max: numOrNull(row.max_value),
      count: num(row.count),
      goodCount,
      completeness: Math.min(1, goodCount / (MINUTE_MS / points.pollIntervalOf(pointIndex))),
    };
  });
}

/**
 * The first `limit` rows by seq of `table` with seq > $1 and `where` (further conditions on $2..): the page's last seq
 * is found on the seq column alone first, so the other columns are read for the page's rows only. A top-N over every
 * row after the cursor read all their columns: a page of 1,000 of 100k alarm events or audit rows 9-11 ms of DuckDB's
 * time, 5-6 this way.
 */
function seqPageSql(table: string, where: string, limit: number, order: SeqOrder = 'oldest'): string {
  const { cursor, within, bound, direction } = SEQ_ORDERS[order];
  const matching = `FROM ${table} WHERE seq ${cursor} $1${where}`;
  return `SELECT * ${matching} AND seq ${within} (SELECT ${bound}(seq) FROM (SELECT seq ${matching} ORDER BY seq ${direction} LIMIT ${limit})) ORDER BY seq ${direction} LIMIT ${limit}`;
}

/** Which way a page by seq runs: oldest first after a cursor, or newest first before one. */
type SeqOrder = 'oldest' | 'newest';

/** Per order: the cursor's comparison, the page's last seq (the aggregate that finds it and how rows keep within it), the SQL direction. */
const SEQ_ORDERS = {
  oldest: { cursor: '>', within: '<=', bound: 'max', direction: 'ASC' },
  newest: { cursor: '<', within: '>=', bound: 'min', direction: 'DESC' },
} as const satisfies Record<SeqOrder, { cursor: string; within: string; bound: string; direction: string }>;

/**
 * A page's rows as the JSON text of their array, written by DuckDB (`rowJsonSql`: the keys and values the row objects
 * have, in their order), with their count and last seq. The text is checked to be what JSON.stringify writes of the row
 * objects (`rows()`, read otherwise: a stored text with a control character DuckDB escapes otherwise, or JSON stored
 * in a details column that does not parse, which `rows()` then refuses as it always did), so the answer is the same
 * to the byte either way.
 */
async function jsonPage(
  connection: SerialConnection,
  page: string,
  order: SeqOrder,
  rowJsonSql: string,
  params: readonly (number | string)[],
  rows: () => Promise<readonly { seq: number }[]>,
  finish: (json: string) => string = (json) => json,
): Promise<JsonRowsPage> {
  const { bound, direction } = SEQ_ORDERS[order];
  const [summary] = await connection.rows(
    `SELECT count(*) AS rows, ${bound}(seq) AS last, '[' || coalesce(string_agg(${rowJsonSql}, ',' ORDER BY seq ${direction}), '') || ']' AS json FROM (${page}) page`,
    params,
  );
  const json = finish(String(summary?.json ?? '[]'));
  if (writtenAsJsonStringify(json) && parses(json)) return { json, rows: num(summary?.rows ?? 0), lastSeq: numOrNull(summary?.last) };
  const objects = await rows();
  return { json: JSON.stringify(objects), rows: objects.length, lastSeq: objects.at(-1)?.seq ?? null };
}

function parses(json: string): boolean {
  try {
    JSON.parse(json);
    return true;
  } catch {
    return false;
  }
}

/** An alarm event's fields as alarmEventFromRow makes them, in its order. */
const ALARM_EVENT_FIELDS: readonly JsonField[] = [
  ['seq', 'seq', 'integer'],
  ['time', 't', 'integer'],
  ['pointId', 'point_id', 'text'],
  ['ruleId', 'rule_id', 'text'],
  ['kind', 'kind', 'text'],
  ['stateAfter', 'state_after', 'text'],
  ['priority', 'priority', 'text'],
  ['who', 'who', 'text'],
  ['why', 'why', 'text'],
  ['details', 'details', 'json'],
  ['writtenAt', 'written_at', 'integer'],
];

/** An alarm event as alarmEventFromRow makes it, as a JSON text in SQL. */
const ALARM_EVENT_JSON_SQL = jsonObjectSql(ALARM_EVENT_FIELDS);

/** An audit row as auditFromRow makes it, as a JSON text in SQL. */
const AUDIT_ROW_JSON_SQL = jsonObjectSql([
  ['seq', 'seq', 'integer'],
  ['time', 't', 'integer'],
  ['who', 'who', 'text'],
  ['action', 'action', 'text'],
  ['target', 'target', 'text'],
  ['details', 'details', 'json'],
  ['prevHash', 'prev_hash', 'text'],
  ['hash', 'hash', 'text'],
]);

function checkAlarmEventsAfter(afterSeq: number, limit: number): void {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) badRange('alarmEventsAfter', `afterSeq ${quote(afterSeq)} must be a whole number >= 0`);
  requireCount(limit, MAX_PAGE, 'alarmEventsAfter', 'limit');
}

export async function alarmEventsAfter(connection: SerialConnection, afterSeq: number, limit: number): Promise<AlarmEventRow[]> {
  checkAlarmEventsAfter(afterSeq, limit);
  const rows = await connection.jsonRows(seqPageSql('alarm_events', '', limit), 'seq', [afterSeq]);
  return rows.map(alarmEventFromRow);
}

/**
 * Where the areas of an event go in ALARM_EVENT_WITH_AREAS_JSON_SQL's text: its point id and rule id as a JSON array
 * between two U+0001, a character JSON text never holds raw (DuckDB and JSON.stringify escape every control character
 * in a string), so nothing stored can pass for it.
 */
const AREAS_MARK = '\u0001';

/** An alarm event with its areas last: the marks areasInPlace replaces. */
const ALARM_EVENT_WITH_AREAS_JSON_SQL = jsonObjectSql([...ALARM_EVENT_FIELDS, ['areas', `concat(chr(1), to_json([point_id, rule_id])::VARCHAR, chr(1))`, 'json']]);

/** The text with each event's marked pair replaced by its areas' JSON, each distinct pair worked out once. */
function areasInPlace(json: string, areasOf: EventAreas): string {
  // Split at the marks, every second part is a pair.
  const parts = json.split(AREAS_MARK);
  const written = new Map<string, string>();
  for (let i = 1; i < parts.length; i += 2) {
    const pair = parts[i]!;
    let areas = written.get(pair);
    if (areas === undefined) {
      const [pointId, ruleId] = JSON.parse(pair) as [string | null, string];
      written.set(pair, (areas = JSON.stringify(areasOf(pointId, ruleId))));
    }
    parts[i] = areas;
  }
  return parts.join('');
}

/** alarmEventsAfter's rows as the JSON text JSON.stringify writes of them; with `areasOf`, each with its `areas` last. */
export function alarmEventsAfterJson(connection: SerialConnection, afterSeq: number, limit: number, areasOf?: EventAreas): Promise<JsonRowsPage> {
  checkAlarmEventsAfter(afterSeq, limit);
  return alarmEventsJson(connection, 'oldest', afterSeq, limit, () => alarmEventsAfter(connection, afterSeq, limit), areasOf);
}

function checkAlarmEventsBefore(beforeSeq: number, limit: number): void {
  if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 0) badRange('alarmEventsBefore', `beforeSeq ${quote(beforeSeq)} must be a whole number >= 0`);
  requireCount(limit, MAX_PAGE, 'alarmEventsBefore', 'limit');
}

/** Alarm events with seq < beforeSeq, newest first: a page further back from the last seq received. */
export async function alarmEventsBefore(connection: SerialConnection, beforeSeq: number, limit: number): Promise<AlarmEventRow[]> {
  checkAlarmEventsBefore(beforeSeq, limit);
  const rows = await connection.jsonRows(seqPageSql('alarm_events', '', limit, 'newest'), 'seq DESC', [beforeSeq]);
  return rows.map(alarmEventFromRow);
}

/** alarmEventsBefore's rows as the JSON text JSON.stringify writes of them; with `areasOf`, each with its `areas` last. */
export function alarmEventsBeforeJson(connection: SerialConnection, beforeSeq: number, limit: number, areasOf?: EventAreas): Promise<JsonRowsPage> {
  checkAlarmEventsBefore(beforeSeq, limit);
  return alarmEventsJson(connection, 'newest', beforeSeq, limit, () => alarmEventsBefore(connection, beforeSeq, limit), areasOf);
}

function alarmEventsJson(connection: SerialConnection, order: SeqOrder, cursor: number, limit: number, rows: () => Promise<AlarmEventRow[]>, areasOf?: EventAreas): Promise<JsonRowsPage> {
  const page = seqPageSql('alarm_events', '', limit, order);
  if (areasOf === undefined) return jsonPage(connection, page, order, ALARM_EVENT_JSON_SQL, [cursor], rows);
  const withAreas = async () => (await rows()).map((row) => ({ ...row, areas: areasOf(row.pointId, row.ruleId) }));
  return jsonPage(connection, page, order, ALARM_EVENT_WITH_AREAS_JSON_SQL, [cursor], withAreas, (json) => areasInPlace(json, areasOf));
}

/** `bounds`: where each point's events lie (PointEventBounds), which a read of given points is narrowed to. */
export async function alarmEventsInRange(connection: SerialConnection, query: AlarmEventRangeQuery, bounds: PointEventBounds): Promise<AlarmEventRow[]> {
  const afterSeq = query.afterSeq ?? 0;
  const limit = query.limit ?? 1000;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) badRange('alarmEventsInRange', `afterSeq ${quote(afterSeq)} must be a whole number >= 0`);
  requireRange(query.from, query.to, 'alarmEventsInRange');
  requireCount(limit, MAX_PAGE, 'alarmEventsInRange', 'limit');
  if (query.pointIds === undefined) {
    const rows = await connection.jsonRows(`SELECT * FROM alarm_events WHERE seq > $1 AND t >= $2 AND t < $3 ORDER BY seq LIMIT ${limit}`, 'seq', [afterSeq, query.from, query.to]);
    return rows.map(alarmEventFromRow);
  }
  // The points' events lie in their window: asking DuckDB for it alone lets it skip the other rows' blocks by their zone maps.
  const window = bounds.windowOf(query.pointIds);
  if (window === null) return [];
  const from = Math.max(query.from, window.firstTime);
  const to = Math.min(query.to, window.lastTime + 1);
  const after = Math.max(afterSeq, window.firstSeq - 1);
  if (from >= to || after >= window.lastSeq) return [];
  const points = query.pointIds.map(sqlString).join(', ');
  const rows = await connection.jsonRows(`SELECT * FROM alarm_events WHERE seq > $1 AND seq <= $2 AND t >= $3 AND t < $4 AND point_id IN (${points}) ORDER BY seq LIMIT ${limit}`, 'seq', [
    after,
    window.lastSeq,
    from,
    to,
  ]);
  return rows.map(alarmEventFromRow);
}

/** Rows ruleHistory returns at most: a comms alarm is raised once per loss and updated while it stands. */
const MAX_RULE_HISTORY_ROWS = 100_000;

/**
 * The rows of one rule (e.g. `comms_loss`) that tell its state over [from, to): each source's latest row before
 * from, then every row in [from, to), by seq.
 */
export async function ruleHistory(connection: SerialConnection, ruleId: string, from: number, to: number): Promise<AlarmEventRow[]> {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) badRange('ruleHistory', `[${quote(from)}, ${quote(to)}) is not a time range`);
  const rows = await connection.rows(
    `SELECT * FROM (
       SELECT * FROM alarm_events WHERE rule_id = $1 AND t < $2 QUALIFY row_number() OVER (PARTITION BY point_id ORDER BY seq DESC) = 1
       UNION ALL
       SELECT * FROM alarm_events WHERE rule_id = $1 AND t >= $2 AND t < $3
     ) ORDER BY seq LIMIT ${MAX_RULE_HISTORY_ROWS + 1}`,
    [ruleId, from, to],
  );
  if (rows.length > MAX_RULE_HISTORY_ROWS) badRange('ruleHistory', `over ${MAX_RULE_HISTORY_ROWS} rows of ${quote(ruleId)}: ask a shorter range`);
  return rows.map(alarmEventFromRow);
}

/** Spans unseenSpans returns at most: a gateway stopped a few times a day gives a few per device and day. */
const MAX_UNSEEN_SPANS = 100_000;

/**
 * The spans of [from, to) in which each watched point had no reading at all, of any quality: the gateway was not
 * there to read it (stopped, killed, machine off). Read from the 1-minute rollups (kept at least as long as raw rows)
 * and the raw rows of minutes not yet rolled up, so a kill -9 loses nothing of it; a reading's minute counts as seen
 * until the point's poll interval after the minute's end, when the next reading was due.
 */
export async function unseenSpans(
  connection: SerialConnection,
  points: PointRegistry,
  watermarks: Watermarks,
  watches: readonly { readonly pointIndex: number; readonly polled: boolean }[],
  from: number,
  to: number,
): Promise<UnseenSpan[]> {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) badRange('unseenSpans', `[${quote(from)}, ${quote(to)}) is not a time range`);
  if (watches.length === 0 || to === from) return [];
  const pointIndexes = watches.map((watch) => watch.pointIndex);
  const watched = pointIndexes.map((pointIndex) => ({ pointIndex, reachMs: points.pollIntervalOf(pointIndex) }));
  const watchedSql = `watched (point_idx, reach_ms) AS (VALUES ${watched.map((watch) => `(${watch.pointIndex}, ${watch.reachMs})`).join(', ')})`;
  // A reading just before from still covers the start of the range.
  const lookBack = floorTo(from - Math.max(...watched.map((watch) => watch.reachMs)) - MINUTE_MS, MINUTE_MS);
  // A point that reports changes (OPC UA) may report more often than its spacing: its count cannot tell a day read through.
  const fullDays = watches.every((watch) => watch.polled)
    ? await daysReadThrough(connection, watchedSql, watched.length, floorTo(lookBack, DAY_MS) + DAY_MS, Math.min(floorTo(to, DAY_MS), watermarks['1d'] ?? lookBack))
    : [];
  const minuteRanges: [number, number][] = [];
  let cursor = lookBack;
  for (const run of [...fullDays, { start: to, end: to }]) {
    if (run.start > cursor) minuteRanges.push([cursor, run.start]);
    cursor = run.end;
  }
  const { parts } = aggregateParts(points, watermarks, { pointIndexes, from: lookBack, to, intervalMs: MINUTE_MS }, () => []);
  const inRanges = minuteRanges.length === 0 ? 'false' : minuteRanges.map(([start, end]) => `(bucket >= ${start} AND bucket < ${end})`).join(' OR ');
  const rows = await connection.rows(
    `WITH ${parts},
     ${watchedSql},
     seen AS (
       SELECT p.point_idx, p.bucket, p.bucket + ${MINUTE_MS} + w.reach_ms AS seen_until
       FROM (SELECT point_idx, bucket FROM parts WHERE point_idx IN (${pointIndexes.join(', ')}) AND count > 0 AND (${inRanges})) p JOIN watched w USING (point_idx)
       ${fullDays.length === 0 ? '' : `UNION ALL SELECT w.point_idx, d.start, d.until FROM watched w, (VALUES ${fullDays.map(({ start, end }) => `(${start}, ${end})`).join(', ')}) d(start, until)`}
     ),
     runs AS (SELECT *, max(seen_until) OVER (PARTITION BY point_idx ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS seen_before FROM seen)
     SELECT point_idx, greatest(coalesce(seen_before, ${from}), ${from}) AS start, least(bucket, ${to}) AS "end" FROM runs
       WHERE bucket > greatest(coalesce(seen_before, ${from}), ${from}) AND greatest(coalesce(seen_before, ${from}), ${from}) < ${to}
     UNION ALL
     SELECT w.point_idx, greatest(coalesce(max(s.seen_until), ${from}), ${from}), ${to} FROM watched w LEFT JOIN seen s USING (point_idx)
       GROUP BY w.point_idx HAVING coalesce(max(s.seen_until), ${from}) < ${to}
     ORDER BY point_idx, start LIMIT ${MAX_UNSEEN_SPANS + 1}`,
    [],
  );
  if (rows.length > MAX_UNSEEN_SPANS) badRange('unseenSpans', `over ${MAX_UNSEEN_SPANS} spans without readings: ask a shorter range`);
  return rows.map((row) => ({ pointId: points.idOf(num(row['point_idx'])), start: num(row['start']), end: num(row['end']) }));
}

/** A day whose daily rollup holds this much of a point's polls (count x poll interval) had no stop longer than what a reading covers. */
const READ_THROUGH_MS = DAY_MS - 2 * MINUTE_MS;

/**
 * The rolled-up days in [from, to) in which every watched point (each read at its poll interval, no more often) was read all day, merged into runs: unseenSpans reads
 * the 1-minute rollups only outside them (at 10k points a day of them is 14.4M rows, ~170 ms of CPU to scan).
 */
async function daysReadThrough(connection: SerialConnection, watchedSql: string, watchedCount: number, from: number, to: number): Promise<{ start: number; end: number }[]> {
  if (to <= from) return [];
  const rows = await connection.rows(
    `WITH ${watchedSql}
     SELECT bucket FROM (
       SELECT d.point_idx, d.bucket, sum(d.count) * any_value(w.reach_ms) AS read_ms FROM rollup_1d d JOIN watched w USING (point_idx)
       WHERE d.bucket >= ${from} AND d.bucket < ${to} GROUP BY d.point_idx, d.bucket
     ) GROUP BY bucket HAVING count(*) = ${watchedCount} AND min(read_ms) >= ${READ_THROUGH_MS} ORDER BY bucket`,
    [],
  );
  const runs: { start: number; end: number }[] = [];
  for (const row of rows) {
    const day = num(row['bucket']);
    const last = runs.at(-1);
    if (last !== undefined && last.end === day) last.end = day + DAY_MS;
    else runs.push({ start: day, end: day + DAY_MS });
  }
  return runs;
}

/** Each action's latest `action_commanded` / `action_released` row: what a restarting agent must keep latched. */
export async function latestActionEvents(connection: SerialConnection): Promise<AlarmEventRow[]> {
  const rows = await connection.rows(
    `SELECT * FROM alarm_events WHERE kind IN ('action_commanded', 'action_released')
     QUALIFY row_number() OVER (PARTITION BY rule_id ORDER BY seq DESC) = 1 ORDER BY seq`,
    [],
  );
  return rows.map(alarmEventFromRow);
}

/** Rows that are not a step of an alarm's life cycle, though some carry an alarm id (an action names its trigger). */
const NOT_ALARM_STATE_KINDS = ['action_commanded', 'action_released', 'command_refused', 'vote_ignored', 'flood_start', 'flood_end', 'chattering', 'notice', 'handled'];

/**
 * Each alarm's latest life-cycle row (of those before `before`, default all), where that leaves it not normal or not
 * in service: what a restarting agent takes back (acknowledged, shelved, out of service, still standing), or what
 * stood at a past time. Alarms are told apart by `details.alarmId`.
 */
export async function latestAlarmStates(connection: SerialConnection, before = Number.MAX_SAFE_INTEGER): Promise<AlarmEventRow[]> {
  if (!Number.isSafeInteger(before)) badRange('latestAlarmStates', `before ${quote(before)} must be a whole number`);
  const rows = await connection.rows(
    `SELECT * FROM (
       SELECT * FROM alarm_events
       WHERE t < $1 AND kind NOT IN (${NOT_ALARM_STATE_KINDS.map(sqlString).join(', ')}) AND json_extract_string(details, '$.alarmId') IS NOT NULL
       QUALIFY row_number() OVER (PARTITION BY json_extract_string(details, '$.alarmId') ORDER BY seq DESC) = 1
     ) WHERE state_after <> 'normal' OR coalesce(json_extract_string(details, '$.mode'), 'in_service') <> 'in_service'
     ORDER BY seq`,
    [before],
  );
  return rows.map(alarmEventFromRow);
}

/**
 * Each alarm's latest row of one kind (`out_of_service`: who took it out, when and why), oldest first: the record a
 * later row of the alarm (the engine's raise while it is out of service) must not stand in for.
 */
export async function latestAlarmRowsOfKind(connection: SerialConnection, kind: string): Promise<AlarmEventRow[]> {
  const rows = await connection.rows(
    `SELECT * FROM alarm_events
     WHERE kind = $1 AND json_extract_string(details, '$.alarmId') IS NOT NULL
     QUALIFY row_number() OVER (PARTITION BY json_extract_string(details, '$.alarmId') ORDER BY seq DESC) = 1
     ORDER BY seq`,
    [kind],
  );
  return rows.map(alarmEventFromRow);
}

/** An audit page's SQL (seqPageSql), its order and its parameters, the query checked. */
function auditPage(query: AuditRangeQuery): { sql: string; order: SeqOrder; params: (number | string)[] } {
  if (query.afterSeq !== undefined && query.beforeSeq !== undefined) badRange('auditRows', 'afterSeq and beforeSeq together: a page runs one way');
  const order: SeqOrder = query.beforeSeq === undefined ? 'oldest' : 'newest';
  const cursor = query.beforeSeq ?? query.afterSeq ?? 0;
  const fromTime = query.fromTime ?? 0;
  const toTime = query.toTime ?? Number.MAX_SAFE_INTEGER;
  const limit = query.limit ?? 1000;
  if (!Number.isSafeInteger(cursor) || cursor < 0) badRange('auditRows', `${order === 'oldest' ? 'afterSeq' : 'beforeSeq'} ${quote(cursor)} must be a whole number >= 0`);
  requireRange(fromTime, toTime, 'auditRows');
  requireCount(limit, MAX_PAGE, 'auditRows', 'limit');
  const params: (number | string)[] = [cursor, fromTime, toTime];
  const filters = [query.who === undefined ? '' : ` AND who = $${params.push(query.who)}`, query.action === undefined ? '' : ` AND action = $${params.push(query.action)}`].join('');
  return { sql: seqPageSql('audit_log', ` AND t >= $2 AND t < $3${filters}`, limit, order), order, params };
}

export async function auditRows(connection: SerialConnection, query: AuditRangeQuery): Promise<AuditRow[]> {
  const { sql, params } = auditPage(query);
  const rows = await connection.rows(sql, params);
  return rows.map(auditFromRow);
}

/** auditRows' rows as the JSON text JSON.stringify writes of them. */
export function auditRowsJson(connection: SerialConnection, query: AuditRangeQuery): Promise<JsonRowsPage> {
  const { sql, order, params } = auditPage(query);
  return jsonPage(connection, sql, order, AUDIT_ROW_JSON_SQL, params, () => auditRows(connection, query));
}

const REASON_NAME_SQL = `CASE r.reason ${Object.entries(REASON_CODE)
  .map(([reason, code]) => `WHEN ${code} THEN '${reason}'`)
  .join(' ')} END`;

/**
 * A reading's value in two typed columns: `value` (DOUBLE, engineering units) for number points, `value_bool`
 * (BOOLEAN: true/false in CSV) for boolean points (coils, inputs, bits, OPC UA `type: bool`); each NULL for the other kind.
 */
const EXPORTED_VALUES = `CASE WHEN p.value_kind = 'boolean' THEN NULL ELSE r.value_scaled / p.value_divisor END AS value,
                CASE WHEN p.value_kind = 'boolean' THEN r.value_scaled <> 0 END AS value_bool`;

/** What one export reads: the table, the key its windows split, the row filter, and the SELECT of one window. */
interface ExportSource {
  readonly table: string;
  readonly key: string;
  readonly where: string;
  /** Rows per window: alarm events and audit rows carry free text, far wider than a reading. */
  readonly maxRows: number;
  readonly select: (window: KeyWindow) => string;
}

/**
 * The chunk the CSV parts are joined by: a day of 1k points at 1 min is ~170 MB, 2,600 chunks at the streams' default
 * 64 KiB, each a turn of the agent's event loop.
 */
const EXPORT_CHUNK_BYTES = 1024 * 1024;

/** Point-intervals one COPY of an aggregates export builds at a time (a window of whole intervals, at least one). */
const AGGREGATE_CELLS_PER_WINDOW = ROWS_PER_WINDOW;

/** An aggregates export's columns: as the aggregates route gives them, times as epoch ms (end excluded). */
function aggregateExportSelect(points: PointRegistry, watermarks: Watermarks, query: AggregateQuery): string {
  const sql = aggregateCellsSql(points, watermarks, query);
  return `SELECT p.point_id, c.start AS start_ms, c.start + ${query.intervalMs} AS end_ms, c.min_value AS min, c.sum_value / nullif(c.good_count, 0) AS avg, c.max_value AS max,
                 c.count, c.good_count, least(1, c.good_count / (${query.intervalMs} / p.poll_interval_ms)) AS completeness
          FROM (${sql}) c JOIN points p ON p.point_idx = c.point_idx
          ORDER BY c.start, c.point_idx`;
}

/** Windows of whole intervals with at most AGGREGATE_CELLS_PER_WINDOW cells (one interval at least). */
async function* aggregateWindows(from: number, to: number, intervalMs: number, points: number): AsyncGenerator<KeyWindow> {
  const width = Math.max(1, Math.floor(AGGREGATE_CELLS_PER_WINDOW / Math.max(1, points))) * intervalMs;
  for (let start = from; start < to; start += width) {
    const end = Math.min(to, start + width);
    yield { from: start, to: end, rows: ((end - start) / intervalMs) * points };
  }
}

/**
 * A text column as exported. In CSV a text that starts like a spreadsheet formula (=, +, -, @, a tab or a carriage
 * return) is written behind an apostrophe: the file is opened in Excel or WPS, where an operator's reason or a
 * device's text must not run (OWASP, CSV injection). Ids need none (they start with a letter or digit). Parquet,
 * read by tools, keeps every text as stored.
 */
function exportedText(column: string, name: string, csv: boolean): string {
  return csv ? `CASE WHEN regexp_matches(${column}, '^[=+\\-@\\t\\r]') THEN '''' || ${column} ELSE ${column} END AS ${name}` : `${column} AS ${name}`;
}

function exportSource(request: ExportRequest, pointIndexes: readonly number[] | null, points: PointRegistry, watermarks: Watermarks): ExportSource {
  const { from, to } = request;
  const csv = request.format === 'csv';
  const text = (column: string, name = column.replace(/^\w+\./, '')) => exportedText(column, name, csv);
  switch (request.what) {
    case 'aggregates': {
      const indexes = pointIndexes ?? Array.from({ length: points.size }, (_, index) => index);
      const intervalMs = request.intervalMs ?? MINUTE_MS;
      return {
        table: 'rollup_1m',
        key: 'bucket',
        where: '',
        maxRows: AGGREGATE_CELLS_PER_WINDOW,
        select: (window) => aggregateExportSelect(points, watermarks, { pointIndexes: indexes, from: window.from, to: window.to, intervalMs }),
      };
    }
    case 'readings': {
      const where = pointIndexes ? `r.point_idx IN (${pointIndexes.join(', ')})` : '';
      return {
        table: 'raw_readings r',
        key: 'r.t',
        where,
        maxRows: ROWS_PER_WINDOW,
        select: (window) => `SELECT p.point_id, r.t AS time_ms, r.source_t AS source_time_ms, ${EXPORTED_VALUES}, ${text('p.unit')},
                CASE r.quality WHEN 0 THEN 'good' WHEN 1 THEN 'uncertain' ELSE 'bad' END AS quality, ${REASON_NAME_SQL} AS reason, ${text('x.text', 'reason_message')}
              FROM raw_readings r JOIN points p ON p.point_idx = r.point_idx ${REASON_TEXT_JOIN}
              WHERE r.t >= ${window.from} AND r.t < ${window.to}${where ? ` AND ${where}` : ''}
              ORDER BY r.t, p.point_id`,
      };
    }
    case 'alarm_events':
      return {
        table: 'alarm_events',
        key: 'seq',
        where: `t >= ${from} AND t < ${to}`,
        maxRows: TEXT_ROWS_PER_WINDOW,
        select: (window) => `SELECT seq, t AS time_ms, point_id, rule_id, kind, state_after, priority, ${text('who')}, ${text('why')}, details, written_at AS written_at_ms
              FROM alarm_events WHERE t >= ${from} AND t < ${to} AND seq >= ${window.from} AND seq < ${window.to} ORDER BY seq`,
      };
    case 'audit_log':
      return {
        table: 'audit_log',
        key: 'seq',
        where: `t >= ${from} AND t < ${to}`,
        maxRows: TEXT_ROWS_PER_WINDOW,
        select: (window) => `SELECT seq, t AS time_ms, ${text('who')}, action, ${text('target')}, details, prev_hash, hash FROM audit_log
              WHERE t >= ${from} AND t < ${to} AND seq >= ${window.from} AND seq < ${window.to} ORDER BY seq`,
      };
  }
}

/** The key range to split: the requested times for readings, the seq numbers of the rows in the time range otherwise. */
async function exportKeyRange(connection: SerialConnection, request: ExportRequest, source: ExportSource): Promise<{ from: number; to: number } | null> {
  if (request.what === 'readings' || request.what === 'aggregates') return { from: request.from, to: request.to };
  const [row] = await connection.rows(`SELECT min(${source.key}) AS first, max(${source.key}) AS last FROM ${source.table} WHERE ${source.where}`);
  const first = numOrNull(row?.first);
  return first === null ? null : { from: first, to: num(row?.last) + 1 };
}

async function copyTo(connection: SerialConnection, select: string, path: string, options: string): Promise<number> {
  return connection.exclusive(async (raw) => num((await raw.run(`COPY (${select}) TO ${sqlString(path)} (${options})`)).rowsChanged));
}

/**
 * COPY of a time range to CSV (with header) or Parquet (zstd). Returns the number of rows written. A range of many
 * rows is written in windows of at most ROWS_PER_WINDOW rows (each sorted on its own within the memory limit) to part
 * files in a folder beside the target, then joined in order: CSV parts are concatenated, Parquet parts read back in
 * file order into one file (a scan in insertion order, no sort).
 */
export async function exportRange(connection: SerialConnection, points: PointRegistry, watermarks: Watermarks, request: ExportRequest): Promise<number> {
  requireRange(request.from, request.to, 'exportRange');
  if (!['readings', 'aggregates', 'alarm_events', 'audit_log'].includes(request.what)) {
    badRange('exportRange', `what ${quote(request.what)} must be 'readings', 'aggregates', 'alarm_events' or 'audit_log'`);
  }
  if (request.format !== 'csv' && request.format !== 'parquet') badRange('exportRange', `format ${quote(request.format)} must be 'csv' or 'parquet'`);
  if (typeof request.path !== 'string' || request.path.length === 0) badRange('exportRange', `path ${quote(request.path)} must be a file path`);
  const pointIndexes = request.pointIds ? request.pointIds.map((id) => points.require(id, 'exportRange')) : null;
  if (request.what === 'aggregates') {
    const pointIndexesOrAll = pointIndexes ?? Array.from({ length: points.size }, (_, index) => index);
    checkAggregateQuery({ pointIndexes: pointIndexesOrAll, from: request.from, to: request.to, intervalMs: request.intervalMs ?? Number.NaN }, 'exportRange', MAX_EXPORT_AGGREGATE_CELLS);
  }
  const csv = request.format === 'csv';
  const options = csv ? 'FORMAT csv, HEADER' : `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${PARQUET_ROW_GROUP_ROWS}`;
  const source = exportSource(request, pointIndexes, points, watermarks);
  const range = await exportKeyRange(connection, request, source);
  const parts = mkdtempSync(`${request.path}.parts-`);
  try {
    const files: string[] = [];
    let rows = 0;
    if (range) {
      const windows =
        request.what === 'aggregates' ? aggregateWindows(range.from, range.to, request.intervalMs!, pointIndexes?.length ?? points.size) : keyWindows(connection, { ...source, ...range, align: 1 });
      for await (const window of windows) {
        const file = join(parts, `${String(files.length).padStart(9, '0')}.${request.format}`);
        const partOptions = csv ? `FORMAT csv, HEADER ${files.length === 0}` : `FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE ${PARQUET_ROW_GROUP_ROWS}`;
        rows += await copyTo(connection, source.select(window), file, partOptions);
        files.push(file);
      }
    }
    if (files.length === 0) {
      // Nothing in the range: an empty file that still has the header or the Parquet schema.
      await copyTo(connection, source.select({ from: 0, to: 0, rows: 0 }), request.path, options);
    } else if (csv) {
      const joined = await open(request.path, 'w');
      try {
        for (const file of files) for await (const chunk of createReadStream(file, { highWaterMark: EXPORT_CHUNK_BYTES })) await joined.writeFile(chunk as Buffer);
      } finally {
        await joined.close();
      }
    } else {
      await copyTo(connection, `SELECT * FROM read_parquet(${sqlString(join(parts, '*.parquet'))})`, request.path, options);
    }
    return rows;
  } finally {
    rmSync(parts, { recursive: true, force: true });
  }
}
