/** HazmonStore: the agent's DuckDB store — raw ingest through the appender, durable alarm/audit log, rollups, retention, queries. */
import { existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { messageOf, quote } from '@hazmon/errors';
import type { Reading, ReadingRows } from '@hazmon/protocols';
import { DurableLog } from './durable-log.ts';
import { type CheckedAuditPrefix, verifyAuditChain } from './audit-check.ts';
import { StoreError, isFatalDuckdbError } from './errors.ts';
import { PointRegistry, loadPoints, readPointDefinitions, registerPoints } from './points.ts';
import * as queries from './queries.ts';
import { RawReadingQueue } from './raw-queue.ts';
import { RawWriter, type RawAppenders } from './raw-writer.ts';
import { ReasonTexts } from './reason-texts.ts';
import { applyRetention, retentionPolicy, type RetentionPolicy, type RetentionResult, type TextEra } from './retention.ts';
import { RollupMaintainer } from './rollups.ts';
import { DAY_MS, META_SCHEMA_VERSION, SCHEMA_DDL, SCHEMA_VERSION } from './schema.ts';
import { SerialConnection, closeQuietly, num, sqlString } from './sql.ts';
import type {
  AggregateColumns,
  AggregateRow,
  AggregatesQuery,
  DuckdbMemory,
  AlarmEventInput,
  AlarmEventRow,
  AuditInput,
  AuditRangeQuery,
  AuditRow,
  AuditVerification,
  ExportRequest,
  RawReadingRow,
  ReadingsResolution,
  ReadingColumns,
  ReadingsResult,
  StoreEvent,
  StoreFaultHooks,
  StoreOptions,
  StoredLimitsMove,
  StorePointDefinition,
  StoreReader,
  StoreStats,
} from './types.ts';
import { LatencyHistogram } from '../latency-histogram.ts';
import { LimitLowering } from './limit-lowering.ts';
import { DEFAULT_STORE_MEMORY_LIMIT_MB, DEFAULT_STORE_READ_TIMEOUT_S, MAX_STORE_MEMORY_LIMIT_MB, MIN_STORE_MEMORY_LIMIT_MB } from './limits.ts';

const FLUSH_LATENCY_BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;
/** Above this share of the queue the producer is told to slow down; below the lower one it is told all is well again. */
const HIGH_WATER = 0.75;
const LOW_WATER = 0.25;

/**
 * DuckDB keeps memory its tasks freed in its allocator until a task's peak passes allocator_flush_threshold (default
 * 128 MB, never reached by the agent's commits): what the startup checkpoint and each automatic checkpoint free is
 * handed back to the system instead (agent bench, 10k points: ~5 MB less RSS; commits and throughput unchanged).
 */
const STORE_DUCKDB_SETTINGS: Readonly<Record<string, string>> = {
  allocator_flush_threshold: '8MB',
  /**
   * One thread for DuckDB's queries, whatever the core count: what a sort, aggregate or Parquet writer holds grows with
   * the threads running it, so under the memory limit a 4-core gateway would fail exports that pass here (with 2 the
   * Parquet export of memory-limit.test.ts ran out of memory now and then on a loaded machine); and an export or a
   * rollup catch-up never takes more than one core from the polling and the engine. Ingest is not a query (the
   * appender runs on the event loop's thread), and RSS was the same (bench, 3 alternated runs each).
   */
  threads: '1',
  /**
   * No vacuum tasks at a checkpoint: they merge row groups, and a rollup table fed 10k rows a minute (a minute of a
   * 10k-point plant) has its row group completed by its sixth checkpoint; with vacuum that checkpoint took +6.5, +12,
   * then +18.6 MiB of RSS for tens of ms (DuckDB alone, 30 checkpoints: max +18.3, without +2.5; in the agent the
   * 154-160 MiB moments every 6 minutes of a 30-min soak). Space that retention deletes is reused all the same (DuckDB
   * alone, 600 checkpoints deleting rows older than 20 min: file 31.9 MiB without vacuum, 35.7 with).
   */
  max_vacuum_tasks: '0',
};

/**
 * StoreOptions.checkpointAfterRows' default: 10 s of a 10k-point plant polled each second (whose 5-s checkpoints come
 * first), 1 s of one polled each 100 ms, where the 5-s interval let 500k rows (~22 MiB) gather in DuckDB's memory.
 */
const DEFAULT_CHECKPOINT_AFTER_ROWS = 100_000;

/** The longest a queued reading may wait for its commit to begin (turnCommits). */
const MAX_COMMIT_WAIT_MS = 1000;

/**
 * Whether a turn of the flush timer commits every queued reading (`waiting`, apart from a commit under way). It
 * leaves them queued when none waits from before the last turn and they come fast enough (a batch in two turns) that
 * a whole batch will likely be queued before the next turn; a commit of whole batches (StoreOptions.flushBatchRows:
 * a row group by default, see DEFAULT_FLUSH_BATCH_ROWS) then takes them, and the next turn commits what it left. So a
 * reading waits at most two turns (1 s at the default 500 ms, never more than MAX_COMMIT_WAIT_MS) for its commit to
 * begin, and one turn, as before, below a batch per two turns (~61k readings/s at the defaults).
 */
export function turnCommits(waiting: number, queuedSinceLastTurn: number, batchRows: number, intervalMs: number): boolean {
  const waitingFromBefore = waiting > queuedSinceLastTurn;
  const batchComing = waiting + queuedSinceLastTurn >= batchRows;
  return waitingFromBefore || !batchComing || 2 * intervalMs > MAX_COMMIT_WAIT_MS;
}

/** The limit set for a moment to make DuckDB evict the blocks it caches (releaseCachedBlocks). */
const RELEASE_LIMIT_MIB = 1;
/**
 * How long a chain prefix one check found whole lets later checks hash only the rows after it (CheckedAuditPrefix);
 * the first check after this age walks the whole chain again, as does the first of each process.
 */
const AUDIT_FULL_CHECK_INTERVAL_MS = 60 * 60_000;
/** Attempts to open the file again after DuckDB invalidated the database, waiting n * REOPEN_BACKOFF_MS after the n-th. */
const REOPEN_ATTEMPTS = 3;
const REOPEN_BACKOFF_MS = 1000;

/** The name the store file is attached under; every connection USEs it. */
const STORE_CATALOG = 'store';
/**
 * Row groups of 61,440 rows (DuckDB's default 122,880) and, in a new file, blocks of 64 KiB (default 256 KiB). A
 * checkpoint that completes a row group compresses it in memory: at the defaults that was +15-18 MiB of RSS for tens of
 * ms every few checkpoints (the agent's only moments over its memory target); here +1.7 MiB at most (DuckDB alone, 2M
 * rows in commits of 5000, a checkpoint every 50k rows: median +5.4 -> +0.3 MiB, max +17.4 -> +1.7), and the file is no
 * larger (2.76 -> 2.66 bytes per row; smaller row groups in 256 KiB blocks took 5.4). Both are options of ATTACH only,
 * so the instance opens in memory and attaches the file. The row group size is not kept in the file (given at each
 * open); the block size is, and 64 KiB blocks need storage version 1.2 or later.
 */
const ROW_GROUP_ROWS = 61_440;

/**
 * StoreOptions.flushBatchRows' default: a row group. DuckDB (1.5, LocalStorage::Flush) moves the rows of a transaction
 * that holds a row group or more into the table as they are: written to the file compressed during the COMMIT (on the
 * libuv thread that runs it; the file is fsynced before the WAL, which holds their block pointers), their statistics
 * merged. A smaller commit's rows are appended to the table a second time at the COMMIT (every column's HyperLogLog and
 * min / max counted again, fresh pages written) and compressed by the next checkpoint, and again by each later one
 * while their row group is not full. At 50 ms polls (200k readings/s) the 500-ms flush had held ~100k rows, split at
 * 65,536 into one commit that moved and one that did not (bench/RESULTS.md, session 18, wt-cpu5).
 */
const DEFAULT_FLUSH_BATCH_ROWS = ROW_GROUP_ROWS;
const NEW_FILE_OPTIONS = `BLOCK_SIZE ${64 * 1024}, STORAGE_VERSION 'v1.2.0'`;

async function openInstance(path: string, memoryLimitMb: number): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(':memory:', { ...STORE_DUCKDB_SETTINGS, memory_limit: `${memoryLimitMb}MiB`, temp_directory: `${path}.tmp` });
  try {
    const connection = await instance.connect();
    try {
      const options = `ROW_GROUP_SIZE ${ROW_GROUP_ROWS}${existsSync(path) ? '' : `, ${NEW_FILE_OPTIONS}`}`;
      await connection.run(`ATTACH ${sqlString(path)} AS ${STORE_CATALOG} (${options})`);
    } finally {
      connection.closeSync();
    }
  } catch (error) {
    instance.closeSync();
    throw error;
  }
  return instance;
}

