/** Moves queued raw readings into DuckDB through the appender, one reused data chunk at a time, and commits off the event loop. */
import { BIGINT, INTEGER, UTINYINT, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { CHUNK_ROWS, type ChunkColumn, ColumnChunk, nullableColumn } from './chunk.ts';
import { committedDespiteError } from './errors.ts';
import { discardAppender } from './sql.ts';
import { HAS_SOURCE_TIME, HAS_VALUE, type RawReadingQueue } from './raw-queue.ts';
import type { ReasonTexts } from './reason-texts.ts';

/** The ingest connection and its appenders: raw_readings, and reason_texts for the messages its rows reference. */
export interface RawAppenders {
  readonly connection: DuckDBConnection;
  readonly readings: DuckDBAppender;
  readonly texts: DuckDBAppender;
}

/** raw_readings' columns taken from the queue's arrays, by position. */
const POINT = 0;
const VALUE = 2;
const QUALITY = 3;
const REASON = 5;
const REASON_TEXT = 6;

/**
 * A raw chunk in the order of raw_readings' columns. The columns the queue already holds in their DuckDB type (point,
 * value, quality, reason, reason text) go into the chunk straight from the queue's arrays (`seal`'s first rows); the
 * times (epoch ms as doubles in the queue, BIGINT here) and the two validity masks are filled per chunk.
 */
class RawColumns {
  readonly time = { items: new BigInt64Array(CHUNK_ROWS) };
  readonly value: ChunkColumn & { readonly valid: Uint32Array<ArrayBuffer> };
  readonly sourceTime = nullableColumn(new BigInt64Array(CHUNK_ROWS));
  readonly chunk: ColumnChunk;
  /** Per column, the row its chunk starts at: the queue's slot for the queue's columns, 0 for the chunk's own. */
  private readonly firstRow = [0, 0, 0, 0, 0, 0, 0];

  constructor(queue: RawReadingQueue) {
    this.value = { items: queue.valueScaled, valid: new Uint32Array(CHUNK_ROWS / 32) };
    const columns = [{ items: queue.pointIndex }, this.time, this.value, { items: queue.quality }, this.sourceTime, { items: queue.reason }, { items: queue.reasonText }];
    this.chunk = new ColumnChunk([INTEGER, BIGINT, INTEGER, UTINYINT, BIGINT, UTINYINT, INTEGER], columns);
  }

  /** Seals `rows` rows from queue slot `slot` on (the times and masks already filled from row 0). */
  seal(slot: number, rows: number): void {
    const firstRow = this.firstRow;
    firstRow[POINT] = slot;
    firstRow[VALUE] = slot;
    firstRow[QUALITY] = slot;
    firstRow[REASON] = slot;
    firstRow[REASON_TEXT] = slot;
    this.chunk.seal(rows, firstRow);
  }
}

/** Epoch ms -> bigint, reusing the last conversion: readings of one poll share a receive time. */
class BigIntCache {
  private lastNumber = Number.NaN;
  private lastBigInt = 0n;

  of(value: number): bigint {
    if (value !== this.lastNumber) {
      this.lastNumber = value;
      this.lastBigInt = BigInt(value);
    }
    return this.lastBigInt;
  }
}

/**
 * Rows appended (and moved into the transaction by the appender's flush) per turn of the event loop: a commit's 16-18k
 * rows in one turn held the loop 10-46 ms on the loaded machine. Each appender flush has a cost of its own: with one per
 * 2,048-row chunk the agent did 0.83x the readings per CPU second of the synchronous commit (4 alternated pairs,
 * 0.72-0.91), with one per 8,192 rows 0.94x (0.87-0.99). Each flush is an INSERT of its own (~0.34 ms): 16,384 rows a
 * turn took ~10 % off the store's CPU per row alone and was 1.00-1.11x end to end in 4 pairs, the stall not worse;
 * 30,720 (two flushes a row group) lengthened the loop's delays (bench/RESULTS.md, sessions 19 and 20).
 */
const ROWS_PER_TURN = 8 * CHUNK_ROWS;

export interface FlushResult {
  readonly rows: number;
  /** Largest receive time among the committed rows, or -Infinity when none. */
  readonly maxTime: number;
  /** The fatal error DuckDB raised after the commit (its automatic checkpoint failed); the rows are committed. */
  readonly fatalAfterCommit?: unknown;
}

export class RawWriter {
  private readonly columns: RawColumns;
  private readonly times = new BigIntCache();
  private readonly sourceTimes = new BigIntCache();

  /** A new appender being opened after a failed commit (see reopen); flushes wait for it. */
  private reopening: Promise<void> | null = null;
  /** The commit under way (its COMMIT runs on a libuv thread); detach and close wait for it. */
  private committing: Promise<FlushResult> | null = null;
  /** The queue's first rows that the commit under way holds (0 until its BEGIN is done). */
  private rowsInCommit = 0;

  constructor(
    private appenders: RawAppenders,
    private readonly queue: RawReadingQueue,
    private readonly texts: ReasonTexts,
    private readonly openAppenders: () => Promise<RawAppenders>,
    /** Told of every commit's rows (the queue's first `rows`) before they leave the queue. */
    private readonly committed: (queue: RawReadingQueue, rows: number) => void,
    /** StoreFaultHooks.beforeRawCommit. */
    private readonly beforeCommit: () => void | Promise<void> = () => undefined,
  ) {
    this.columns = new RawColumns(queue);
  }

  /**
   * Commits every waiting reading, or with `batchRows` the largest whole number of batches of that many (none while
   * fewer wait; the rest stay queued): BEGIN, the rows appended ROWS_PER_TURN per turn of the event loop (the appender's flush
   * joins the transaction: no WAL write yet), then COMMIT, which writes and fsyncs the WAL on a libuv thread, so the
   * event loop goes on meanwhile and readings queued during the commit wait for the next one. Call it again only once it settled (the store does).
   * Readings leave the queue only after the commit succeeded; on failure the transaction is rolled back and they stay
   * queued for the next attempt, which goes through a new appender (see reopen). A commit that DuckDB reports durable
   * though its automatic checkpoint then failed counts as committed (a retry would store the rows twice): the error
   * comes back in fatalAfterCommit.
   */
  flush(batchRows = 0): Promise<FlushResult> {
    if (this.committing !== null) throw new Error('raw_readings: a commit is under way; flush once it settled');
    const commit = this.commit(batchRows);
    this.committing = commit;
    // Registered before the caller's await, so a flush the caller starts once this one settled finds it cleared.
    const clear = (): void => {
      this.committing = null;
      this.rowsInCommit = 0;
    };
    commit.then(clear, clear);
    return commit;
  }

  /** The queued readings a commit under way holds (they leave the queue once it is durable). */
  get committingRows(): number {
    return this.rowsInCommit;
  }

  private async commit(batchRows: number): Promise<FlushResult> {
    if (this.queue.depth === 0 || this.queue.depth < batchRows) return { rows: 0, maxTime: Number.NEGATIVE_INFINITY };
    if (this.reopening !== null) throw new Error(`raw_readings appender: being reopened after a failed commit; ${this.queue.depth} readings stay queued`);
    const appenders = this.appenders;
    await appenders.connection.run('BEGIN TRANSACTION');
    // Readings queued while BEGIN ran are in this commit too (up to a whole number of batches); the rest wait for the next.
    const depth = this.queue.depth;
    const rows = batchRows > 0 ? depth - (depth % batchRows) : depth;
    this.rowsInCommit = rows;
    let maxTime = Number.NEGATIVE_INFINITY;
    let texts = 0;
    try {
      texts = this.texts.appendPending(appenders.texts);
      for (let offset = 0; offset < rows; offset += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, rows - offset);
        const chunkMax = this.fillChunk(offset, count);
        if (chunkMax > maxTime) maxTime = chunkMax;
        this.columns.chunk.appendTo(appenders.readings);
        if ((offset + count) % ROWS_PER_TURN === 0 || offset + count === rows) appenders.readings.flushSync();
        // A commit's 16k rows in one go held the event loop 10-46 ms on the loaded machine.
        if ((offset + count) % ROWS_PER_TURN === 0 && offset + count < rows) await new Promise((resolve) => setImmediate(resolve));
      }
      await this.beforeCommit();
      await appenders.connection.run('COMMIT');
    } catch (error) {
      if (committedDespiteError(error)) {
        this.consumeCommitted(rows, texts);
        return { rows, maxTime, fatalAfterCommit: error };
      }
      this.reopen(appenders);
      throw error;
    }
    this.consumeCommitted(rows, texts);
    return { rows, maxTime };
  }

  /** Closes the appender; call after the last flush. */
  async close(): Promise<void> {
    await this.settled();
    this.appenders.texts.closeSync();
    this.appenders.readings.closeSync();
  }

  /**
   * Closes the appender of an invalidated database (its rows still queued), before the store closes its connection.
   * Flushes must not run until attach().
   */
  async detach(): Promise<void> {
    await this.settled();
    discardAppenders(this.appenders);
  }

  /** Opens the appenders on the store's new ingest connection after it reopened the database. */
  async attach(): Promise<void> {
    this.appenders = await this.openAppenders();
  }

  /** Resolves once no commit or reopen of the appenders is under way. */
  private async settled(): Promise<void> {
    await this.committing?.catch(() => undefined);
    await this.reopening;
  }

  /**
   * DuckDB invalidates an appender whose flush failed: it takes no more rows and must be destroyed (C API
   * duckdb_appender_flush). Without a new one every later flush would fail too, until a restart. The failed
   * transaction is rolled back, the failed rows are dropped from the old appender (they are still queued) and a new
   * appender is opened; if that fails, the next failed flush tries again.
   */
  private reopen(broken: RawAppenders): void {
    this.reopening = (async () => {
      await broken.connection.run('ROLLBACK').catch(() => undefined);
      discardAppenders(broken);
      this.appenders = await this.openAppenders();
    })()
      .catch(() => undefined)
      .finally(() => {
        this.reopening = null;
      });
  }

  /** Hands the committed rows to `committed` (the rollups' sums), then lets them and their new texts leave the queue. */
  private consumeCommitted(rows: number, texts: number): void {
    this.texts.committed(texts);
    this.committed(this.queue, rows);
    this.queue.consume(rows);
  }

  /**
   * Seals the chunk with `count` queued rows from `offset` on: the queue's own columns as they are, the times and
   * validity masks filled here; returns the largest receive time among them. The queued rows are contiguous from slot
   * 0 (`RawReadingQueue.consume` moves the waiting ones there).
   */
  private fillChunk(offset: number, count: number): number {
    const { queue } = this;
    const { time, value, sourceTime } = this.columns;
    const slot = queue.slot(offset);
    if (slot + count > queue.capacity) throw new Error(`raw_readings: queued rows ${offset}..${offset + count} not contiguous from slot ${slot}`);
    const times = queue.time;
    const flags = queue.flags;
    let max = Number.NEGATIVE_INFINITY;
    let valueWord = 0;
    let sourceTimeWord = 0;
    for (let row = 0; row < count; row++) {
      const at = slot + row;
      const receiveTime = times[at]!;
      if (receiveTime > max) max = receiveTime;
      time.items[row] = this.times.of(receiveTime);
      const flag = flags[at]!;
      const bit = 1 << (row & 31);
      if (flag & HAS_VALUE) valueWord |= bit;
      if (flag & HAS_SOURCE_TIME) {
        sourceTime.items[row] = this.sourceTimes.of(queue.sourceTime[at]!);
        sourceTimeWord |= bit;
      }
      if ((row & 31) === 31 || row === count - 1) {
        value.valid[row >>> 5] = valueWord;
        sourceTime.valid[row >>> 5] = sourceTimeWord;
        valueWord = 0;
        sourceTimeWord = 0;
      }
    }
    this.columns.seal(slot, count);
    return max;
  }
}

function discardAppenders(appenders: RawAppenders): void {
  discardAppender(appenders.texts);
  discardAppender(appenders.readings);
}
