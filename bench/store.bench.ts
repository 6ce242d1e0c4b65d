/**
 * DuckDB store ingest: rows/s through HazmonStore (data chunks) vs row-by-row appending, and bytes on disk per raw reading.
 * Rates are given per wall-clock second of the ingest calls and per CPU second of this process (the fairer figure on a
 * shared machine). HAZMON_BENCH_SECONDS (default 300) and HAZMON_BENCH_COMMIT_SECONDS (default 10) change the run.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Reading } from '@hazmon/protocols';
import { HazmonStore } from '@hazmon/agent';
import { recordFigure } from './figures.ts';

const POINTS = 10_000;
const POINTS_PER_DEVICE = 100;
const SECONDS = Number(process.env.HAZMON_BENCH_SECONDS ?? 300);
/** Readings committed per flush: 10 s of the plant, as the store's early flush would do under a backlog. */
const SECONDS_PER_COMMIT = Number(process.env.HAZMON_BENCH_COMMIT_SECONDS ?? 10);
const RESOLUTION = 0.01;
const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

type MutableReading = { -readonly [K in keyof Reading]: Reading[K] };

/** Wall-clock and CPU time spent inside the measured calls only (data generation excluded). */
class Stopwatch {
  wallMs = 0;
  cpuMs = 0;
  private wallStart = 0;
  private cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 };

  start(): void {
    this.wallStart = performance.now();
    this.cpuStart = process.cpuUsage();
  }

  stop(): void {
    this.wallMs += performance.now() - this.wallStart;
    const cpu = process.cpuUsage(this.cpuStart);
    this.cpuMs += (cpu.user + cpu.system) / 1000;
  }

  rates(rows: number): { wall: number; cpu: number } {
    return { wall: rows / (this.wallMs / 1000), cpu: rows / (this.cpuMs / 1000) };
  }
}

/** A plant of 10k points at 1 s: 100 devices, each answering its 100 points with one receive time; values random-walk at 0.01. */
function* plantSeconds(): Generator<MutableReading[]> {
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const values = Float64Array.from({ length: POINTS }, () => Math.round(random() * 2500) / 100);
  const readings: MutableReading[] = Array.from({ length: POINTS }, (_, i) => ({
    pointId: `D${Math.floor(i / POINTS_PER_DEVICE)}.P${i % POINTS_PER_DEVICE}`,
    value: 0,
    unit: '%LEL',
    sourceTime: null,
    receiveTime: 0,
    quality: 'good',
  }));
  for (let second = 0; second < SECONDS; second++) {
    for (let i = 0; i < POINTS; i++) {
      const step = random();
      const value = Math.max(0, (values[i] ?? 0) + (step < 0.2 ? -RESOLUTION : step > 0.8 ? RESOLUTION : 0));
      values[i] = value;
      const reading = readings[i] as MutableReading;
      reading.value = Math.round(value * 100) / 100;
      reading.receiveTime = T0 + second * 1000 + 3 * Math.floor(i / POINTS_PER_DEVICE);
    }
    yield readings;
  }
}

async function storePath(dir: string): Promise<{ rate: { wall: number; cpu: number }; bytesPerRow: number; tableBytesPerRow: number }> {
  const path = join(dir, 'store.duckdb');
  const store = await HazmonStore.open({ path, retentionIntervalMs: 0, queueCapacity: POINTS * SECONDS_PER_COMMIT * 2 });
  const ids = Array.from({ length: POINTS }, (_, i) => `D${Math.floor(i / POINTS_PER_DEVICE)}.P${i % POINTS_PER_DEVICE}`);
  await store.registerPoints(ids.map((pointId) => ({ pointId, unit: '%LEL', resolution: RESOLUTION, pollIntervalMs: 1000 })));
  await store.checkpoint();
  const emptyBytes = statSync(path).size;
  const watch = new Stopwatch();
  let second = 0;
  for (const readings of plantSeconds()) {
    watch.start();
    for (const reading of readings) store.writeReading(reading);
    if (++second % SECONDS_PER_COMMIT === 0) await store.flush();
    watch.stop();
  }
  watch.start();
  await store.flush();
  watch.stop();
  const { rawRowsWritten, rawDropped } = store.stats();
  if (rawDropped !== 0 || rawRowsWritten !== POINTS * SECONDS) throw new Error(`expected ${POINTS * SECONDS} rows, wrote ${rawRowsWritten}, dropped ${rawDropped}`);
  await store.checkpoint();
  await store.close();
  const bytes = statSync(path).size;
  return { rate: watch.rates(rawRowsWritten), bytesPerRow: bytes / rawRowsWritten, tableBytesPerRow: (bytes - emptyBytes) / rawRowsWritten };
}

