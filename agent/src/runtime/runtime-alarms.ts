/**
 * The alarms the runtime raises itself (device comms, shut-off discrepancies, latched actions, store and agent
 * health), each with the ISA-18.2 life cycle the engine's alarms have: raised once, updated while it stands (a retry,
 * a repeated loss: `occurrences` counts them), cleared when its condition ends, acknowledged by a person.
 */
import type { AlarmState, Priority, RevertibleCommand } from '../engine/index.ts';
import { refusal, refusedCommand } from '../engine/index.ts';

/** raised: condition went active; updated: it is still active and something changed; cleared; acknowledged; notice: an event with no condition (e.g. a shut-off confirmed). */
export type RuntimeAlarmTransition = 'raised' | 'updated' | 'cleared' | 'acknowledged' | 'notice';

/** An alarm the runtime raises itself (shut-off, device comms, poll overruns, store health), beside the engine's. */
export interface RuntimeAlarmEvent {
  readonly type: 'runtime_alarm';
  readonly time: number;
  /** `<output>/shutoff_discrepancy`, `<device>/comms_loss`, `<device>/poll_overrun`, `store/<problem>`, `<action>/latched`. */
  readonly alarmId: string;
  readonly source: string;
  readonly rule: string;
  /** Whether the alarm's condition is active after this event. */
  readonly active: boolean;
  readonly transition: RuntimeAlarmTransition;
  readonly fromState: AlarmState;
  readonly toState: AlarmState;
  /** How often the condition was reported while this activation stands (1 when raised). */
  readonly occurrences: number;
  readonly priority: Priority;
  /** `hazmon`, or the person who acknowledged. */
  readonly who: string;
  readonly why: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A runtime alarm raised or cleared from outside the core loop (event-loop lag, heartbeat); `source` null = the agent. */
export interface RuntimeAlarmInput {
  readonly alarmId: string;
  readonly source: string | null;
  readonly rule: string;
  readonly active: boolean;
  readonly priority: Priority;
  readonly why: string;
  readonly details: Readonly<Record<string, unknown>>;
  /**
   * While it stands, repeats within this time are counted but not stored as `updated` events: a condition reported on
   * every store commit (a failing disk) would otherwise fill the alarm history with one row a second.
   */
  readonly updateEveryMs?: number;
}

/** A runtime alarm as it stands now. */
export interface RuntimeAlarmView {
  readonly id: string;
  readonly source: string;
  readonly rule: string;
  readonly priority: Priority;
  readonly state: AlarmState;
  readonly conditionActive: boolean;
  readonly occurrences: number;
  readonly since: number;
  readonly why: string;
}

/** A runtime alarm's state as the journal kept it, for a restart. */
export interface SavedRuntimeAlarm {
  readonly alarmId: string;
  readonly source: string;
  readonly rule: string;
  readonly priority: Priority;
  readonly state: AlarmState;
  readonly occurrences: number;
  readonly time: number;
  readonly why: string;
}

const HAZMON = 'hazmon';

interface Standing {
  source: string;
  rule: string;
  priority: Priority;
  state: AlarmState;
  conditionActive: boolean;
  occurrences: number;
  since: number;
  why: string;
  /** When its last event was published. */
  publishedAt: number;
}

export class RuntimeAlarms {
  private readonly alarms = new Map<string, Standing>();

  constructor(
    private readonly now: () => number,
    private readonly publish: (event: RuntimeAlarmEvent) => void,
  ) {}

  /** Raises the alarm, or updates it (occurrences + 1) when it already stands: one activation, one raised row. */
  raise(alarmId: string, source: string, rule: string, priority: Priority, why: string, details: Readonly<Record<string, unknown>> = {}, updateEveryMs = 0): void {
    const standing = this.alarms.get(alarmId);
    if (standing?.conditionActive) {
      standing.occurrences += 1;
      standing.why = why;
      if (this.now() - standing.publishedAt < updateEveryMs) return;
      return this.emit(alarmId, standing, 'updated', standing.state, HAZMON, why, details);
    }
    const fromState = standing?.state ?? 'normal';
    const next: Standing = { source, rule, priority, state: 'unacknowledged_active', conditionActive: true, occurrences: 1, since: this.now(), why, publishedAt: this.now() };
    this.alarms.set(alarmId, next);
    this.emit(alarmId, next, 'raised', fromState, HAZMON, why, details);
  }

  /** Clears the alarm's condition; nothing happens when it does not stand. Unacknowledged, it waits for an acknowledgement. */
  clear(alarmId: string, why: string, details: Readonly<Record<string, unknown>> = {}): void {
    const standing = this.alarms.get(alarmId);
    if (!standing?.conditionActive) return;
    const fromState = standing.state;
    standing.conditionActive = false;
    standing.state = fromState === 'acknowledged_active' ? 'normal' : 'unacknowledged_returned';
    standing.why = why;
    this.emit(alarmId, standing, 'cleared', fromState, HAZMON, why, details);
    if (standing.state === 'normal') this.alarms.delete(alarmId);
  }

