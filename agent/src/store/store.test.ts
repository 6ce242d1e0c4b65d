/** HazmonStore against real DuckDB files: schema, ingest, rollups, back-pressure, durable events, queries, bad inputs. */
import { existsSync, statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { waitFor } from '@hazmon/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseDrill, tempDir, point, reading } from '../../test/fixtures/store/test-helpers.ts';
import { CHUNK_ROWS } from './chunk.ts';
import { DEFAULT_STORE_MEMORY_LIMIT_MB } from './limits.ts';
import { HazmonStore, turnCommits } from './store.ts';
import type { StoreEvent, StoreOptions } from './types.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(options: Partial<StoreOptions> = {}): Promise<{ store: HazmonStore; path: string }> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const path = options.path ?? dir.file('store.duckdb');
  const store = await HazmonStore.open({ retentionIntervalMs: 0, ...options, path });
  cleanups.push(() => store.close());
  return { store, path };
}

async function readBack<T>(path: string, sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** A good, uncertain or bad (no value) reading with a value in 0..100 at two decimals. */
function randomReading(random: () => number, id: string, t: number) {
  const r = random();
  return r < 0.05
    ? reading(id, t, null, { quality: 'bad', reason: { code: 'frame', message: 'crc' } })
    : reading(id, t, Math.round(random() * 10_000) / 100, { quality: r < 0.1 ? 'uncertain' : 'good' });
}

/**
 * Per rollup level: rows of the level that differ from a recompute straight from raw (missing or extra rows
 * included), below the level's watermark, and the rows compared. min / max / counts exact; sums within 1e-9 relative
 * (an hour's sum from its minutes' sums in SQL adds rounded quotients; from memory it divides once).
 */
async function rollupMismatches(path: string): Promise<{ level: string; mismatches: bigint; rows: bigint }[]> {
  return readBack(
    path,
    `WITH raw AS (SELECT r.*, p.value_divisor FROM raw_readings r JOIN points p USING (point_idx)),
     expected AS (
       SELECT level, point_idx, t // width * width AS bucket,
              min(value_scaled) FILTER (WHERE quality = 0) / value_divisor AS mn,
              max(value_scaled) FILTER (WHERE quality = 0) / value_divisor AS mx,
              sum(value_scaled) FILTER (WHERE quality = 0) / value_divisor AS sm,
              count(*) AS n, count(*) FILTER (WHERE quality = 0) AS g
       FROM raw, (VALUES ('1m', 60000), ('1h', 3600000), ('1d', 86400000)) AS levels(level, width)
       WHERE t < (SELECT max(value) FROM store_meta WHERE key = 'rollup_' || level || '_complete_until')
       GROUP BY level, point_idx, bucket, value_divisor),
     actual AS (SELECT '1m' AS level, * FROM rollup_1m UNION ALL SELECT '1h', * FROM rollup_1h UNION ALL SELECT '1d', * FROM rollup_1d)
     SELECT level,
            count(*) FILTER (WHERE a.count IS DISTINCT FROM e.n OR a.good_count IS DISTINCT FROM e.g OR a.min_value IS DISTINCT FROM e.mn
              OR a.max_value IS DISTINCT FROM e.mx OR (a.sum_value IS NULL) <> (e.sm IS NULL) OR abs(a.sum_value - e.sm) > 1e-9 * greatest(1, abs(e.sm))) AS mismatches,
            count(*) AS rows
     FROM expected e FULL JOIN actual a USING (level, point_idx, bucket)
     GROUP BY level ORDER BY level`,
  );
}

describe('reason messages', () => {
  it("keeps each bad reading's message once in reason_texts, across a reopen, and reads a schema 1 file", async () => {
    const { store, path } = await openStore();
    await store.registerPoints([point('T1.LEL')]);
    const refused = 'device GD-1 (unit 1) FC03 @40001 x6: exception 2: illegal data address';
    store.writeReading(reading('T1.LEL', T0, null, { quality: 'bad', reason: { code: 'exception', message: refused } }));
    store.writeReading(reading('T1.LEL', T0 + 1, null, { quality: 'bad', reason: { code: 'exception', message: refused } }));
    store.writeReading(reading('T1.LEL', T0 + 2, 5));
    expect(await store.flush()).toBe(3);
    await store.close();

    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    reopened.writeReading(reading('T1.LEL', T0 + 3, null, { quality: 'bad', reason: { code: 'timeout', message: 'no answer' } }));
    await reopened.flush();
    expect((await reopened.rawReadings('T1.LEL', T0, T0 + 10)).map((row) => [row.reason, row.reasonText])).toEqual([
      ['exception', refused],
      ['exception', refused],
      [null, null],
      ['timeout', 'no answer'],
    ]);
    await reopened.close();
    // One row per distinct text; good readings reference none.
    expect(await readBack(path, 'SELECT text_id, text FROM reason_texts ORDER BY text_id')).toEqual([
      { text_id: 1, text: refused },
      { text_id: 2, text: 'no answer' },
    ]);

    // A file of schema 1 (no reason_text column) opens, gains the column and reads its old rows without a message.
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run("ALTER TABLE raw_readings DROP COLUMN reason_text; DROP TABLE reason_texts; UPDATE store_meta SET value = 1 WHERE key = 'schema_version'");
    connection.closeSync();
    instance.closeSync();
    const upgraded = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => upgraded.close());
    expect((await upgraded.rawReadings('T1.LEL', T0, T0 + 10)).map((row) => row.reasonText)).toEqual([null, null, null, null]);
  });
});