/** DuckDB's memory_limit set to `memoryLimitMb` (StoreOptions.memoryLimitMb). */
function setMemoryLimit(memoryLimitMb: number): string {
  return `SET memory_limit = '${memoryLimitMb}MiB'`;
}

/**
 * Run after each read on the read connection: DuckDB's allocator (its bundled jemalloc) hands back to the system the
 * pages the read freed. It keeps them otherwise, and with one thread (threads=1: no worker whose tasks' ends check
 * allocator_flush_threshold) only a change of memory_limit makes it give them back (DuckDB's BufferPool::SetLimit
 * flushes it): setting the limit it has evicts nothing and flushes. The block release after each checkpoint did it
 * alone, so the reads' pages piled up between two: 10 reads of 1,000 definitions (the points' fixed answer's then),
 * +20-26 MiB of RSS (in process; +7-13 with this), and in figure 5's window the
 * regulators' pulls (window median 150.3-155.2 MiB against 156.4-158.5 without: bench/RESULTS.md, session 19,
 * wt-rss7). A flush that fails (more than the limit in use) leaves the pages to the next release.
 */
function flushingAllocator(memoryLimitMb: number): (reads: DuckDBConnection) => Promise<void> {
  const flush = setMemoryLimit(memoryLimitMb);
  return (reads) =>
    reads.run(flush).then(
      () => undefined,
      () => undefined,
    );
}

/** A connection whose statements and appenders address the store file. */
async function connectToStore(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run(`USE ${STORE_CATALOG}`);
  return connection;
}

/** An interval that 0 turns off. */
function wholeNumberOrZero(value: number | undefined, fallback: number, field: string): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 0) {
    throw new StoreError('HAZMON_STORE_CONFIG_INVALID', `StoreOptions.${field}: ${quote(value)} must be a whole number >= 0`);
  }
  return chosen;
}

function positiveInteger(value: number | undefined, fallback: number, field: string, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < min || chosen > max) {
    throw new StoreError('HAZMON_STORE_CONFIG_INVALID', `StoreOptions.${field}: ${quote(value)} must be a whole number in ${min}..${max}`);
  }
  return chosen;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** DuckDB prints sizes as '22.8 MiB'. */
function parseDuckdbBytes(text: string): number {
  const match = /^([\d.]+)\s*([KMGT]i?B|B)$/.exec(text.trim());
  const unit = match ? BYTE_UNITS[match[2]!] : undefined;
  if (!match || unit === undefined) throw new StoreError('HAZMON_STORE_CONFIG_INVALID', `DuckDB memory_limit ${quote(text)} is not a size this store reads`);
  return Math.round(Number(match[1]) * unit);
}

/**
 * What the store's DuckDB handles are doing, one thing at a time; each change is made by one method (pausingFlushes,
 * beginRecovery, markInvalidated, endRecovery, markClosed). Raw flushes commit only in 'open' and 'lost' (a flush
 * failing in 'lost' starts the next round of reopens); in the other modes they return and the readings stay queued.
 */
type StoreMode =
  | { readonly name: 'open' }
  /** releaseCachedBlocks has DuckDB's memory_limit lowered: no write may allocate in DuckDB (reads run again after it). */
  | { readonly name: 'releasing_blocks' }
  /** A CHECKPOINT runs: DuckDB refuses a plain one while another transaction (a raw commit) is open. */
  | { readonly name: 'checkpointing' }
  /** reopenAfterRows: every handle is being closed and the file opened again. */
  | { readonly name: 'reopening' }
  /**
   * After a failure: checking whether DuckDB invalidated the database (`invalidated` false), or opening the file again
   * (true). `done` resolves true once writes can go on; alarm events and audit rows wait for it.
   */
  | { readonly name: 'recovering'; readonly invalidated: boolean; readonly done: Promise<boolean> }
  /** Invalidated, and every attempt of the last round to open the file again failed. */
  | { readonly name: 'lost' }
  /**
   * From close()'s last flush on. `recovery` is a reopen that flush started: the alarm events and audit rows still
   * pending wait for it before their last commit.
   */
  | { readonly name: 'closed'; readonly recovery: Promise<boolean> | null };

/** The modes a raw flush commits in, and so the ones pausingFlushes pauses. */
type FlushingMode = Extract<StoreMode, { name: 'open' | 'lost' }>;

const OPEN: StoreMode = { name: 'open' };

function commitsFlushes(mode: StoreMode): mode is FlushingMode {
  return mode.name === 'open' || mode.name === 'lost';
}

