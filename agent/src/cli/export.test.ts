/** `hazmon export` against a real store file: CSV round trip as a child process, argument checks in process. */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HazmonStore } from '../store/index.ts';
import { EXIT } from './command.ts';
import { parseIsoTime, replaceWhenComplete } from './export.ts';
import { AUDIT_ROWS, POINTS, T0, bufferedIo, createSite, hazmon } from '../../test/fixtures/cli/store-site.ts';
import type { Site } from '../../test/fixtures/cli/store-site.ts';
import { queryExportedFiles } from '../../test/fixtures/store/test-helpers.ts';
import { runCli } from './run.ts';

let site: Site;
beforeAll(async () => {
  site = await createSite();
}, 60_000);
afterAll(() => site.remove());

const iso = (time: number) => new Date(time).toISOString();

describe('hazmon export (child process)', () => {
  it('writes readings of the chosen points in [from, to) to CSV, which reads back as stored', async () => {
    const from = T0 + 5000;
    const to = T0 + 15_000;
    const out = site.file('readings.csv');
    const result = await hazmon(['export', site.config, '--what', 'readings', '--format', 'csv', '--from', iso(from), '--to', iso(to), '--points', POINTS[1], '--out', out], site.dir);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain(`10 rows written to ${out} (readings, csv, ${iso(from)} to ${iso(to)})`);

    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header).toBe('point_id,time_ms,source_time_ms,value,value_bool,unit,quality,reason,reason_message');
    const store = await HazmonStore.open({ path: site.storePath, retentionIntervalMs: 0 });
    const stored = await store.rawReadings(POINTS[1], from, to);
    await store.close();
    expect(stored).toHaveLength(10);
    const exported = lines
      .map((line) => line.split(','))
      .map(([pointId, time, sourceTime, value, valueBool, unit, quality, reason, message]) => [pointId, Number(time), Number(sourceTime), Number(value), valueBool, unit, quality, reason, message]);
    expect(exported).toEqual(stored.map((row) => [POINTS[1], row.time, row.sourceTime, row.value, '', '%LEL', row.quality, '', '']));
  }, 120_000);

  it('refuses an --out that exists without --force (exit 64), leaving the file alone', async () => {
    const out = site.file('kept.csv');
    writeFileSync(out, 'precious\n');
    const result = await hazmon(['export', site.config, '--what', 'audit_log', '--format', 'csv', '--from', '2026-11-23', '--to', '2026-11-24', '--out', out], site.dir);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(`--out ${JSON.stringify(out)} exists; add --force`);
    expect(readFileSync(out, 'utf8')).toBe('precious\n');
  }, 120_000);
});

describe('replaceWhenComplete', () => {
  it('leaves the old file whole when the write fails half way, and no partial file behind', async () => {
    const out = site.file('replaced.csv');
    writeFileSync(out, 'old export\n');
    await expect(
      replaceWhenComplete(out, async (partial) => {
        writeFileSync(partial, 'half of a new ');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readFileSync(out, 'utf8')).toBe('old export\n');
    expect(readdirSync(site.dir).filter((name) => name.includes('.partial-'))).toEqual([]);
    expect(
      await replaceWhenComplete(out, async (partial) => {
        writeFileSync(partial, 'new export\n');
        return 1;
      }),
    ).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('new export\n');
    expect(readdirSync(site.dir).filter((name) => name.includes('.partial-'))).toEqual([]);
  });
});

describe('hazmon export (in process)', () => {
  const base = (out: string) => [site.config, '--what', 'audit_log', '--format', 'parquet', '--from', '2026-11-23', '--to', '2026-11-24T00:00:00+08:00', '--out', out];

  it('overwrites with --force and exports the audit log to Parquet', async () => {
    const out = site.file('audit.parquet');
    writeFileSync(out, 'old');
    const io = bufferedIo();
    expect(await runCli(['export', ...base(out), '--force'], io)).toBe(EXIT.ok);
    expect(io.out()).toContain(`${AUDIT_ROWS} rows written to ${out}`);
    const rows = await queryExportedFiles(`SELECT seq, who FROM read_parquet('${out}') ORDER BY seq`);
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: AUDIT_ROWS }, (_, i) => i + 1));
  }, 120_000);

  it.each([
    [['--what', 'reading'], '--what "reading" is not one of readings, alarm_events, audit_log'],
    [['--format', 'xlsx'], '--format "xlsx" is not one of csv, parquet'],
    [['--from', '2026-02-30'], '--from "2026-02-30" is not an ISO 8601 time'],
    [['--from', '2026-11-23T08:00'], '--from "2026-11-23T08:00" is not an ISO 8601 time'],
    [['--to', '2026-11-22'], '--from "2026-11-23" must be before --to "2026-11-22"'],
    [['--points', 'GD-1.concentration'], '--points "GD-1.concentration" applies to --what readings only'],
    [['--what', 'readings', '--points', 'GD-1.concentration,,x'], '--points "GD-1.concentration,,x" has an empty point id'],
    [['--out', '/nonexistent-hazmon-folder/x.csv'], 'folder /nonexistent-hazmon-folder does not exist'],
    [['--colour', 'red'], "Unknown option '--colour'"],
  ])('refuses %j with exit 64 naming the option', async (override, message) => {
    const args = base('/tmp/never-written.parquet');
    for (let i = 0; i < override.length; i += 2) {
      const at = args.indexOf(override[i]!);
      if (at >= 0) args[at + 1] = override[i + 1]!;
      else args.push(override[i]!, override[i + 1]!);
    }
    const io = bufferedIo();
    expect(await runCli(['export', ...args], io)).toBe(EXIT.usage);
    expect(io.err()).toContain(message);
    expect(io.err()).toContain('usage: hazmon export CONFIG');
    expect(existsSync('/tmp/never-written.parquet')).toBe(false);
  });

  it('refuses a missing required option and an unknown point, naming it', async () => {
    const missing = bufferedIo();
    expect(await runCli(['export', site.config, '--what', 'readings', '--format', 'csv', '--from', '2026-11-23', '--out', site.file('m.csv')], missing)).toBe(EXIT.usage);
    expect(missing.err()).toContain('--to is required');
    const unknown = bufferedIo();
    const args = ['export', site.config, '--what', 'readings', '--format', 'csv', '--from', '2026-11-23', '--to', '2026-11-24', '--points', 'GD-9.concentration', '--out', site.file('u.csv')];
    expect(await runCli(args, unknown)).toBe(EXIT.usage);
    expect(unknown.err()).toContain('--points: ');
    expect(unknown.err()).toContain('GD-9.concentration');
  }, 120_000);

  it('reads dates as UTC midnight and times with their offset', () => {
    expect(parseIsoTime('from', '2026-11-23')).toBe(Date.UTC(2026, 10, 23));
    expect(parseIsoTime('from', '2026-11-23T08:00:00+08:00')).toBe(Date.UTC(2026, 10, 23));
    expect(parseIsoTime('from', '2024-02-29T12:30:15.250Z')).toBe(Date.UTC(2024, 1, 29, 12, 30, 15, 250));
    expect(() => parseIsoTime('from', '2025-02-29')).toThrow('--from "2025-02-29"');
  });
});
