/**
 * Snapshot and restore of an engine's state (per point, voting group and action, each with a fingerprint of its
 * rules), and the restore of alarm states a previous run left in the alarm journal.
 */
import type { Alarm, AlarmSnapshot } from './alarm.ts';
import type { AlarmHealthTracker, SiteHealthSnapshot } from './alarm-health.ts';
import type { ConditionSnapshot } from './condition.ts';
import { EngineError } from './errors.ts';
import { HealthBit, PointField, PointFlag, setPointFlags } from './layout.ts';
import type { PointRuntime } from './point.ts';
import type { WindowSnapshot } from './window.ts';

const SNAPSHOT_VERSION = 1;
/** The point-record health bit behind each health alarm that follows the latest reading. */
const HEALTH_BIT_OF_RULE: Readonly<Record<string, number>> = { bad_quality: HealthBit.Bad, comms_loss: HealthBit.Comms, device_fault: HealthBit.Fault, signal_out_of_range: HealthBit.Signal };

export interface PointSnapshot {
  fingerprint: string;
  /** PointRuntime.fingerprintBesideLimitValues: equal while only limit values differ. */
  fingerprintBesideLimitValues: string;
  scalars: number[];
  conditions: ConditionSnapshot[];
  windows: WindowSnapshot[];
  alarms: Record<string, AlarmSnapshot>;
}

export interface EngineSnapshot {
  version: number;
  points: Record<string, PointSnapshot>;
  groups: Record<string, { fingerprint: string; ignored: number[]; alarm: AlarmSnapshot }>;
  actions: Record<string, { fingerprint: string; latched: boolean }>;
  /** Alarm-system health figures per site (floods, chattering, counts); in full snapshots only. */
  alarmSystem?: Record<string, SiteHealthSnapshot>;
}

export interface RestoreResult {
  readonly restored: string[];
  readonly skipped: { id: string; reason: string }[];
  /** Points restored although limit values differ (the rest of their rules equal): their moved limits judge the next reading. */
  readonly limitsMoved: string[];
}

/**
 * An alarm's life-cycle state as a previous run of the engine left it (the agent reads it back from the alarm
 * journal): what a restart must not lose, an acknowledgement, a shelf with its expiry, a removal from service.
 */
export interface SavedAlarmState {
  readonly alarmId: string;
  readonly state: Alarm['state'];
  readonly mode: Alarm['mode'];
  readonly conditionActive: boolean;
  /** Epoch ms; NaN when unknown. */
  readonly activeSince: number;
  /** Epoch ms; required when mode is shelved. */
  readonly shelvedUntil: number;
}

export interface AlarmStateRestore {
  readonly restored: string[];
  /** Saved states this engine cannot take: the alarm must be closed in the journal (`state_discarded`). */
  readonly discarded: { readonly alarmId: string; readonly reason: string }[];
}

/** What snapshot and restore read and write of an engine (AlarmEngine hands its own). */
export interface SnapshotSubject {
  readonly points: readonly PointRuntime[];
  /** The point records (layout.ts PointField). */
  readonly scalars: Float64Array;
  readonly groups: readonly { readonly config: { readonly id: string }; readonly fingerprint: string; readonly ignored: Uint8Array; readonly alarm: Alarm }[];
  readonly actions: ReadonlyMap<string, { readonly fingerprint: string; latched: boolean }>;
  readonly health: AlarmHealthTracker;
  point(pointId: string): PointRuntime | undefined;
  /** A rule, vote or health alarm by id (a health alarm is created on first use); undefined when there is none. */
  alarm(alarmId: string): Alarm | undefined;
  /** Creates the health alarm with this id if it is one of the point's (a health alarm in a snapshot was in use). */
  healthAlarmOf(point: PointRuntime, alarmId: string): void;
  /** A point's conditions or windows were restored: its limit band and its windows' places for the kernels follow. */
  refreshPoint(index: number): void;
}

