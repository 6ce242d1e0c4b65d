/** `hazmon export CONFIG ...`: writes readings, alarm events or the audit log of a UTC time range to CSV or Parquet. */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ExportRequest } from '../store/index.ts';
import { StoreError } from '../store/index.ts';
import type { CliIo } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { withConfiguredStore } from './store-access.ts';

const WHAT: readonly ExportRequest['what'][] = ['readings', 'alarm_events', 'audit_log'];
const FORMATS: readonly ExportRequest['format'][] = ['csv', 'parquet'];
/** A date (UTC midnight) or a date and time with Z or an offset: a time without a zone would be read as local time. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new UsageError(`--${option} is required: one of ${allowed.join(', ')}`);
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${option} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** Epoch ms UTC of an ISO 8601 date or time; refuses dates that do not exist (V8 would roll 2026-02-30 into March). */
export function parseIsoTime(option: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`--${option} is required: an ISO 8601 time such as 2026-11-23 or 2026-11-23T08:00:00Z`);
  const match = ISO_TIME.exec(value);
  const time = Date.parse(value);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (!match || Number.isNaN(time) || calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) {
    throw new UsageError(`--${option} ${JSON.stringify(value)} is not an ISO 8601 time; write 2026-11-23 (UTC midnight) or 2026-11-23T08:00:00Z (a time needs Z or an offset such as +08:00)`);
  }
  return time;
}

function pointList(value: string | undefined, what: ExportRequest['what']): string[] | undefined {
  if (value === undefined) return undefined;
  if (what !== 'readings') throw new UsageError(`--points ${JSON.stringify(value)} applies to --what readings only (got --what ${what})`);
  const ids = value.split(',').map((id) => id.trim());
  if (ids.some((id) => id.length === 0)) throw new UsageError(`--points ${JSON.stringify(value)} has an empty point id; write --points GD-101.concentration,GD-102.concentration`);
  return ids;
}

function outputFile(value: string | undefined, force: boolean): string {
  if (value === undefined || value.length === 0) throw new UsageError('--out FILE is required');
  const path = resolve(value);
  if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory()) throw new UsageError(`--out ${JSON.stringify(value)}: folder ${dirname(path)} does not exist`);
  if (existsSync(path) && !force) throw new UsageError(`--out ${JSON.stringify(value)} exists; add --force to overwrite it`);
  return path;
}

/** Checks every option before the config or the store is touched, so a typo costs nothing. */
export function parseExportArgs(args: readonly string[]): { configFile: string; request: ExportRequest } {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      what: { type: 'string' },
      format: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      points: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`give exactly one config file (got ${positionals.length})`);
  const what = oneOf('what', values.what, WHAT);
  const format = oneOf('format', values.format, FORMATS);
  const from = parseIsoTime('from', values.from);
  const to = parseIsoTime('to', values.to);
  if (from >= to) throw new UsageError(`--from ${JSON.stringify(values.from)} must be before --to ${JSON.stringify(values.to)}`);
  const pointIds = pointList(values.points, what);
  const path = outputFile(values.out, values.force);
  return { configFile: positionals[0]!, request: { what, format, path, from, to, ...(pointIds ? { pointIds } : {}) } };
}

/**
 * Writes `path` through `write(partial)` into a partial file beside it, renamed over `path` only once complete: a
 * failed or killed export leaves no half-written file in its place, and `--force` replaces the old one atomically.
 */
export async function replaceWhenComplete<T>(path: string, write: (partial: string) => Promise<T>): Promise<T> {
  const partial = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  try {
    const result = await write(partial);
    renameSync(partial, path);
    return result;
  } finally {
    rmSync(partial, { force: true });
  }
}

export async function exportCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { configFile, request } = parseExportArgs(args);
  return withConfiguredStore('export', configFile, io, async (store) => {
    let rows: number;
    try {
      rows = await replaceWhenComplete(request.path, (partial) => store.exportRange({ ...request, path: partial }));
    } catch (error) {
      if (error instanceof StoreError && error.code === 'HAZMON_STORE_UNKNOWN_POINT') throw new UsageError(`--points: ${error.message}`);
      throw error;
    }
    const range = `${new Date(request.from).toISOString()} to ${new Date(request.to).toISOString()}`;
    io.stdout.write(`${rows} rows written to ${request.path} (${request.what}, ${request.format}, ${range})\n`);
    return EXIT.ok;
  });
}
