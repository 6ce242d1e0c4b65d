/**
 * Alarm states across a restart: what the journal says the previous run left of each alarm (acknowledged, shelved
 * until its expiry, out of service, still standing) is taken back before the first reading. The engine's alarms get
 * their conditions back, so the first readings judge them without announcing an acknowledged alarm again; runtime
 * alarms that this run watches again (device comms, a latched valve's discrepancy, the latch) stand until their
 * watcher clears them. Anything else is closed in the journal with a `state_discarded` row, as a reload does.
 */
import type { AlarmEngine, AlarmMode, AlarmState, SavedAlarmState } from '../engine/index.ts';
import type { AlarmEventRow } from '../store/index.ts';
import type { EventJournal } from './event-journal.ts';
import { HAZMON } from './event-journal.ts';
import type { RuntimeAlarms, SavedRuntimeAlarm } from './runtime-alarms.ts';

export interface AlarmRestoreDeps {
  readonly engine: AlarmEngine;
  readonly runtimeAlarms: RuntimeAlarms;
  readonly journal: EventJournal;
  /** Whether this run watches the condition of a runtime alarm from its start (and so can clear it). */
  readonly watches: (alarmId: string) => boolean;
  readonly now: () => number;
}

/** Restores the states of `rows` (each alarm's latest journal row not normal); returns the runtime alarms restored. */
export function restoreAlarmStates(rows: readonly AlarmEventRow[], deps: AlarmRestoreDeps): SavedRuntimeAlarm[] {
  const engineStates: SavedAlarmState[] = [];
  const runtime: SavedRuntimeAlarm[] = [];
  const discarded: { row: AlarmEventRow; reason: string }[] = [];
  for (const row of rows) {
    const details = row.details ?? {};
    const alarmId = String(details['alarmId']);
    const state = alarmStateOf(row.stateAfter);
    if (state === null) discarded.push({ row, reason: `state ${JSON.stringify(row.stateAfter)} is not an alarm state` });
    else if ('alarmKind' in details) engineStates.push(savedEngineAlarm(row, alarmId, state));
    else if (deps.watches(alarmId))
      runtime.push({
        alarmId,
        source: row.pointId ?? 'agent',
        rule: row.ruleId,
        priority: row.priority ?? 'high',
        state,
        occurrences: numberOr(details['occurrences'], 1),
        time: row.time,
        why: row.why ?? '',
      });
    else discarded.push({ row, reason: 'raised by the previous run, which alone watched its condition' });
  }
  const restored = deps.engine.restoreAlarmStates(engineStates);
  const byId = new Map(rows.map((row) => [String(row.details?.['alarmId']), row]));
  for (const { alarmId, reason } of restored.discarded) discarded.push({ row: byId.get(alarmId)!, reason });
  deps.runtimeAlarms.restore(runtime);
  const time = deps.now();
  for (const { row, reason } of discarded) {
    deps.journal.persist({
      time,
      pointId: row.pointId,
      ruleId: row.ruleId,
      kind: 'state_discarded',
      stateAfter: 'normal',
      priority: row.priority ?? null,
      who: HAZMON,
      why: `agent restarted: ${reason}; judged afresh from the next readings`,
      details: { alarmId: row.details?.['alarmId'], stateBefore: row.stateAfter, mode: row.details?.['mode'] ?? null, eventSeq: row.seq },
    });
  }
  return runtime;
}

const ALARM_STATES: ReadonlySet<string> = new Set<AlarmState>(['normal', 'unacknowledged_active', 'acknowledged_active', 'unacknowledged_returned']);

/** A journal row's state as an ISA-18.2 state; runtime rows of earlier versions said `active`. */
function alarmStateOf(stateAfter: string): AlarmState | null {
  if (stateAfter === 'active') return 'unacknowledged_active';
  return ALARM_STATES.has(stateAfter) ? (stateAfter as AlarmState) : null;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * An engine alarm's state from its latest journal row. Suppression by design (who: engine) is not carried: the
 * point's next reading says whether it is still in maintenance.
 */
function savedEngineAlarm(row: AlarmEventRow, alarmId: string, state: AlarmState): SavedAlarmState {
  const details = row.details ?? {};
  const mode = (details['mode'] === 'suppressed' && row.who === 'engine' ? 'in_service' : (details['mode'] ?? 'in_service')) as AlarmMode;
  const conditionActive = details['conditionActive'] === true;
  // As the engine keeps it: from going active until the alarm is back to normal, so one that returned unacknowledged
  // still says when it began (the banner's first out orders by it).
  const activeSince = state === 'normal' ? Number.NaN : numberOr(details['activeSince'], conditionActive ? row.time : Number.NaN);
  return { alarmId, state, mode, conditionActive, activeSince, shelvedUntil: numberOr(details['shelvedUntil'], Number.NaN) };
}