/** State of the given points (default all), voting groups and actions, as plain JSON-able data. */
export function takeSnapshot(engine: SnapshotSubject, pointIds?: readonly string[]): EngineSnapshot {
  const snapshot: EngineSnapshot = { version: SNAPSHOT_VERSION, points: {}, groups: {}, actions: {} };
  if (pointIds === undefined) snapshot.alarmSystem = engine.health.snapshot();
  const wanted = pointIds === undefined ? null : new Set(pointIds);
  const s = engine.scalars;
  for (const point of engine.points) {
    if (wanted !== null && !wanted.has(point.id)) continue;
    const p = point.index * PointField.Count;
    snapshot.points[point.id] = {
      fingerprint: point.fingerprint,
      fingerprintBesideLimitValues: point.fingerprintBesideLimitValues,
      scalars: [
        s[p + PointField.LastTime]!,
        s[p + PointField.LastValue]!,
        s[p + PointField.LastQuality]!,
        s[p + PointField.LastGoodTime]!,
        s[p + PointField.Flags]! & PointFlag.Health,
        s[p + PointField.StuckRefValue]!,
        s[p + PointField.StuckRefTime]!,
      ],
      conditions: point.conditions.map((condition) => condition.snapshot()),
      windows: point.stores.map((store) => store.snapshot()),
      alarms: Object.fromEntries(point.alarms.map((alarm) => [alarm.id, alarm.snapshot()])),
    };
  }
  for (const group of engine.groups) {
    snapshot.groups[group.config.id] = { fingerprint: group.fingerprint, ignored: [...group.ignored], alarm: group.alarm.snapshot() };
  }
  for (const [id, action] of engine.actions) snapshot.actions[id] = { fingerprint: action.fingerprint, latched: action.latched };
  return snapshot;
}

/**
 * Restores every point, group and action whose rules are unchanged (same fingerprint); reports the rest as skipped.
 * A point whose rules differ only in limit values is restored too: its alarms keep their states (an acknowledged
 * standing alarm stays acknowledged) and each condition keeps whether it was active, now against its new limit, so
 * the next reading judges a moved limit as the engine judges any reading (clears, with deadband and off-delay, or
 * raises); it is listed in `restored` and in `limitsMoved`.
 */
export function restoreSnapshot(engine: SnapshotSubject, snapshot: EngineSnapshot): RestoreResult {
  if (snapshot?.version !== SNAPSHOT_VERSION) {
    throw new EngineError('HAZMON_ENGINE_SNAPSHOT_INVALID', `restore: snapshot version ${JSON.stringify(snapshot?.version)} is not ${SNAPSHOT_VERSION}`);
  }
  const result: RestoreResult = { restored: [], skipped: [], limitsMoved: [] };
  type Identity = { readonly fingerprint: string; readonly fingerprintBesideLimitValues?: string };
  const unchanged = (id: string, current: Identity | undefined, saved: Identity): boolean => {
    const limitsOnly =
      current !== undefined &&
      current.fingerprint !== saved.fingerprint &&
      current.fingerprintBesideLimitValues !== undefined &&
      current.fingerprintBesideLimitValues === saved.fingerprintBesideLimitValues;
    const reason = current === undefined ? 'no longer configured' : current.fingerprint !== saved.fingerprint && !limitsOnly ? 'rules changed' : null;
    if (reason !== null) result.skipped.push({ id, reason });
    else result.restored.push(id);
    if (limitsOnly) result.limitsMoved.push(id);
    return reason === null;
  };
  const s = engine.scalars;
  for (const [id, saved] of Object.entries(snapshot.points)) {
    const point = engine.point(id);
    if (!unchanged(id, point, saved) || point === undefined) continue;
    // JSON writes NaN as null; a missing number is NaN too.
    const nan = (x: number | null | undefined) => x ?? Number.NaN;
    const [lastTime = NaN, lastValue = NaN, lastQuality = NaN, lastGoodTime = NaN, healthBits = NaN, refValue = NaN, refTime = NaN] = saved.scalars.map(nan);
    const p = point.index * PointField.Count;
    s[p + PointField.LastTime] = lastTime;
    s[p + PointField.LastValue] = lastValue;
    s[p + PointField.LastQuality] = lastQuality;
    s[p + PointField.LastGoodTime] = lastGoodTime;
    setPointFlags(s, p, PointFlag.Health, healthBits & PointFlag.Health);
    if (point.stuck !== null) {
      s[p + PointField.StuckRefValue] = refValue;
      s[p + PointField.StuckRefTime] = refTime;
    }
    point.conditions.forEach((condition, i) => condition.restore(saved.conditions[i]!));
    point.stores.forEach((store, i) => store.restore(saved.windows[i]!));
    engine.refreshPoint(point.index);
    // A health alarm in the snapshot was in use: it is created here to take its state.
    for (const id of Object.keys(saved.alarms)) engine.healthAlarmOf(point, id);
    for (const alarm of point.alarms) {
      const savedAlarm = saved.alarms[alarm.id];
      if (savedAlarm !== undefined) alarm.restore(savedAlarm);
    }
    setPointFlags(s, p, PointFlag.Stale, point.createdHealthAlarm('stale')?.conditionActive ? PointFlag.Stale : 0);
    s[p + PointField.StuckActive] = point.stuck?.alarm.conditionActive ? 1 : 0;
  }
  for (const [id, saved] of Object.entries(snapshot.groups)) {
    const group = engine.groups.find((g) => g.config.id === id);
    if (!unchanged(`vote/${id}`, group, saved) || group === undefined) continue;
    group.ignored.set(saved.ignored);
    group.alarm.restore(saved.alarm);
  }
  for (const [id, saved] of Object.entries(snapshot.actions)) {
    const action = engine.actions.get(id);
    if (!unchanged(`action/${id}`, action, saved) || action === undefined) continue;
    action.latched = saved.latched;
  }
  if (snapshot.alarmSystem !== undefined) engine.health.restore(snapshot.alarmSystem);
  return result;
}

