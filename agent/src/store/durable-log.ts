/** Alarm events and audit rows: validated, numbered, hash-chained, group-committed; a promise resolves only once its row is durable. */
import { GENESIS_HASH, auditRowHash } from './audit-chain.ts';
import { storedAuditRow } from './audit-check.ts';
import { canonicalJson } from './canonical-json.ts';
import { messageOf, quote } from '@hazmon/errors';
import { StoreError } from './errors.ts';
import type { DuckDBValue, JS } from '@duckdb/node-api';
import { insertValuesSql, num, strOrNull, type SerialConnection, type SqlRow } from './sql.ts';
import type { AlarmEventInput, AlarmEventRow, AlarmPriority, AuditInput, AuditRow } from './types.ts';
import { PointEventBounds } from './point-event-bounds.ts';

const PRIORITIES: ReadonlySet<AlarmPriority | null> = new Set(['emergency', 'high', 'medium', 'low', null]);
const KIND_PATTERN = /^[a-z][a-z0-9_]*$/;
/** Rows per INSERT statement; larger groups commit in several statements of one transaction. */
const ROWS_PER_STATEMENT = 200;
const META_AUDIT_HEAD = 'audit_head_seq';
/** Rounds committed again after reopens in a row before its rows are failed (a database that fails at each commit). */
const MAX_FATAL_RETRIES = 3;

/** How the log waits out the store's reopening of a database DuckDB invalidated (HazmonStore.afterFailure). */
export interface DatabaseRecovery {
  /** Resolves once no reopen is under way. */
  settled(): Promise<void>;
  /** After a failed commit: true once the database was opened again (and load() ran); false when it was not invalidated or could not be opened. */
  reopenedAfter(error: unknown): Promise<boolean>;
}

interface Pending<I, R> {
  readonly input: I;
  readonly details: string | null;
  readonly resolve: (row: R) => void;
  readonly reject: (error: unknown) => void;
}

export class DurableLog {
  private alarmSeq = 0;
  private auditSeq = 0;
  private auditHead = GENESIS_HASH;
  private pendingAlarms: Pending<AlarmEventInput, AlarmEventRow>[] = [];
  private pendingAudit: Pending<AuditInput, AuditRow>[] = [];
  private writing: Promise<void> | null = null;
  alarmEventsWritten = 0;
  auditRowsWritten = 0;
  /** Where each point's alarm events lie, for range reads of a few points. */
  readonly pointBounds = new PointEventBounds();

  constructor(
    private readonly connection: SerialConnection,
    private readonly now: () => number,
    private readonly recovery: DatabaseRecovery,
  ) {}

  async load(): Promise<void> {
    const [alarm] = await this.connection.rows('SELECT coalesce(max(seq), 0) AS seq FROM alarm_events');
    this.alarmSeq = num(alarm?.seq);
    const [audit] = await this.connection.rows('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    if (audit) {
      this.auditSeq = num(audit.seq);
      this.auditHead = String(audit.hash);
    }
    await this.pointBounds.load(this.connection);
  }

  appendAlarmEvent(event: AlarmEventInput): Promise<AlarmEventRow> {
    return new Promise((resolve, reject) => {
      const details = validateAlarmEvent(event);
      this.pendingAlarms.push({ input: event, details, resolve, reject });
      this.kick();
    });
  }

