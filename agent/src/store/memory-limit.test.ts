/** The store's heavy queries under its default DuckDB memory_limit, on a file whose data is many times that limit. */
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowHash, GENESIS_HASH } from './audit-chain.ts';
import { point, tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './schema.ts';
import { DEFAULT_STORE_MEMORY_LIMIT_MB } from './limits.ts';
import { HazmonStore } from './store.ts';

const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);
/** Raw readings: POINTS points read every 2 min for STEPS polls (25 h: hours and a day to roll up), plus one point read every 2 ms (a replay's worst read). */
const POINTS = 1000;
const STEPS = 750;
const STEP_MS = 2 * MINUTE_MS;
const DENSE_ROWS = 700_000;
const DENSE_STEP_MS = 2;
const RAW_ROWS = POINTS * STEPS + DENSE_ROWS;
const AUDIT_ROWS = 30_000;
const AUDIT_DETAIL = 'x'.repeat(800);
const EVENT_ROWS = 30_000;
/** Well below the default (DEFAULT_STORE_MEMORY_LIMIT_MB): every heavy statement must fit it by its windows. */
const LIMIT_MB = 24;
const LIMIT_BYTES = LIMIT_MB * 2 ** 20;

const dir = tempDir();
const path = dir.file('big.duckdb');
let store: HazmonStore;