/** Baseline: the same rows appended one value at a time with appendInteger/appendBigInt/endRow, same commits. */
async function rowByRowBaseline(dir: string): Promise<{ wall: number; cpu: number }> {
  const instance = await DuckDBInstance.create(join(dir, 'baseline.duckdb'));
  const connection = await instance.connect();
  await connection.run('CREATE TABLE raw (point_idx INTEGER NOT NULL, t BIGINT NOT NULL, value_scaled INTEGER, quality UTINYINT NOT NULL, source_t BIGINT, reason UTINYINT NOT NULL)');
  const appender = await connection.createAppender('raw');
  const watch = new Stopwatch();
  let rows = 0;
  let second = 0;
  for (const readings of plantSeconds()) {
    watch.start();
    for (let i = 0; i < readings.length; i++) {
      const reading = readings[i] as MutableReading;
      appender.appendInteger(i);
      appender.appendBigInt(BigInt(reading.receiveTime));
      appender.appendInteger(Math.round((reading.value as number) * 100));
      appender.appendUTinyInt(0);
      appender.appendNull();
      appender.appendUTinyInt(0);
      appender.endRow();
    }
    rows += readings.length;
    if (++second % SECONDS_PER_COMMIT === 0) appender.flushSync();
    watch.stop();
  }
  watch.start();
  appender.flushSync();
  watch.stop();
  appender.closeSync();
  connection.closeSync();
  instance.closeSync();
  return watch.rates(rows);
}

const dir = mkdtempSync(join(tmpdir(), 'hazmon-store-bench-'));
try {
  console.log(`store ingest: ${POINTS} points at 1 s for ${SECONDS} s (${(POINTS * SECONDS).toLocaleString('en')} readings), resolution ${RESOLUTION}, one commit per ${SECONDS_PER_COMMIT} s of data`);
  const baseline = await rowByRowBaseline(dir);
  const store = await storePath(dir);
  const fmt = (rate: number): string => `${(rate / 1e6).toFixed(2)} M rows/s`;
  console.log(`baseline row-by-row appender       : ${fmt(baseline.wall)} wall, ${fmt(baseline.cpu)} per CPU second`);
  console.log(`HazmonStore (validate + data chunks): ${fmt(store.rate.wall)} wall, ${fmt(store.rate.cpu)} per CPU second  (target >= 1 M)`);
  console.log(`ratio to baseline: ${(store.rate.wall / baseline.wall).toFixed(2)}x wall, ${(store.rate.cpu / baseline.cpu).toFixed(2)}x CPU`);
  const ingestTarget = { text: '>= 1 M rows/s through the appender', atLeast: 1_000_000 };
  recordFigure({ name: 'raw readings through HazmonStore, wall', value: store.rate.wall, unit: 'rows/s', target: ingestTarget, baseline: { name: 'row-by-row appender', value: baseline.wall } });
  recordFigure({
    name: 'raw readings through HazmonStore, per CPU second',
    value: store.rate.cpu,
    unit: 'rows/s',
    target: ingestTarget,
    baseline: { name: 'row-by-row appender', value: baseline.cpu },
  });
  recordFigure({ name: 'bytes on disk per raw reading after a checkpoint (whole file)', value: store.bytesPerRow, unit: 'B', target: { text: '<= 4 bytes per raw reading', atMost: 4 } });
  console.log(`bytes on disk per raw reading after checkpoint: ${store.bytesPerRow.toFixed(2)} (whole file), ${store.tableBytesPerRow.toFixed(2)} (growth over the empty store)  (target <= 4)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
