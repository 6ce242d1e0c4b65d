/**
 * The history the api bench reads, written into the agent's DuckDB file before the agent starts: through the agent's
 * store (HazmonStore: points registered from the config, the trend point's last 6 h of raw readings at 1 s rolled up
 * by the store), the older rollups inserted in SQL on the store's own database, as the store's tests fill rollups
 * (86 M raw readings would take the store minutes), and the alarm events and audit rows in SQL after it closed. Then the
 * baselines: the same rows read by a bare DuckDB query on the same file, and the trend by the store's own query.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditRowHash, type FaultDrillDatabase, GENESIS_HASH, HazmonStore, loadAgentConfig } from '@hazmon/agent';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The store keeps raw readings this far back for the trend point; older ranges come from rollups. */
const RAW_SPAN_MS = 6 * HOUR_MS;
const TREND_SPAN_MS = 366 * DAY_MS;

export interface HistoryPlan {
  readonly trendPoint: string;
  readonly aggregatePoints: readonly string[];
  /** Alarm events and audit rows to store, spread over the last 30 days. */
  readonly alarmEvents: number;
  readonly auditRows: number;
}

export interface PreparedHistory {
  /** Start of the UTC day whose 1-minute rollups the aggregate points have. */
  readonly aggregateDay: number;
  /** Raw readings of the trend point from here (whole hour) to `preparedAt`; rollups before it back to a year. */
  readonly rawFrom: number;
  readonly preparedAt: number;
  /** Who the audit rows name: every tenth row is `auditor`, for a filtered audit search. */
  readonly rareWho: string;
  readonly seconds: number;
}

const floorTo = (time: number, width: number) => Math.floor(time / width) * width;

/** A value that wanders over hours, as the rollups' averages do. */
const valueAt = (time: number) => Math.round(100 + 50 * Math.sin(time / 7_200_000));

export async function prepareHistory(configPath: string, plan: HistoryPlan, dir: string): Promise<PreparedHistory> {
  const started = performance.now();
  const config = loadAgentConfig(configPath);
  let database: FaultDrillDatabase | undefined;
  const store = await HazmonStore.open({ path: config.store.path, retentionIntervalMs: 0, faults: { opened: (opened) => void (database = opened) } });
  const preparedAt = Date.now();
  const rawFrom = floorTo(preparedAt - RAW_SPAN_MS, HOUR_MS);
  const aggregateDay = floorTo(rawFrom, DAY_MS) - 2 * DAY_MS;
  try {
    await store.registerPoints(config.storePoints);
    const trendIndex = store.pointIndex(plan.trendPoint);
    const aggregateIndexes = plan.aggregatePoints.map((id) => store.pointIndex(id)).join(', ');
    // The trend point: a year of minutes before its raw readings, the daily spike in the minute's max.
    await database!.run(`INSERT INTO rollup_1m SELECT ${trendIndex}, b, v - 1, v + 1 + (CASE WHEN b % ${DAY_MS} = ${3 * HOUR_MS} THEN 400 ELSE 0 END), 60 * v, 60, 60
      FROM (SELECT b, 100 + 50 * sin(b / 7200000.0) AS v FROM range(${rawFrom - TREND_SPAN_MS}, ${rawFrom}, ${MINUTE_MS}) t(b))`);
    // The aggregate points: one whole UTC day of minutes each, stored minute after minute as the store appends them
    // (each minute's rows of every point as it closes): a row group then holds some minutes of every point.
    await database!.run(`INSERT INTO rollup_1m SELECT p.idx, b, v - 1, v + 1, 60 * v, 60, 59
      FROM (SELECT b, 100 + 50 * sin(b / 7200000.0) AS v FROM range(${aggregateDay}, ${aggregateDay + DAY_MS}, ${MINUTE_MS}) t(b)) CROSS JOIN (SELECT unnest([${aggregateIndexes}]) AS idx) p
      ORDER BY b, p.idx`);
    const coarser = (table: string, finer: string, width: number, before: number) =>
      database!.run(`INSERT INTO ${table} SELECT point_idx, bucket // ${width} * ${width} AS b, min(min_value), max(max_value), sum(sum_value), sum(count), sum(good_count)
        FROM ${finer} WHERE bucket < ${before} GROUP BY point_idx, b`);
    await coarser('rollup_1h', 'rollup_1m', HOUR_MS, rawFrom);
    await coarser('rollup_1d', 'rollup_1h', DAY_MS, floorTo(rawFrom, DAY_MS));

    // The trend point's raw readings at 1 s through the store, committed and rolled up by it.
    for (let time = rawFrom; time < preparedAt; time += 1000) {
      store.writeValue(trendIndex, time, valueAt(time));
      if ((time - rawFrom) % 3_600_000 === 0) await store.flush();
    }
    await store.flush();
    await store.rollUp();

    await store.checkpoint();
  } finally {
    await store.close();
  }
  await fillEventsAndAudit(config.store.path, plan, preparedAt, dir);
  return { aggregateDay, rawFrom, preparedAt, rareWho: RARE_WHO, seconds: (performance.now() - started) / 1000 };
}

