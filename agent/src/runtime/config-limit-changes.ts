/**
 * The limit changes a config file makes: at a reload, or at a start on a file edited while the agent was down (the
 * store's points table holds the limits the last run left in force). Each moved limit is audited with its old and new
 * value and what moved it (the `config_reload` row's `limitChanges`; at a start a `limits_changed_at_start` row).
 *
 * The config file's own changes are also kept here for the trend's limits as they were: taken from the audit log once
 * at start, added to at each reload, so no trend request reads the log. Not in the overrides file: a history entry of a
 * kind an older agent does not know would make it set that file aside, and the supervisors' overrides with it.
 */
import { z } from 'zod';
import type { StoredLimits, StoredLimitsMove, StoreReader } from '../store/index.ts';
import { LIMIT_NAMES, type LimitName } from './threshold-overrides.ts';

/** The audit action of a start whose config file moved limits since the last run. */
export const LIMITS_CHANGED_AT_START = 'limits_changed_at_start';
/** The trigger a start's limit changes are recorded with. */
export const START_TRIGGER = 'start';
/** Who moved a limit the config file moved: no person or API asked for it. */
export const CONFIG_FILE_WHO = 'config file';
/** The record keeps this many of the config file's limit changes (the audit log keeps all of them). */
export const CONFIG_LIMIT_HISTORY_LIMIT = 10_000;

/**
 * What moved a limit: the config file (edited, then reloaded or started on), a person's threshold change (through the
 * reload path; the overrides file's history has it), or the config file's value taking over from a person's override
 * (the overrides file's history has it as `retired`).
 */
export const LIMIT_CHANGE_CAUSES = ['config_file', 'threshold_change', 'override_retired'] as const;
export type LimitChangeCause = (typeof LIMIT_CHANGE_CAUSES)[number];

const auditedLimitChangeSchema = z.object({
  pointId: z.string(),
  limit: z.enum(LIMIT_NAMES),
  /** In force before and after (null: none). */
  old: z.number().nullable(),
  new: z.number().nullable(),
  cause: z.enum(LIMIT_CHANGE_CAUSES),
});
/** One limit a reload or a start moved, as its audit row records it. */
export type AuditedLimitChange = z.output<typeof auditedLimitChangeSchema>;

/** A limit the config file moved, as the trend's limit history shows it (the overrides file's entries' shape). */
export interface ConfigLimitChange {
  readonly time: number;
  readonly pointId: string;
  readonly limit: LimitName;
  readonly old: number | null;
  readonly new: number | null;
  readonly who: typeof CONFIG_FILE_WHO;
  /** The reload's trigger, or the start. */
  readonly why: string;
  readonly kind: 'config_file';
}

/** The config file's limit changes, oldest first, and from when the record is whole. */
export interface ConfigLimitRecord {
  readonly changes: readonly ConfigLimitChange[];
  /** Null while nothing was dropped; else the time of the oldest change kept (it keeps the last CONFIG_LIMIT_HISTORY_LIMIT). */
  readonly recordedFrom: number | null;
}

const LIMIT_OF_FIELD: Readonly<Record<keyof StoredLimits, LimitName>> = { lowLow: 'lolo', low: 'lo', high: 'hi', highHigh: 'hihi' };

/** Each limit the store saw move, one entry per point and limit, with what moved it. */
export function auditedLimitChanges(moves: readonly StoredLimitsMove[], causeOf: (pointId: string, limit: LimitName) => LimitChangeCause): AuditedLimitChange[] {
  const changes: AuditedLimitChange[] = [];
  for (const move of moves) {
    for (const [field, limit] of Object.entries(LIMIT_OF_FIELD) as [keyof StoredLimits, LimitName][]) {
      if (move.old[field] !== move.new[field]) changes.push({ pointId: move.pointId, limit, old: move.old[field], new: move.new[field], cause: causeOf(move.pointId, limit) });
    }
  }
  return changes;
}

/** Changes named in a log line at most; the audit row has them all. */
const LOGGED_CHANGES = 10;

/** "GD-1.concentration hi 20 -> 25, ..." for a log line. */
export function limitChangesText(changes: readonly AuditedLimitChange[]): string {
  const named = changes.slice(0, LOGGED_CHANGES).map(({ pointId, limit, old, new: value }) => `${pointId} ${limit} ${old ?? 'none'} -> ${value ?? 'none'}`);
  return changes.length > LOGGED_CHANGES ? `${named.join(', ')} and ${changes.length - LOGGED_CHANGES} more` : named.join(', ');
}

function whyOf(trigger: string): string {
  return trigger === START_TRIGGER ? "start: the config file's limits differ from those the last run left in force" : `config reload (${trigger})`;
}

const AUDIT_PAGE = 1000;
const auditedRowSchema = z.object({ trigger: z.string(), limitChanges: z.array(z.unknown()) });

/** The config file's limit changes since the store began (the last CONFIG_LIMIT_HISTORY_LIMIT of them). */
export class ConfigLimitHistory implements ConfigLimitRecord {
  private kept: ConfigLimitChange[] = [];
  private cut = false;

  /**
   * The record as the audit log holds it: its `config_reload` and `limits_changed_at_start` rows, read a page at a
   * time. A row written before limit changes were audited with their values has none to give; an entry that does not
   * read as one is passed over (the log is checked by its hash chain, not here).
   */
  static async load(reader: StoreReader): Promise<ConfigLimitHistory> {
    const rows: { seq: number; time: number; trigger: string; changes: AuditedLimitChange[] }[] = [];
    for (const action of ['config_reload', LIMITS_CHANGED_AT_START]) {
      for (let afterSeq = 0; ; ) {
        const page = await reader.auditRows({ action, afterSeq, limit: AUDIT_PAGE });
        for (const row of page) {
          const details = auditedRowSchema.safeParse(row.details);
          if (!details.success) continue;
          const changes = details.data.limitChanges.flatMap((entry) => {
            const change = auditedLimitChangeSchema.safeParse(entry);
            return change.success ? [change.data] : [];
          });
          rows.push({ seq: row.seq, time: row.time, trigger: details.data.trigger, changes });
        }
        if (page.length < AUDIT_PAGE) break;
        afterSeq = page.at(-1)!.seq;
      }
    }
    const history = new ConfigLimitHistory();
    for (const row of rows.sort((a, b) => a.seq - b.seq)) history.add(row.time, row.trigger, row.changes);
    return history;
  }

  /** Takes the config file's changes of a reload (`trigger`) or a start at `time`; the others are in the overrides file's history. */
  add(time: number, trigger: string, changes: readonly AuditedLimitChange[]): void {
    const why = whyOf(trigger);
    for (const { pointId, limit, old, new: value, cause } of changes) {
      if (cause === 'config_file') this.kept.push({ time, pointId, limit, old, new: value, who: CONFIG_FILE_WHO, why, kind: 'config_file' });
    }
    if (this.kept.length > CONFIG_LIMIT_HISTORY_LIMIT) {
      this.kept = this.kept.slice(-CONFIG_LIMIT_HISTORY_LIMIT);
      this.cut = true;
    }
  }

  get changes(): readonly ConfigLimitChange[] {
    return this.kept;
  }

  get recordedFrom(): number | null {
    return this.cut ? (this.kept[0]?.time ?? null) : null;
  }
}