  /** raise or clear by a flag, for callers that follow a condition. */
  set(alarm: RuntimeAlarmInput): void {
    if (alarm.active) this.raise(alarm.alarmId, alarm.source ?? 'agent', alarm.rule, alarm.priority, alarm.why, alarm.details, alarm.updateEveryMs);
    else this.clear(alarm.alarmId, alarm.why, alarm.details);
  }

  /** An event with no standing condition (a shut-off confirmed): published and stored, nothing to acknowledge. */
  notice(alarmId: string, source: string, rule: string, priority: Priority, why: string, details: Readonly<Record<string, unknown>> = {}): void {
    this.emit(alarmId, { source, rule, priority, state: 'normal', conditionActive: false, occurrences: 1, since: this.now(), why, publishedAt: this.now() }, 'notice', 'normal', HAZMON, why, details);
  }

  /** An acknowledgement, with how to take it back should its event not be stored (AlarmEngine.commandRevertible). */
  acknowledge(alarmId: string, person: string, reason: string): RevertibleCommand {
    const standing = this.alarms.get(alarmId);
    if (standing === undefined || (standing.state !== 'unacknowledged_active' && standing.state !== 'unacknowledged_returned')) {
      return refusedCommand(refusal('nothing_to_acknowledge', { target: alarmId, state: standing?.state ?? 'normal' }, `alarm ${alarmId} is ${standing?.state ?? 'normal'}: nothing to acknowledge`));
    }
    const fromState = standing.state;
    standing.state = fromState === 'unacknowledged_active' ? 'acknowledged_active' : 'normal';
    this.emit(alarmId, standing, 'acknowledged', fromState, person, reason, {});
    if (standing.state === 'normal') this.alarms.delete(alarmId);
    return { result: { ok: true }, revert: (_time, why) => this.revertAcknowledge(alarmId, standing, why) };
  }

  has(alarmId: string): boolean {
    return this.alarms.has(alarmId);
  }

  /** Whether the alarm's condition stands now. */
  active(alarmId: string): boolean {
    return this.alarms.get(alarmId)?.conditionActive ?? false;
  }

  /** Ids of the alarms whose condition stands. */
  activeIds(): string[] {
    return [...this.alarms].filter(([, standing]) => standing.conditionActive).map(([id]) => id);
  }

  /** Every alarm not normal: standing ones and cleared ones waiting for an acknowledgement. */
  list(): RuntimeAlarmView[] {
    return [...this.alarms].map(([id, standing]) => ({
      id,
      source: standing.source,
      rule: standing.rule,
      priority: standing.priority,
      state: standing.state,
      conditionActive: standing.conditionActive,
      occurrences: standing.occurrences,
      since: standing.since,
      why: standing.why,
    }));
  }

  /**
   * Takes back states a previous run left in the journal, announcing nothing: a condition that still holds is
   * reported again as an update of the same activation, one that ended is cleared by whoever watches it (the caller
   * restores only the alarms this run watches; see alarm-restore.ts).
   */
  restore(saved: readonly SavedRuntimeAlarm[]): void {
    for (const entry of saved) {
      if (entry.state === 'normal') continue;
      this.alarms.set(entry.alarmId, {
        source: entry.source,
        rule: entry.rule,
        priority: entry.priority,
        state: entry.state,
        conditionActive: entry.state === 'unacknowledged_active' || entry.state === 'acknowledged_active',
        occurrences: entry.occurrences,
        since: entry.time,
        why: entry.why,
        // Its first repeat in this run is published, whenever it comes.
        publishedAt: Number.NEGATIVE_INFINITY,
      });
    }
  }

  /**
   * Takes back an acknowledgement on whatever state the alarm reached since (it may have cleared meanwhile), so memory
   * agrees with the journal a restart reads: the alarm asks for an acknowledgement again.
   */
  private revertAcknowledge(alarmId: string, acknowledged: Standing, why: string): void {
    const standing = this.alarms.get(alarmId);
    if (standing === undefined) {
      const returned: Standing = { ...acknowledged, state: 'unacknowledged_returned', conditionActive: false };
      this.alarms.set(alarmId, returned);
      return this.emit(alarmId, returned, 'updated', 'normal', HAZMON, why, {});
    }
    if (standing.state !== 'acknowledged_active') return;
    standing.state = 'unacknowledged_active';
    this.emit(alarmId, standing, 'updated', 'acknowledged_active', HAZMON, why, {});
  }

  private emit(alarmId: string, standing: Standing, transition: RuntimeAlarmTransition, fromState: AlarmState, who: string, why: string, details: Readonly<Record<string, unknown>>): void {
    standing.publishedAt = this.now();
    this.publish({
      type: 'runtime_alarm',
      time: this.now(),
      alarmId,
      source: standing.source,
      rule: standing.rule,
      active: standing.conditionActive,
      transition,
      fromState,
      toState: standing.state,
      occurrences: standing.occurrences,
      priority: standing.priority,
      who,
      why,
      details,
    });
  }
}