describe('HazmonStore schema and ingest', () => {
  it('creates the schema, keeps points and readings across a reopen', async () => {
    const { store, path } = await openStore();
    await store.registerPoints([point('T1.LEL'), point('T1.O2', { unit: '%VOL', resolution: 0.1 })]);
    expect(store.writeReading(reading('T1.LEL', T0, 12.34))).toBe(true);
    expect(store.writeReading(reading('T1.O2', T0, 20.9, { sourceTime: T0 - 7 }))).toBe(true);
    expect(await store.flush()).toBe(2);
    await store.close();

    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    const lel = await reopened.rawReadings('T1.LEL', T0, T0 + 1000);
    const o2 = await reopened.rawReadings('T1.O2', T0, T0 + 1000);
    expect(lel).toEqual([{ time: T0, sourceTime: null, value: 12.34, quality: 'good', reason: null, reasonText: null }]);
    expect(o2).toEqual([{ time: T0, sourceTime: T0 - 7, value: 20.9, quality: 'good', reason: null, reasonText: null }]);
    // New points after the reopen get fresh indexes, not reused ones, also when registered concurrently.
    await Promise.all([reopened.registerPoints([point('T2.LEL')]), reopened.registerPoints([point('T3.LEL'), point('T1.LEL')])]);
    reopened.writeReading(reading('T3.LEL', T0, 3));
    reopened.writeReading(reading('T2.LEL', T0, 1));
    await reopened.flush();
    expect(await reopened.rawReadings('T2.LEL', T0, T0 + 1)).toHaveLength(1);
    expect(await reopened.rawReadings('T1.LEL', T0, T0 + 1)).toHaveLength(1);
    expect((await reopened.rawReadings('T3.LEL', T0, T0 + 1)).map((row) => row.value)).toEqual([3]);
  });

  it('folds committed raw rows into the file every checkpointIntervalMs: the WAL empties while the store stays open', async () => {
    const walBytes = (path: string) => (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0);
    const periodic = await openStore({ checkpointIntervalMs: 50 });
    const never = await openStore({ checkpointIntervalMs: 0 });
    for (const { store } of [periodic, never]) {
      await store.registerPoints([point('T1.LEL')]);
      await store.checkpoint();
      for (let i = 0; i < 1000; i++) store.writeReading(reading('T1.LEL', T0 + i, i / 100));
      expect(await store.flush()).toBe(1000);
    }
    await waitFor('the periodic checkpoint to empty the WAL', () => walBytes(periodic.path) === 0);
    expect(walBytes(never.path)).toBeGreaterThan(0);
    expect(await periodic.store.rawReadings('T1.LEL', T0, T0 + 1000)).toHaveLength(1000);
    await expect(openStore({ checkpointIntervalMs: -1 })).rejects.toMatchObject({ code: 'HAZMON_STORE_CONFIG_INVALID' });
  });

  it('checkpoints once checkpointAfterRows raw rows were committed since the last one, before checkpointIntervalMs is up', async () => {
    const walBytes = (path: string) => (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0);
    const { store, path } = await openStore({ checkpointIntervalMs: 0, checkpointAfterRows: 1000 });
    await store.registerPoints([point('T1.LEL')]);
    await store.checkpoint();
    for (let i = 0; i < 999; i++) store.writeReading(reading('T1.LEL', T0 + i, i / 100));
    expect(await store.flush()).toBe(999);
    // Below the count no checkpoint runs: the rows are in the WAL.
    store.writeReading(reading('T1.LEL', T0 + 999, 9.99));
    const walBefore = walBytes(path);
    expect(walBefore).toBeGreaterThan(0);
    expect(await store.flush()).toBe(1);
    await waitFor('the checkpoint after 1000 rows to empty the WAL', () => walBytes(path) === 0);
    expect((await store.rawReadings('T1.LEL', T0, T0 + 1000)).map((row) => row.value)).toEqual(Array.from({ length: 1000 }, (_, i) => i / 100));
    await expect(openStore({ checkpointAfterRows: -1 })).rejects.toMatchObject({ code: 'HAZMON_STORE_CONFIG_INVALID' });
  });

  it('commits whole batches of flushBatchRows once that many wait and leaves the rest for the next commit, every reading once and in order', async () => {
    const committedBefore: number[] = [];
    const { store } = await openStore({ flushBatchRows: 1000, faults: { beforeRawCommit: () => void committedBefore.push(store.stats().rawRowsWritten) } });
    await store.registerPoints([point('P')]);
    for (let i = 0; i < 2500; i++) store.writeReading(reading('P', T0 + i, i));
    await waitFor('the commit of whole batches', () => store.stats().rawRowsWritten > 0);
    await store.flush();
    const commits = [...committedBefore.slice(1), store.stats().rawRowsWritten].map((total, i) => total - committedBefore[i]!);
    expect(commits).toEqual([2000, 500]);
    expect((await store.rawReadings('P', T0, T0 + 2500)).map((row) => row.value)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('has the flush timer leave readings for a batch that is near, never ones that waited from before its last turn', async () => {
    // Turns of 500 ms (two within MAX_COMMIT_WAIT_MS), batches of 61,440.
    const turn = (waiting: number, queuedSinceLastTurn: number, intervalMs = 500) => turnCommits(waiting, queuedSinceLastTurn, 61_440, intervalMs);
    expect(turn(5000, 5000)).toBe(true); // 10k readings/s: every turn commits, as before
    expect(turn(30_000, 100_000)).toBe(false); // 200k/s: the whole batch's own commit takes them within ~150 ms
    expect(turn(31_000, 31_000)).toBe(false); // a batch (61,440) per two turns
    expect(turn(31_000, 31_000, 1000)).toBe(true); // two turns of 1 s would be over the wait allowed
    expect(turn(41_000, 31_000)).toBe(true); // 10k of them waited from before the last turn
    // With nothing more coming, the next turn commits what the first left for a batch (the test waits for it).
    const { store } = await openStore({ flushBatchRows: 1000, flushIntervalMs: 100 });
    await store.registerPoints([point('P')]);
    for (let i = 0; i < 600; i++) store.writeReading(reading('P', T0 + i, i));
    await waitFor('the flush timer to commit the 600 readings', () => store.stats().rawRowsWritten === 600);
  });

  it('writes a commit of a row group to the file at once: a small WAL, and its rows do not count toward checkpointAfterRows', async () => {
    const walBytes = (path: string) => (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0);
    let releases = 0;
    const { store, path } = await openStore({ checkpointIntervalMs: 0, checkpointAfterRows: 1000, faults: { releasing: async () => void (releases += 1) } });
    await store.registerPoints([point('P')]);
    await store.checkpoint();
    releases = 0;
    const rowGroup = 61_440;
    for (let i = 0; i < rowGroup; i++) store.writeReading(reading('P', T0 + i, i % 1000));
    await waitFor('the commit of the row group', () => store.stats().rawRowsWritten === rowGroup);
    // Block pointers, not rows (the rows of a smaller commit take ~30 bytes each in the WAL).
    expect(walBytes(path)).toBeLessThan(rowGroup);
    for (let i = rowGroup; i < rowGroup + 999; i++) store.writeReading(reading('P', T0 + i, i % 1000));
    expect(await store.flush()).toBe(999);
    // close() waits for a checkpoint a commit started (each releases the blocks it cached): 999 rows start none.
    await store.close();
    expect(releases).toBe(0);
    const [count] = await readBack<{ n: bigint }>(path, 'SELECT count(*) AS n FROM raw_readings');
    expect(count?.n).toBe(BigInt(rowGroup + 999));
  });

  it('commits a flush asked for while a checkpoint holds the writes once it is over, and close() loses nothing to checkpoints after rows', async () => {
    let releasing = false;
    let letGo = (): void => undefined;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const { store, path } = await openStore({ checkpointIntervalMs: 0, checkpointAfterRows: 0, faults: { releasing: () => ((releasing = true), held) } });
    await store.registerPoints([point('A')]);
    store.writeReading(reading('A', T0, 0));
    await store.flush();
    const checkpointing = store.checkpoint();
    await waitFor('the release to hold the writes', () => releasing);
    for (let i = 1; i <= 10; i++) store.writeReading(reading('A', T0 + i, i));
    let committed: number | null = null;
    const flushed = store.flush().then((rows) => (committed = rows));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(committed).toBeNull();
    letGo();
    await checkpointing;
    expect(await flushed).toBe(10);
    await store.close();

    // A checkpoint (and a reopen) after every few rows while readings keep coming, then close(): every reading is in the file.
    const busy = await openStore({ checkpointIntervalMs: 0, checkpointAfterRows: 50, reopenAfterRows: 200, flushIntervalMs: 1 });
    await busy.store.registerPoints([point('B')]);
    // On, past 2000, until a reopen came (a loaded machine may take longer to get to one; a checkpoint refused waits for the next turn).
    let written = 0;
    for (; written < 2000 || (busy.store.stats().scheduledReopens === 0 && written < 50_000); written++) {
      busy.store.writeReading(reading('B', T0 + written, written % 100));
      if (written % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await busy.store.close();
    expect(busy.store.stats()).toMatchObject({ rawRowsWritten: written, rawDropped: 0, flushFailures: 0 });
    expect(busy.store.stats().scheduledReopens).toBeGreaterThan(0);
    const [count] = await readBack<{ n: bigint }>(busy.path, 'SELECT count(*) AS n FROM raw_readings');
    expect(count?.n).toBe(BigInt(written));
    const [first] = await readBack<{ n: bigint }>(path, 'SELECT count(*) AS n FROM raw_readings');
    expect(first?.n).toBe(11n);
  });

  it('re-registering updates the metadata of every known point (several statements of them) and inserts the new ones', async () => {
    const { store, path } = await openStore();
    const known = Array.from({ length: 450 }, (_, i) => `K${i}`);
    await store.registerPoints(known.map((id) => point(id, { description: 'first', high: 10 })));
    // Alternate set and unset fields so one statement carries both nulls and values in a column.
    const again = known.map((id, i) =>
      point(id, i % 2 === 0 ? { unit: 'ppm', description: `second ${i}`, pollIntervalMs: 5000, disabled: { by: 'op', at: T0, reason: 'calibration' } } : { tagNumber: `TAG-${i}` }),
    );
    await store.registerPoints([...again, point('NEW', { unit: 'mg/m3' })]);
    await store.close();
    const rows = await readBack<{
      point_id: string;
      point_idx: number;
      unit: string;
      description: string | null;
      tag_number: string | null;
      high: number | null;
      poll_interval_ms: number;
      disabled: boolean;
      disabled_at: bigint | null;
    }>(path, 'SELECT point_id, point_idx, unit, description, tag_number, high, poll_interval_ms, disabled, disabled_at FROM points ORDER BY point_idx');
    expect(rows).toHaveLength(451);
    rows.slice(0, 450).forEach((row, i) => {
      expect(row.point_id).toBe(`K${i}`);
      expect(row.point_idx).toBe(i);
      expect(row.high).toBeNull();
      if (i % 2 === 0) {
        expect(row).toMatchObject({ unit: 'ppm', description: `second ${i}`, tag_number: null, poll_interval_ms: 5000, disabled: true, disabled_at: BigInt(T0) });
      } else {
        expect(row).toMatchObject({ unit: '%LEL', description: null, tag_number: `TAG-${i}`, poll_interval_ms: 1000, disabled: false, disabled_at: null });
      }
    });
    expect(rows[450]).toMatchObject({ point_id: 'NEW', point_idx: 450, unit: 'mg/m3' });
  });

  it("gives back the known points whose limits a registration moved, with the stored and the new values; a new point's are no move", async () => {
    const { store } = await openStore();
    expect(await store.registerPoints([point('A', { low: 10, high: 20, highHigh: 40 }), point('B', { high: 5 })])).toEqual([]);
    const moved = await store.registerPoints([point('A', { low: 10, high: 25, highHigh: 40 }), point('B', { high: 5, description: 'not a limit' }), point('C', { high: 1 })]);
    expect(moved).toEqual([{ pointId: 'A', old: { lowLow: null, low: 10, high: 20, highHigh: 40 }, new: { lowLow: null, low: 10, high: 25, highHigh: 40 } }]);
    // A limit taken away or given is a move too (null: none).
    expect(await store.registerPoints([point('A', { low: 10, high: 25 }), point('B', { lowLow: 1, high: 5 })])).toEqual([
      { pointId: 'A', old: { lowLow: null, low: 10, high: 25, highHigh: 40 }, new: { lowLow: null, low: 10, high: 25, highHigh: null } },
      { pointId: 'B', old: { lowLow: null, low: null, high: 5, highHigh: null }, new: { lowLow: 1, low: null, high: 5, highHigh: null } },
    ]);
    await store.close();
  });

  it('ingests batches through the appender with quality, reason and null values intact', async () => {
    const { store } = await openStore();
    const ids = Array.from({ length: 50 }, (_, i) => `P${i}`);
    await store.registerPoints(ids.map((id) => point(id)));
    for (let second = 0; second < 100; second++) {
      for (const [i, id] of ids.entries()) {
        const bad = (second + i) % 17 === 0;
        store.writeReading(bad ? reading(id, T0 + second * 1000, null, { quality: 'bad', reason: { code: 'timeout', message: 'no answer' } }) : reading(id, T0 + second * 1000, i + second / 100));
      }
    }
    expect(await store.flush()).toBe(5000);
    const stats = store.stats();
    expect(stats.rawRowsWritten).toBe(5000);
    expect(stats.batches).toBe(1);
    expect(stats.queueDepth).toBe(0);
    expect(stats.flushLatency.counts.reduce((a, b) => a + b, 0)).toBe(1);
    const p0 = await store.rawReadings('P0', T0, T0 + 100_000);
    expect(p0).toHaveLength(100);
    expect(p0[0]).toEqual({ time: T0, sourceTime: null, value: null, quality: 'bad', reason: 'timeout', reasonText: 'no answer' });
    expect(p0[1]).toEqual({ time: T0 + 1000, sourceTime: null, value: 0.01, quality: 'good', reason: null, reasonText: null });
  });

  it('stores every row as written when a commit starts from the slots the rows queued during the last one moved to', async () => {
    let during: (() => void) | undefined;
    const { store } = await openStore({ faults: { beforeRawCommit: () => during?.() } });
    await store.registerPoints([point('A')]);
    const random = seeded(21);
    const written = Array.from({ length: 5_500 }, (_, i) => {
      const time = T0 + i * 1000;
      const kind = random();
      if (kind < 0.1) return reading('A', time, null, { quality: 'bad', reason: { code: i % 2 === 0 ? 'timeout' : 'decode', message: `why ${i % 3}` } });
      return reading('A', time, Math.round(random() * 100_000) / 100, {
        quality: kind < 0.2 ? 'uncertain' : 'good',
        sourceTime: kind > 0.7 ? time - (i % 50) : null,
        ...(kind < 0.2 ? { reason: { code: 'warm_up', message: 'warm' } } : {}),
      });
    });
    for (const row of written.slice(0, 3_000)) store.writeReading(row);
    // Queued while the first commit runs (after its rows were appended): they wait behind its rows, then move to the first slots.
    during = () => {
      during = undefined;
      for (const row of written.slice(3_000)) store.writeReading(row);
    };
    expect(await store.flush()).toBe(3_000);
    expect(await store.flush()).toBe(2_500);
    const rows = await store.rawReadings('A', T0, T0 + written.length * 1000);
    expect(rows).toEqual(
      written.map(({ receiveTime, sourceTime, value, quality, reason }) => ({ time: receiveTime, sourceTime, value, quality, reason: reason?.code ?? null, reasonText: reason?.message ?? null })),
    );
  });

  it('gives each chunk of a flush its own NULLs: values and source times across chunk boundaries', async () => {
    const { store } = await openStore();
    await store.registerPoints([point('A')]);
    // 2048 rows make a chunk: the first full of values and source times, the second of neither, then a few with both.
    const kinds = [...Array<'full'>(CHUNK_ROWS).fill('full'), ...Array<'empty'>(CHUNK_ROWS).fill('empty'), ...Array<'full'>(7).fill('full')];
    kinds.forEach((kind, i) => {
      const time = T0 + i * 1000;
      store.writeReading(kind === 'full' ? reading('A', time, i / 100, { sourceTime: time - 5 }) : reading('A', time, null, { quality: 'bad', reason: { code: 'timeout', message: 'no answer' } }));
    });
    expect(await store.flush()).toBe(kinds.length);
    const rows = await store.rawReadings('A', T0, T0 + kinds.length * 1000);
    expect(rows).toHaveLength(kinds.length);
    const wrong = rows.filter((row, i) =>
      kinds[i] === 'full' ? row.value !== i / 100 || row.sourceTime !== row.time - 5 || row.quality !== 'good' : row.value !== null || row.sourceTime !== null || row.reason !== 'timeout',
    );
    expect(wrong).toEqual([]);
  });

  it('keeps 1-minute, hourly and daily rollups equal to a SQL recompute from raw, late readings included', async () => {
    const { store, path } = await openStore({ rollupGraceMs: 1 });
    await store.registerPoints([point('A'), point('B', { resolution: 0.5 })]);
    const start = Date.UTC(2026, 10, 22, 22, 0, 0);
    const random = seeded(7);
    // 26 hours at one reading per 20 s per point, crossing a UTC day, written at once: more minutes than the store
    // keeps open in memory, so most are built in SQL.
    for (let t = start; t < start + 26 * 3_600_000; t += 20_000) for (const id of ['A', 'B']) store.writeReading(randomReading(random, id, t));
    await store.flush();
    await store.rollUp();
    // A late reading for an already rolled minute reopens it.
    store.writeReading(reading('A', start + 90_000, 99.99));
    store.writeReading(reading('A', start + 27 * 3_600_000, 1));
    await store.flush();
    await store.rollUp();
    expect(store.stats().rollupSqlBuilds).toBeGreaterThan(0);
    await store.close();

    const levels = await rollupMismatches(path);
    expect(levels.map((level) => [level.level, level.mismatches])).toEqual([
      ['1d', 0n],
      ['1h', 0n],
      ['1m', 0n],
    ]);
    // 26 h of data: hours and one full UTC day are rolled up.
    expect(levels.every((level) => level.rows > 0n)).toBe(true);
  }, 120_000);

  it('closes minutes, hours and days from the sums kept as readings commit, equal to a SQL recompute, across a late reading and a restart', async () => {
    const { store, path } = await openStore({ rollupGraceMs: 1 });
    await store.registerPoints([point('A'), point('B', { resolution: 0.5 }), point('C', { resolution: 1 })]);
    const start = Date.UTC(2026, 10, 22, 22, 57, 10);
    const random = seeded(3);
    const ids = ['A', 'B', 'C'];
    // Readings every 10 s, committed every 30 s and rolled up every 2 minutes, as the timers do; over two UTC hours
    // and a day's end. D is registered in the middle of a minute, after its sums were sized.
    const write = async (target: HazmonStore, from: number, to: number): Promise<void> => {
      for (let t = from; t < to; t += 10_000) {
        if (t === start + 40 * 60_000 + 20_000) {
          await target.registerPoints([point('D')]);
          ids.push('D');
        }
        for (const id of ids) target.writeReading(randomReading(random, id, t));
        if ((t - from) % 30_000 === 20_000) await target.flush();
        if ((t - from) % 120_000 === 110_000) await target.rollUp();
      }
      await target.flush();
      await target.rollUp();
    };
    await write(store, start, start + 130 * 60_000);
    const whole = store.stats();
    // The last reading at 01:07:00 closes minutes 22:57 .. 01:05 (129), hours 22:00 .. 00:00 (3) and the 22nd: all
    // from memory, no aggregate.
    expect([whole.rollupSqlBuilds, whole.rollupBucketsFromMemory]).toEqual([0, 129 + 3 + 1]);

    // A late reading for a rolled minute of the open hour: that minute is rebuilt in SQL, and so is its hour.
    store.writeReading(reading('A', start + 125 * 60_000, 1234.5));
    await write(store, start + 130 * 60_000, start + 140 * 60_000);
    expect(store.stats().rollupSqlBuilds).toBeGreaterThan(0);
    await store.close();

    // A restart in the middle of a minute: the minute, hour and day it fell in are built in SQL, later ones from memory.
    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0, rollupGraceMs: 1 });
    cleanups.push(() => reopened.close());
    await write(reopened, start + 140 * 60_000 + 5_000, start + 190 * 60_000);
    expect(reopened.stats().rollupSqlBuilds).toBeGreaterThan(0);
    expect(reopened.stats().rollupBucketsFromMemory).toBeGreaterThan(40);
    await reopened.close();

    const levels = await rollupMismatches(path);
    expect(levels.map((level) => [level.level, level.mismatches])).toEqual([
      ['1d', 0n],
      ['1h', 0n],
      ['1m', 0n],
    ]);
    // Up to the last reading at 02:07:05 (after the restart readings fall on :05, :15, ...): minutes 22:57 .. 02:06 of
    // A, B, C (190 each) and of D from 23:37 (150); hours 22:00 .. 01:00 (4 each, D 3); the 22nd (D's too).
    expect(levels.map((level) => [level.level, level.rows])).toEqual([
      ['1d', 4n],
      ['1h', 4n * 3n + 3n],
      ['1m', 190n * 3n + 150n],
    ]);
  }, 120_000);

  it('builds in SQL, on the next run, what a failed rollup run had taken from memory', async () => {
    const drill = databaseDrill();
    const { store, path } = await openStore({ rollupGraceMs: 1, faults: drill.faults });
    await store.registerPoints([point('A'), point('B')]);
    const start = Date.UTC(2026, 10, 22, 10, 0, 0);
    const random = seeded(9);
    // 12 minutes committed before any rollup: more than memory keeps open, so the oldest are marked for SQL.
    for (let t = start; t < start + 12 * 60_000; t += 5000) for (const id of ['A', 'B']) store.writeReading(randomReading(random, id, t));
    await store.flush();
    await drill.database().run('ALTER TABLE rollup_1m RENAME TO rollup_1m_away');
    await store.rollUp();
    expect(store.stats().backgroundFailures).toBe(1);
    await drill.database().run('ALTER TABLE rollup_1m_away RENAME TO rollup_1m');
    await store.rollUp();
    expect(store.stats().backgroundFailures).toBe(1);
    await store.close();
    const [level] = await rollupMismatches(path);
    // Minutes 10:00 .. 10:10 closed (the last reading, 10:11:55, leaves 10:11 open), every one right.
    expect(level).toEqual({ level: '1m', mismatches: 0n, rows: 22n });
  }, 60_000);

  it('closes a minute of more points than a chunk in several commits; rows a crash left past the watermark are read by no one and replaced', async () => {
    const { store, path } = await openStore({ rollupGraceMs: 1 });
    const ids = Array.from({ length: 2 * CHUNK_ROWS + 100 }, (_, index) => `P${index}`);
    await store.registerPoints(ids.map((id) => point(id)));
    const start = Date.UTC(2026, 10, 22, 10, 0, 0);
    const random = seeded(5);
    const writeMinute = async (target: HazmonStore, minute: number): Promise<void> => {
      for (let t = start + minute * 60_000; t < start + (minute + 1) * 60_000; t += 20_000) for (const id of ids) target.writeReading(randomReading(random, id, t));
      await target.flush();
    };
    await writeMinute(store, 0);
    await writeMinute(store, 1);
    await store.rollUp();
    expect([store.stats().rollupBucketsFromMemory, store.stats().rollupSqlBuilds]).toEqual([1, 0]);
    // Minute 1 is only in memory when the process dies; the first chunk of its close had committed (wrong values, so
    // a row kept would show), its last, with the watermark, had not.
    await store.close();
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(`INSERT INTO rollup_1m SELECT point_idx, ${start + 60_000}, -1, -1, -1, 99, 99 FROM points WHERE point_idx < ${CHUNK_ROWS}`);
    connection.closeSync();
    instance.closeSync();

    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0, rollupGraceMs: 1 });
    cleanups.push(() => reopened.close());
    const [first] = await reopened.aggregates({ pointIds: ['P0'], from: start + 60_000, to: start + 120_000, intervalMs: 60_000 });
    expect(first?.count).toBe(3);
    await writeMinute(reopened, 2);
    await reopened.rollUp();
    expect(reopened.stats().rollupSqlBuilds).toBeGreaterThan(0);
    await reopened.close();
    const [level] = await rollupMismatches(path);
    expect(level).toEqual({ level: '1m', mismatches: 0n, rows: BigInt(2 * ids.length) });
  }, 60_000);

  it('closes and opens its file every reopenAfterRows rows, after a checkpoint, losing no reading, alarm event or rollup', async () => {
    const { store, path } = await openStore({ reopenAfterRows: 2000, checkpointIntervalMs: 10, rollupGraceMs: 1 });
    await store.registerPoints([point('A'), point('B', { resolution: 0.5 })]);
    const start = Date.UTC(2026, 10, 22, 10, 0, 0);
    const random = seeded(5);
    const appended: Promise<unknown>[] = [];
    let t = start;
    // Flushes fall due while a reopen has the handles closed, too.
    const flusher = setInterval(() => void store.flush(), 1);
    cleanups.push(() => clearInterval(flusher));
    // 100 s of readings a round, an alarm event every 10 s, flushes and rollups as the timers do, until 3 reopens
    // and an hour is closed.
    for (let round = 0; round < 500 && (store.stats().scheduledReopens < 3 || t < start + 62 * 60_000); round++) {
      for (let i = 0; i < 100; i++, t += 1000) {
        for (const id of ['A', 'B']) store.writeReading(randomReading(random, id, t));
        if (i % 10 === 0) appended.push(store.appendAlarmEvent({ time: t, pointId: 'A', ruleId: 'hi', kind: 'raised', stateAfter: 'unack' }));
        if (i % 25 === 0) await store.flush();
      }
      // Commits keep up with the minutes, as on a gateway that is not overloaded: past the minutes memory keeps open
      // (6) a loaded machine's lag would have buckets built in SQL by design, which is not what this test is about.
      await waitFor('the round committed', async () => (await store.flush()) === 0 && store.stats().queueDepth === 0);
      await store.rollUp();
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await Promise.all(appended);
    await waitFor('the queue to empty', async () => (await store.flush()) === 0 && store.stats().queueDepth === 0);
    await store.rollUp();
    const stats = store.stats();
    expect(stats.scheduledReopens).toBeGreaterThanOrEqual(3);
    expect([stats.databaseReopens, stats.flushFailures]).toEqual([0, 0]);
    expect(stats.rawRowsWritten).toBe(((t - start) / 1000) * 2);
    // The sums in memory outlive a reopen: every bucket closed from them, none rebuilt in SQL.
    expect(stats.rollupSqlBuilds).toBe(0);
    expect(stats.rollupBucketsFromMemory).toBeGreaterThan(0);
    // Readings still queued at close() are committed by its last flush, whether or not a reopen is under way.
    for (let i = 0; i < 500; i++, t += 1000) store.writeReading(reading('A', t, i));
    await store.close();

    const [counts] = await readBack<{ raw: bigint; events: bigint }>(path, 'SELECT (SELECT count(*) FROM raw_readings) AS raw, (SELECT count(*) FROM alarm_events) AS events');
    expect(counts).toEqual({ raw: BigInt(stats.rawRowsWritten + 500), events: BigInt(appended.length) });
    expect((await rollupMismatches(path)).map((level) => [level.level, level.mismatches])).toEqual([
      ['1h', 0n],
      ['1m', 0n],
    ]);
  }, 120_000);

  it('recovers from a failed commit with a new appender: the queued readings are stored once, later ones too', async () => {
    const events: StoreEvent[] = [];
    let commitsToFail = 1;
    // A commit that fails (a full disk, say), after its rows went into the appender: DuckDB then takes no more rows
    // through that appender, and rows left in it would be committed twice by a later flush.
    const beforeRawCommit = (): void => {
      if (commitsToFail === 0) return;
      commitsToFail -= 1;
      throw new Error('injected: disk full');
    };
    const { store } = await openStore({ flushIntervalMs: 1000, onEvent: (event) => events.push(event), faults: { beforeRawCommit } });
    await store.registerPoints([point('T1.LEL')]);
    store.writeReading(reading('T1.LEL', T0, 1));
    // A new reason text goes into the failed transaction with its row: it must be committed with the retry.
    store.writeReading(reading('T1.LEL', T0 + 500, null, { quality: 'bad', reason: { code: 'signal_out_of_range', message: '3.2 mA' } }));
    store.writeReading(reading('T1.LEL', T0 + 1000, 2));
    expect(await store.flush()).toBe(0);
    expect(events.filter((event) => event.kind === 'flush_failed')).toHaveLength(1);
    store.writeReading(reading('T1.LEL', T0 + 2000, 3));
    // The next flushes (the explicit ones here, or the store's timer) go through a new appender once it is open.
    for (let attempt = 0; attempt < 100 && store.stats().queueDepth > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.flush();
    }
    const rows = await store.rawReadings('T1.LEL', T0, T0 + 3000);
    expect(rows.map((row) => row.value)).toEqual([1, null, 2, 3]);
    expect(rows[1]?.reasonText).toBe('3.2 mA');
  });

  it('commits at close() every reading queued, with a checkpoint() under way', async () => {
    const { store, path } = await openStore({ flushIntervalMs: 1000 });
    await store.registerPoints([point('P')]);
    for (let i = 0; i < 100; i++) store.writeReading(reading('P', T0 + i, i));
    const checkpoint = store.checkpoint();
    for (let i = 100; i < 150; i++) store.writeReading(reading('P', T0 + i, i));
    // The checkpoint may lose its connections to close() (not waited for); close() must not lose a reading.
    const [closed] = await Promise.allSettled([store.close(), checkpoint]);
    expect(closed.status).toBe('fulfilled');
    const [counts] = await readBack<{ raw: bigint }>(path, 'SELECT count(*) AS raw FROM raw_readings');
    expect(counts).toEqual({ raw: 150n });
  });

  it('takes readings while a commit runs and commits them with the next; flushes asked for meanwhile share that one', async () => {
    let during: { readonly accepted: boolean[]; readonly flushes: Promise<number>[] } | null = null;
    // Runs once the first commit's rows are in its transaction, as the poller's readings arrive during the COMMIT.
    const beforeRawCommit = (): void => {
      if (during !== null) return;
      during = { accepted: [], flushes: [] };
      for (let i = 100; i < 150; i++) during.accepted.push(store.writeReading(reading('P', T0 + i, i)));
      during.flushes.push(store.flush(), store.flush());
    };
    const { store } = await openStore({ flushIntervalMs: 1000, faults: { beforeRawCommit } });
    await store.registerPoints([point('P')]);
    for (let i = 0; i < 100; i++) store.writeReading(reading('P', T0 + i, i));
    expect(await store.flush()).toBe(100);
    const { accepted, flushes } = during!;
    expect(accepted.every(Boolean)).toBe(true);
    expect(flushes[0]).toBe(flushes[1]);
    expect(await flushes[0]).toBe(50);
    expect(store.stats()).toMatchObject({ queueDepth: 0, rawRowsWritten: 150 });
    expect((await store.rawReadings('P', T0, T0 + 150)).map((row) => row.value)).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('applies back-pressure, counts drops and reports them with a tiny queue', async () => {
    const events: StoreEvent[] = [];
    const { store } = await openStore({ queueCapacity: 8, flushIntervalMs: 1000, flushBatchRows: 1_000_000, onEvent: (e) => events.push(e) });
    await store.registerPoints([point('P')]);
    const accepted = store.writeReadings(Array.from({ length: 20 }, (_, i) => reading('P', T0 + i, i)));
    expect(accepted).toBe(8);
    expect(store.backPressure).toBe(true);
    const writable = store.whenWritable();
    await Promise.resolve();
    const stats = store.stats();
    expect(stats.rawDropped).toBe(12);
    expect(stats.queueDepth).toBe(8);
    expect(stats.backPressure).toBe(true);
    expect(events).toContainEqual({ kind: 'queue_high', depth: 6, capacity: 8 });
    expect(events).toContainEqual({ kind: 'readings_dropped', dropped: 12, totalDropped: 12 });
    expect(await store.flush()).toBe(8);
    await writable;
    expect(store.backPressure).toBe(false);
    expect(events.at(-1)).toEqual({ kind: 'queue_normal', depth: 0, capacity: 8 });
    expect((await store.rawReadings('P', T0, T0 + 100)).map((row) => row.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('has alarm events and audit rows on disk when their promises resolve', async () => {
    const { store, path } = await openStore();
    const event = await store.appendAlarmEvent({
      time: T0,
      pointId: 'T1.LEL',
      ruleId: 'T1.LEL.hihi',
      kind: 'raised',
      stateAfter: 'unack_active',
      priority: 'emergency',
      who: 'engine',
      why: '52.3 %LEL >= 50',
      details: { value: 52.3, limit: 50 },
    });
    const audit = await store.appendAudit({ time: T0 + 5, who: 'officer.li', action: 'acknowledge', target: 'T1.LEL.hihi', details: { note: 'crew sent' } });
    expect(event.seq).toBe(1);
    expect(audit.seq).toBe(1);
    // DuckDB allows one open instance per file, so read the file back after closing; kill -9 is covered in kill.test.ts.
    await store.close();
    const events = await readBack<{ seq: bigint; kind: string; details: string }>(path, 'SELECT seq, kind, details FROM alarm_events');
    expect(events).toEqual([{ seq: 1n, kind: 'raised', details: '{"limit":50,"value":52.3}' }]);
    const audits = await readBack<{ seq: bigint; hash: string }>(path, 'SELECT seq, hash FROM audit_log');
    expect(audits).toEqual([{ seq: 1n, hash: audit.hash }]);
  });

  it('commits a round of alarm events alone in one statement, and larger or mixed rounds in one transaction, every row once in seq order', async () => {
    const { store, path } = await openStore();
    const alarm = (i: number) => store.appendAlarmEvent({ time: T0 + i, pointId: `P${i % 7}`, ruleId: 'r.hi', kind: 'raised', stateAfter: 'unack_active', details: { i } });
    // Rounds: 1 row (one statement), 450 rows (three statements), 30 rows with 5 audit rows.
    expect((await alarm(0)).seq).toBe(1);
    const large = await Promise.all(Array.from({ length: 450 }, (_, i) => alarm(1 + i)));
    const mixed = await Promise.all([...Array.from({ length: 30 }, (_, i) => alarm(451 + i)), ...Array.from({ length: 5 }, (_, i) => store.appendAudit({ time: T0 + i, who: 'a', action: 'shelve' }))]);
    expect(large.map((row) => row.seq)).toEqual(Array.from({ length: 450 }, (_, i) => 2 + i));
    expect(mixed.map((row) => row.seq)).toEqual([...Array.from({ length: 30 }, (_, i) => 452 + i), 1, 2, 3, 4, 5]);
    await store.close();
    const rows = await readBack<{ seq: bigint; t: bigint; details: string }>(path, 'SELECT seq, t, details FROM alarm_events ORDER BY seq');
    expect(rows).toEqual(Array.from({ length: 481 }, (_, i) => ({ seq: BigInt(i + 1), t: BigInt(T0 + i), details: `{"i":${i}}` })));
  });

  it('pages alarm events after a cursor and audit rows by range', async () => {
    const { store } = await openStore();
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.appendAlarmEvent({ time: T0 + i, pointId: null, ruleId: 'area1.vote', kind: i % 2 ? 'cleared' : 'raised', stateAfter: 'x' })));
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendAudit({ time: T0 + i * 1000, who: 'a', action: 'shelve' })));
    const first = await store.alarmEventsAfter(0, 10);
    const next = await store.alarmEventsAfter(first.at(-1)?.seq ?? -1, 100);
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(next.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 11));
    expect(next[0]).toMatchObject({ seq: 11, time: T0 + 10, pointId: null, kind: 'raised', priority: null, details: null });
    const audits = await store.auditRows({ fromTime: T0 + 2000, toTime: T0 + 5000 });
    expect(audits.map((row) => row.seq)).toEqual([3, 4, 5]);
  });

  it('reads alarm events back exactly as they were appended: texts with quotes, escapes, controls and non-ASCII, NULLs, nested details', async () => {
    const { store } = await openStore();
    const texts = ['say "stop"', 'back\\slash / slash', 'tab\there\nnew line\r', '\u0001\u001f control', '甲烷 ≥ 25 %LEL 🔥', "it's", ' ', '{"not":"json"}'];
    const appended = [];
    for (const [i, text] of texts.entries()) {
      appended.push(
        await store.appendAlarmEvent({
          time: T0 + i,
          pointId: i % 3 === 0 ? null : `P-${text}`,
          ruleId: `r.${i}`,
          kind: 'raised',
          stateAfter: 'unack_active',
          priority: i % 2 === 0 ? 'high' : null,
          who: i % 4 === 1 ? null : text,
          why: text,
          details: i % 2 === 0 ? null : { text, nested: { list: [1, 2.5, -3e-7, null, text], big: 2 ** 53 - 1 } },
        }),
      );
    }
    expect(await store.alarmEventsAfter(0, 100)).toEqual(appended);
    const inRange = await store.reader().alarmEventsInRange({ from: T0, to: T0 + texts.length, pointIds: appended.flatMap((event) => event.pointId ?? []) });
    expect(inRange).toEqual(appended.filter((event) => event.pointId !== null));
    expect(await store.alarmEventsAfter(appended.length, 100)).toEqual([]);
  });

  it('latestActionEvents: the last commanded or released event of each action, surviving a reopen', async () => {
    const { store, path } = await openStore();
    const action = (time: number, ruleId: string, kind: string) => store.appendAlarmEvent({ time, pointId: 'XV-1', ruleId, kind, stateAfter: kind === 'action_released' ? 'release' : 'close' });
    await action(T0, 'close-a', 'action_commanded');
    await action(T0 + 1, 'close-b', 'action_commanded');
    await store.appendAlarmEvent({ time: T0 + 2, pointId: 'XV-1', ruleId: 'close-a', kind: 'raised', stateAfter: 'active' });
    await action(T0 + 3, 'close-a', 'action_released');
    await action(T0 + 4, 'close-c', 'action_released');
    await action(T0 + 5, 'close-c', 'action_commanded');
    const latest = (rows: { ruleId: string; kind: string; time: number }[]) => rows.map((row) => [row.ruleId, row.kind, row.time - T0]);
    const expected = [
      ['close-b', 'action_commanded', 1],
      ['close-a', 'action_released', 3],
      ['close-c', 'action_commanded', 5],
    ];
    expect(latest(await store.latestActionEvents())).toEqual(expected);
    await store.close();
    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    expect(latest(await reopened.latestActionEvents())).toEqual(expected);
  });

  it('aggregates per interval with completeness, including intervals with no readings', async () => {
    const { store } = await openStore({ rollupGraceMs: 1 });
    await store.registerPoints([point('P', { pollIntervalMs: 10_000 })]);
    // First minute complete (6 good readings), second minute half bad, third minute silent, fourth minute only raw.
    for (let i = 0; i < 6; i++) store.writeReading(reading('P', T0 + i * 10_000, 10 + i));
    for (let i = 0; i < 6; i++) {
      store.writeReading(i < 3 ? reading('P', T0 + 60_000 + i * 10_000, 20) : reading('P', T0 + 60_000 + i * 10_000, null, { quality: 'bad' }));
    }
    store.writeReading(reading('P', T0 + 185_000, 30));
    await store.flush();
    await store.rollUp();
    const rows = await store.aggregates({ from: T0, to: T0 + 240_000, intervalMs: 60_000 });
    expect(rows.map((r) => [r.start - T0, r.min, r.avg, r.max, r.count, r.goodCount, r.completeness])).toEqual([
      [0, 10, 12.5, 15, 6, 6, 1],
      [60_000, 20, 20, 20, 6, 3, 0.5],
      [120_000, null, null, null, 0, 0, 0],
      [180_000, 30, 30, 30, 1, 1, 1 / 6],
    ]);
    const trend = await store.readings('P', T0, T0 + 240_000, { resolution: '1m' });
    expect(trend.resolution).toBe('1m');
    expect(trend.rows).toHaveLength(4);
  });

  it("chooses raw rows for 'auto' while the range's rows of all points are few enough to scan, the 1-minute rollup beyond", async () => {
    const { store } = await openStore({ rollupGraceMs: 1 });
    // 1,000 points polled each 10 ms: 100k raw rows a second, so 100 s of them are the 10M rows a raw read may scan.
    await store.registerPoints(Array.from({ length: 1000 }, (_, i) => point(`P${i}`, { pollIntervalMs: 10 })));
    const now = Date.now();
    for (let t = now - 200_000; t < now; t += 10_000) store.writeReading(reading('P0', t, 1));
    await store.flush();
    expect((await store.readings('P0', now - 90_000, now, { resolution: 'auto' })).resolution).toBe('raw');
    expect((await store.readings('P0', now - 110_000, now, { resolution: 'auto' })).resolution).toBe('1m');
    // Polled each second instead, the same points' 110 s are 110k rows: raw.
    await store.registerPoints(Array.from({ length: 1000 }, (_, i) => point(`P${i}`, { pollIntervalMs: 1000 })));
    expect((await store.readings('P0', now - 110_000, now, { resolution: 'auto' })).resolution).toBe('raw');
  });

  it('rejects bad inputs with clear errors and keeps what is stored', async () => {
    const { store } = await openStore();
    await store.registerPoints([point('P')]);
    store.writeReading(reading('P', T0, 1));
    await store.flush();
    expect(() => store.writeReading(reading('nope', T0, 1))).toThrow(/HAZMON|unknown point "nope"/);
    expect(() => store.writeReading(reading('P', T0, Number.NaN))).toThrowError(expect.objectContaining({ code: 'HAZMON_STORE_BAD_READING', message: expect.stringContaining('value NaN') }));
    expect(() => store.writeReading(reading('P', Number.NaN, 1))).toThrowError(expect.objectContaining({ code: 'HAZMON_STORE_BAD_READING' }));
    expect(() => store.writeReading(reading('P', T0, null))).toThrowError(/may be null only for bad quality/);
    expect(() => store.writeReading(reading('P', T0, 1e12))).toThrowError(/does not fit/);
    await expect(store.readings('P', T0 + 10, T0)).rejects.toMatchObject({ code: 'HAZMON_STORE_BAD_RANGE' });
    await expect(store.aggregates({ from: T0, to: T0 + 90_000, intervalMs: 60_000 })).rejects.toMatchObject({ code: 'HAZMON_STORE_BAD_RANGE' });
    await expect(store.readings('nope', T0, T0 + 1)).rejects.toMatchObject({ code: 'HAZMON_STORE_UNKNOWN_POINT' });
    await expect(store.registerPoints([point('P', { resolution: 0.1 })])).rejects.toMatchObject({ code: 'HAZMON_STORE_POINT_CONFLICT' });
    await expect(store.registerPoints([point('Q', { pollIntervalMs: 0 })])).rejects.toMatchObject({ code: 'HAZMON_STORE_POINT_INVALID' });
    await expect(store.registerPoints([point('Q', { longitude: Number.POSITIVE_INFINITY })])).rejects.toMatchObject({
      code: 'HAZMON_STORE_POINT_INVALID',
      message: expect.stringContaining('points[0].longitude'),
    });
    await expect(store.appendAlarmEvent({ time: T0, pointId: 'P', ruleId: 'r', kind: 'Raised!', stateAfter: 's' })).rejects.toMatchObject({
      code: 'HAZMON_STORE_BAD_EVENT',
    });
    await expect(store.appendAudit({ time: T0, who: '', action: 'x' })).rejects.toMatchObject({ code: 'HAZMON_STORE_BAD_EVENT' });
    expect(store.stats()).toMatchObject({ rawAccepted: 1, rawRowsWritten: 1, queueDepth: 0, alarmEventsWritten: 0, auditRowsWritten: 0 });
    expect((await store.rawReadings('P', T0, T0 + 1)).map((row) => row.value)).toEqual([1]);
  });

  it('refuses a raw retention shorter than 30 days', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    await expect(HazmonStore.open({ path: dir.file('x.duckdb'), rawRetentionDays: 7 })).rejects.toMatchObject({
      code: 'HAZMON_STORE_RETENTION_TOO_SHORT',
      message: expect.stringContaining('rawRetentionDays: 7 is shorter than the 30 days'),
    });
  });

  it('refuses bad options with a clear error and leaves the file openable', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = dir.file('cfg.duckdb');
    await expect(HazmonStore.open({ path, queueCapacity: 1 })).rejects.toMatchObject({
      code: 'HAZMON_STORE_CONFIG_INVALID',
      message: expect.stringContaining('queueCapacity: 1'),
    });
    await expect(HazmonStore.open({ path, flushIntervalMs: 5000 })).rejects.toMatchObject({ code: 'HAZMON_STORE_CONFIG_INVALID' });
    for (const memoryLimitMb of [8, 24.5]) {
      await expect(HazmonStore.open({ path, memoryLimitMb })).rejects.toMatchObject({
        code: 'HAZMON_STORE_CONFIG_INVALID',
        message: expect.stringContaining(`memoryLimitMb: ${memoryLimitMb} must be a whole number in 16..`),
      });
    }
    const store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => store.close());
    expect(store.stats().queueCapacity).toBe(262_144);
    expect((await store.duckdbMemory()).limitBytes).toBe(DEFAULT_STORE_MEMORY_LIMIT_MB * 2 ** 20);
  });

  it('stores every reading and alarm event while checkpoints lower the memory limit for a moment, and restores it', async () => {
    const events: StoreEvent[] = [];
    const { store, path } = await openStore({ checkpointIntervalMs: 0, onEvent: (event) => events.push(event) });
    await store.registerPoints([point('A'), point('B')]);
    const pending: Promise<unknown>[] = [];
    let written = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 500; i++, written++) store.writeReading(reading(written % 2 === 0 ? 'A' : 'B', T0 + written, written % 1000));
      // A flush that falls while the limit is lowered commits nothing; its readings go with a later one.
      await store.flush();
      // A plain CHECKPOINT is refused while another transaction runs; the eviction then waits for the next one.
      if (round % 3 === 0) pending.push(store.checkpoint().catch(() => undefined));
      pending.push(store.appendAlarmEvent({ time: T0 + round, pointId: 'A', ruleId: 'A.hi', kind: 'raised', stateAfter: 'unack_active' }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(pending);
    expect((await store.duckdbMemory()).limitBytes).toBe(DEFAULT_STORE_MEMORY_LIMIT_MB * 2 ** 20);
    await store.close();
    expect(events.filter((event) => event.kind === 'flush_failed')).toEqual([]);
    const [counts] = await readBack<{ readings: bigint; alarms: bigint }>(path, 'SELECT (SELECT count(*) FROM raw_readings) AS readings, (SELECT count(*) FROM alarm_events) AS alarms');
    expect(counts).toEqual({ readings: BigInt(written), alarms: 40n });
  });

  it('commits an alarm event while a release of cached blocks waits for a raw commit, and holds appends only for the release itself', async () => {
    let rawCommitHeld = false;
    let holdRawCommit: Promise<void> | null = null;
    let letRawCommitGo = (): void => undefined;
    let releasing = false;
    let letReleaseGo = (): void => undefined;
    const releaseHeld = new Promise<void>((resolve) => (letReleaseGo = resolve));
    const beforeRawCommit = (): Promise<void> | undefined => {
      if (holdRawCommit === null) return undefined;
      rawCommitHeld = true;
      return holdRawCommit;
    };
    const { store } = await openStore({ checkpointIntervalMs: 0, checkpointAfterRows: 0, faults: { beforeRawCommit, releasing: () => ((releasing = true), releaseHeld) } });
    await store.registerPoints([point('A')]);
    // Enough rows that the CHECKPOINT below runs for a while: the flush is asked for during it.
    for (let i = 0; i < 20_000; i++) store.writeReading(reading('A', T0 + i, i % 100));
    await store.flush();
    const checkpointing = store.checkpoint();
    await new Promise((resolve) => setImmediate(resolve));
    store.writeReading(reading('A', T0 + 20_000, 1));
    holdRawCommit = new Promise<void>((resolve) => (letRawCommitGo = resolve));
    // Commits as the checkpoint's pause ends, before the release that follows it: the release waits for this commit.
    const flushed = store.flush();
    await waitFor('the raw commit after the checkpoint to be under way', () => rawCommitHeld);
    let first: number | null = null;
    const appendedFirst = store.appendAlarmEvent({ time: T0, pointId: 'A', ruleId: 'A.hi', kind: 'raised', stateAfter: 'unack_active' }).then((row) => (first = row.seq));
    try {
      await waitFor('the alarm event to commit while the raw commit the release waits for is held', () => first, { timeoutMs: 10_000 });
    } finally {
      letRawCommitGo();
    }
    await appendedFirst;
    expect(first).toBe(1);
    expect(releasing).toBe(false);
    expect(await flushed).toBe(1);
    await waitFor('the release to hold the writes', () => releasing);
    let second: number | null = null;
    const appended = store.appendAlarmEvent({ time: T0 + 1, pointId: 'A', ruleId: 'A.hi', kind: 'cleared', stateAfter: 'unack_returned' }).then((row) => (second = row.seq));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(second).toBeNull();
    letReleaseGo();
    await checkpointing;
    await appended;
    expect(second).toBe(2);
  });

  it('counts a release of cached blocks that DuckDB refused because a read beside it held memory, and leaves the limit as configured', async () => {
    const { store } = await openStore({ checkpointIntervalMs: 0 });
    const ids = Array.from({ length: 500 }, (_, i) => `P${i}`);
    await store.registerPoints(ids.map((id) => point(id, { description: 'd'.repeat(8000) })));
    const reader = store.reader();
    // Reading the points' definitions in one statement beside the checkpoint and its release: 4 MB of JSON made by
    // DuckDB, named (all of them are read a page at a time) by a short list (a list of thousands took DuckDB longer to
    // parse than the release waited).
    for (let round = 0; round < 20 && store.stats().releasesRefused === 0; round++) {
      const [, definitions] = await Promise.all([store.checkpoint(), reader.pointDefinitions(ids), reader.pointDefinitions(ids)]);
      expect(definitions).toHaveLength(500);
    }
    expect(store.stats().releasesRefused).toBeGreaterThan(0);
    expect((await store.duckdbMemory()).limitBytes).toBe(DEFAULT_STORE_MEMORY_LIMIT_MB * 2 ** 20);
  });

  it('answers reads while a release of cached blocks holds the writes', async () => {
    let releasing = false;
    let letGo = (): void => undefined;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const releases = (): Promise<void> => {
      releasing = true;
      return held;
    };
    const { store } = await openStore({ checkpointIntervalMs: 0, faults: { releasing: releases } });
    await store.registerPoints([point('A')]);
    for (let i = 0; i < 100; i++) store.writeReading(reading('A', T0 + i, i));
    await store.flush();
    let checkpointed = false;
    const checkpointing = store.checkpoint().then(() => (checkpointed = true));
    await waitFor('the release to hold the writes', () => releasing);
    // Before, a release held the read connection too: these waited for it.
    const [rows, events] = await Promise.all([store.rawReadings('A', T0, T0 + 100), store.reader().alarmEventsAfter(0)]);
    expect(checkpointed).toBe(false);
    expect(rows.map((row) => row.value)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(events).toEqual([]);
    letGo();
    await checkpointing;
    expect((await store.duckdbMemory()).limitBytes).toBe(DEFAULT_STORE_MEMORY_LIMIT_MB * 2 ** 20);
  });

  it('gives DuckDB the configured memory limit, a spill folder beside the file, one thread and no vacuum tasks', async () => {
    const drill = databaseDrill();
    const { store, path } = await openStore({ memoryLimitMb: 40, faults: drill.faults });
    expect(await store.duckdbMemory()).toMatchObject({ limitBytes: 40 * 2 ** 20, tempDirectory: `${path}.tmp`, temporaryBytes: 0 });
    const [settings] = await drill.database().rows("SELECT current_setting('threads') AS threads, current_setting('max_vacuum_tasks') AS vacuum");
    expect(settings).toEqual({ threads: 1n, vacuum: 0n });
  });
});
