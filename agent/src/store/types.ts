/** Public shapes of the store: options, point metadata, alarm events, audit rows, query results, stats, events. */
import type { Quality, QualityReasonCode } from '@hazmon/protocols';
import type { RollupLevel } from './schema.ts';
import type { LatencySnapshot } from '../latency-histogram.ts';

export interface StoreOptions {
  /** Path of the DuckDB file; its directory must exist. One agent process per file. */
  readonly path: string;
  /** Raw readings older than this are deleted in the background. Default 30; shorter is refused (regulation: >= 30 days). */
  readonly rawRetentionDays?: number;
  /** 1-minute rollups kept this long. Default 1830 (five years); must not be shorter than the raw retention. */
  readonly minuteRollupRetentionDays?: number;
  /** Hourly and daily rollups are kept this long. Default null: forever. */
  readonly coarseRollupRetentionDays?: number | null;
  /** Capacity of the raw-reading queue (rounded up to a power of two). Default 262144 (26 s at 10k readings/s). */
  readonly queueCapacity?: number;
  /**
   * A turn of the flush timer, default 500, at most 1000: each turn commits the queued readings, unless they come at a
   * batch (flushBatchRows) per two turns or more and none waits from before the last turn; then a commit of whole
   * batches takes them or the next turn does: a reading waits at most two turns (at most 1 s) for its commit to begin.
   */
  readonly flushIntervalMs?: number;
  /**
   * A commit of whole batches of this many starts as soon as one waits; the rest stay queued. Default 61,440, a
   * DuckDB row group: such a commit is written to the file compressed at once (a third of a second at 200k readings/s).
   */
  readonly flushBatchRows?: number;
  /** How often closed minutes are rolled up. Default 5000. */
  readonly rollupIntervalMs?: number;
  /** A minute is closed once a reading this much later than its end has been committed. Default 5000. */
  readonly rollupGraceMs?: number;
  /**
   * How often committed raw rows are folded into the file by a CHECKPOINT when any came since the last one. Default
   * 5000 (10000 before: at 10k readings/s the halving took ~3 MB off RSS); 0 leaves it to DuckDB's own checkpoint at
   * 16 MB of WAL. Rows not checkpointed stay in memory uncompressed (~50 bytes each: a minute of a 10k-point plant is
   * ~30 MB).
   */
  readonly checkpointIntervalMs?: number;
  /**
   * Raw rows committed since the last checkpoint after which one runs at once, before checkpointIntervalMs is up,
   * counting only commits of less than a row group (DuckDB holds their rows uncompressed until a checkpoint; a larger
   * commit's rows are in the file already). Default 100,000; 0 only the interval. Below a row group per two flush
   * turns (~61k readings/s) the 5-s interval would let up to 300k rows (~13 MiB) gather.
   */
  readonly checkpointAfterRows?: number;
  /**
   * Raw rows after which the store closes its file and opens it again, right after a checkpoint. Default 1,000,000
   * (~100 s at 10k readings/s); 0 never. DuckDB keeps what it knows of every row group it checkpointed since the file
   * was opened in memory for good (~0.25 MiB per million raw rows: at 10k points polled each second ~200 MiB a day),
   * and its other allocations outside the buffer pool grow between reopens too; only closing the database drops them.
   * The reopen takes milliseconds and loses nothing (store README, Memory limit).
   */
  readonly reopenAfterRows?: number;
  /**
   * DuckDB's memory_limit in MB: its buffer pool (blocks read or written, query state) gives blocks back above it,
   * and large sorts and aggregates spill to `<path>.tmp`. Default 128 (DEFAULT_STORE_MEMORY_LIMIT_MB).
   */
  readonly memoryLimitMb?: number;
  /**
   * The longest a read (a trend, a page, an export's window, a report) may run, in ms: one still running then is
   * interrupted and fails as HAZMON_STORE_READ_TIMEOUT. Default 30 s (DEFAULT_STORE_READ_TIMEOUT_S); 0 no limit.
   */
  readonly readTimeoutMs?: number;
  /** How often retention runs. Default one hour; 0 turns the timer off (call runRetention yourself). */
  readonly retentionIntervalMs?: number;
  /** Clock for retention cut-offs and `written_at`; tests replace it. Default Date.now. */
  readonly now?: () => number;
  /** Store conditions that need a person: queue high, readings dropped, a failed flush or background job, a database DuckDB invalidated (and its reopening). */
  readonly onEvent?: (event: StoreEvent) => void;
  /** Fault injection for tests and fault drills; a store in service has none. */
  readonly faults?: StoreFaultHooks;
}