export class HazmonStore {
  private readonly points = new PointRegistry();
  private readonly queue: RawReadingQueue;
  private readonly rawWriter: RawWriter;
  private readonly reasonTexts: ReasonTexts;
  private readonly durable: DurableLog;
  private readonly rollups: RollupMaintainer;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly flushLatency = new LatencyHistogram(FLUSH_LATENCY_BOUNDS_MS);
  private rawAccepted = 0;
  private rawRowsWritten = 0;
  /** rawRowsWritten at the last periodic checkpoint. */
  private rawRowsCheckpointed = 0;
  /**
   * Raw rows committed since the last periodic checkpoint in commits of less than a row group: DuckDB keeps those in
   * the table's memory uncompressed until a checkpoint. A commit of a row group or more (LocalStorage::Flush) moves
   * its row groups into the table as they are, written to the file compressed before the COMMIT returns (the WAL
   * holds their block pointers): a checkpoint has nothing of them to write.
   */
  private rawRowsInTableMemory = 0;
  private mode: StoreMode = OPEN;
  /** The periodic checkpoint under way, with the release or reopen after it (close() waits for it). */
  private checkpointRunning: Promise<void> | null = null;
  private releaseRunning: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  /** The audit chain's checks, one after another, so each can start from the prefix the one before found whole. */
  private auditChainChecks: Promise<unknown> = Promise.resolve();
  private auditChainChecked: { readonly prefix: CheckedAuditPrefix; readonly wholeCheckedAt: number } | null = null;
  private rawDropped = 0;
  private droppedUnreported = 0;
  private batches = 0;
  private flushFailures = 0;
  /** Failed commits since the last one that went through: the first to go through after them emits flush_resumed. */
  private failedFlushesInARow = 0;
  private lastFlushAt: number | null = null;
  private latestCommittedTime = Number.NEGATIVE_INFINITY;
  private queueHigh = false;
  /** A commit of whole batches (flushBatchRows) was asked for and has not begun. */
  private batchesAsked = false;
  /** rawAccepted at the flush timer's last turn. */
  private acceptedAtLastTurn = 0;
  /** The raw commit under way, and the one asked for meanwhile (it commits what is queued once the first settled). */
  private flushRunning: Promise<number> | null = null;
  private flushAgain: Promise<number> | null = null;
  /** What flushAgain commits: 0 every queued reading, or whole batches of this many (see commitRows). */
  private flushAgainBatchRows = 0;
  /** A pause of raw commits under way (pausingFlushes): close()'s last flush waits for it. */
  private flushesPaused: Promise<void> | null = null;
  /** From close()'s last flush on: readings, alarm events and points are refused. */
  private takingNoMore = false;
  private writableWaiters: (() => void)[] = [];
  private rollupRunning: Promise<void> | null = null;
  private retentionRunning: Promise<RetentionResult> | null = null;
  /** When the reason texts were forgotten, oldest first: at open, then at each retention run (retention.ts, TextEra). */
  private textEras: TextEra[] = [];
  private retentionRuns = 0;
  private retentionDeletedRaw = 0;
  private backgroundFailures = 0;
  private databaseReopens = 0;
  /** rawRowsCheckpointed when the file was last opened (for reopenAfterRows). */
  private rowsAtOpen = 0;
  private scheduledReopens = 0;
  private releasesRefused = 0;
  private lastError: string | null = null;
  private registering: Promise<unknown> = Promise.resolve();
  /** The minutes not yet rolled up that the rollups' sums in memory answer for (queries read them instead of raw rows). */
  private readonly openMinutes = (from: number, to: number) => this.rollups.openMinutes(from, to);
  /** reader(): closures over the store's queries, so the object it hands out reaches nothing else. */
  private readonly readOnly: StoreReader = Object.freeze<StoreReader>({
    readings: (pointId, from, to, options) => this.readings(pointId, from, to, options),
    readingColumns: (pointId, from, to, options) => this.readingColumns(pointId, from, to, options),
    aggregates: (query) => this.aggregates(query),
    aggregateColumns: (query, reuse) => this.aggregateColumns(query, reuse),
    alarmEventsAfter: (afterSeq, limit) => this.alarmEventsAfter(afterSeq, limit),
    alarmEventsInRange: (query) => queries.alarmEventsInRange(this.reads, query, this.durable.pointBounds),
    minuteRollupsAfter: (afterStart, maxMinutes) => queries.minuteRollupsAfter(this.reads, this.points, this.rollups.watermarks, afterStart, maxMinutes ?? queries.MAX_ROLLUP_MINUTES),
    auditRows: (query) => this.auditRows(query),
    alarmEventsAfterJson: (afterSeq, limit, areasOf) => queries.alarmEventsAfterJson(this.reads, afterSeq, limit, areasOf),
    alarmEventsBefore: (beforeSeq, limit) => queries.alarmEventsBefore(this.reads, beforeSeq, limit ?? 1000),
    alarmEventsBeforeJson: (beforeSeq, limit, areasOf) => queries.alarmEventsBeforeJson(this.reads, beforeSeq, limit, areasOf),
    auditRowsJson: (query) => queries.auditRowsJson(this.reads, query ?? {}),
    latestAlarmStates: (before) => this.latestAlarmStates(before),
    latestAlarmRowsOfKind: (kind) => queries.latestAlarmRowsOfKind(this.reads, kind),
    verifyAuditChain: () => this.verifyAuditChain(),
    exportRange: (request) => this.exportRange(request),
    pointDefinitions: (pointIds) => readPointDefinitions(this.reads, pointIds),
    ruleHistory: (ruleId, from, to) => queries.ruleHistory(this.reads, ruleId, from, to),
    unseenSpans: async (watches, from, to) =>
      queries.unseenSpans(
        this.reads,
        this.points,
        this.rollups.watermarks,
        watches.map((watch) => ({ pointIndex: this.points.require(watch.pointId, 'unseenSpans'), polled: watch.polled })),
        from,
        to,
      ),
  });

  private constructor(
    private instance: DuckDBInstance,
    private ingestConnection: DuckDBConnection,
    appenders: RawAppenders,
    nextReasonTextId: number,
    private readonly durableConnection: SerialConnection,
    private readonly maintenance: SerialConnection,
    private readonly reads: SerialConnection,
    /** releaseCachedBlocks' moments of lowered memory_limit, which the reads (not held for them) run again after. */
    private readonly lowering: LimitLowering,
    private readonly options: Required<Pick<StoreOptions, 'path' | 'flushIntervalMs' | 'flushBatchRows' | 'rollupGraceMs' | 'checkpointAfterRows' | 'reopenAfterRows' | 'memoryLimitMb' | 'now'>> & {
      readonly retention: RetentionPolicy;
      readonly onEvent: ((event: StoreEvent) => void) | undefined;
      readonly faults: StoreFaultHooks | undefined;
    },
    queueCapacity: number,
  ) {
    this.queue = new RawReadingQueue(queueCapacity);
    this.reasonTexts = new ReasonTexts(nextReasonTextId);
    this.rawWriter = new RawWriter(
      appenders,
      this.queue,
      this.reasonTexts,
      () => openRawAppenders(this.ingestConnection),
      (queue, rows) => this.rollups.addCommitted(queue, rows),
      options.faults?.beforeRawCommit,
    );
    this.durable = new DurableLog(durableConnection, options.now, {
      settled: async () => void (await this.reopenUnderWay()),
      reopenedAfter: (error) => this.afterFailure(error),
    });
    this.rollups = new RollupMaintainer(maintenance, this.points);
  }

