/** CSV and Parquet exports read back with DuckDB. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { point, queryExportedFiles, reading, tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { HazmonStore } from './store.ts';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('export', () => {
  it('round-trips readings and alarm events through CSV and Parquet', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const store = await HazmonStore.open({ path: dir.file('e.duckdb'), retentionIntervalMs: 0 });
    cleanups.push(() => store.close());
    await store.registerPoints([point('A'), point("B'quote", { resolution: 0.1, unit: 'ppm' })]);
    for (let i = 0; i < 30; i++) {
      store.writeReading(reading('A', T0 + i * 1000, i / 100, { sourceTime: T0 + i * 1000 - 3 }));
      store.writeReading(i === 4 ? reading("B'quote", T0 + i * 1000, null, { quality: 'bad', reason: { code: 'timeout', message: 't' } }) : reading("B'quote", T0 + i * 1000, i / 10));
    }
    await store.flush();
    await store.appendAlarmEvent({ time: T0 + 5, pointId: 'A', ruleId: 'A.hi', kind: 'raised', stateAfter: 'unack_active', priority: 'high', details: { v: 1 } });

    const from = T0 + 10_000;
    const to = T0 + 20_000;
    const csvPath = dir.file("out'1.csv");
    const parquetPath = dir.file('out.parquet');
    expect(await store.exportRange({ what: 'readings', format: 'csv', path: csvPath, from, to })).toBe(20);
    expect(await store.exportRange({ what: 'readings', format: 'parquet', path: parquetPath, from, to, pointIds: ['A'] })).toBe(10);
    const eventsPath = dir.file('events.parquet');
    expect(await store.exportRange({ what: 'alarm_events', format: 'parquet', path: eventsPath, from: T0, to: T0 + 60_000 })).toBe(1);

    const stored = await store.rawReadings('A', from, to);
    const fromCsv = await queryExportedFiles(`SELECT * FROM read_csv('${csvPath.replaceAll("'", "''")}') WHERE point_id = 'A' ORDER BY time_ms`);
    const fromParquet = await queryExportedFiles(`SELECT * FROM read_parquet('${parquetPath}') ORDER BY time_ms`);
    for (const exported of [fromCsv, fromParquet]) {
      expect(exported.map((row) => [Number(row.time_ms), Number(row.source_time_ms), row.value, row.quality])).toEqual(stored.map((row) => [row.time, row.sourceTime, row.value, row.quality]));
    }
    const bQuote = await queryExportedFiles(
      `SELECT value, quality, reason, reason_message, unit FROM read_csv('${csvPath.replaceAll("'", "''")}') WHERE point_id = 'B''quote' ORDER BY time_ms LIMIT 1`,
    );
    expect(bQuote).toEqual([{ value: 1, quality: 'good', reason: null, reason_message: null, unit: 'ppm' }]);
    const events = await queryExportedFiles(`SELECT seq, kind, priority, details FROM read_parquet('${eventsPath}')`);
    expect(events).toEqual([{ seq: 1n, kind: 'raised', priority: 'high', details: '{"v":1}' }]);
    await expect(store.exportRange({ what: 'readings', format: 'csv', path: csvPath, from: to, to: from })).rejects.toMatchObject({ code: 'HAZMON_STORE_BAD_RANGE' });
  });

  it('writes a text that starts like a spreadsheet formula behind an apostrophe in CSV, as stored in Parquet', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const store = await HazmonStore.open({ path: dir.file('f.duckdb'), retentionIntervalMs: 0 });
    cleanups.push(() => store.close());
    await store.registerPoints([point('A', { unit: '-' })]);
    store.writeReading(reading('A', T0, null, { quality: 'bad', reason: { code: 'device_fault', message: '@SUM(1+1)' } }));
    await store.flush();
    const formulas = ['=HYPERLINK("http://x","y")', '+1', '-2+3', '@A1', '\t=1', '\r=1'];
    for (const [i, why] of formulas.entries()) {
      await store.appendAlarmEvent({ time: T0 + i, pointId: 'A', ruleId: 'A.hi', kind: 'acknowledged', stateAfter: 'ack_active', priority: 'high', who: '=cmd', why });
    }
    await store.appendAlarmEvent({ time: T0 + 10, pointId: 'A', ruleId: 'A.hi', kind: 'acknowledged', stateAfter: 'ack_active', priority: 'high', who: 'li', why: 'a=b, -1 kept' });
    await store.appendAudit({ time: T0, who: '+who', action: 'alarm.acknowledge', target: '=target', details: null });
    const file = (name: string) => dir.file(name).replaceAll("'", "''");
    const exported = async (what: 'readings' | 'alarm_events' | 'audit_log', format: 'csv' | 'parquet', columns: string) => {
      await store.exportRange({ what, format, path: dir.file(`${what}.${format}`), from: T0, to: T0 + 60_000 });
      const read = format === 'csv' ? `read_csv('${file(`${what}.csv`)}', all_varchar = true)` : `read_parquet('${file(`${what}.parquet`)}')`;
      return queryExportedFiles(`SELECT ${columns} FROM ${read} ORDER BY time_ms`);
    };
    expect((await exported('alarm_events', 'csv', 'who, why')).map((row) => [row.who, row.why])).toEqual([...formulas.map((why) => ["'=cmd", `'${why}`]), ['li', 'a=b, -1 kept']]);
    expect((await exported('alarm_events', 'parquet', 'who, why')).map((row) => row.why)).toEqual([...formulas, 'a=b, -1 kept']);
    expect(await exported('readings', 'csv', 'unit, reason_message')).toEqual([{ unit: "'-", reason_message: "'@SUM(1+1)" }]);
    expect(await exported('audit_log', 'csv', 'who, target')).toEqual([{ who: "'+who", target: "'=target" }]);
    expect(await exported('audit_log', 'parquet', 'who, target')).toEqual([{ who: '+who', target: '=target' }]);
  });

  it('exports aggregates as aggregates() gives them, by interval then point, rolled-up and raw minutes alike, in windows', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const store = await HazmonStore.open({ path: dir.file('a.duckdb'), retentionIntervalMs: 0, rollupGraceMs: 1, rollupIntervalMs: 3_600_000 });
    cleanups.push(() => store.close());
    // More points than one export window holds at one interval of 10 minutes: several windows, one part file each.
    const ids = Array.from({ length: 6000 }, (_, i) => `P${i}`);
    await store.registerPoints(ids.map((id) => point(id, { pollIntervalMs: 60_000 })));
    const writeMinutes = async (first: number, end: number) => {
      for (let minute = first; minute < end; minute++) {
        for (const [i, id] of ids.entries()) if ((i + minute) % 7 !== 0) store.writeReading(reading(id, T0 + minute * 60_000 + 1000, ((i * 31 + minute * 17) % 1000) / 100));
      }
      await store.flush();
    };
    // The first 9 minutes rolled up, the rest read from raw rows.
    await writeMinutes(0, 10);
    await store.rollUp();
    await writeMinutes(10, 20);
    store.writeReading(reading('P2', T0 + 10 * 60_000 + 2000, 99.5));
    await store.flush();

    const csvPath = dir.file('aggregates.csv');
    const intervalMs = 10 * 60_000;
    expect(await store.exportRange({ what: 'aggregates', format: 'csv', path: csvPath, from: T0, to: T0 + 20 * 60_000, intervalMs })).toBe(2 * ids.length);
    const expected = await store.aggregates({ from: T0, to: T0 + 20 * 60_000, intervalMs });
    const exported = await queryExportedFiles(`SELECT * FROM read_csv('${csvPath}')`);
    const byIntervalThenPoint = [...expected].sort((a, b) => a.start - b.start || Number(a.pointId.slice(1)) - Number(b.pointId.slice(1)));
    // An interval's sum adds its minutes' sums in whatever order the aggregate meets them: equal to 12 digits.
    const rounded = (avg: unknown) => (avg === null ? null : Number((avg as number).toPrecision(12)));
    expect(exported.map((row) => [row.point_id, Number(row.start_ms), Number(row.end_ms), row.min, rounded(row.avg), row.max, Number(row.count), Number(row.good_count), row.completeness])).toEqual(
      byIntervalThenPoint.map((row) => [row.pointId, row.start, row.end, row.min, rounded(row.avg), row.max, row.count, row.goodCount, row.completeness]),
    );
    expect(exported.find((row) => row.point_id === 'P2' && Number(row.start_ms) === T0 + intervalMs)).toMatchObject({ max: 99.5 });

    const parquetPath = dir.file('aggregates.parquet');
    expect(await store.exportRange({ what: 'aggregates', format: 'parquet', path: parquetPath, from: T0, to: T0 + 20 * 60_000, intervalMs, pointIds: ['P5', 'P3'] })).toBe(4);
    const fromParquet = await queryExportedFiles(`SELECT point_id, start_ms FROM read_parquet('${parquetPath}')`);
    expect(fromParquet.map((row) => [row.point_id, Number(row.start_ms)])).toEqual([
      ['P3', T0],
      ['P5', T0],
      ['P3', T0 + intervalMs],
      ['P5', T0 + intervalMs],
    ]);
    await expect(store.exportRange({ what: 'aggregates', format: 'csv', path: csvPath, from: T0, to: T0 + 20 * 60_000 })).rejects.toMatchObject({ code: 'HAZMON_STORE_BAD_RANGE' });
    await expect(store.exportRange({ what: 'aggregates', format: 'csv', path: csvPath, from: T0, to: T0 + 25 * 60_000, intervalMs })).rejects.toMatchObject({
      code: 'HAZMON_STORE_BAD_RANGE',
      message: expect.stringContaining('whole number of intervals'),
    });
  });

  it('exports a boolean point (coil, input, OPC UA type: bool) in value_bool: true/false in CSV, BOOLEAN in Parquet', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const store = await HazmonStore.open({ path: dir.file('b.duckdb'), retentionIntervalMs: 0 });
    cleanups.push(() => store.close());
    await store.registerPoints([point('XV.closed', { valueKind: 'boolean', resolution: 1, unit: '' }), point('GD.c')]);
    store.writeReading(reading('XV.closed', T0, false, { unit: '' }));
    store.writeReading(reading('XV.closed', T0 + 1000, true, { unit: '' }));
    store.writeReading(reading('XV.closed', T0 + 2000, null, { unit: '', quality: 'bad', reason: { code: 'timeout', message: 't' } }));
    store.writeReading(reading('GD.c', T0, 12.5));
    await store.flush();
    const csvPath = dir.file('b.csv');
    const parquetPath = dir.file('b.parquet');
    expect(await store.exportRange({ what: 'readings', format: 'csv', path: csvPath, from: T0, to: T0 + 3000 })).toBe(4);
    expect(await store.exportRange({ what: 'readings', format: 'parquet', path: parquetPath, from: T0, to: T0 + 3000 })).toBe(4);
    const csvLines = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(csvLines.map((line) => line.split(',').slice(0, 5).join(','))).toEqual([
      'point_id,time_ms,source_time_ms,value,value_bool',
      `GD.c,${T0},,12.5,`,
      `XV.closed,${T0},,,false`,
      `XV.closed,${T0 + 1000},,,true`,
      `XV.closed,${T0 + 2000},,,`,
    ]);
    const fromParquet = await queryExportedFiles(`SELECT point_id, value, value_bool, typeof(value_bool) AS type FROM read_parquet('${parquetPath}') ORDER BY point_id, time_ms`);
    expect(fromParquet).toEqual([
      { point_id: 'GD.c', value: 12.5, value_bool: null, type: 'BOOLEAN' },
      { point_id: 'XV.closed', value: null, value_bool: false, type: 'BOOLEAN' },
      { point_id: 'XV.closed', value: null, value_bool: true, type: 'BOOLEAN' },
      { point_id: 'XV.closed', value: null, value_bool: null, type: 'BOOLEAN' },
    ]);
  });
});