  appendAudit(entry: AuditInput): Promise<AuditRow> {
    return new Promise((resolve, reject) => {
      const details = validateAudit(entry);
      this.pendingAudit.push({ input: entry, details, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once everything submitted so far is committed or failed. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = null;
      // Rows submitted by code that ran when the last round's promises resolved arrive after the loop's final check.
      if (this.pendingAlarms.length > 0 || this.pendingAudit.length > 0) this.kick();
    });
  }

  /**
   * One transaction per round holds every row submitted while the previous round was committing. A round that failed
   * because DuckDB invalidated the database waits for the store to open it again, then is committed again, unless the
   * seq numbers on disk show it was committed before the fatal error (an automatic checkpoint after the commit).
   */
  private async drain(): Promise<void> {
    let fatalRetries = 0;
    while (this.pendingAlarms.length > 0 || this.pendingAudit.length > 0) {
      await this.recovery.settled();
      const alarms = this.pendingAlarms;
      const audits = this.pendingAudit;
      this.pendingAlarms = [];
      this.pendingAudit = [];
      const writtenAt = this.now();
      const alarmRows = alarms.map(
        (pending, i): AlarmEventRow => ({
          ...pending.input,
          seq: this.alarmSeq + i + 1,
          writtenAt,
        }),
      );
      let head = this.auditHead;
      const auditRows = audits.map((pending, i): AuditRow => {
        const seq = this.auditSeq + i + 1;
        const { time, who, action } = pending.input;
        const target = pending.input.target ?? null;
        const hash = auditRowHash({ seq, time, who, action, target, details: pending.details, prevHash: head });
        const row: AuditRow = { seq, time, who, action, target, details: pending.input.details ?? null, prevHash: head, hash };
        head = hash;
        return row;
      });
      this.pointBounds.widen(alarmRows);
      try {
        await this.commit(alarms, alarmRows, audits, auditRows);
      } catch (cause) {
        const reopened = fatalRetries < MAX_FATAL_RETRIES && (await this.recovery.reopenedAfter(cause));
        if (!reopened) {
          const error = new StoreError('HAZMON_STORE_WRITE_FAILED', `alarm event / audit commit failed: ${messageOf(cause)}`, { cause });
          for (const pending of [...alarms, ...audits]) pending.reject(error);
          fatalRetries = 0;
          continue;
        }
        fatalRetries += 1;
        // The reopen loaded the seq numbers and audit head from disk.
        const lastAlarm = alarmRows.at(-1);
        const committed = lastAlarm ? this.alarmSeq >= lastAlarm.seq : this.auditSeq >= (auditRows.at(-1)?.seq ?? Infinity);
        if (!committed) {
          this.pendingAlarms.unshift(...alarms);
          this.pendingAudit.unshift(...audits);
          continue;
        }
      }
      fatalRetries = 0;
      this.alarmSeq = Math.max(this.alarmSeq, alarmRows.at(-1)?.seq ?? 0);
      this.auditSeq = Math.max(this.auditSeq, auditRows.at(-1)?.seq ?? 0);
      this.auditHead = head;
      this.alarmEventsWritten += alarmRows.length;
      this.auditRowsWritten += auditRows.length;
      alarms.forEach((pending, i) => pending.resolve(alarmRows[i] as AlarmEventRow));
      audits.forEach((pending, i) => pending.resolve(auditRows[i] as AuditRow));
    }
  }

  private commit(
    alarms: readonly Pending<AlarmEventInput, AlarmEventRow>[],
    alarmRows: readonly AlarmEventRow[],
    audits: readonly Pending<AuditInput, AuditRow>[],
    auditRows: readonly AuditRow[],
  ): Promise<void> {
    if (auditRows.length === 0 && alarmRows.length <= ROWS_PER_STATEMENT) {
      // One INSERT commits on its own (auto-commit: WAL written and fsynced before it returns), in one call to DuckDB
      // where BEGIN, INSERT, COMMIT took three, each a trip from the event loop to a libuv thread and back: under the
      // agent's load each return waited for the loop, and the alarm with it.
      return this.connection.run(insertValuesSql('alarm_events', 11, alarmRows.length), alarmRowValues(alarmRows, alarms, 0));
    }
    return this.connection.transaction(async (tx) => {
      for (let start = 0; start < alarmRows.length; start += ROWS_PER_STATEMENT) {
        const slice = alarmRows.slice(start, start + ROWS_PER_STATEMENT);
        await tx.run(insertValuesSql('alarm_events', 11, slice.length), alarmRowValues(slice, alarms, start));
      }
      for (let start = 0; start < auditRows.length; start += ROWS_PER_STATEMENT) {
        const slice = auditRows.slice(start, start + ROWS_PER_STATEMENT);
        await tx.run(
          insertValuesSql('audit_log', 8, slice.length),
          slice.flatMap((row, i) => auditValues(row, audits[start + i]?.details ?? null)),
        );
      }
      const lastAudit = auditRows.at(-1);
      if (lastAudit) {
        await tx.run('DELETE FROM store_meta WHERE key = $1', [META_AUDIT_HEAD]);
        await tx.run('INSERT INTO store_meta VALUES ($1, $2)', [META_AUDIT_HEAD, lastAudit.seq]);
      }
    });
  }

  /**
   * The last audit seq committed once everything submitted so far is: the head a chain check covers. The larger of the
   * head kept in store_meta (rows deleted from the end fall short of it) and the largest seq (rows added after it).
   */
  async committedAuditHead(): Promise<number> {
    await this.idle();
    const [meta] = await this.connection.rows('SELECT max(value) AS head FROM store_meta WHERE key = $1', [META_AUDIT_HEAD]);
    return Math.max(num(meta?.head ?? 0), this.auditSeq);
  }
}

/** The INSERT parameters of `rows`, which are the pending appends' from `start` on. */
function alarmRowValues(rows: readonly AlarmEventRow[], pending: readonly Pending<AlarmEventInput, AlarmEventRow>[], start: number): DuckDBValue[] {
  return rows.flatMap((row, i) => [
    row.seq,
    row.time,
    row.pointId,
    row.ruleId,
    row.kind,
    row.stateAfter,
    row.priority ?? null,
    row.who ?? null,
    row.why ?? null,
    pending[start + i]?.details ?? null,
    row.writtenAt,
  ]);
}

function auditValues(row: AuditRow, details: string | null): DuckDBValue[] {
  return [row.seq, row.time, row.who, row.action, row.target, details, row.prevHash, row.hash];
}

export function alarmEventFromRow(row: SqlRow): AlarmEventRow {
  return {
    seq: num(row.seq),
    time: num(row.t),
    pointId: strOrNull(row.point_id),
    ruleId: String(row.rule_id),
    kind: String(row.kind),
    stateAfter: String(row.state_after),
    priority: strOrNull(row.priority) as AlarmPriority | null,
    who: strOrNull(row.who),
    why: strOrNull(row.why),
    details: parseDetails(row.details),
    writtenAt: num(row.written_at),
  };
}

/** A stored audit row as the chain check reads it, its details parsed. */
export function auditFromRow(row: SqlRow): AuditRow {
  return { ...storedAuditRow(row), details: parseDetails(row.details) };
}

function parseDetails(text: JS | undefined): Record<string, unknown> | null {
  return text === null || text === undefined ? null : (JSON.parse(String(text)) as Record<string, unknown>);
}

function requireTime(value: unknown, where: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new StoreError('HAZMON_STORE_BAD_EVENT', `${where}: ${quote(value)} must be epoch ms (a whole number >= 0)`);
  }
}

function requireText(value: unknown, where: string, nullable: boolean): void {
  if (nullable && (value === null || value === undefined)) return;
  if (typeof value !== 'string' || value.length === 0) {
    throw new StoreError('HAZMON_STORE_BAD_EVENT', `${where}: ${quote(value)} must be a non-empty string${nullable ? ' or null' : ''}`);
  }
}

function detailsJson(details: unknown, where: string): string | null {
  if (details === null || details === undefined) return null;
  if (typeof details !== 'object' || Array.isArray(details)) {
    throw new StoreError('HAZMON_STORE_BAD_EVENT', `${where}: ${quote(details)} must be an object or null`);
  }
  return canonicalJson(details, where);
}

function validateAlarmEvent(event: AlarmEventInput): string | null {
  requireTime(event.time, 'appendAlarmEvent: time');
  requireText(event.pointId, 'appendAlarmEvent: pointId', true);
  requireText(event.ruleId, 'appendAlarmEvent: ruleId', false);
  if (typeof event.kind !== 'string' || !KIND_PATTERN.test(event.kind)) {
    throw new StoreError('HAZMON_STORE_BAD_EVENT', `appendAlarmEvent: kind ${quote(event.kind)} must be lower_snake_case (e.g. "raised")`);
  }
  requireText(event.stateAfter, 'appendAlarmEvent: stateAfter', false);
  if (!PRIORITIES.has(event.priority ?? null)) {
    throw new StoreError('HAZMON_STORE_BAD_EVENT', `appendAlarmEvent: priority ${quote(event.priority)} must be emergency, high, medium, low or null`);
  }
  requireText(event.who, 'appendAlarmEvent: who', true);
  requireText(event.why, 'appendAlarmEvent: why', true);
  return detailsJson(event.details, 'appendAlarmEvent: details');
}

function validateAudit(entry: AuditInput): string | null {
  requireTime(entry.time, 'appendAudit: time');
  requireText(entry.who, 'appendAudit: who', false);
  requireText(entry.action, 'appendAudit: action', false);
  requireText(entry.target, 'appendAudit: target', true);
  return detailsJson(entry.details, 'appendAudit: details');
}