  /**
   * Opens (creating if needed) the store file, checks options, loads points, sequence numbers and rollup
   * watermarks, and starts the flush, rollup and retention timers.
   *
   *     const store = await HazmonStore.open({ path: '/var/lib/hazmon/site.duckdb', onEvent: raiseStoreAlarm });
   *     await store.registerPoints([{ pointId: 'T1.LEL', unit: '%LEL', resolution: 0.1, pollIntervalMs: 1000 }]);
   *     store.writeReading(reading);
   */
  static async open(options: StoreOptions): Promise<HazmonStore> {
    const retention = retentionPolicy(options.rawRetentionDays, options.minuteRollupRetentionDays, options.coarseRollupRetentionDays);
    const flushIntervalMs = positiveInteger(options.flushIntervalMs, 500, 'flushIntervalMs', 1000);
    const flushBatchRows = positiveInteger(options.flushBatchRows, DEFAULT_FLUSH_BATCH_ROWS, 'flushBatchRows');
    const rollupIntervalMs = positiveInteger(options.rollupIntervalMs, 5000, 'rollupIntervalMs');
    const rollupGraceMs = positiveInteger(options.rollupGraceMs, 5000, 'rollupGraceMs');
    const retentionIntervalMs = wholeNumberOrZero(options.retentionIntervalMs, 3_600_000, 'retentionIntervalMs');
    const checkpointIntervalMs = wholeNumberOrZero(options.checkpointIntervalMs, 5000, 'checkpointIntervalMs');
    const checkpointAfterRows = wholeNumberOrZero(options.checkpointAfterRows, DEFAULT_CHECKPOINT_AFTER_ROWS, 'checkpointAfterRows');
    const reopenAfterRows = wholeNumberOrZero(options.reopenAfterRows, 1_000_000, 'reopenAfterRows');
    const readTimeoutMs = wholeNumberOrZero(options.readTimeoutMs, DEFAULT_STORE_READ_TIMEOUT_S * 1000, 'readTimeoutMs');
    const queueCapacity = options.queueCapacity ?? 262_144;
    const memoryLimitMb = positiveInteger(options.memoryLimitMb, DEFAULT_STORE_MEMORY_LIMIT_MB, 'memoryLimitMb', MAX_STORE_MEMORY_LIMIT_MB, MIN_STORE_MEMORY_LIMIT_MB);
    if (typeof options.path !== 'string' || options.path.length === 0 || options.path === ':memory:') {
      throw new StoreError('HAZMON_STORE_CONFIG_INVALID', `StoreOptions.path: ${quote(options.path)} must be a file path (the store must survive restarts)`);
    }

    let instance: DuckDBInstance;
    try {
      instance = await openInstance(options.path, memoryLimitMb);
    } catch (cause) {
      throw new StoreError('HAZMON_STORE_CONFIG_INVALID', `StoreOptions.path: cannot open ${quote(options.path)}: ${messageOf(cause)}`, { cause });
    }
    try {
      return await HazmonStore.start(instance, options, queueCapacity, {
        flushIntervalMs,
        flushBatchRows,
        rollupIntervalMs,
        rollupGraceMs,
        retentionIntervalMs,
        checkpointIntervalMs,
        checkpointAfterRows,
        reopenAfterRows,
        memoryLimitMb,
        readTimeoutMs,
        retention,
      });
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  private static async start(
    instance: DuckDBInstance,
    options: StoreOptions,
    queueCapacity: number,
    settings: {
      flushIntervalMs: number;
      flushBatchRows: number;
      rollupIntervalMs: number;
      rollupGraceMs: number;
      retentionIntervalMs: number;
      checkpointIntervalMs: number;
      checkpointAfterRows: number;
      reopenAfterRows: number;
      memoryLimitMb: number;
      readTimeoutMs: number;
      retention: RetentionPolicy;
    },
  ): Promise<HazmonStore> {
    const { flushIntervalMs, flushBatchRows, rollupIntervalMs, rollupGraceMs, retentionIntervalMs, checkpointIntervalMs, checkpointAfterRows, reopenAfterRows, memoryLimitMb, retention } = settings;
    const maintenance = new SerialConnection(await connectToStore(instance));
    for (const statement of SCHEMA_DDL) await maintenance.run(statement);
    const [version] = await maintenance.rows('SELECT max(value) AS v FROM store_meta WHERE key = $1', [META_SCHEMA_VERSION]);
    if (version?.v === null || version?.v === undefined) {
      await maintenance.run('INSERT INTO store_meta VALUES ($1, $2)', [META_SCHEMA_VERSION, SCHEMA_VERSION]);
    } else if (num(version.v) === SCHEMA_VERSION - 1) {
      // Version 1 files lack raw_readings.reason_text; the DDL above added it (0 in old rows: no text kept).
      await maintenance.run('UPDATE store_meta SET value = $2 WHERE key = $1', [META_SCHEMA_VERSION, SCHEMA_VERSION]);
    } else if (num(version.v) !== SCHEMA_VERSION) {
      throw new StoreError('HAZMON_STORE_CONFIG_INVALID', `${quote(options.path)} has store schema version ${num(version.v)}; this agent knows ${SCHEMA_VERSION}`);
    }
    const ingestConnection = await connectToStore(instance);
    const lowering = new LimitLowering(RELEASE_LIMIT_MIB);
    const flushAllocator = flushingAllocator(memoryLimitMb);
    const [lastText] = await maintenance.rows('SELECT max(text_id) AS id FROM reason_texts');
    const store = new HazmonStore(
      instance,
      ingestConnection,
      await openRawAppenders(ingestConnection),
      (lastText?.id === null || lastText?.id === undefined ? 0 : num(lastText.id)) + 1,
      new SerialConnection(await connectToStore(instance)),
      maintenance,
      new SerialConnection(await connectToStore(instance), {
        runStatement: (statement, reads) => lowering.retried(statement, () => flushAllocator(reads)),
        afterEach: flushAllocator,
        timeoutMs: settings.readTimeoutMs,
      }),
      lowering,
      {
        path: options.path,
        flushIntervalMs,
        flushBatchRows,
        rollupGraceMs,
        checkpointAfterRows,
        reopenAfterRows,
        memoryLimitMb,
        now: options.now ?? Date.now,
        retention,
        onEvent: options.onEvent,
        faults: options.faults,
      },
      queueCapacity,
    );
    await loadPoints(maintenance, store.points);
    await store.durable.load();
    store.latestCommittedTime = (await store.rollups.load()) ?? Number.NEGATIVE_INFINITY;
    store.beginTextEra();
    options.faults?.opened?.({ run: (sql) => maintenance.run(sql), rows: (sql) => maintenance.rows(sql) });
    store.timers.push(setInterval(() => store.flushOnTimer(), flushIntervalMs));
    store.timers.push(setInterval(() => void store.rollUp().catch(() => undefined), rollupIntervalMs));
    const retain = (): void => void store.runRetention().catch(() => undefined);
    if (retentionIntervalMs > 0) {
      // Also once soon after start, so a gateway restarted more often than hourly still applies retention.
      store.timers.push(setTimeout(retain, Math.min(retentionIntervalMs, 60_000)), setInterval(retain, retentionIntervalMs));
    }
    if (checkpointIntervalMs > 0) store.timers.push(setInterval(() => void store.foldCommittedRows(), checkpointIntervalMs));
    for (const timer of store.timers) timer.unref();
    return store;
  }

  /**
   * Adds points and updates metadata of known ones; resolves with the known points whose limits moved (old and new).
   * Calls run one after another: indexes are handed out in order.
   */
  registerPoints(points: readonly StorePointDefinition[]): Promise<StoredLimitsMove[]> {
    this.assertOpen('registerPoints');
    const result = this.registering.then(() => registerPoints(this.maintenance, this.points, points, this.options.now()));
    this.registering = result.catch(() => undefined);
    return result;
  }

  /**
   * Queues one reading. Returns false when the queue is full: the reading is dropped and counted, and
   * the drop is reported through onEvent. Throws StoreError for a reading that is wrong; nothing is stored then.
   */
  writeReading(reading: Reading): boolean {
    this.assertOpen('writeReading');
    return this.queued(this.queue.offer(this.points.require(reading.pointId, 'writeReading'), reading, this.points, this.reasonTexts));
  }

  /** The store's index of a point (what `writeReadingAt` and `writeValue` take); -1 for a point not registered. */
  pointIndex(pointId: string): number {
    return this.points.indexOf(pointId) ?? -1;
  }

  /** writeReading for a reading of the point the caller resolved once (`pointIndex`): no lookup by id. */
  writeReadingAt(pointIndex: number, reading: Reading): boolean {
    this.assertOpen('writeReading');
    return this.queued(this.queue.offer(pointIndex, reading, this.points, this.reasonTexts));
  }

  /**
   * writeReading for a good number with no source time or reason (`ReadingRows`' plain row) of the point at
   * `pointIndex`, received at `receiveTime`: no object, no lookup by id.
   */
  writeValue(pointIndex: number, receiveTime: number, value: number): boolean {
    this.assertOpen('writeReading');
    return this.queued(this.queue.offerValue(pointIndex, receiveTime, value, this.points));
  }

  /**
   * `writeValue` for the plain rows of a source's batch (`ReadingRows`) from row `from` on, queued in one loop from the
   * batch's columns; `storeIndex[rows.point[row]]` is the store's index of a row's point. Rows with a Reading and rows
   * of points with no store index (< 0) are skipped: the caller writes those alone. Stops before the first plain row it
   * cannot queue (a bad value or source time, the queue full) and returns it, `rows.length` when it queued them all;
   * `writeReadingAt` (`writeValue` for a row with no source time) on that row then throws or drops it (and counts it).
   */
  writeRows(rows: ReadingRows, storeIndex: Int32Array, from: number): number {
    this.assertOpen('writeReading');
    const queuedBefore = this.queue.depth;
    const stopped = this.queue.offerRows(rows, storeIndex, from, this.points);
    if (this.queue.depth > queuedBefore) this.countQueued(this.queue.depth - queuedBefore);
    return stopped;
  }

  /** Counts a reading queued or dropped (`accepted` false: the queue was full), watches the queue's depth. */
  private queued(accepted: boolean): boolean {
    if (!accepted) {
      this.countDrop();
      return false;
    }
    this.countQueued(1);
    return true;
  }

  private countQueued(readings: number): void {
    this.rawAccepted += readings;
    const depth = this.queue.depth;
    if (!this.queueHigh && depth >= this.queue.capacity * HIGH_WATER) {
      this.queueHigh = true;
      this.emit({ kind: 'queue_high', depth, capacity: this.queue.capacity });
    }
    const { flushBatchRows } = this.options;
    if (depth - this.rawWriter.committingRows >= flushBatchRows && !this.batchesAsked) {
      this.batchesAsked = true;
      setImmediate(() => void this.commitRows(flushBatchRows));
    }
  }

  /** The flush timer's turn (see turnCommits). */
  private flushOnTimer(): void {
    const queuedSinceLastTurn = this.rawAccepted - this.acceptedAtLastTurn;
    this.acceptedAtLastTurn = this.rawAccepted;
    const { flushBatchRows, flushIntervalMs } = this.options;
    if (turnCommits(this.queue.depth - this.rawWriter.committingRows, queuedSinceLastTurn, flushBatchRows, flushIntervalMs)) void this.flush();
  }

  /**
   * Queues readings in order; returns how many were accepted (the rest were dropped and counted).
   * Throws at the first bad reading; the readings before it stay queued.
   */
  writeReadings(readings: readonly Reading[]): number {
    let accepted = 0;
    for (const reading of readings) if (this.writeReading(reading)) accepted += 1;
    return accepted;
  }

  /** True while the queue is above its high-water mark: the producer should slow down or await whenWritable(). */
  get backPressure(): boolean {
    return this.queueHigh;
  }

  /** Resolves once the queue has drained below its low-water mark (at once if it is not above the high-water mark). */
  whenWritable(): Promise<void> {
    if (!this.queueHigh) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /**
   * Commits every queued reading now (the timer does this every flushIntervalMs); resolves with the rows committed.
   * The COMMIT (its WAL write and fsync) runs on a libuv thread: readings keep being queued meanwhile, and a flush
   * asked for while one is under way, or while commits are paused (a CHECKPOINT, releaseCachedBlocks() with DuckDB's
   * limit lowered, a reopen after reopenAfterRows: a few ms), commits them once that is over (several such calls share
   * that one). Resolves 0 when the commit failed (the readings stay queued and the failure is reported through
   * onEvent), and 0 while the store opens the file again after DuckDB invalidated the database (see afterFailure).
   */
  flush(): Promise<number> {
    return this.commitRows(0);
  }

  /**
   * flush() with `batchRows` 0; else it commits the largest whole number of batches of `batchRows` queued (nothing
   * while fewer wait) and leaves the rest queued. A call while a commit or a pause is under way asks for one after it,
   * shared by every such call: it commits every queued reading if any of them asked for that.
   */
  private commitRows(batchRows: number): Promise<number> {
    const settling = this.flushRunning ?? this.flushesPaused;
    if (settling !== null) {
      if (this.flushAgain === null || batchRows < this.flushAgainBatchRows) this.flushAgainBatchRows = batchRows;
      this.flushAgain ??= settling.then(() => {
        this.flushAgain = null;
        return this.commitRows(this.flushAgainBatchRows);
      });
      return this.flushAgain;
    }
    this.batchesAsked = false;
    if (!commitsFlushes(this.mode) || this.queue.depth === 0 || this.queue.depth < batchRows) return Promise.resolve(0);
    this.flushRunning = this.commitQueued(batchRows).finally(() => {
      this.flushRunning = null;
    });
    return this.flushRunning;
  }

  private async commitQueued(batchRows: number): Promise<number> {
    const started = performance.now();
    let committed;
    try {
      committed = await this.rawWriter.flush(batchRows);
    } catch (error) {
      this.flushFailures += 1;
      this.failedFlushesInARow += 1;
      this.lastError = `flush: ${messageOf(error)}`;
      this.emit({ kind: 'flush_failed', rows: this.queue.depth, message: messageOf(error) });
      void this.afterFailure(error);
      return 0;
    }
    if (committed.fatalAfterCommit !== undefined) void this.afterFailure(committed.fatalAfterCommit);
    this.flushLatency.record(performance.now() - started);
    this.batches += 1;
    this.rawRowsWritten += committed.rows;
    if (committed.rows < ROW_GROUP_ROWS) this.rawRowsInTableMemory += committed.rows;
    this.lastFlushAt = this.options.now();
    const { checkpointAfterRows } = this.options;
    // Not once close() began: its last flush must commit, not meet a checkpoint's pause (close() waits for one begun before).
    if (checkpointAfterRows > 0 && this.rawRowsInTableMemory >= checkpointAfterRows && this.closing === null) void this.foldCommittedRows();
    if (this.failedFlushesInARow > 0) {
      this.emit({ kind: 'flush_resumed', rows: committed.rows, failedCommits: this.failedFlushesInARow });
      this.failedFlushesInARow = 0;
    }
    if (committed.maxTime > this.latestCommittedTime) this.latestCommittedTime = committed.maxTime;
    if (this.queueHigh && this.queue.depth <= this.queue.capacity * LOW_WATER) {
      this.queueHigh = false;
      this.emit({ kind: 'queue_normal', depth: this.queue.depth, capacity: this.queue.capacity });
      const waiters = this.writableWaiters;
      this.writableWaiters = [];
      for (const resolve of waiters) resolve();
    }
    return committed.rows;
  }

  /** Resolves with the stored row once it is committed and its WAL record fsynced; see README "Durability". */
  appendAlarmEvent(event: AlarmEventInput): Promise<AlarmEventRow> {
    this.assertOpen('appendAlarmEvent');
    return this.durable.appendAlarmEvent(event);
  }

  /** Resolves with the stored, hash-chained row once it is durable. */
  appendAudit(entry: AuditInput): Promise<AuditRow> {
    this.assertOpen('appendAudit');
    return this.durable.appendAudit(entry);
  }

  /**
   * The whole audit chain up to the head committed when the check begins, on the read connection (alarm commits do not
   * wait behind it). Only the first check of the process and one an hour hash every row; the others hash the rows
   * appended since the last whole chain (audit-check.ts, CheckedAuditPrefix), so a page of the log does not wait for
   * 100k rows to be hashed.
   */
  verifyAuditChain(): Promise<AuditVerification> {
    const check = this.auditChainChecks.then(() => this.checkAuditChain());
    this.auditChainChecks = check.catch(() => undefined);
    return check;
  }

  private async checkAuditChain(): Promise<AuditVerification> {
    const startedAt = this.options.now();
    const earlier = this.auditChainChecked;
    const recent = earlier !== null && startedAt - earlier.wholeCheckedAt < AUDIT_FULL_CHECK_INTERVAL_MS ? earlier : null;
    const { verification, checked } = await verifyAuditChain(this.reads, await this.durable.committedAuditHead(), recent?.prefix ?? null);
    this.auditChainChecked = checked === null ? null : { prefix: checked, wholeCheckedAt: recent?.wholeCheckedAt ?? startedAt };
    return verification;
  }

  /**
   * The store's queries and nothing else, for a web server or an API: on the store's read connection, with its row
   * caps; nothing in it writes or closes the store. The same object every time.
   */
  reader(): StoreReader {
    return this.readOnly;
  }

  /** Raw readings of one point with receive time in [from, to), oldest first. */
  rawReadings(pointId: string, from: number, to: number, limit = 100_000): Promise<RawReadingRow[]> {
    return this.readings(pointId, from, to, { resolution: 'raw', limit }).then((result) => (result.resolution === 'raw' ? [...result.rows] : []));
  }

  /** Readings of one point in [from, to): raw rows, or rollup rows for '1m' | '1h' | '1d' | 'auto'. */
  readings(pointId: string, from: number, to: number, options: { resolution?: ReadingsResolution; limit?: number } = {}): Promise<ReadingsResult> {
    return this.readingColumns(pointId, from, to, options).then(queries.readingRows);
  }

  /** readings() with rollup rows as columns (no object per row). */
  readingColumns(pointId: string, from: number, to: number, options: { resolution?: ReadingsResolution; limit?: number } = {}): Promise<ReadingColumns> {
    const rawKeptFrom = this.options.now() - this.options.retention.rawDays * DAY_MS;
    return queries.readingColumns(this.reads, this.points, this.rollups.watermarks, pointId, from, to, options.resolution ?? 'raw', options.limit ?? 100_000, rawKeptFrom, this.openMinutes);
  }

  /** Aggregates per interval in [from, to) for the given points (all when omitted), with completeness. */
  aggregates(query: AggregatesQuery): Promise<AggregateRow[]> {
    return this.aggregateColumns(query).then(queries.aggregateRowsOf);
  }

  /** aggregates() as columns, no object per row; `reuse`'s buffers take them where they have room (StoreReader). */
  aggregateColumns(query: AggregatesQuery, reuse?: AggregateColumns): Promise<AggregateColumns> {
    const pointIndexes = query.pointIds ? query.pointIds.map((id) => this.points.require(id, 'aggregates')) : Array.from({ length: this.points.size }, (_, index) => index);
    return queries.aggregateColumns(this.reads, this.points, this.rollups.watermarks, { ...query, pointIndexes }, this.openMinutes, reuse);
  }

  /** Alarm events with seq > afterSeq, oldest first; pass the last seq you got as the next cursor. */
  alarmEventsAfter(afterSeq: number, limit = 1000): Promise<AlarmEventRow[]> {
    return queries.alarmEventsAfter(this.reads, afterSeq, limit);
  }

  /** The latest `action_commanded` or `action_released` event of each action (rule id), oldest first. */
  latestActionEvents(): Promise<AlarmEventRow[]> {
    return queries.latestActionEvents(this.reads);
  }

  /** Each alarm's latest life-cycle row (before `before`, default all) where it left the alarm not normal or not in service (see queries.latestAlarmStates). */
  latestAlarmStates(before?: number): Promise<AlarmEventRow[]> {
    return queries.latestAlarmStates(this.reads, before);
  }

  auditRows(query: AuditRangeQuery = {}): Promise<AuditRow[]> {
    return queries.auditRows(this.reads, query);
  }

  /** Writes a time range to CSV or Parquet; returns the number of rows written. Commit first with flush() to include queued readings. */
  exportRange(request: ExportRequest): Promise<number> {
    return queries.exportRange(this.reads, this.points, this.rollups.watermarks, request);
  }

  /** Rolls up every minute closed by the committed readings (the timer does this every rollupIntervalMs). */
  rollUp(): Promise<void> {
    if (this.rollupRunning) return this.rollupRunning;
    const closedUntil = this.latestCommittedTime - this.options.rollupGraceMs;
    this.rollupRunning = this.rollups
      .rollUp(closedUntil)
      .catch((error: unknown) => this.backgroundFailed('rollup', error))
      .finally(() => {
        this.rollupRunning = null;
      });
    return this.rollupRunning;
  }

  /** Deletes raw readings past the raw retention (never ones not yet rolled up) and rollups past theirs. */
  runRetention(): Promise<RetentionResult> {
    if (this.retentionRunning) return this.retentionRunning;
    this.retentionRunning = applyRetention(this.maintenance, this.options.retention, this.options.now(), this.rollups.watermarks['1m'], this.textEras)
      .then((result) => {
        this.retentionRuns += 1;
        this.retentionDeletedRaw += result.deletedRaw;
        // The eras whose texts went stay no longer; a new one begins (a text seen again gets a new id: an hour's few rows).
        this.textEras = this.textEras.filter((era) => era.below > result.textsDeletedBelow);
        this.beginTextEra();
        return result;
      })
      .catch((error: unknown) => {
        this.backgroundFailed('retention', error);
        throw error;
      })
      .finally(() => {
        this.retentionRunning = null;
      });
    return this.retentionRunning;
  }

  /**
   * Forgets the remembered reason texts and notes when. The time is the later of the store's clock and the newest
   * receive time committed: the agent stamps readings by its own steady clock, which a step of the wall clock sets
   * apart from the store's.
   */
  private beginTextEra(): void {
    this.textEras.push({ below: this.reasonTexts.forget(), at: Math.max(this.options.now(), this.latestCommittedTime) });
  }

  /**
   * Checkpoints when raw rows were committed since the last time, so they leave memory (see checkpointIntervalMs and
   * checkpointAfterRows).
   * A plain CHECKPOINT with raw commits paused, which DuckDB refuses while another transaction runs (an alarm commit, a
   * rollup; FORCE would make them wait); a refused or failed one is left to the next turn: the rows are committed
   * either way, and a store that cannot write shows in the flushes.
   */
  private foldCommittedRows(): Promise<void> {
    if (this.rawRowsWritten === this.rawRowsCheckpointed) return Promise.resolve();
    this.checkpointRunning ??= this.checkpointThenRelease().finally(() => {
      this.checkpointRunning = null;
    });
    return this.checkpointRunning;
  }

  private async checkpointThenRelease(): Promise<void> {
    const written = this.rawRowsWritten;
    const inTableMemory = this.rawRowsInTableMemory;
    try {
      await this.checkpointPausingFlushes();
      this.rawRowsCheckpointed = written;
      this.rawRowsInTableMemory -= inTableMemory;
      const { reopenAfterRows } = this.options;
      if (reopenAfterRows > 0 && written - this.rowsAtOpen >= reopenAfterRows) {
        await this.reopenToDropMetadata();
      } else {
        await this.releaseCachedBlocks();
      }
    } catch (error) {
      // Refused (a transaction was running) or failed: the next turn tries again, unless the database is lost.
      void this.afterFailure(error);
    }
  }

  /**
   * Closes the file and opens it again (StoreOptions.reopenAfterRows): DuckDB drops what it kept in memory of the row
   * groups it checkpointed, and its cached blocks. Nothing is lost or rebuilt: every commit is in the file, the rollup
   * sums in memory stay right. Raw flushes wait the milliseconds it takes (readings stay queued), alarm appends and
   * queries wait on their connections. A reopen that fails has closed the old handles: the path of an invalidated
   * database takes over (event, agent alarm, retries).
   */
  private reopenToDropMetadata(): Promise<void> {
    return this.holdingConnections(
      async (...handles) => {
        try {
          await this.swapDatabase(...handles);
        } catch (error) {
          // Straight from 'reopening' to 'recovering': no flush may meet the closed handles in between.
          void this.afterFailure(error, true);
          return;
        }
        this.scheduledReopens += 1;
      },
      (holdDurable) => this.pausingFlushes('reopening', holdDurable),
    );
  }

  /**
   * Drops the blocks DuckDB keeps cached once a checkpoint wrote them (they are on disk and are read again when a
   * query needs them): otherwise they fill its buffer pool up to memory_limit, which the RSS of a gateway running for
   * hours then carries. Lowering memory_limit makes DuckDB evict every block not in use (it refuses, after evicting
   * what it could, when more than the low value is in use, and the limit stays), and the limit goes back in the same
   * call, so the low limit lasts no turn of the event loop. Writes must not meet it: the maintenance connection is
   * held (a job under way is waited for), raw flushes are paused (a commit under way is waited for; one falling due
   * meanwhile commits after the call), and only then the durable connection is held, so an alarm append waits the few
   * ms of the call and never a raw commit (the flush the checkpoint's pause held back starts as it ends, and took
   * 10-50 ms). Reads are not held (a user's query would wait behind the release and what it waits for): one that
   * meets the low limit fails for lack of memory and runs again once the limit is back (LimitLowering).
   */
  private releaseCachedBlocks(): Promise<void> {
    this.releaseRunning ??= this.lowerLimitForAMoment().finally(() => {
      this.releaseRunning = null;
    });
    return this.releaseRunning;
  }

  private lowerLimitForAMoment(): Promise<void> {
    const restore = setMemoryLimit(this.options.memoryLimitMb);
    return this.maintenance.exclusive((maintenance) =>
      this.pausingFlushes('releasing_blocks', () =>
        this.durableConnection.exclusive(() =>
          this.lowering.during(async () => {
            await this.options.faults?.releasing?.();
            try {
              await maintenance.run(`SET memory_limit = '${RELEASE_LIMIT_MIB}MiB'; ${restore}`);
            } catch {
              // Refused (a read beside uses more than the low value) or failed: put it back in any case; flushes go
              // on even when that fails (the next checkpoint turn tries again).
              this.releasesRefused += 1;
              await maintenance.run(restore);
            }
          }),
        ),
      ),
    );
  }

  /**
   * Runs `work` holding the maintenance, read and durable connections (what runs on them is waited for), in that
   * order: what may take long (a rollup, an export) is waited for before the alarm appends are held. `beforeDurable`
   * runs once the first two are held and holds the durable connection when it calls its argument: a pause of raw
   * flushes there waits for a raw commit under way before the alarm appends are held, not while they are.
   */
  private holdingConnections(
    work: (maintenance: DuckDBConnection, reads: DuckDBConnection, durable: DuckDBConnection) => Promise<void>,
    beforeDurable: (holdDurable: () => Promise<void>) => Promise<void> = (holdDurable) => holdDurable(),
  ): Promise<void> {
    return this.maintenance.exclusive((maintenance) => this.reads.exclusive((reads) => beforeDurable(() => this.durableConnection.exclusive((durable) => work(maintenance, reads, durable)))));
  }

  /**
   * 'open' or 'lost' -> `paused` for the length of `work`, then back: raw flushes return without committing meanwhile.
   * A store recovering keeps its mode, which pauses them as well; one that `work` sent recovering, or that was closed
   * meanwhile, stays so.
   */
  private pausingFlushes(paused: 'releasing_blocks' | 'reopening' | 'checkpointing', work: () => Promise<void>): Promise<void> {
    const resume = this.mode;
    if (!commitsFlushes(resume)) return work();
    this.mode = { name: paused };
    const pause = (async () => {
      try {
        await this.flushRunning;
        await work();
      } finally {
        if (this.mode.name === paused) this.mode = resume;
        this.flushesPaused = null;
      }
    })();
    this.flushesPaused = pause.catch(() => undefined);
    return pause;
  }

  /** A plain CHECKPOINT, with raw commits paused (one under way is waited for) so that no raw transaction makes DuckDB refuse it. */
  private checkpointPausingFlushes(): Promise<void> {
    return this.pausingFlushes('checkpointing', () => this.maintenance.run(`CHECKPOINT ${STORE_CATALOG}`));
  }

  /** Commits queued readings, folds the WAL into the database file and drops the blocks it wrote from memory. */
  async checkpoint(): Promise<void> {
    await this.flush();
    await this.durable.idle();
    try {
      await this.checkpointPausingFlushes();
    } catch (error) {
      void this.afterFailure(error);
      throw error;
    }
    await this.releaseCachedBlocks();
  }

  /**
   * Called with every failure of a write or a background job. When DuckDB has invalidated the database (a fatal error:
   * a checkpoint that could not get its memory, a failed WAL write), opens the file again: without that every later
   * commit would fail until the agent restarted. What was committed is in the file and its WAL; raw readings wait in
   * the queue (flushes pause) and alarm events and audit rows in the durable log meanwhile. Everyone who saw the
   * failure shares one reopen; true once writes can go on. When every attempt failed, the next failed write (the
   * raw flush runs every flushIntervalMs) starts another round.
   */
  private afterFailure(error: unknown, handlesClosed = false): Promise<boolean> {
    const { mode } = this;
    if (mode.name === 'closed') return Promise.resolve(false);
    const invalidated = mode.name === 'lost' || (mode.name === 'recovering' && mode.invalidated);
    if (!(handlesClosed || invalidated || isFatalDuckdbError(error))) return Promise.resolve(false);
    if (mode.name === 'recovering') return mode.done;
    return this.beginRecovery(messageOf(error), invalidated);
  }

  /** Any mode but 'closed' or 'recovering' -> 'recovering' until the reopen is over (endRecovery). */
  private beginRecovery(message: string, invalidated: boolean): Promise<boolean> {
    // The first step runs a microtask later, once the mode below is set: everything it does sees 'recovering'.
    const done = Promise.resolve()
      .then(() => this.reopenDatabase(message, invalidated))
      .then((reopened) => {
        this.endRecovery(reopened);
        return reopened;
      });
    this.mode = { name: 'recovering', invalidated, done };
    return done;
  }

  /** 'recovering' (still checking) -> 'recovering' (invalidated: a later failure joins the reopen whatever it was). */
  private markInvalidated(message: string): void {
    this.emit({ kind: 'database_invalidated', message });
    if (this.mode.name === 'recovering') this.mode = { ...this.mode, invalidated: true };
  }

  /** 'recovering' -> 'open' once writes can go on, else 'lost'; a store closed meanwhile stays closed. */
  private endRecovery(reopened: boolean): void {
    if (this.mode.name !== 'closed') this.mode = reopened ? OPEN : { name: 'lost' };
  }

  /** Any mode -> 'closed', keeping a reopen under way for the last alarm events and audit rows. */
  private markClosed(): void {
    this.mode = { name: 'closed', recovery: this.reopenUnderWay() };
  }

  /** The reopen under way after a failure, if any: what the durable log and close() wait for. */
  private reopenUnderWay(): Promise<boolean> | null {
    const { mode } = this;
    if (mode.name === 'recovering') return mode.done;
    return mode.name === 'closed' ? mode.recovery : null;
  }

  private async reopenDatabase(message: string, invalidated: boolean): Promise<boolean> {
    if (!invalidated && (await this.databaseAnswers())) return true;
    this.lastError = `database invalidated: ${message}`;
    if (!invalidated) this.markInvalidated(message);
    let failure = '';
    for (let attempt = 1; attempt <= REOPEN_ATTEMPTS; attempt++) {
      try {
        await this.holdingConnections((...handles) => this.swapDatabase(...handles));
        await this.durable.load();
        await this.rollups.load();
        this.databaseReopens += 1;
        this.emit({ kind: 'database_reopened', reopens: this.databaseReopens });
        return true;
      } catch (error) {
        failure = messageOf(error);
        this.lastError = `database reopen ${attempt} of ${REOPEN_ATTEMPTS}: ${failure}`;
        if (attempt < REOPEN_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, attempt * REOPEN_BACKOFF_MS));
      }
    }
    this.emit({ kind: 'database_reopen_failed', attempts: REOPEN_ATTEMPTS, message: failure });
    return false;
  }

  /**
   * False when DuckDB has invalidated the database (a statement reading the file fails: one that reads no table, e.g.
   * SELECT 1, still works); a failure noticed late may find it reopened already.
   */
  private databaseAnswers(): Promise<boolean> {
    return this.maintenance.run('SELECT count(*) FROM store_meta').then(
      () => true,
      () => false,
    );
  }

  /**
   * Closes every handle on the database (which frees the file) and opens it again in their place. Call it holding
   * the connections (holdingConnections), with raw flushes paused.
   */
  private async swapDatabase(maintenance: DuckDBConnection, reads: DuckDBConnection, durable: DuckDBConnection): Promise<void> {
    await this.rawWriter.detach();
    this.rollups.closeAppenders();
    for (const handle of [maintenance, reads, durable, this.ingestConnection, this.instance]) closeQuietly(handle);
    const instance = await openInstance(this.options.path, this.options.memoryLimitMb);
    try {
      const fresh = [await connectToStore(instance), await connectToStore(instance), await connectToStore(instance), await connectToStore(instance)] as const;
      this.maintenance.swap(fresh[0]);
      this.reads.swap(fresh[1]);
      this.durableConnection.swap(fresh[2]);
      this.ingestConnection = fresh[3];
    } catch (error) {
      instance.closeSync();
      throw error;
    }
    this.instance = instance;
    this.rowsAtOpen = this.rawRowsCheckpointed;
    await this.rawWriter.attach();
  }

  /**
   * DuckDB's memory_limit, what its buffer manager holds now (blocks, query state) and what it spilled, in bytes. On
   * the maintenance connection, which a release of cached blocks holds: not the lowered limit of that moment.
   */
  async duckdbMemory(): Promise<DuckdbMemory> {
    const [row] = await this.maintenance.rows(
      `SELECT (SELECT value FROM duckdb_settings() WHERE name = 'memory_limit') AS limit_text,
              (SELECT value FROM duckdb_settings() WHERE name = 'temp_directory') AS temp_directory,
              sum(memory_usage_bytes) AS used, sum(temporary_storage_bytes) AS spilled
       FROM duckdb_memory()`,
    );
    return {
      limitBytes: parseDuckdbBytes(String(row?.limit_text)),
      usedBytes: num(row?.used ?? 0),
      temporaryBytes: num(row?.spilled ?? 0),
      tempDirectory: String(row?.temp_directory),
    };
  }

  stats(): StoreStats {
    return {
      rawAccepted: this.rawAccepted,
      rawRowsWritten: this.rawRowsWritten,
      rawDropped: this.rawDropped,
      batches: this.batches,
      queueDepth: this.queue.depth,
      queueCapacity: this.queue.capacity,
      backPressure: this.queueHigh,
      flushFailures: this.flushFailures,
      flushLatency: this.flushLatency.snapshot(),
      lastFlushAt: this.lastFlushAt,
      alarmEventsWritten: this.durable.alarmEventsWritten,
      auditRowsWritten: this.durable.auditRowsWritten,
      rollupRuns: this.rollups.runs,
      rollupBucketsFromMemory: this.rollups.bucketsFromMemory,
      rollupSqlBuilds: this.rollups.sqlBuilds,
      queryMinutesFromMemory: this.rollups.minutesReadFromMemory,
      retentionRuns: this.retentionRuns,
      retentionDeletedRaw: this.retentionDeletedRaw,
      backgroundFailures: this.backgroundFailures,
      databaseReopens: this.databaseReopens,
      scheduledReopens: this.scheduledReopens,
      releasesRefused: this.releasesRefused,
      readsRunAgain: this.lowering.readsRunAgain,
      readsBusy: this.lowering.readsBusy,
      lastError: this.lastError,
    };
  }

  /** Commits what is queued, waits for pending alarm/audit writes and background jobs, then closes the file. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    // No checkpoint starts from here on (only its timer starts one), so none can reopen the file behind close().
    for (const timer of this.timers) clearTimeout(timer);
    // The last flush must commit: not meet the closed handles of a reopen, nor a moment of lowered memory_limit.
    await this.checkpointRunning;
    await this.releaseRunning?.catch(() => undefined);
    await this.reopenUnderWay();
    // No reading is taken from here on; the last flush commits them all, once a commit or a pause of commits (a
    // checkpoint() a caller started) under way is over.
    this.takingNoMore = true;
    await this.flushRunning;
    await this.flushesPaused;
    await this.flush();
    this.markClosed();
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const resolve of waiters) resolve();
    await this.durable.idle();
    await this.rollupRunning;
    await this.retentionRunning?.catch(() => undefined);
    await this.registering;
    await this.rawWriter.close();
    this.rollups.closeAppenders();
    this.ingestConnection.closeSync();
    for (const connection of [this.durableConnection, this.maintenance, this.reads]) {
      await connection.exclusive(async (raw) => raw.closeSync());
    }
    this.instance.closeSync();
  }

  private countDrop(): void {
    this.rawDropped += 1;
    this.droppedUnreported += 1;
    if (this.droppedUnreported === 1) {
      // One event per burst: everything dropped in the same turn of the event loop is reported together.
      queueMicrotask(() => {
        const dropped = this.droppedUnreported;
        this.droppedUnreported = 0;
        this.emit({ kind: 'readings_dropped', dropped, totalDropped: this.rawDropped });
      });
    }
  }

  private backgroundFailed(job: 'rollup' | 'retention', error: unknown): void {
    this.backgroundFailures += 1;
    this.lastError = `${job}: ${messageOf(error)}`;
    this.emit({ kind: 'background_failed', job, message: messageOf(error) });
    void this.afterFailure(error);
  }

  private emit(event: StoreEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.lastError = `onEvent threw: ${messageOf(error)}`;
    }
  }

  private assertOpen(where: string): void {
    if (this.mode.name === 'closed' || this.takingNoMore) throw new StoreError('HAZMON_STORE_CLOSED', `${where}: the store is closed`);
  }
}

async function openRawAppenders(connection: DuckDBConnection): Promise<RawAppenders> {
  return { connection, readings: await connection.createAppender('raw_readings'), texts: await connection.createAppender('reason_texts') };
}