async function withDuckDb<T>(file: string, work: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows straight into the file (far faster than the ingest path, which other tests cover): readings, a valid audit chain, alarm events. */
async function seed(): Promise<void> {
  const creating = await HazmonStore.open({ path, retentionIntervalMs: 0, memoryLimitMb: LIMIT_MB });
  await creating.registerPoints([...Array.from({ length: POINTS }, (_, i) => point(`P${i}`)), point('DENSE')]);
  await creating.close();
  await withDuckDb(path, async (run) => {
    const value = (i: string) => `(hash(${i}) % 5000)::INTEGER`;
    await run(`INSERT INTO raw_readings SELECT (i % ${POINTS})::INTEGER, ${T0} + (i // ${POINTS}) * ${STEP_MS}, ${value('i')},
      CASE WHEN i % 97 = 0 THEN 2 ELSE 0 END, ${T0} + (i // ${POINTS}) * ${STEP_MS} - 3, CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, 0 FROM range(${POINTS * STEPS}) r(i)`);
    await run(`INSERT INTO raw_readings SELECT ${POINTS}, ${T0} + i * ${DENSE_STEP_MS}, ${value('i')}, 0, NULL, 0, 0 FROM range(${DENSE_ROWS}) r(i)`);
    await run(`INSERT INTO alarm_events SELECT i + 1, ${T0} + i * 10, 'P' || (i % ${POINTS}), 'P' || (i % ${POINTS}) || '.hi', 'raised', 'unack_active',
      'high', NULL, repeat('w', 200), NULL, ${T0} + i * 10 FROM range(${EVENT_ROWS}) r(i)`);
    const values: string[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= AUDIT_ROWS; seq++) {
      const row = { seq, time: T0 + seq, who: 'hazmon', action: 'test', target: `P${seq % POINTS}`, details: `{"d":"${AUDIT_DETAIL}"}`, prevHash };
      const hash = auditRowHash(row);
      values.push(`(${seq}, ${row.time}, 'hazmon', 'test', '${row.target}', '${row.details}', '${prevHash}', '${hash}')`);
      prevHash = hash;
    }
    for (let start = 0; start < values.length; start += 5000) await run(`INSERT INTO audit_log VALUES ${values.slice(start, start + 5000).join(', ')}`);
    await run(`INSERT INTO store_meta VALUES ('audit_head_seq', ${AUDIT_ROWS})`);
  });
}

beforeAll(async () => {
  await seed();
  // The store's defaults, except the background timers: each job is run below by hand.
  store = await HazmonStore.open({ path, retentionIntervalMs: 0, rollupIntervalMs: 0x7fff_ffff, memoryLimitMb: LIMIT_MB, now: () => T0 + 31 * DAY_MS });
}, 120_000);

afterAll(async () => {
  await store?.close();
  dir.remove();
});

/** Each query must also leave DuckDB's buffer manager at or under the limit. */
async function expectWithinLimit(): Promise<void> {
  const memory = await store.duckdbMemory();
  expect(memory.limitBytes).toBe(LIMIT_BYTES);
  expect(memory.usedBytes).toBeLessThanOrEqual(LIMIT_BYTES);
}

describe(`store queries under a ${LIMIT_MB} MiB memory_limit (the default is ${DEFAULT_STORE_MEMORY_LIMIT_MB}) on ${RAW_ROWS} raw readings`, () => {
  it('exports every reading of a large range to CSV, in time order', async () => {
    const csv = dir.file('all.csv');
    expect(await store.exportRange({ what: 'readings', format: 'csv', path: csv, from: T0, to: T0 + 3 * DAY_MS })).toBe(RAW_ROWS);
    await expectWithinLimit();
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('point_id,time_ms,source_time_ms,value,value_bool,unit,quality,reason,reason_message');
    expect(lines.length).toBe(RAW_ROWS + 1);
    let previous: [number, string] = [0, ''];
    for (let i = 1; i < lines.length; i++) {
      const [pointId = '', time = ''] = lines[i]!.split(',', 2);
      const key: [number, string] = [Number(time), pointId];
      if (key[0] < previous[0] || (key[0] === previous[0] && key[1] < previous[1])) throw new Error(`line ${i + 1} out of order: ${lines[i]} after ${previous.join(',')}`);
      previous = key;
    }
  }, 120_000);

  it('exports readings and the audit log to Parquet: every row, in order', async () => {
    const readingsFile = dir.file('all.parquet');
    const auditFile = dir.file('audit.parquet');
    const eventsFile = dir.file('events.csv');
    expect(await store.exportRange({ what: 'readings', format: 'parquet', path: readingsFile, from: T0, to: T0 + 3 * DAY_MS })).toBe(RAW_ROWS);
    expect(await store.exportRange({ what: 'audit_log', format: 'parquet', path: auditFile, from: T0, to: T0 + 3 * DAY_MS })).toBe(AUDIT_ROWS);
    expect(await store.exportRange({ what: 'alarm_events', format: 'csv', path: eventsFile, from: T0, to: T0 + 3 * DAY_MS })).toBe(EVENT_ROWS);
    await expectWithinLimit();
    const [readings] = await withDuckDb(':memory:', (run) =>
      run(`SELECT count(*) AS n, count(DISTINCT point_id) AS points, sum(CASE WHEN quality = 'bad' THEN 1 ELSE 0 END) AS bad,
             count(*) FILTER (WHERE time_ms < previous_time) AS out_of_order
           FROM (SELECT *, lag(time_ms) OVER (ORDER BY file_row_number) AS previous_time FROM read_parquet('${readingsFile}', file_row_number = true))`),
    );
    expect(readings).toEqual({ n: BigInt(RAW_ROWS), points: BigInt(POINTS + 1), bad: BigInt(Math.ceil((POINTS * STEPS) / 97)), out_of_order: 0n });
    const [audit] = await withDuckDb(':memory:', (run) => run(`SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM read_parquet('${auditFile}')`));
    expect(audit).toEqual({ n: BigInt(AUDIT_ROWS), first: 1n, last: BigInt(AUDIT_ROWS) });
  }, 120_000);

  it("reads a point's whole history for a replay", async () => {
    const rows = await store.rawReadings('DENSE', T0, T0 + DAY_MS, 1_000_000);
    await expectWithinLimit();
    expect(rows.length).toBe(DENSE_ROWS);
    expect(rows[0]?.time).toBe(T0);
    expect(rows.at(-1)?.time).toBe(T0 + (DENSE_ROWS - 1) * DENSE_STEP_MS);
    expect(rows.every((row, i) => row.time === T0 + i * DENSE_STEP_MS)).toBe(true);
    const limited = await store.rawReadings('DENSE', T0, T0 + DAY_MS, 1000);
    expect(limited.map((row) => row.time)).toEqual(rows.slice(0, 1000).map((row) => row.time));
  }, 120_000);

  it('drops the blocks a query left cached at the next checkpoint, and puts the limit back', async () => {
    await store.exportRange({ what: 'readings', format: 'csv', path: dir.file('cache.csv'), from: T0, to: T0 + 3 * DAY_MS });
    const cached = await store.duckdbMemory();
    expect(cached.usedBytes).toBeGreaterThan(3 * 2 ** 20);
    await store.checkpoint();
    const released = await store.duckdbMemory();
    expect(released.limitBytes).toBe(LIMIT_BYTES);
    // What stays is what DuckDB cannot evict (~1.2 MB: the catalog, the store's temp staging table); the export's blocks go.
    expect(released.usedBytes).toBeLessThan(2 * 2 ** 20);
  }, 120_000);

  it('verifies an audit chain larger than the limit', async () => {
    const verification = await store.verifyAuditChain();
    await expectWithinLimit();
    expect(verification).toEqual({ ok: true, rowsChecked: AUDIT_ROWS, problems: [] });
  }, 120_000);

  it('rolls the whole history up to minutes, hours and days, every reading counted once', async () => {
    await store.rollUp();
    await store.rollUp();
    await expectWithinLimit();
    const days = await store.aggregates({ from: T0, to: T0 + 3 * DAY_MS, intervalMs: DAY_MS });
    await expectWithinLimit();
    expect(days).toHaveLength(3 * (POINTS + 1));
    expect(days.reduce((sum, row) => sum + row.count, 0)).toBe(RAW_ROWS);
    const stepsPerDay = DAY_MS / STEP_MS;
    expect(days.filter((row) => row.pointId === 'P7').map((row) => row.count)).toEqual([stepsPerDay, STEPS - stepsPerDay, 0]);
    expect(days.filter((row) => row.pointId === 'DENSE').map((row) => row.count)).toEqual([DENSE_ROWS, 0, 0]);
    const hours = await store.readings('P5', T0, T0 + 25 * HOUR_MS, { resolution: '1h' });
    expect(hours.rows.map((row) => ('count' in row ? row.count : -1))).toEqual(Array.from({ length: 25 }, () => HOUR_MS / STEP_MS));
    const minutes = await store.aggregates({ pointIds: ['P5'], from: T0, to: T0 + 30 * MINUTE_MS, intervalMs: MINUTE_MS });
    expect(minutes.map((row) => row.count)).toEqual(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 1 : 0)));
  }, 120_000);

  it('deletes the raw readings past retention', async () => {
    const result = await store.runRetention();
    await expectWithinLimit();
    // The clock stands 31 days after the first reading: the first day of readings is past the 30 days.
    expect(result.deletedRaw).toBe((DAY_MS / STEP_MS) * POINTS + DENSE_ROWS);
    const left = await store.exportRange({ what: 'readings', format: 'csv', path: dir.file('left.csv'), from: T0, to: T0 + 3 * DAY_MS });
    expect(result.deletedRaw + left).toBe(RAW_ROWS);
  }, 120_000);
});
