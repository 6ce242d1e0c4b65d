/** Background retention: deletes old raw readings and rollups in slices so ingest keeps committing in between. */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { quote } from '@hazmon/errors';
import { StoreError } from './errors.ts';
import { num, numOrNull, type SerialConnection } from './sql.ts';
import { DAY_MS, HOUR_MS } from './schema.ts';
import { MIN_RAW_RETENTION_DAYS } from './limits.ts';

export interface RetentionPolicy {
  readonly rawDays: number;
  readonly minuteRollupDays: number;
  readonly coarseRollupDays: number | null;
}

export function retentionPolicy(rawDays: number | undefined, minuteRollupDays: number | undefined, coarseRollupDays: number | null | undefined): RetentionPolicy {
  const raw = rawDays ?? MIN_RAW_RETENTION_DAYS;
  if (!(Number.isFinite(raw) && raw >= MIN_RAW_RETENTION_DAYS)) {
    throw new StoreError(
      'HAZMON_STORE_RETENTION_TOO_SHORT',
      `rawRetentionDays: ${quote(rawDays)} is shorter than the ${MIN_RAW_RETENTION_DAYS} days the regulation requires for electronic records ` +
        `(SAWS Order No. 40); configure ${MIN_RAW_RETENTION_DAYS} or more`,
    );
  }
  const minute = minuteRollupDays ?? 1830;
  if (!(Number.isFinite(minute) && minute >= raw)) {
    throw new StoreError('HAZMON_STORE_RETENTION_TOO_SHORT', `minuteRollupRetentionDays: ${quote(minuteRollupDays)} must be a number >= rawRetentionDays (${raw})`);
  }
  const coarse = coarseRollupDays === undefined ? null : coarseRollupDays;
  if (coarse !== null && !(Number.isFinite(coarse) && coarse >= minute)) {
    throw new StoreError('HAZMON_STORE_RETENTION_TOO_SHORT', `coarseRollupRetentionDays: ${quote(coarseRollupDays)} must be null or a number >= minuteRollupRetentionDays (${minute})`);
  }
  return { rawDays: raw, minuteRollupDays: minute, coarseRollupDays: coarse };
}

export interface RetentionResult {
  readonly deletedRaw: number;
  readonly deletedRollups: number;
  /** Reason texts no raw row references any more (`TextEra`): how many, and the id they were all below (0: none). */
  readonly deletedTexts: number;
  readonly textsDeletedBelow: number;
  /** Raw rows older than this were deleted (never past the rolled-up minutes). */
  readonly rawCutoff: number;
  readonly slices: number;
}

/**
 * The reason texts' ids were forgotten (`ReasonTexts.forget`) at `at` (the store's clock), when the next id was `below`:
 * a text below it is referenced only by raw rows offered before `at`, whose receive times are before `at` too.
 */
export interface TextEra {
  readonly below: number;
  readonly at: number;
}

/** Slack between a row's receive time and the store's clock when it is offered (a poll's answer, a queue's wait). */
const TEXT_ERA_SLACK_MS = HOUR_MS;

/**
 * Deletes raw rows older than the policy allows, one hour of data per statement, yielding to the event
 * loop between statements; never deletes raw minutes that are not yet rolled up. Then the reason texts of the newest
 * era whose rows are all gone (`eras`, oldest first), without reading the raw rows: a failing device's messages with
 * changing figures (a loop current, a back-off) would otherwise grow the table for as long as the file lives.
 */
export async function applyRetention(
  connection: SerialConnection,
  policy: RetentionPolicy,
  now: number,
  minuteRollupsCompleteUntil: number | null,
  eras: readonly TextEra[],
): Promise<RetentionResult> {
  const rawCutoff = Math.min(now - policy.rawDays * DAY_MS, minuteRollupsCompleteUntil ?? Number.NEGATIVE_INFINITY);
  let deletedRaw = 0;
  let slices = 0;
  if (Number.isFinite(rawCutoff)) {
    const [oldest] = await connection.rows('SELECT min(t) AS t FROM raw_readings WHERE t < $1', [rawCutoff]);
    const first = numOrNull(oldest?.t);
    if (first !== null) {
      for (let sliceEnd = Math.floor(first / HOUR_MS) * HOUR_MS + HOUR_MS; ; sliceEnd += HOUR_MS) {
        const end = Math.min(sliceEnd, rawCutoff);
        deletedRaw += await deleteCount(connection, 'DELETE FROM raw_readings WHERE t < $1', end);
        slices += 1;
        await yieldToEventLoop();
        if (end >= rawCutoff) break;
      }
    }
  }
  let deletedRollups = await deleteCount(connection, 'DELETE FROM rollup_1m WHERE bucket < $1', now - policy.minuteRollupDays * DAY_MS);
  if (policy.coarseRollupDays !== null) {
    const coarseCutoff = now - policy.coarseRollupDays * DAY_MS;
    deletedRollups += await deleteCount(connection, 'DELETE FROM rollup_1h WHERE bucket < $1', coarseCutoff);
    deletedRollups += await deleteCount(connection, 'DELETE FROM rollup_1d WHERE bucket < $1', coarseCutoff);
  }
  const ended = eras.filter((era) => era.at + TEXT_ERA_SLACK_MS <= rawCutoff).at(-1);
  const deletedTexts = ended ? await deleteCount(connection, 'DELETE FROM reason_texts WHERE text_id < $1', ended.below) : 0;
  return { deletedRaw, deletedRollups, deletedTexts, textsDeletedBelow: ended?.below ?? 0, rawCutoff, slices };
}

async function deleteCount(connection: SerialConnection, sql: string, cutoff: number): Promise<number> {
  return connection.exclusive(async (raw) => {
    const result = await raw.run(sql, [cutoff]);
    return num(result.rowsChanged);
  });
}
