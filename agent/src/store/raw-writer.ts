/** Moves queued raw readings into DuckDB through the appender, one reused data chunk at a time, and commits. */
import {
  BIGINT,
  DuckDBDataChunk,
  INTEGER,
  UTINYINT,
  type DuckDBAppender,
  type DuckDBBigIntVector,
  type DuckDBIntegerVector,
  type DuckDBUTinyIntVector,
} from '@duckdb/node-api';
import { committedDespiteError } from './errors.ts';
import { discardAppender } from './sql.ts';
import { HAS_SOURCE_TIME, HAS_VALUE, type RawReadingQueue } from './raw-queue.ts';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;
const RAW_COLUMN_TYPES = [INTEGER, BIGINT, INTEGER, UTINYINT, BIGINT, UTINYINT];

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

export interface FlushResult {
  readonly rows: number;
  /** Largest receive time among the committed rows, or -Infinity when none. */
  readonly maxTime: number;
  /** The fatal error DuckDB raised after the commit (its automatic checkpoint failed); the rows are committed. */
  readonly fatalAfterCommit?: unknown;
}

export class RawWriter {
  private readonly chunk = DuckDBDataChunk.create(RAW_COLUMN_TYPES);
  private readonly times = new BigIntCache();
  private readonly sourceTimes = new BigIntCache();

  /** A new appender being opened after a failed commit (see reopen); flushes wait for it. */
  private reopening: Promise<void> | null = null;

  constructor(
    private appender: DuckDBAppender,
    private readonly queue: RawReadingQueue,
    private readonly openAppender: () => Promise<DuckDBAppender>,
    /** Told of every commit's rows (the queue's first `rows`) before they leave the queue. */
    private readonly committed: (queue: RawReadingQueue, rows: number) => void,
  ) {}

  /**
   * Appends every waiting reading and commits (the appender flush is its own transaction, so the WAL is
   * written and fsynced before this returns). Readings leave the queue only after the commit succeeded;
   * on failure they stay queued for the next attempt, which goes through a new appender (see reopen). A commit that
   * DuckDB reports durable though its automatic checkpoint then failed counts as committed (a retry would store the
   * rows twice): the error comes back in fatalAfterCommit.
   */
  flush(): FlushResult {
    const rows = this.queue.depth;
    let maxTime = Number.NEGATIVE_INFINITY;
    if (rows === 0) return { rows, maxTime };
    if (this.reopening !== null) throw new Error(`raw_readings appender: being reopened after a failed commit; ${rows} readings stay queued`);
    try {
      for (let offset = 0; offset < rows; offset += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, rows - offset);
        const chunkMax = this.fillChunk(offset, count);
        if (chunkMax > maxTime) maxTime = chunkMax;
        this.appender.appendDataChunk(this.chunk);
      }
      this.appender.flushSync();
    } catch (error) {
      if (committedDespiteError(error)) {
        this.consumeCommitted(rows);
        return { rows, maxTime, fatalAfterCommit: error };
      }
      this.reopen();
      throw error;
    }
    this.consumeCommitted(rows);
    return { rows, maxTime };
  }

  /** Closes the appender; call after the last flush. */
  async close(): Promise<void> {
    await this.reopening;
    this.appender.closeSync();
  }

  /**
   * Closes the appender of an invalidated database (its rows still queued), before the store closes its connection.
   * Flushes must not run until attach().
   */
  async detach(): Promise<void> {
    await this.reopening;
    discardAppender(this.appender);
  }

  /** Opens the appender on the store's new ingest connection after it reopened the database. */
  async attach(): Promise<void> {
    this.appender = await this.openAppender();
  }

  /**
   * DuckDB invalidates an appender whose flush failed: it takes no more rows and must be destroyed (C API
   * duckdb_appender_flush). Without a new one every later flush would fail too, until a restart. The failed rows
   * are dropped from the old appender (they are still queued) and a new appender is opened; if that fails, the
   * next failed flush tries again.
   */
  private reopen(): void {
    const broken = this.appender;
    this.reopening = (async () => {
      discardAppender(broken);
      this.appender = await this.openAppender();
    })()
      .catch(() => undefined)
      .finally(() => {
        this.reopening = null;
      });
  }

  /** Hands the committed rows to `committed` (the rollups' sums), then lets them leave the queue. */
  private consumeCommitted(rows: number): void {
    this.committed(this.queue, rows);
    this.queue.consume(rows);
  }

  /** Returns the largest receive time among the rows. */
  private fillChunk(offset: number, count: number): number {
    const { queue, chunk } = this;
    chunk.reset();
    chunk.rowCount = count;
    const pointColumn = chunk.getColumnVector(0) as DuckDBIntegerVector;
    const timeColumn = chunk.getColumnVector(1) as DuckDBBigIntVector;
    const valueColumn = chunk.getColumnVector(2) as DuckDBIntegerVector;
    const qualityColumn = chunk.getColumnVector(3) as DuckDBUTinyIntVector;
    const sourceTimeColumn = chunk.getColumnVector(4) as DuckDBBigIntVector;
    const reasonColumn = chunk.getColumnVector(5) as DuckDBUTinyIntVector;
    let max = Number.NEGATIVE_INFINITY;
    for (let row = 0; row < count; row++) {
      const slot = queue.slot(offset + row);
      const time = queue.time[slot] ?? 0;
      const flags = queue.flags[slot] ?? 0;
      if (time > max) max = time;
      pointColumn.setItem(row, queue.pointIndex[slot] ?? 0);
      timeColumn.setItem(row, this.times.of(time));
      valueColumn.setItem(row, flags & HAS_VALUE ? (queue.valueScaled[slot] ?? 0) : null);
      qualityColumn.setItem(row, queue.quality[slot] ?? 0);
      sourceTimeColumn.setItem(row, flags & HAS_SOURCE_TIME ? this.sourceTimes.of(queue.sourceTime[slot] ?? 0) : null);
      reasonColumn.setItem(row, queue.reason[slot] ?? 0);
    }
    pointColumn.flush();
    timeColumn.flush();
    valueColumn.flush();
    qualityColumn.flush();
    sourceTimeColumn.flush();
    reasonColumn.flush();
    return max;
  }
}
