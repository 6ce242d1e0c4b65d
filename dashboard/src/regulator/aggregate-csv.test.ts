/** The aggregates export written from the store's columns: byte for byte the store's own CSV export (DuckDB's COPY). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AggregateColumns, type AggregatesQuery, HazmonStore, type StorePointDefinition } from '@hazmon/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewOf } from '../json-number.ts';
import { AGGREGATE_CSV_HEADER, AGGREGATE_CSV_WINDOW_CELLS, aggregateCsvBody, writeDuckDbDouble } from './aggregate-csv.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const MINUTES = 20;

async function bytesOf(body: ReadableStream<Uint8Array>): Promise<{ bytes: Buffer; chunks: number }> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return { bytes: Buffer.concat(chunks), chunks: chunks.length };
}

describe('writeDuckDbDouble', () => {
  // DuckDB 1.5's CSV text of each value (COPY ... FORMAT csv), as read off its files.
  const DUCKDB_TEXT: [number, string][] = [
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [100, '100.0'],
    [-12.5, '-12.5'],
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [99.99999999999999, '99.99999999999999'],
    [0.0001, '0.0001'],
    [0.000123, '0.000123'],
    [1.5e-5, '1.5e-05'],
    [1e-5, '1e-05'],
    [1e15, '1000000000000000.0'],
    [2 ** 53, '9007199254740992.0'],
    [1e16, '1e+16'],
    [1.2345e16, '1.2345e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1e21, '1e+21'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [Number.NaN, ''],
  ];

  it.each(DUCKDB_TEXT)('%s as DuckDB writes it', (value, text) => {
    const out = new Uint8Array(64);
    expect(Buffer.from(out.subarray(0, writeDuckDbDouble(out, viewOf(out), 0, value))).toString()).toBe(text);
  });
});

describe('aggregateCsvBody', () => {
  let dir: string;
  let store: HazmonStore;
  const ids = Array.from({ length: 3000 }, (_, i) => `P${i}`);
  const definition = (pointId: string, i: number): StorePointDefinition => ({
    pointId,
    unit: 'ppm',
    resolution: [0.01, 0.1, 1, 0.001, 0.000001][i % 5]!,
    pollIntervalMs: i % 3 === 0 ? 5000 : 1000,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hazmon-aggregate-csv-'));
    store = await HazmonStore.open({ path: join(dir, 'a.duckdb'), retentionIntervalMs: 0, rollupGraceMs: 1, rollupIntervalMs: 3_600_000 });
    await store.registerPoints(ids.map(definition));
    const writeMinutes = async (first: number, end: number) => {
      for (let minute = first; minute < end; minute++) {
        for (const [i, pointId] of ids.entries()) {
          // P7 is never read; P11 reads only bad; every seventh point-minute has none.
          if (i === 7 || (i + minute) % 7 === 0) continue;
          for (let second = 0; second < 3; second++) {
            const receiveTime = T0 + minute * MINUTE + second * 20_000 + 1000;
            // Around 0 (negatives, 0) but at resolution 1e-6: values below 1e-4, which DuckDB writes as exponents.
            const value = ((i * 31 + minute * 17 + second * 5) % 1000) / [100, 10, 1, 1000, 1_000_000][i % 5]! - (i % 5 === 4 ? 0 : 3);
            store.writeReading(
              i === 11
                ? { pointId, value: null, unit: 'ppm', sourceTime: null, receiveTime, quality: 'bad', reason: { code: 'timeout', message: 't' } }
                : { pointId, value, unit: 'ppm', sourceTime: null, receiveTime, quality: 'good' },
            );
          }
        }
        await store.flush();
      }
    };
    // The first 12 minutes rolled up, the rest read from raw rows.
    await writeMinutes(0, 12);
    await store.rollUp();
    await writeMinutes(12, MINUTES);
  }, 120_000);

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // At 1 min only: a cell of several rows sums them in the order its query's plan meets them, which differs between
  // the store's export and its columns in the last digit of some averages (the route keeps the store's export there).
  const intervalMs = MINUTE;
  it.each([
    { name: 'every point (several windows, rolled-up and raw minutes)', from: T0, pointIds: undefined },
    { name: 'a reversed subset', from: T0, pointIds: ids.filter((_, i) => i % 2 === 1 && i < 200).reverse() },
    { name: 'three points, the raw minutes only', from: T0 + 12 * MINUTE, pointIds: ['P11', 'P7', 'P2'] },
    // Windows of 5 minutes: the third and fourth read into the buffers of the first and second.
    { name: 'every point in four windows, two of them read into buffers written already', from: T0, pointIds: undefined, pointCount: 10_000 },
  ])(
    'equals the store export byte for byte: $name',
    async ({ from, pointIds, pointCount }) => {
      const to = T0 + MINUTES * MINUTE;
      const path = join(dir, `export-${from}-${pointIds?.length ?? 'all'}-${pointCount ?? ''}.csv`);
      const rows = await store.exportRange({ what: 'aggregates', format: 'csv', path, from, to, intervalMs, ...(pointIds === undefined ? {} : { pointIds }) });
      const reader = store.reader();
      let reads = 0;
      let reused = 0;
      const read = (query: AggregatesQuery, reuse: AggregateColumns | undefined) => {
        reads += 1;
        if (reuse !== undefined) reused += 1;
        return reader.aggregateColumns(query, reuse);
      };
      const { bytes, chunks } = await bytesOf(await aggregateCsvBody({ pointIds, pointCount: pointCount ?? (pointIds ?? ids).length, from, to, intervalMs, read }));
      if (pointCount !== undefined) expect([reads, reused]).toEqual([4, 2]);
      const expected = readFileSync(path);
      expect(bytes.toString().split('\n').length - 2).toBe(rows);
      expect(bytes.subarray(0, AGGREGATE_CSV_HEADER.length).toString()).toBe(AGGREGATE_CSV_HEADER);
      expect(bytes.equals(expected)).toBe(true);
      if (pointIds === undefined) {
        // More than one window of the store and more than one chunk to the socket.
        expect(rows).toBeGreaterThan(AGGREGATE_CSV_WINDOW_CELLS);
        expect(chunks).toBeGreaterThan(1);
      }
    },
    60_000,
  );
});

describe('aggregateCsvBody when the store fails', () => {
  const window = (query: { from: number; to: number }): AggregateColumns => {
    const intervals = (query.to - query.from) / MINUTE;
    const start = Float64Array.from({ length: intervals }, (_, i) => query.from + i * MINUTE);
    const values = new Float64Array(intervals).fill(1);
    return {
      length: intervals,
      intervals,
      pointIds: ['A'],
      start,
      end: start.map((s) => s + MINUTE),
      min: values,
      avg: values,
      max: values,
      count: values,
      goodCount: values,
      completeness: values,
    };
  };
  const request = (failAt: number) => ({
    pointIds: ['A'],
    pointCount: 1,
    from: T0,
    // Three windows of the one point.
    to: T0 + 3 * AGGREGATE_CSV_WINDOW_CELLS * MINUTE,
    intervalMs: MINUTE,
    read: async (query: { from: number; to: number }) => {
      if (query.from >= T0 + failAt * AGGREGATE_CSV_WINDOW_CELLS * MINUTE) throw new Error('store closed');
      return window(query);
    },
  });

  it('rejects the request when the first window cannot be read', async () => {
    await expect(aggregateCsvBody(request(0))).rejects.toThrow('store closed');
  });

  it('breaks the stream off, never ends it as whole, when a later window cannot be read', async () => {
    await expect(bytesOf(await aggregateCsvBody(request(2)))).rejects.toThrow('store closed');
  });

  it('gives every row when every window is read', async () => {
    const { bytes } = await bytesOf(await aggregateCsvBody(request(3)));
    expect(bytes.toString().split('\n').length - 2).toBe(3 * AGGREGATE_CSV_WINDOW_CELLS);
  });
});
