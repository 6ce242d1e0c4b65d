/** 1-minute rollups from raw, hourly from minutes, daily from hours; each level remembers up to where it is complete. */
import { BIGINT, DOUBLE, INTEGER, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { QUALITY_CODE } from '@hazmon/protocols';
import { CHUNK_ROWS, ColumnChunk, nullableColumn, setValid } from './chunk.ts';
import { type BucketSums, OpenBuckets } from './open-buckets.ts';
import type { PointRegistry } from './points.ts';
import type { RawReadingQueue } from './raw-queue.ts';
import { closeQuietly, discardAppender, num, numOrNull, type SerialConnection } from './sql.ts';
import { keyWindows, ROWS_PER_WINDOW } from './windows.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, ROLLUP_TABLE, ROLLUP_WIDTH_MS, floorTo, rollupWatermarkKey, type RollupLevel } from './schema.ts';

const LEVELS: readonly RollupLevel[] = ['1m', '1h', '1d'];
const COARSER: Readonly<Record<RollupLevel, RollupLevel | null>> = { '1m': '1h', '1h': '1d', '1d': null };
/**
 * Buckets kept in memory per level: a minute is closed rollupGraceMs plus up to rollupIntervalMs after its end, so two
 * are open at a time, more while a long job (an export) holds the maintenance connection. 240 kB each at 10k points.
 */
const MAX_OPEN: Readonly<Record<RollupLevel, number>> = { '1m': 6, '1h': 2, '1d': 2 };
const GOOD = QUALITY_CODE.good;

/** The rows of one rollup chunk, in the order of the rollup tables' columns; min, max and sum are NULL without a good reading. */
class RollupColumns {
  readonly point = { items: new Int32Array(CHUNK_ROWS) };
  readonly bucket = { items: new BigInt64Array(CHUNK_ROWS) };
  readonly min = nullableColumn(new Float64Array(CHUNK_ROWS));
  readonly max = nullableColumn(new Float64Array(CHUNK_ROWS));
  readonly sum = nullableColumn(new Float64Array(CHUNK_ROWS));
  readonly count = { items: new Int32Array(CHUNK_ROWS) };
  readonly good = { items: new Int32Array(CHUNK_ROWS) };
  readonly chunk = new ColumnChunk([INTEGER, BIGINT, DOUBLE, DOUBLE, DOUBLE, INTEGER, INTEGER], [this.point, this.bucket, this.min, this.max, this.sum, this.count, this.good]);
}

const MINUTE_FROM_RAW = `
INSERT INTO rollup_1m
SELECT r.point_idx, r.t // ${MINUTE_MS} * ${MINUTE_MS} AS bucket,
       min(r.value_scaled) FILTER (WHERE r.quality = ${GOOD}) / p.value_divisor,
       max(r.value_scaled) FILTER (WHERE r.quality = ${GOOD}) / p.value_divisor,
       sum(r.value_scaled) FILTER (WHERE r.quality = ${GOOD}) / p.value_divisor,
       count(*), count(*) FILTER (WHERE r.quality = ${GOOD})
FROM raw_readings r JOIN points p ON p.point_idx = r.point_idx
WHERE r.t >= $1 AND r.t < $2
GROUP BY r.point_idx, bucket, p.value_divisor`;

const coarserFromFiner = (level: RollupLevel, finer: RollupLevel): string => `
INSERT INTO ${ROLLUP_TABLE[level]}
SELECT point_idx, bucket // ${ROLLUP_WIDTH_MS[level]} * ${ROLLUP_WIDTH_MS[level]} AS coarse,
       min(min_value), max(max_value), sum(sum_value), sum(count), sum(good_count)
FROM ${ROLLUP_TABLE[finer]}
WHERE bucket >= $1 AND bucket < $2
GROUP BY point_idx, coarse`;

const BUILD_SQL: Readonly<Record<RollupLevel, string>> = {
  '1m': MINUTE_FROM_RAW,
  '1h': coarserFromFiner('1h', '1m'),
  '1d': coarserFromFiner('1d', '1h'),
};

export type Watermarks = Readonly<Record<RollupLevel, number | null>>;

/**
 * Keeps the rollup tables complete up to a watermark per level. Buckets are closed from sums kept in memory as raw
 * rows commit (OpenBuckets): their rows are appended a chunk per transaction, the last with the watermark, no
 * aggregate runs. What memory does not hold is built in SQL from the finer table, window by window: the buckets the
 * store held rows of at start-up or after a reopen, buckets dropped for room, and buckets reopened by a late reading.
 * Rows past a watermark (the first chunks of a bucket whose last did not commit) are read by no one and replaced by
 * the SQL build that takes the bucket over.
 */
export class RollupMaintainer {
  /** Bucket start below which each level is complete; null until the first raw rows were rolled. */
  private readonly complete: Record<RollupLevel, number | null> = { '1m': null, '1h': null, '1d': null };
  /** Earliest bucket start that must be rebuilt because readings arrived for an already rolled minute. */
  private readonly dirtyFrom: Record<RollupLevel, number> = { '1m': Infinity, '1h': Infinity, '1d': Infinity };
  private readonly open: Readonly<Record<RollupLevel, OpenBuckets>> = {
    '1m': new OpenBuckets(MINUTE_MS, MAX_OPEN['1m']),
    '1h': new OpenBuckets(HOUR_MS, MAX_OPEN['1h']),
    '1d': new OpenBuckets(DAY_MS, MAX_OPEN['1d']),
  };
  /** Raw rows with a receive time before this are late: their minute is rolled or being rolled. */
  private lateBefore = Number.NEGATIVE_INFINITY;
  /** Made when the first bucket is closed from memory (~90 kB). */
  private columns: RollupColumns | null = null;
  private readonly appenders = new Map<RollupLevel, { readonly connection: DuckDBConnection; readonly appender: DuckDBAppender }>();
  runs = 0;
  /** Buckets closed from the sums in memory, and windows built in SQL (each one aggregate over the finer table). */
  bucketsFromMemory = 0;
  sqlBuilds = 0;
  /** Open minutes handed to queries with their sums (openMinutes). */
  minutesReadFromMemory = 0;

  constructor(
    private readonly connection: SerialConnection,
    private readonly points: PointRegistry,
  ) {}

  get watermarks(): Watermarks {
    return { ...this.complete };
  }

  /**
   * The minutes of [from, to) an aggregate may read from the sums in memory instead of raw rows: each not rolled and
   * not being rolled, every committed row of it gone through its sums. Each comes with its sums ('empty': known to hold
   * no row); read them before any await, as they grow with each commit and go when the minute closes.
   */
  openMinutes(from: number, to: number): { readonly start: number; readonly sums: BucketSums | 'empty' }[] {
    const minutes = this.open['1m'];
    const rolledUntil = Math.max(this.lateBefore, this.complete['1m'] ?? Number.NEGATIVE_INFINITY);
    const known: { start: number; sums: BucketSums | 'empty' }[] = [];
    // Up to the latest open minute only: a range far into the future is left to SQL, where it costs an empty scan.
    const end = Math.min(to, minutes.latestOpen() + MINUTE_MS);
    for (let start = Math.max(floorTo(from, MINUTE_MS), rolledUntil); start < end; start += MINUTE_MS) {
      const sums = minutes.peek(start);
      if (sums !== null) known.push({ start, sums });
    }
    this.minutesReadFromMemory += known.length;
    return known;
  }

  /**
   * Reads the watermarks and starts the sums in memory after the latest raw row the store holds (its minute, hour and
   * day are built in SQL when they close). Returns that receive time, or null when no raw row is past the watermark.
   */
  async load(): Promise<number | null> {
    const rows = await this.connection.rows('SELECT key, max(value) AS value FROM store_meta GROUP BY key');
    for (const level of LEVELS) {
      const row = rows.find((candidate) => candidate.key === rollupWatermarkKey(level));
      this.complete[level] = row ? num(row.value) : null;
      this.dirtyFrom[level] = Infinity;
    }
    const rolledUntil = this.complete['1m'];
    const [latest] = await this.connection.rows('SELECT max(t) AS t FROM raw_readings WHERE t >= $1', [rolledUntil ?? 0]);
    const latestRaw = numOrNull(latest?.t);
    this.lateBefore = rolledUntil ?? Number.NEGATIVE_INFINITY;
    let knownFrom = latestRaw !== null ? floorTo(latestRaw, MINUTE_MS) + MINUTE_MS : (rolledUntil ?? Number.NEGATIVE_INFINITY);
    for (const level of LEVELS) {
      // A coarser bucket is known from the first one all of whose finer buckets are.
      knownFrom = Math.ceil(knownFrom / ROLLUP_WIDTH_MS[level]) * ROLLUP_WIDTH_MS[level];
      this.open[level].reset(knownFrom);
    }
    return latestRaw;
  }

  /**
   * Adds the raw rows the writer just committed (the queue's first `rows`) to their minutes' sums. A row of a minute
   * rolled or being rolled marks it, its hour and day for a rebuild instead.
   */
  addCommitted(queue: RawReadingQueue, rows: number): void {
    const minutes = this.open['1m'];
    const pointCount = this.points.size;
    let late = Number.POSITIVE_INFINITY;
    let bucketStart = Number.NaN;
    let sums: BucketSums | null = null;
    for (let i = 0; i < rows; i++) {
      const slot = queue.slot(i);
      const time = queue.time[slot]!;
      if (time < this.lateBefore) {
        if (time < late) late = time;
        continue;
      }
      if (!(time >= bucketStart && time < bucketStart + MINUTE_MS)) {
        bucketStart = floorTo(time, MINUTE_MS);
        sums = minutes.sumsFor(bucketStart, pointCount);
      }
      sums?.addReading(queue.pointIndex[slot]!, queue.valueScaled[slot]!, queue.quality[slot] === GOOD);
    }
    if (late !== Number.POSITIVE_INFINITY) {
      for (const level of LEVELS) this.dirtyFrom[level] = Math.min(this.dirtyFrom[level], floorTo(late, ROLLUP_WIDTH_MS[level]));
    }
  }

  /** Rolls every minute that ends at or before `closedUntil`, then the hours and days those complete. */
  async rollUp(closedUntil: number): Promise<void> {
    this.runs += 1;
    if (this.complete['1m'] === null) {
      const [row] = await this.connection.rows('SELECT min(t) AS t FROM raw_readings');
      const first = numOrNull(row?.t);
      if (first === null) return;
      for (const level of LEVELS) this.complete[level] = floorTo(first, ROLLUP_WIDTH_MS[level]);
    }
    let finerDone = floorTo(closedUntil, MINUTE_MS);
    for (const level of LEVELS) {
      const done = this.complete[level] as number;
      const target = Math.max(done, floorTo(finerDone, ROLLUP_WIDTH_MS[level]));
      // From here on a committed row of these minutes is late (the build may not see it).
      if (level === '1m') this.lateBefore = Math.max(this.lateBefore, target);
      const rebuildFrom = Math.min(this.dirtyFrom[level], done);
      if (rebuildFrom < done) await this.buildInSql(level, rebuildFrom, done, done);
      if (target > done) await this.close(level, done, target);
      finerDone = this.complete[level] as number;
    }
  }

  /**
   * Closes the buckets of `level` in [from, to) in order: from memory where it holds them (an empty one only moves the
   * watermark), in SQL where it does not (consecutive ones together).
   */
  private async close(level: RollupLevel, from: number, to: number): Promise<void> {
    const width = ROLLUP_WIDTH_MS[level];
    let pending = from;
    let pendingInSql = false;
    const settlePending = async (until: number): Promise<void> => {
      if (pending < until) await (pendingInSql ? this.buildInSql(level, pending, pending, until) : this.commitWatermark(level, until));
      pending = until;
    };
    try {
      for (let bucket = from; bucket < to; bucket += width) {
        const taken = this.open[level].take(bucket);
        if (taken === null || taken === 'empty') {
          const inSql = taken === null;
          if (inSql !== pendingInSql) await settlePending(bucket);
          pendingInSql = inSql;
          continue;
        }
        await settlePending(bucket);
        await this.closeFromMemory(level, bucket, taken);
        pending = bucket + width;
      }
      await settlePending(to);
    } catch (error) {
      // What was taken and not written (sums, or the marks of buckets to build in SQL) is gone: the next run builds
      // everything not yet complete in SQL.
      this.open[level].markUnknown(Math.max(pending, this.complete[level] ?? pending), to);
      throw error;
    }
  }

  private async closeFromMemory(level: RollupLevel, bucket: number, sums: BucketSums): Promise<void> {
    const width = ROLLUP_WIDTH_MS[level];
    try {
      // A chunk per transaction: DuckDB's memory for a commit (the appender's buffer, the transaction's local rows, the
      // WAL record) grows with its rows, and the 10k rows of one at 10k points, on top of a checkpoint, were the
      // agent's highest RSS moments (+3.3 to +7.6 MiB for ~50 ms once a minute; a chunk at a time: +2.3 to +4.2).
      let from = 0;
      do {
        await this.connection.transaction(async (tx) => {
          from = await this.appendRows(tx, level, bucket, sums, from);
          if (from >= sums.points) await setWatermark(tx, level, bucket + width);
        });
      } while (from < sums.points);
    } catch (error) {
      this.open[level].release(sums);
      throw error;
    }
    this.complete[level] = bucket + width;
    this.bucketsFromMemory += 1;
    const coarser = COARSER[level];
    if (coarser !== null) {
      const into = this.open[coarser].sumsFor(floorTo(bucket, ROLLUP_WIDTH_MS[coarser]), sums.points);
      if (into !== null) {
        for (let point = 0; point < sums.points; point++) if (sums.count[point]! > 0) into.addBucket(point, sums);
      }
    }
    this.open[level].release(sums);
  }

  /**
   * Appends one chunk of a bucket's rows (points from `from` on) through the level's appender on the transaction's
   * connection: a flush joins the open transaction. Returns the point to go on from. One appender per level and
   * connection, kept: the native side of a closed one is freed only when the garbage collector finalizes its wrapper,
   * which in the agent's small heap could take many minutes.
   */
  private async appendRows(tx: DuckDBConnection, level: RollupLevel, bucket: number, sums: BucketSums, from: number): Promise<number> {
    const kept = this.appenders.get(level);
    const appender = kept?.connection === tx ? kept.appender : await tx.createAppender(ROLLUP_TABLE[level]);
    this.appenders.set(level, { connection: tx, appender });
    const columns = (this.columns ??= new RollupColumns());
    try {
      const { next, rows } = this.fillChunk(columns, BigInt(bucket), sums, from);
      if (rows > 0) columns.chunk.appendTo(appender);
      appender.flushSync();
      return next;
    } catch (error) {
      // A failed flush invalidates the appender (C API duckdb_appender_flush), and rows appended before a failure must
      // not reach the table later: it is discarded, and the next bucket opens a new one.
      discardAppender(appender);
      this.appenders.delete(level);
      throw error;
    }
  }

  /**
   * Fills the chunk with the rows of the points from `point` on that had readings; returns the point to go on from
   * and the rows filled.
   */
  private fillChunk(columns: RollupColumns, bucket: bigint, sums: BucketSums, point: number): { next: number; rows: number } {
    columns.chunk.clearValidity();
    let row = 0;
    for (; point < sums.points && row < CHUNK_ROWS; point++) {
      const count = sums.count[point]!;
      if (count === 0) continue;
      const good = sums.good[point]!;
      columns.point.items[row] = point;
      columns.bucket.items[row] = bucket;
      columns.count.items[row] = count;
      columns.good.items[row] = good;
      if (good > 0) {
        const divisor = this.points.divisorOf(point);
        columns.min.items[row] = sums.min[point]! / divisor;
        columns.max.items[row] = sums.max[point]! / divisor;
        columns.sum.items[row] = sums.sum[point]! / divisor;
        setValid(columns.min.valid, row);
        setValid(columns.max.valid, row);
        setValid(columns.sum.valid, row);
      }
      row += 1;
    }
    columns.chunk.seal(row);
    return { next: point, rows: row };
  }

  /** Closes the kept appenders; call before their connection closes (the store's close, a reopen). */
  closeAppenders(): void {
    for (const { appender } of this.appenders.values()) closeQuietly(appender);
    this.appenders.clear();
  }

  private async commitWatermark(level: RollupLevel, until: number): Promise<void> {
    await this.connection.transaction((tx) => setWatermark(tx, level, until));
    this.complete[level] = until;
  }

  /**
   * Builds `level` over [from, to) from the finer table in windows of at most ROWS_PER_WINDOW source rows (a catch-up
   * over hours of raw rows would otherwise be one aggregate larger than the memory limit), each window in one
   * transaction with the watermark. Each window first deletes the rows it builds: those of buckets in [from, done),
   * which are rebuilt, and any a close from memory left past the watermark. The watermark moves back to the end of
   * each window built, so a crash meanwhile leaves the rest to rebuild at the next start. The coarser level's buckets
   * over the range can no longer be closed from memory.
   */
  private async buildInSql(level: RollupLevel, from: number, done: number, to: number): Promise<void> {
    const coarser = COARSER[level];
    if (coarser !== null) this.open[coarser].markUnknown(Math.max(from, this.complete[coarser] ?? from), to);
    const source = level === '1m' ? { table: 'raw_readings', key: 't' } : { table: ROLLUP_TABLE[level === '1h' ? '1m' : '1h'], key: 'bucket' };
    let rebuilding = from < done;
    let cursor = from;
    const dirtyAtStart = this.dirtyFrom[level];
    const commitUntil = async (until: number): Promise<void> => {
      await this.connection.transaction(async (tx) => {
        await tx.run(`DELETE FROM ${ROLLUP_TABLE[level]} WHERE bucket >= $1 AND bucket < $2`, [cursor, until]);
        await tx.run(BUILD_SQL[level], [cursor, until]);
        await setWatermark(tx, level, until);
      });
      this.sqlBuilds += 1;
      // A late reading noted meanwhile (an earlier bucket) stays marked for the next run.
      if (rebuilding && this.dirtyFrom[level] === dirtyAtStart) this.dirtyFrom[level] = Infinity;
      rebuilding = false;
      cursor = until;
      this.complete[level] = until;
    };
    const windows = keyWindows(this.connection, { ...source, where: '', from, to, align: ROLLUP_WIDTH_MS[level], maxRows: ROWS_PER_WINDOW });
    for await (const window of windows) await commitUntil(window.to);
    if (cursor < to) await commitUntil(to);
  }
}

async function setWatermark(tx: DuckDBConnection, level: RollupLevel, until: number): Promise<void> {
  await tx.run('DELETE FROM store_meta WHERE key = $1', [rollupWatermarkKey(level)]);
  await tx.run('INSERT INTO store_meta VALUES ($1, $2)', [rollupWatermarkKey(level), until]);
}