const RARE_WHO = 'auditor';

/**
 * Alarm events and audit rows over the last 30 days, written in SQL while no store has the file open (the store's
 * own appends, 200 rows a statement, took ~90 s for 200k rows): the store reads the last seq and the audit chain's
 * head when it opens. Alarm events come as raised, acknowledged, cleared, so every alarm is back to normal (the agent
 * restores no state from them); the audit rows are hash-chained as the store chains them (`auditRowHash`).
 */
async function fillEventsAndAudit(path: string, plan: HistoryPlan, preparedAt: number, dir: string): Promise<void> {
  const eventsFrom = preparedAt - 30 * DAY_MS;
  const span = preparedAt - HOUR_MS - eventsFrom;
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const cycleMs = Math.floor(span / Math.ceil(plan.alarmEvents / 3));
    const ids = plan.aggregatePoints.map((id) => `'${id}'`).join(', ');
    await connection.run(`INSERT INTO alarm_events
      SELECT i + 1, ${eventsFrom} + (i // 3) * ${cycleMs} + i % 3 AS t, p.point_id, 'hi',
        ['raised', 'acknowledged', 'cleared'][i % 3 + 1], ['unacknowledged_active', 'acknowledged_active', 'normal'][i % 3 + 1], 'high',
        ['engine', 'op', 'engine'][i % 3 + 1],
        CASE i % 3 WHEN 0 THEN p.point_id || ' 2104 ppm >= hi 2000' WHEN 1 THEN 'checked on site' ELSE p.point_id || ' 1890 ppm < hi 2000 - deadband 10' END,
        '{"alarmId":"' || p.point_id || '/hi"' || CASE i % 3 WHEN 0 THEN ',"value":2104}' WHEN 1 THEN '}' ELSE ',"value":1890}' END,
        ${eventsFrom} + (i // 3) * ${cycleMs} + i % 3 + 5
      FROM range(${plan.alarmEvents}) r(i)
      JOIN (SELECT point_id, row_number() OVER (ORDER BY point_idx) - 1 AS k FROM points WHERE point_id IN (${ids})) p ON p.k = (i // 3) % ${plan.aggregatePoints.length}`);

    const csv = join(dir, 'audit.csv');
    const quoted = (value: string | number) => `"${String(value).replaceAll('"', '""')}"`;
    const details = JSON.stringify({ command: 'acknowledge', comment: 'checked on site', result: 'accepted', role: 'operator' });
    const lines: string[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= plan.auditRows; seq++) {
      const row = {
        seq,
        time: Math.round(eventsFrom + ((seq - 1) * span) / plan.auditRows),
        who: seq % 10 === 1 ? RARE_WHO : 'op',
        action: 'alarm_command',
        target: `${plan.aggregatePoints[seq % plan.aggregatePoints.length]!}/hi`,
        details,
        prevHash,
      };
      const hash = auditRowHash(row);
      lines.push([row.seq, row.time, row.who, row.action, row.target, row.details, row.prevHash, hash].map(quoted).join(','));
      prevHash = hash;
    }
    writeFileSync(csv, `${lines.join('\n')}\n`);
    await connection.run(`INSERT INTO audit_log SELECT * FROM read_csv('${csv}', header = false, quote = '"', escape = '"',
      columns = {'seq': 'BIGINT', 't': 'BIGINT', 'who': 'VARCHAR', 'action': 'VARCHAR', 'target': 'VARCHAR', 'details': 'VARCHAR', 'prev_hash': 'VARCHAR', 'hash': 'VARCHAR'})`);
    await connection.run(`DELETE FROM store_meta WHERE key = 'audit_head_seq'`);
    await connection.run(`INSERT INTO store_meta VALUES ('audit_head_seq', ${plan.auditRows})`);
    await connection.run('CHECKPOINT');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Wall time of each call of `query`, in ms. */
async function timeEach<T>(items: readonly T[], query: (item: T) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (const item of items) {
    const started = performance.now();
    await query(item);
    times.push(performance.now() - started);
  }
  return times;
}

export interface StoreQueries {
  /** The trend point per span, ending at `to` (the store's `auto` resolution). */
  readonly trends: number[];
  /** The aggregate points' hour at 1 min as the route reads it (aggregateColumns), in the windows it pages by; one figure per whole hour. */
  readonly aggregatesHour: number[];
  /** The same hour in pages of `onePageMs` (the route's largest page: the whole hour). */
  readonly aggregatesHourOnePage: number[];
}

/** The store's own queries (StoreReader, as the web server calls them) on the same file: no HTTP, no JSON. */
export async function storeQueryTimes(
  configPath: string,
  plan: {
    readonly trendPoint: string;
    readonly spans: readonly number[];
    readonly to: number;
    readonly aggregatePoints: readonly string[];
    readonly hourFrom: number;
    readonly hourRepeats: number;
    readonly pageMs: number;
    readonly onePageMs: number;
  },
): Promise<StoreQueries> {
  const store = await HazmonStore.open({ path: loadAgentConfig(configPath).store.path, retentionIntervalMs: 0 });
  try {
    const reader = store.reader();
    const trends = await timeEach(plan.spans, (span) => reader.readings(plan.trendPoint, plan.to - span, plan.to, { resolution: 'auto' }));
    const hourIn = (pageMs: number) =>
      timeEach(
        Array.from({ length: plan.hourRepeats }, (_, i) => i),
        async () => {
          for (let from = plan.hourFrom; from < plan.hourFrom + HOUR_MS; from += pageMs)
            await reader.aggregateColumns({ pointIds: plan.aggregatePoints, from, to: Math.min(from + pageMs, plan.hourFrom + HOUR_MS), intervalMs: MINUTE_MS });
        },
      );
    const aggregatesHour = await hourIn(plan.pageMs);
    const aggregatesHourOnePage = await hourIn(plan.onePageMs);
    return { trends, aggregatesHour, aggregatesHourOnePage };
  } finally {
    await store.close();
  }
}

export interface BareQueries {
  /** 1-minute rows of the aggregate points over one hour and over the whole day, read into JavaScript objects. */
  readonly aggregatesHour: number[];
  readonly aggregatesDay: number[];
  /** Pages of 1000 alarm events after a seq, and of audit rows (all, and of one person). */
  readonly alarmEventPages: number[];
  readonly auditPages: number[];
  readonly auditWhoPages: number[];
  /** The same pages newest first: the rows before `cursor + PAGE + 1`, by seq descending (what the UI reads first). */
  readonly alarmEventNewestPages: number[];
  readonly auditNewestPages: number[];
}

export interface QueryPlan {
  readonly aggregatePoints: readonly string[];
  readonly hourFrom: number;
  readonly dayFrom: number;
  readonly hourRepeats: number;
  readonly dayRepeats: number;
  /** Seqs after which each page starts. */
  readonly eventCursors: readonly number[];
  readonly auditCursors: readonly number[];
  readonly rareWho: string;
}

/** The `before` of a newest-first page of 1,000 holding the rows of the oldest-first page after `after`. */
export const newestCursorOf = (after: number) => after + 1000 + 1;

/** The same rows as the routes read, by plain SQL on the same file with no agent, no HTTP and no JSON. */
export async function bareQueryTimes(path: string, plan: QueryPlan): Promise<BareQueries> {
  const instance = await DuckDBInstance.create(path);
  const connection: DuckDBConnection = await instance.connect();
  try {
    const read = async (sql: string, params: (number | string)[]) => (await connection.runAndReadAll(sql, params)).getRowObjectsJS();
    const ids = plan.aggregatePoints.map((id) => `'${id}'`).join(', ');
    const minutes = (from: number, to: number) =>
      read(
        `SELECT r.point_idx, r.bucket, r.min_value, r.max_value, r.sum_value / nullif(r.good_count, 0) AS avg_value, r.count, r.good_count
         FROM rollup_1m r JOIN points p ON p.point_idx = r.point_idx WHERE p.point_id IN (${ids}) AND r.bucket >= $1 AND r.bucket < $2 ORDER BY r.point_idx, r.bucket`,
        [from, to],
      );
    const repeat = (count: number) => Array.from({ length: count }, (_, i) => i);
    return {
      aggregatesHour: await timeEach(repeat(plan.hourRepeats), () => minutes(plan.hourFrom, plan.hourFrom + HOUR_MS)),
      aggregatesDay: await timeEach(repeat(plan.dayRepeats), () => minutes(plan.dayFrom, plan.dayFrom + DAY_MS)),
      alarmEventPages: await timeEach(plan.eventCursors, (after) => read('SELECT * FROM alarm_events WHERE seq > $1 ORDER BY seq LIMIT 1000', [after])),
      auditPages: await timeEach(plan.auditCursors, (after) => read('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000', [after])),
      auditWhoPages: await timeEach(plan.auditCursors, (after) => read('SELECT * FROM audit_log WHERE seq > $1 AND who = $2 ORDER BY seq LIMIT 1000', [after, plan.rareWho])),
      alarmEventNewestPages: await timeEach(plan.eventCursors, (after) => read('SELECT * FROM alarm_events WHERE seq < $1 ORDER BY seq DESC LIMIT 1000', [newestCursorOf(after)])),
      auditNewestPages: await timeEach(plan.auditCursors, (after) => read('SELECT * FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT 1000', [newestCursorOf(after)])),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