/**
 * Restores alarm states saved by a previous run into this engine before it has judged any reading. An alarm whose
 * condition was active gets its condition back as active too (threshold state, health bit or stale flag), so the
 * first readings judge it as they would have without the restart: still active changes nothing (an acknowledged
 * alarm is not announced again), back to normal clears it with an event. Stuck detection has a reference value
 * that is not saved: an active stuck alarm is discarded and judged afresh.
 */
export function restoreAlarmStates(engine: SnapshotSubject, saved: readonly SavedAlarmState[]): AlarmStateRestore {
  const result: AlarmStateRestore = { restored: [], discarded: [] };
  for (const entry of saved) {
    const alarm = engine.alarm(entry.alarmId);
    const problem =
      alarm === undefined
        ? 'no longer configured'
        : entry.mode === 'shelved' && !Number.isFinite(entry.shelvedUntil)
          ? 'shelved without a known expiry'
          : entry.conditionActive && !restoreCondition(engine, alarm)
            ? 'its condition is not saved and is judged afresh'
            : null;
    if (problem !== null || alarm === undefined) {
      result.discarded.push({ alarmId: entry.alarmId, reason: problem ?? 'no longer configured' });
      continue;
    }
    alarm.restore({
      state: entry.state,
      mode: entry.mode,
      conditionActive: entry.conditionActive,
      activeSince: entry.activeSince,
      shelvedUntil: entry.mode === 'shelved' ? entry.shelvedUntil : Number.NaN,
      designSuppressed: false,
    });
    result.restored.push(entry.alarmId);
  }
  return result;
}

/** Sets the condition behind an alarm active; false when it cannot be (stuck: its reference is not saved). */
function restoreCondition(engine: SnapshotSubject, alarm: Alarm): boolean {
  // A vote is judged from its members' alarms on their next readings: its own active state is all it keeps.
  if (alarm.kind === 'vote') return true;
  const point = engine.point(alarm.pointId);
  if (point === undefined) return false;
  const s = engine.scalars;
  const p = point.index * PointField.Count;
  const health = HEALTH_BIT_OF_RULE[alarm.rule];
  if (health !== undefined && alarm.kind === 'health') {
    setPointFlags(s, p, health, health);
    return true;
  }
  if (alarm.rule === 'stale' && alarm.kind === 'health') {
    setPointFlags(s, p, PointFlag.Stale, PointFlag.Stale);
    return true;
  }
  const rule = [...point.limits, ...point.windowRules, ...point.rateRules].find((candidate) => candidate.alarm === alarm);
  if (rule === undefined) return false;
  rule.condition.restore({ raw: true, active: true, pendingSince: Number.NaN });
  engine.refreshPoint(point.index);
  return true;
}