/**
 * Where a test or a fault drill may make the store fail, fixed when the store opens (StoreOptions.faults), so that
 * no test has to reach into the store's private fields.
 */
export interface StoreFaultHooks {
  /**
   * Called before each raw COMMIT, after the rows were appended into its transaction. What it throws (or its promise
   * rejects with) fails that commit as a DuckDB error would: the readings stay queued and the next flush goes through a
   * new appender. A promise it returns holds the commit until it settles: a test keeps a raw commit under way.
   */
  readonly beforeRawCommit?: () => void | Promise<void>;
  /**
   * Called once the store has opened its file, with a way to run statements on the database it has open (also after
   * a reopen), in turn with the store's background jobs: DuckDB's own fault switches (`SET debug_checkpoint_abort =
   * 'before_header'` makes the next checkpoint fail fatally, which invalidates the database), a table renamed away to
   * make a job fail, a setting read back.
   */
  readonly opened?: (database: FaultDrillDatabase) => void;
  /**
   * Awaited by each release of cached blocks once it holds what it holds (the maintenance and durable connections,
   * raw flushes paused), before it lowers memory_limit: a test keeps a release there.
   */
  readonly releasing?: () => Promise<void>;
}

/** The store's database as StoreFaultHooks.opened hands it out. */
export interface FaultDrillDatabase {
  run(sql: string): Promise<void>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * The store's queries and nothing else (HazmonStore.reader()): for a web server or an API, which must neither write
 * nor close the store. The row caps are the store's (queries.ts).
 */
export interface StoreReader {
  /** Readings of one point in [from, to): raw rows, or rollup rows for '1m' | '1h' | '1d' | 'auto'. */
  readings(pointId: string, from: number, to: number, options?: { resolution?: ReadingsResolution; limit?: number }): Promise<ReadingsResult>;
  /**
   * readings() with rollup rows as columns, no object per row: for a trend, which folds them into buckets at once. A
   * year of hours as objects (~1 MB) outlived the unit's 1 MB young generation and brought on full GCs.
   */
  readingColumns(pointId: string, from: number, to: number, options?: { resolution?: ReadingsResolution; limit?: number }): Promise<ReadingColumns>;
  /** Aggregates per interval in [from, to) for the given points (all when omitted), with completeness. */
  aggregates(query: AggregatesQuery): Promise<AggregateRow[]>;
  /**
   * aggregates() as columns, no object per row: for answers of many rows (a regulator's pages of 10k). `reuse`: the
   * columns of an earlier call that the caller is done with, whose buffers take the rows where they have room (and must
   * not be read after): an export that reads window after window then allocates none after its first two. Each window's
   * new buffers (~3 MB) outlived two scavenges, so only a full GC freed them, and under the unit's
   * `--heap-growing-percent=10` a few MB of them were enough to start one.
   */
  aggregateColumns(query: AggregatesQuery, reuse?: AggregateColumns): Promise<AggregateColumns>;
  /** Alarm events with seq > afterSeq, oldest first; pass the last seq you got as the next cursor. */
  alarmEventsAfter(afterSeq: number, limit?: number): Promise<AlarmEventRow[]>;
  /**
   * The 1-minute aggregates of closed minutes after the minute starting at `afterStart` (at most `maxMinutes`, default
   * and cap 10), whole minutes oldest first: pass the last start you got as the next cursor. A closed minute does not
   * change (but for a rebuild after a late reading, a gateway clock stepped back); minutes without rows are skipped.
   */
  minuteRollupsAfter(afterStart: number, maxMinutes?: number): Promise<AggregateRow[]>;
  /** Alarm events with time in [from, to) and seq > afterSeq (of the given points, all when omitted), oldest first: a range read in pages. */
  alarmEventsInRange(query: AlarmEventRangeQuery): Promise<AlarmEventRow[]>;
  auditRows(query?: AuditRangeQuery): Promise<AuditRow[]>;
  /**
   * alarmEventsAfter's and auditRows' pages as the JSON text of their rows, byte for byte what JSON.stringify writes of
   * them, written by DuckDB: no row objects kept nor written again (the text is parsed once as a check, ~1.3 ms a page
   * of 1,000); a page of 1,000 audit rows took ~22 ms of CPU as row objects made into JSON, ~14 this way.
   */
  alarmEventsAfterJson(afterSeq: number, limit: number, areasOf?: EventAreas): Promise<JsonRowsPage>;
  auditRowsJson(query?: AuditRangeQuery): Promise<JsonRowsPage>;
  /**
   * Alarm events with seq < beforeSeq, newest first (Number.MAX_SAFE_INTEGER: the newest): what a person reads first;
   * pass the last seq you got as the next cursor to page further back.
   */
  alarmEventsBefore(beforeSeq: number, limit?: number): Promise<AlarmEventRow[]>;
  /** alarmEventsBefore's page as alarmEventsAfterJson gives its own: `lastSeq` is the oldest row's. */
  alarmEventsBeforeJson(beforeSeq: number, limit: number, areasOf?: EventAreas): Promise<JsonRowsPage>;
  /** Each alarm's latest life-cycle row (of those with time before `before`, default all) where it left the alarm not normal or not in service. */
  latestAlarmStates(before?: number): Promise<AlarmEventRow[]>;
  /** Each alarm's latest row of this kind (e.g. `out_of_service`: who took it out, when, why), oldest first. */
  latestAlarmRowsOfKind(kind: string): Promise<AlarmEventRow[]>;
  /** Checks the audit log's hash chain: its head, or each altered row. */
  verifyAuditChain(): Promise<AuditVerification>;
  /** Writes a time range of committed rows to CSV or Parquet; returns the number of rows written. */
  exportRange(request: ExportRequest): Promise<number>;
  /** Every registered point (or those of pointIds) with its regulatory metadata (indicator codes, thresholds, range, disable record), in catalog order. */
  pointDefinitions(pointIds?: readonly string[]): Promise<StorePointDefinition[]>;
  /** The alarm events of one rule (e.g. `comms_loss`) over [from, to): each source's latest before from, then every one in it, by seq. */
  ruleHistory(ruleId: string, from: number, to: number): Promise<AlarmEventRow[]>;
  /**
   * The spans of [from, to) in which each of the points had no reading of any quality (the gateway was not reading
   * it: stopped, killed, machine off), from the 1-minute rollups and the raw rows not yet rolled up; a reading counts
   * until its minute's end plus the point's poll interval. `polled`: the point is read at its poll interval and no more
   * often (a Modbus poll, not an OPC UA subscription reporting changes), so a closed day whose daily count covers it
   * is taken whole when every point asked is so (at 10k points ~20 ms for days instead of ~120-170 ms each). By point, then start.
   */
  unseenSpans(watches: readonly { readonly pointId: string; readonly polled: boolean }[], from: number, to: number): Promise<UnseenSpan[]>;
}

export interface UnseenSpan {
  readonly pointId: string;
  readonly start: number;
  /** Excluded. */
  readonly end: number;
}

export interface AlarmEventRangeQuery {
  readonly from: number;
  readonly to: number;
  readonly pointIds?: readonly string[];
  readonly afterSeq?: number;
  readonly limit?: number;
}

export interface AggregatesQuery {
  readonly pointIds?: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly intervalMs: number;
}

export type StoreEvent =
  | { readonly kind: 'queue_high'; readonly depth: number; readonly capacity: number }
  | { readonly kind: 'queue_normal'; readonly depth: number; readonly capacity: number }
  | { readonly kind: 'readings_dropped'; readonly dropped: number; readonly totalDropped: number }
  | { readonly kind: 'flush_failed'; readonly rows: number; readonly message: string }
  /** The first commit that went through after failed ones: the queued readings are committed. */
  | { readonly kind: 'flush_resumed'; readonly rows: number; readonly failedCommits: number }
  | { readonly kind: 'background_failed'; readonly job: 'rollup' | 'retention'; readonly message: string }
  /** DuckDB invalidated the database (a fatal error): nothing is written until the store has opened the file again. */
  | { readonly kind: 'database_invalidated'; readonly message: string }
  /** Opened again: writes go on; readings, alarm events and audit rows held meanwhile are committed now. */
  | { readonly kind: 'database_reopened'; readonly reopens: number }
  /** Every attempt to open the file again failed; the next failed write starts another round. */
  | { readonly kind: 'database_reopen_failed'; readonly attempts: number; readonly message: string };

/** Point metadata: what the store needs plus every field provincial data-access specs ask for. */
export interface StorePointDefinition {
  readonly pointId: string;
  readonly unit: string;
  /** The device's resolution in engineering units (0.01, 0.1, 1, ...); values are stored rounded to it. */
  readonly resolution: number;
  /** Expected spacing of readings (a Modbus poll interval, an OPC UA keep-alive period); completeness = good readings / (interval / pollIntervalMs). */
  readonly pollIntervalMs: number;
  readonly valueKind?: 'number' | 'boolean';
  readonly description?: string | null;
  readonly indicatorCode?: string | null;
  readonly equipmentCode?: string | null;
  readonly gatewayCode?: string | null;
  readonly tagNumber?: string | null;
  readonly lowLow?: number | null;
  readonly low?: number | null;
  readonly high?: number | null;
  readonly highHigh?: number | null;
  readonly rangeLow?: number | null;
  readonly rangeHigh?: number | null;
  readonly longitude?: number | null;
  readonly latitude?: number | null;
  readonly hazardSourceCode?: string | null;
  readonly casNumber?: string | null;
  readonly disabled?: { readonly by: string; readonly at: number; readonly reason: string } | null;
}

/** A point's four limits as the store keeps them (null: none). */
export interface StoredLimits {
  readonly lowLow: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly highHigh: number | null;
}

/** A known point whose limits a registration moved: those stored before and those registered now. */
export interface StoredLimitsMove {
  readonly pointId: string;
  readonly old: StoredLimits;
  readonly new: StoredLimits;
}

export type AlarmPriority = 'emergency' | 'high' | 'medium' | 'low';

/** One alarm life-cycle transition as the engine or a person produced it; the store adds seq and writtenAt. */
export interface AlarmEventInput {
  /** Event time, epoch ms UTC. */
  readonly time: number;
  readonly pointId: string | null;
  readonly ruleId: string;
  /** raised | cleared | acknowledged | shelved | unshelved | reset | suppressed | action_commanded | ... (lower_snake_case). */
  readonly kind: string;
  readonly stateAfter: string;
  readonly priority?: AlarmPriority | null;
  readonly who?: string | null;
  readonly why?: string | null;
  readonly details?: Readonly<Record<string, unknown>> | null;
}

export interface AlarmEventRow extends AlarmEventInput {
  readonly seq: number;
  readonly writtenAt: number;
}

export interface AuditInput {
  readonly time: number;
  readonly who: string;
  readonly action: string;
  readonly target?: string | null;
  readonly details?: Readonly<Record<string, unknown>> | null;
}

export interface AuditRow {
  readonly seq: number;
  readonly time: number;
  readonly who: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: Readonly<Record<string, unknown>> | null;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * The areas of a stored alarm event by its point id and rule id, worked out when it is read (the rows keep no area: a
 * view by area asks the config running then); each event of a page gets them as `areas`, its last key.
 */
export type EventAreas = (pointId: string | null, ruleId: string) => readonly string[];

/** A page of rows as one JSON text (an array), with how many rows it holds and the last one's seq (null when none). */
export interface JsonRowsPage {
  readonly json: string;
  readonly rows: number;
  readonly lastSeq: number | null;
}

export interface AuditProblem {
  readonly seq: number;
  readonly problem: 'content_changed' | 'chain_broken' | 'missing' | 'duplicate';
  readonly message: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly rowsChecked: number;
  readonly problems: readonly AuditProblem[];
}

export interface RawReadingRow {
  readonly time: number;
  readonly sourceTime: number | null;
  readonly value: number | null;
  readonly quality: Quality;
  readonly reason: QualityReasonCode | null;
  /** The reason message (device, function, register, code); null for good readings and rows of schema 1 files. */
  readonly reasonText: string | null;
}

export interface AggregateRow {
  readonly pointId: string;
  /** Interval start, epoch ms UTC. */
  readonly start: number;
  readonly end: number;
  /** Over good readings; null when the interval had none. */
  readonly min: number | null;
  readonly avg: number | null;
  readonly max: number | null;
  readonly count: number;
  readonly goodCount: number;
  /** goodCount / expected readings (interval length / poll interval), capped at 1. */
  readonly completeness: number;
}

/**
 * AggregateRows as columns, by point then interval: row i is pointIds[floor(i / intervals)]'s interval [start[i],
 * end[i]) (a point asked twice is there twice, each of its rows twice in a row), each field as AggregateRow's; NaN in
 * min / avg / max where AggregateRow has null (no good reading). A point's id once, not once per row: a page of 60k rows
 * made a 60k-entry array a request, in the old generation, and so a full GC every few requests under the unit's flags.
 */
export interface AggregateColumns {
  readonly length: number;
  /** Rows of each entry of pointIds. */
  readonly intervals: number;
  readonly pointIds: readonly string[];
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly min: Float64Array;
  readonly avg: Float64Array;
  readonly max: Float64Array;
  readonly count: Float64Array;
  readonly goodCount: Float64Array;
  readonly completeness: Float64Array;
}

export type ReadingsResolution = 'raw' | RollupLevel | 'auto';

export type ReadingsResult = { readonly resolution: 'raw'; readonly rows: readonly RawReadingRow[] } | { readonly resolution: RollupLevel; readonly rows: readonly AggregateRow[] };

/** ReadingsResult with the rollup rows as the columns of the one point (aggregateColumns). */
export type ReadingColumns = { readonly resolution: 'raw'; readonly rows: readonly RawReadingRow[] } | { readonly resolution: RollupLevel; readonly columns: AggregateColumns };

export interface AuditRangeQuery {
  /** Rows with seq > afterSeq, oldest first (the default, from 0). */
  readonly afterSeq?: number;
  /** Instead of afterSeq: rows with seq < beforeSeq, newest first (Number.MAX_SAFE_INTEGER: from the newest). */
  readonly beforeSeq?: number;
  readonly fromTime?: number;
  readonly toTime?: number;
  readonly limit?: number;
  /** Only rows of this person, of this action (exact). */
  readonly who?: string;
  readonly action?: string;
}

export interface ExportRequest {
  /** aggregates: min / avg / max / counts / completeness per point and interval, as aggregates() gives them, by interval then point. */
  readonly what: 'readings' | 'aggregates' | 'alarm_events' | 'audit_log';
  readonly format: 'csv' | 'parquet';
  /** Target file; overwritten. */
  readonly path: string;
  readonly from: number;
  readonly to: number;
  /** Readings and aggregates; all points when omitted. */
  readonly pointIds?: readonly string[];
  /** Aggregates: the interval, a whole number of minutes; from and to a whole number of them apart. */
  readonly intervalMs?: number;
}

/** Flush latencies: counts per upper bound in ms, the last entry above every bound (see LatencyHistogram). */
export type FlushLatencyHistogram = LatencySnapshot;

/** DuckDB's own memory account (`HazmonStore.duckdbMemory()`). */
export interface DuckdbMemory {
  /** memory_limit (StoreOptions.memoryLimitMb). */
  readonly limitBytes: number;
  /** Held by DuckDB's buffer manager now: cached table blocks, query state. Process RSS adds its code and other allocations. */
  readonly usedBytes: number;
  /** Spilled to the temp directory by queries under way. */
  readonly temporaryBytes: number;
  readonly tempDirectory: string;
}

export interface StoreStats {
  readonly rawAccepted: number;
  /** Raw readings committed; every one of the first rawRowsWritten accepted readings is durable. */
  readonly rawRowsWritten: number;
  readonly rawDropped: number;
  readonly batches: number;
  readonly queueDepth: number;
  readonly queueCapacity: number;
  /** True from queue_high until queue_normal: the producer is being asked to slow down. */
  readonly backPressure: boolean;
  readonly flushFailures: number;
  readonly flushLatency: FlushLatencyHistogram;
  readonly lastFlushAt: number | null;
  readonly alarmEventsWritten: number;
  readonly auditRowsWritten: number;
  readonly rollupRuns: number;
  /** Rollup buckets closed from the sums kept in memory as rows committed (no aggregate over the finer table). */
  readonly rollupBucketsFromMemory: number;
  /** Rollup windows built by an aggregate over the finer table (catch-up after a start, a late reading). */
  readonly rollupSqlBuilds: number;
  /** Minutes not yet rolled up that queries (aggregates, trends) read from those sums instead of raw rows. */
  readonly queryMinutesFromMemory: number;
  readonly retentionRuns: number;
  readonly retentionDeletedRaw: number;
  readonly backgroundFailures: number;
  /** Times the store opened the file again after DuckDB invalidated the database. */
  readonly databaseReopens: number;
  /** Times the store closed and opened its file after reopenAfterRows rows, to drop DuckDB's row group metadata. */
  readonly scheduledReopens: number;
  /**
   * Releases of cached blocks (after a checkpoint) that DuckDB refused, or that failed: a read beside held more than the
   * low limit. The blocks stay cached until the next checkpoint turn's release.
   */
  readonly releasesRefused: number;
  /** Reads that met the moment of lowered memory_limit a release of cached blocks takes, and ran again once it was back. */
  readonly readsRunAgain: number;
  /** Reads that found no memory under memory_limit and failed as HAZMON_STORE_BUSY (a web client is told to try again). */
  readonly readsBusy: number;
  readonly lastError: string | null;
}
