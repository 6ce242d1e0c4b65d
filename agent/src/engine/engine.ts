/** The alarm engine: readings and ticks in, alarm, action and health events out; pure and replayable. */
import { QUALITY_CODE, effectiveTime, type QualityReasonCode, type Reading } from '@hazmon/protocols';
import { Alarm, type AlarmSnapshot } from './alarm.ts';
import { AlarmHealthTracker, type AlarmSystemHealth } from './alarm-health.ts';
import { parseEngineConfig, type ActionConfig, type EngineConfig, type VotingGroupConfig } from './config.ts';
import { advanceCondition, stepCondition, type ConditionSnapshot } from './condition.ts';
import { EngineError } from './errors.ts';
import type { ActionEvent, CommandResult, EventSink, OperatorCommand } from './events.ts';
import { AGGREGATE_AVG, AGGREGATE_MAX, AGGREGATE_MIN, AGGREGATE_TWA, PointRuntime, type WindowRule } from './point.ts';
import type { PaneWindow, WindowSnapshot } from './window.ts';

/** Reason codes as small integers for the columnar batch; index 0 means no reason. */
export const REASON_CODES: readonly (QualityReasonCode | 'none')[] = [
  'none', 'timeout', 'exception', 'connection', 'frame', 'decode', 'device_fault',
  'signal_out_of_range', 'warm_up', 'maintenance', 'opcua_status', 'backoff',
];
const REASON_INDEX = new Map(REASON_CODES.map((code, i) => [code, i]));
const REASON_DECODE = REASON_INDEX.get('decode')!;
const REASON_DEVICE_FAULT = REASON_INDEX.get('device_fault')!;
const REASON_SIGNAL = REASON_INDEX.get('signal_out_of_range')!;
const REASON_MAINTENANCE = REASON_INDEX.get('maintenance')!;
const COMMS_REASONS = new Set(['timeout', 'connection', 'backoff'].map((code) => REASON_INDEX.get(code as QualityReasonCode)!));
/** Bit 0 of the batch's flags column: one of the point's fault flags is set. */
export const FLAG_FAULT = 1;
const GOOD = QUALITY_CODE.good;
const BAD = QUALITY_CODE.bad;
/** NAMUR NE43 fault bands of a 4-20 mA loop. */
const NE43_LOW_FAULT_MA = 3.6;
const NE43_HIGH_FAULT_MA = 21.0;
const SNAPSHOT_VERSION = 1;
const HEALTH_BAD = 1;
const HEALTH_COMMS = 2;
const HEALTH_FAULT = 4;
const HEALTH_SIGNAL = 8;
const HEALTH_MAINTENANCE = 16;
const ACTION_COMMANDS = { shutoff_valve: 'close', fan: 'start', siren: 'sound', power_cut: 'cut' } as const;

/** Columnar input for the hot path; rows 0..length-1 are read. */
export interface ReadingBatch {
  readonly length: number;
  /** Dense point index from engine.pointIndex(id). */
  readonly point: Int32Array;
  /** Epoch ms UTC (source time when trustworthy, else receive time). */
  readonly time: Float64Array;
  readonly value: Float64Array;
  /** QUALITY_CODE: 0 good, 1 uncertain, 2 bad. */
  readonly quality: Uint8Array;
  /** Index into REASON_CODES; omitted means none. */
  readonly reason?: Uint8Array;
  /** FLAG_FAULT bit; omitted means none. */
  readonly flags?: Uint8Array;
}

export interface EngineStats {
  readings: number;
  /** Refused: older than the point's latest by more than its tolerance (each also emitted as late_reading). */
  late: number;
  /** Accepted although older than the point's latest, within tolerance; applied at the latest time. */
  reordered: number;
  /** Same point, time, value and quality as the previous reading: dropped. */
  duplicates: number;
  /** NaN or Infinity values, or null with good quality: turned into bad quality with reason decode. */
  nonFinite: number;
  /** Non-finite times or unknown point ids (each also emitted as invalid_reading). */
  invalid: number;
}

export interface WindowValue {
  readonly value: number;
  readonly count: number;
  /** Fraction of the window span covered by held good values (time-weighted rules); NaN otherwise. */
  readonly coverage: number;
}

export interface AlarmView {
  readonly id: string;
  readonly pointId: string;
  readonly site: string;
  readonly rule: string;
  readonly state: Alarm['state'];
  readonly mode: Alarm['mode'];
  readonly conditionActive: boolean;
  readonly priority: Alarm['priority'];
}

interface PointSnapshot {
  fingerprint: string;
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
}

export interface RestoreResult {
  readonly restored: string[];
  readonly skipped: { id: string; reason: string }[];
}

class VotingGroup {
  readonly members: PointRuntime[];
  readonly tripAlarms: Alarm[];
  readonly required: number;
  readonly ignored: Uint8Array;
  readonly fingerprint: string;

  constructor(
    readonly config: VotingGroupConfig,
    points: (id: string, where: string) => PointRuntime,
    readonly alarm: Alarm,
    where: string,
  ) {
    const [required, total] = config.vote.split('oo').map(Number) as [number, number];
    if (config.points.length !== total) {
      throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `${where}.points: vote ${config.vote} needs ${total} points, got ${config.points.length}`);
    }
    this.required = required;
    this.members = config.points.map((id, i) => points(id, `${where}.points[${i}]`));
    this.tripAlarms = this.members.map((member, i) => {
      const rule = member.limits.find((limit) => limit.name === config.trip);
      if (rule === undefined) {
        throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `${where}.points[${i}]: point "${member.id}" has no "${config.trip}" limit to vote with`);
      }
      return rule.alarm;
    });
    this.ignored = new Uint8Array(this.members.length);
    this.fingerprint = JSON.stringify(config);
  }
}

class ActionRuntime {
  latched = false;
  readonly triggers: Alarm[] = [];
  readonly fingerprint: string;

  constructor(readonly config: ActionConfig) {
    this.fingerprint = JSON.stringify(config);
  }
}

/**
 * Compiles a rule set and evaluates it. Example:
 *   const engine = new AlarmEngine({ points: [{ id: 'GT-101', preset: { gas: 'CH4', unit: '%LEL' } }] }, (e) => log(e));
 *   engine.processReadings(readings); engine.tick(Date.now());
 */
export class AlarmEngine {
  readonly config: EngineConfig;
  private readonly sink: EventSink;
  private readonly points: PointRuntime[] = [];
  private readonly indexById = new Map<string, number>();
  private readonly alarmsById = new Map<string, Alarm>();
  private readonly groups: VotingGroup[] = [];
  private readonly actions = new Map<string, ActionRuntime>();
  private readonly actionsByAlarm = new Map<Alarm, ActionRuntime[]>();
  private readonly health = new AlarmHealthTracker();
  private readonly counters: EngineStats = { readings: 0, late: 0, reordered: 0, duplicates: 0, nonFinite: 0, invalid: 0 };
  /** First time the engine saw (reading or tick): a point that never reported goes stale staleS after it. */
  private startTime = Number.NaN;

  /** `config` is plain data (e.g. parsed YAML); it is validated here. */
  constructor(config: unknown, sink: EventSink) {
    this.config = parseEngineConfig(config);
    this.sink = sink;
    this.config.points.forEach((rules, i) => {
      if (this.indexById.has(rules.id)) {
        throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `engine config: points[${i}].id: duplicate point id "${rules.id}"`);
      }
      const point = new PointRuntime(i, rules, `engine config: points[${i}]`);
      this.indexById.set(rules.id, i);
      this.points.push(point);
      for (const alarm of point.alarms) this.alarmsById.set(alarm.id, alarm);
    });
    const pointById = (id: string, where: string): PointRuntime => {
      const index = this.indexById.get(id);
      if (index === undefined) throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `engine config: ${where}: unknown point "${id}"`);
      return this.points[index]!;
    };
    this.config.votingGroups.forEach((group, i) => {
      const alarm = new Alarm(`vote/${group.id}`, group.id, group.site, 'vote', 'vote', group.priority, false);
      if (this.alarmsById.has(alarm.id)) throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `engine config: votingGroups[${i}].id: duplicate group "${group.id}"`);
      const runtime = new VotingGroup(group, pointById, alarm, `votingGroups[${i}]`);
      this.alarmsById.set(alarm.id, alarm);
      for (const member of runtime.members) member.groups.push(this.groups.length);
      this.groups.push(runtime);
    });
    this.config.actions.forEach((action, i) => {
      if (this.actions.has(action.id)) throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `engine config: actions[${i}].id: duplicate action "${action.id}"`);
      const runtime = new ActionRuntime(action);
      action.when.forEach((alarmId, j) => {
        const alarm = this.alarmsById.get(alarmId);
        if (alarm === undefined) throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `engine config: actions[${i}].when[${j}]: unknown alarm "${alarmId}"`);
        runtime.triggers.push(alarm);
        this.actionsByAlarm.set(alarm, [...(this.actionsByAlarm.get(alarm) ?? []), runtime]);
      });
      this.actions.set(action.id, runtime);
    });
  }

  get pointIds(): string[] {
    return this.points.map((point) => point.id);
  }

  /** Dense index for the columnar batch; -1 for an unknown id. */
  pointIndex(pointId: string): number {
    return this.indexById.get(pointId) ?? -1;
  }

  stats(): EngineStats {
    return { ...this.counters };
  }

  /** Hot path: columnar readings, in time order per point. */
  processBatch(batch: ReadingBatch): void {
    const { point, time, value, quality, reason, flags } = batch;
    for (let i = 0; i < batch.length; i += 1) {
      this.processReading(point[i]!, time[i]!, value[i]!, quality[i]!, reason === undefined ? 0 : reason[i]!, flags === undefined ? 0 : flags[i]!);
    }
  }

  /** Convenience for `Reading` objects; unknown points are reported as invalid_reading events. */
  processReadings(readings: readonly Reading[]): void {
    for (const reading of readings) {
      const index = this.indexById.get(reading.pointId);
      const time = effectiveTime(reading);
      if (index === undefined) {
        this.counters.invalid += 1;
        this.sink({ type: 'invalid_reading', pointId: reading.pointId, time, why: `unknown point "${reading.pointId}"` });
        continue;
      }
      const raw = reading.value;
      const numeric = raw === null ? Number.NaN : typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
      let flagBits = 0;
      if (reading.flags !== undefined) {
        for (const name of this.points[index]!.faultFlags) if (reading.flags[name] === true) flagBits |= FLAG_FAULT;
      }
      const reason = reading.reason === undefined ? 0 : (REASON_INDEX.get(reading.reason.code) ?? 0);
      this.processReading(index, time, numeric, QUALITY_CODE[reading.quality], reason, flagBits);
    }
  }

  /** One reading by dense point index. */
  processReading(index: number, t: number, v: number, quality: number, reason: number, flags: number): void {
    const point = this.points[index];
    if (point === undefined) {
      throw new EngineError('HAZMON_ENGINE_INPUT_INVALID', `processReading: point index ${index} is not configured (0..${this.points.length - 1})`);
    }
    this.counters.readings += 1;
    if (!Number.isFinite(t)) {
      this.counters.invalid += 1;
      this.sink({ type: 'invalid_reading', pointId: point.id, time: t, why: `time ${t} is not a finite epoch-ms value` });
      return;
    }
    if (Number.isNaN(this.startTime)) this.startTime = t;
    if (t < point.lastTime) {
      const lateBy = point.lastTime - t;
      if (lateBy > point.lateToleranceMs) {
        this.counters.late += 1;
        this.sink({ type: 'late_reading', pointId: point.id, time: t, latestTime: point.lastTime, lateByMs: lateBy });
        return;
      }
      this.counters.reordered += 1;
      t = point.lastTime;
    } else if (t === point.lastTime && v === point.lastValue && quality === point.lastQuality) {
      this.counters.duplicates += 1;
      return;
    }
    if (quality === GOOD && !Number.isFinite(v)) {
      this.counters.nonFinite += 1;
      quality = BAD;
      reason = REASON_DECODE;
    }
    let signalFault = reason === REASON_SIGNAL;
    if (point.ne43 && quality !== BAD && (v <= NE43_LOW_FAULT_MA || v >= NE43_HIGH_FAULT_MA)) {
      signalFault = true;
      quality = BAD;
      reason = REASON_SIGNAL;
    }
    point.lastTime = t;
    point.lastValue = v;
    point.lastQuality = quality;
    const good = quality === GOOD;
    this.updateHealth(point, t, v, quality, reason, flags, signalFault);
    if (good) {
      point.lastGoodTime = t;
      this.evaluateValueRules(point, t, v);
    } else {
      for (let i = 0; i < point.stores.length; i += 1) point.stores[i]!.add(t, v, false);
      this.advanceDelays(point, t);
    }
    if (point.groups.length > 0) this.evaluateGroups(point, t);
  }

  /** Time passing without readings: stale points, pending delays, shelf expiry, flood ends, votes. */
  tick(now: number): void {
    if (!Number.isFinite(now)) throw new EngineError('HAZMON_ENGINE_INPUT_INVALID', `tick: time ${now} is not finite`);
    if (Number.isNaN(this.startTime)) this.startTime = now;
    for (const point of this.points) {
      const t = Number.isNaN(point.lastTime) ? now : Math.max(now, point.lastTime);
      this.checkStale(point, t);
      this.advanceDelays(point, t);
    }
    for (const group of this.groups) this.evaluateGroup(group, now);
    for (const alarm of this.alarmsById.values()) alarm.expireShelf(now, this.sink);
    this.health.advance(now, this.sink);
  }

  /** Operator command (ack, shelve, unshelve, suppress, unsuppress, remove_from_service, return_to_service, reset). */
  command(command: OperatorCommand): CommandResult {
    const result = this.applyCommand(command);
    if (!result.ok) {
      this.sink({ type: 'command_refused', time: command.time, command: command.kind, target: command.target, who: command.person, reason: result.reason });
    }
    return result;
  }

  alarm(alarmId: string): AlarmView | undefined {
    const alarm = this.alarmsById.get(alarmId);
    return alarm === undefined ? undefined : this.view(alarm);
  }

  alarms(): AlarmView[] {
    return [...this.alarmsById.values()].map((alarm) => this.view(alarm));
  }

  /** Whether an action is latched (commanded and not yet reset). */
  actionLatched(actionId: string): boolean {
    return this.actions.get(actionId)?.latched ?? false;
  }

  /**
   * Current value of a window rule (its name, `stel`, `twa`, `rate_rising`, `rate_falling`) as of the point's
   * latest reading, or as of `now` if given (not before the latest reading).
   */
  windowValue(pointId: string, rule: string, now?: number): WindowValue {
    const point = this.points[this.pointIndex(pointId)];
    const windowRule = point?.windowRules.find((r) => r.name === rule) ?? point?.rateRules.find((r) => r.name === rule);
    if (point === undefined || windowRule === undefined) {
      throw new EngineError('HAZMON_ENGINE_INPUT_INVALID', `windowValue: no window rule "${rule}" on point "${pointId}"`);
    }
    const at = Math.max(now ?? point.lastTime, Number.isNaN(point.lastTime) ? -Infinity : point.lastTime);
    windowRule.store.evict(at);
    const value = point.rateRules.includes(windowRule)
      ? this.rateOf(windowRule.store, point.lastGoodTime, point.lastValue)
      : this.aggregateOf(windowRule.store, windowRule.aggregate, at);
    const store = windowRule.store;
    const span = at - store.windowStart(at);
    return { value, count: store.readingCount, coverage: windowRule.aggregate === AGGREGATE_TWA ? store.coveredMs(at) / span : Number.NaN };
  }

  alarmSystemHealth(site: string, now: number): AlarmSystemHealth {
    return this.health.report(site, now, this.alarmsById.values());
  }

  /** Approximate bytes of state per point (typed arrays of windows plus fixed per-rule fields). */
  stateBytesPerPoint(): number {
    const perRuleObject = 96;
    let total = 0;
    for (const point of this.points) total += point.windowBytes + (point.alarms.length + point.conditions.length) * perRuleObject + 256;
    return total / Math.max(1, this.points.length);
  }

  /** State of the given points (default all), voting groups and actions, as plain JSON-able data. */
  snapshot(pointIds?: readonly string[]): EngineSnapshot {
    const snapshot: EngineSnapshot = { version: SNAPSHOT_VERSION, points: {}, groups: {}, actions: {} };
    const wanted = pointIds === undefined ? null : new Set(pointIds);
    for (const point of this.points) {
      if (wanted !== null && !wanted.has(point.id)) continue;
      snapshot.points[point.id] = {
        fingerprint: point.fingerprint,
        scalars: [point.lastTime, point.lastValue, point.lastQuality, point.lastGoodTime, point.healthBits, point.stuck?.refValue ?? Number.NaN, point.stuck?.refTime ?? Number.NaN],
        conditions: point.conditions.map((condition) => condition.snapshot()),
        windows: point.stores.map((store) => store.snapshot()),
        alarms: Object.fromEntries(point.alarms.map((alarm) => [alarm.id, alarm.snapshot()])),
      };
    }
    for (const group of this.groups) {
      snapshot.groups[group.config.id] = { fingerprint: group.fingerprint, ignored: [...group.ignored], alarm: group.alarm.snapshot() };
    }
    for (const [id, action] of this.actions) snapshot.actions[id] = { fingerprint: action.fingerprint, latched: action.latched };
    return snapshot;
  }

  /** Restores every point, group and action whose rules are unchanged (same fingerprint); reports the rest as skipped. */
  restore(snapshot: EngineSnapshot): RestoreResult {
    if (snapshot?.version !== SNAPSHOT_VERSION) {
      throw new EngineError('HAZMON_ENGINE_SNAPSHOT_INVALID', `restore: snapshot version ${JSON.stringify(snapshot?.version)} is not ${SNAPSHOT_VERSION}`);
    }
    const result: RestoreResult = { restored: [], skipped: [] };
    const unchanged = (id: string, current: { fingerprint: string } | undefined, saved: { fingerprint: string }): boolean => {
      const reason = current === undefined ? 'no longer configured' : current.fingerprint !== saved.fingerprint ? 'rules changed' : null;
      if (reason !== null) result.skipped.push({ id, reason });
      else result.restored.push(id);
      return reason === null;
    };
    for (const [id, saved] of Object.entries(snapshot.points)) {
      const point = this.points[this.pointIndex(id)];
      if (!unchanged(id, point, saved) || point === undefined) continue;
      const nan = (x: number | null | undefined) => x ?? Number.NaN;
      const [lastTime, lastValue, lastQuality, lastGoodTime, healthBits, refValue, refTime] = saved.scalars.map(nan) as number[];
      point.lastTime = lastTime!;
      point.lastValue = lastValue!;
      point.lastQuality = lastQuality!;
      point.lastGoodTime = lastGoodTime!;
      point.healthBits = healthBits!;
      if (point.stuck !== null) {
        point.stuck.refValue = refValue!;
        point.stuck.refTime = refTime!;
      }
      point.conditions.forEach((condition, i) => condition.restore(saved.conditions[i]!));
      point.stores.forEach((store, i) => store.restore(saved.windows[i]!));
      for (const alarm of point.alarms) {
        const savedAlarm = saved.alarms[alarm.id];
        if (savedAlarm !== undefined) alarm.restore(savedAlarm);
      }
      point.staleActive = point.health.stale.conditionActive;
    }
    for (const [id, saved] of Object.entries(snapshot.groups)) {
      const group = this.groups.find((g) => g.config.id === id);
      if (!unchanged(`vote/${id}`, group, saved) || group === undefined) continue;
      group.ignored.set(saved.ignored);
      group.alarm.restore(saved.alarm);
    }
    for (const [id, saved] of Object.entries(snapshot.actions)) {
      const action = this.actions.get(id);
      if (!unchanged(`action/${id}`, action, saved) || action === undefined) continue;
      action.latched = saved.latched;
    }
    return result;
  }

  private view(alarm: Alarm): AlarmView {
    return {
      id: alarm.id, pointId: alarm.pointId, site: alarm.site, rule: alarm.rule,
      state: alarm.state, mode: alarm.mode, conditionActive: alarm.conditionActive, priority: alarm.priority,
    };
  }

  private applyCommand(command: OperatorCommand): CommandResult {
    if (typeof command.person !== 'string' || command.person.trim() === '') {
      return { ok: false, reason: `${command.kind} ${command.target}: the person giving the command must be named` };
    }
    if (!Number.isFinite(command.time)) return { ok: false, reason: `${command.kind} ${command.target}: time ${command.time} is not finite` };
    const alarm = this.alarmsById.get(command.target);
    if (alarm !== undefined) return alarm.command(command, this.sink);
    const action = this.actions.get(command.target);
    if (action === undefined || command.kind !== 'reset') {
      return { ok: false, reason: `${command.kind}: unknown ${action === undefined ? 'alarm or action' : 'alarm'} "${command.target}"` };
    }
    if (!action.latched) return { ok: false, reason: `action ${action.config.id} is not latched: nothing to reset` };
    const active = action.triggers.filter((trigger) => trigger.conditionActive).map((trigger) => trigger.id);
    if (active.length > 0) return { ok: false, reason: `action ${action.config.id}: condition still active (${active.join(', ')}), reset refused` };
    action.latched = false;
    this.emitAction(action, command.time, 'release', null, command.person, command.reason?.trim() || 'reset after the condition cleared');
    return { ok: true };
  }

  /** Sets an alarm's condition and fans out activations to health figures and actions. */
  private raise(alarm: Alarm, active: boolean, t: number, value: number, why: string, coverage?: number): void {
    if (!alarm.setCondition(active, t, value, why, this.sink, coverage)) return;
    this.health.recordActivation(alarm, t, this.sink);
    const actions = this.actionsByAlarm.get(alarm);
    if (actions === undefined || alarm.mode === 'out_of_service') return;
    for (const action of actions) {
      if (action.latched) continue;
      action.latched = true;
      this.emitAction(action, t, ACTION_COMMANDS[action.config.kind], alarm.id, 'engine', `${alarm.id} active (${why})`);
    }
  }

  private emitAction(action: ActionRuntime, time: number, command: ActionEvent['command'], alarmId: string | null, who: string, why: string): void {
    const { id, kind, output } = action.config;
    this.sink({ type: 'action', time, actionId: id, kind, output, command, alarmId, who, why });
  }

  /** Health alarms follow bits of the latest reading; the common case (nothing changed) touches no alarm. */
  private updateHealth(point: PointRuntime, t: number, v: number, quality: number, reason: number, flags: number, signalFault: boolean): void {
    const bits =
      (quality === BAD ? HEALTH_BAD : 0) |
      (COMMS_REASONS.has(reason) ? HEALTH_COMMS : 0) |
      (reason === REASON_DEVICE_FAULT || (flags & FLAG_FAULT) !== 0 ? HEALTH_FAULT : 0) |
      (signalFault ? HEALTH_SIGNAL : 0) |
      (reason === REASON_MAINTENANCE ? HEALTH_MAINTENANCE : 0);
    const changed = bits ^ point.healthBits;
    point.healthBits = bits;
    if (changed !== 0) {
      const h = point.health;
      const why = REASON_CODES[reason] ?? 'none';
      if (changed & HEALTH_BAD) this.raise(h.badQuality, (bits & HEALTH_BAD) !== 0, t, v, (bits & HEALTH_BAD) !== 0 ? `quality bad (${why})` : 'quality no longer bad');
      if (changed & HEALTH_COMMS) this.raise(h.commsLoss, (bits & HEALTH_COMMS) !== 0, t, v, (bits & HEALTH_COMMS) !== 0 ? `comms loss (${why})` : 'comms restored');
      if (changed & HEALTH_FAULT) this.raise(h.deviceFault, (bits & HEALTH_FAULT) !== 0, t, v, (bits & HEALTH_FAULT) !== 0 ? 'device reports a fault' : 'device fault cleared');
      if (changed & HEALTH_SIGNAL) {
        this.raise(h.signalOutOfRange, signalFault, t, v, signalFault ? `signal out of range (NE43: <= ${NE43_LOW_FAULT_MA} or >= ${NE43_HIGH_FAULT_MA} mA)` : 'signal back in range');
      }
      if (changed & HEALTH_MAINTENANCE) {
        const maintenance = (bits & HEALTH_MAINTENANCE) !== 0;
        for (const alarm of point.alarms) alarm.setDesignSuppression(maintenance, t, this.sink);
      }
    }
    if (quality === GOOD) {
      if (point.staleActive) {
        point.staleActive = false;
        this.raise(point.health.stale, false, t, v, 'good reading received');
      }
    } else {
      this.checkStale(point, t);
    }
  }

  private checkStale(point: PointRuntime, now: number): void {
    const since = Number.isNaN(point.lastGoodTime) ? this.startTime : point.lastGoodTime;
    const stale = now - since >= point.staleMs;
    if (stale && !point.staleActive) {
      point.staleActive = true;
      this.raise(point.health.stale, true, now, now - since, `no good reading for ${Math.round((now - since) / 1000)} s`);
    }
  }

  private evaluateValueRules(point: PointRuntime, t: number, v: number): void {
    const conditions = point.conditionData;
    const limitOffsets = point.limitOffsets;
    for (let i = 0; i < limitOffsets.length; i += 1) {
      if (stepCondition(conditions, limitOffsets[i]!, v, t)) {
        const rule = point.limits[i]!;
        this.raise(rule.alarm, rule.condition.active, t, v, this.limitWhy(rule.name, rule.condition.active, v, rule.condition.limit));
      }
    }
    const stores = point.stores;
    for (let i = 0; i < stores.length; i += 1) stores[i]!.add(t, v, true);
    const windowOffsets = point.windowOffsets;
    for (let i = 0; i < windowOffsets.length; i += 1) {
      const aggregate = this.aggregateOf(point.windowStores[i]!, point.windowAggregates[i]!, t);
      if (stepCondition(conditions, windowOffsets[i]!, aggregate, t)) this.raiseWindow(point.windowRules[i]!, t, aggregate);
    }
    const rateOffsets = point.rateOffsets;
    for (let i = 0; i < rateOffsets.length; i += 1) {
      const rate = this.rateOf(point.rateStores[i]!, t, v);
      if (stepCondition(conditions, rateOffsets[i]!, rate, t)) {
        const rule = point.rateRules[i]!;
        this.raise(rule.alarm, rule.condition.active, t, rate, `${rule.name} ${rate.toFixed(3)} per minute vs ${rule.condition.limit}`);
      }
    }
    const stuck = point.stuck;
    if (stuck !== null) {
      if (Number.isNaN(stuck.refTime) || Math.abs(v - stuck.refValue) > stuck.epsilon) {
        stuck.refValue = v;
        stuck.refTime = t;
        if (stuck.alarm.conditionActive) this.raise(stuck.alarm, false, t, v, 'value moves again');
      } else if (t - stuck.refTime >= stuck.forMs && !stuck.alarm.conditionActive) {
        this.raise(stuck.alarm, true, t, v, `no change beyond ${stuck.epsilon} for ${Math.round((t - stuck.refTime) / 1000)} s`);
      }
    }
  }

  private raiseWindow(rule: WindowRule, t: number, aggregate: number): void {
    const store = rule.store;
    const coverage = rule.aggregate === AGGREGATE_TWA ? store.coveredMs(t) / (t - store.windowStart(t)) : undefined;
    this.raise(rule.alarm, rule.condition.active, t, aggregate, this.limitWhy(rule.name, rule.condition.active, aggregate, rule.condition.limit), coverage);
  }

  private limitWhy(name: string, active: boolean, value: number, limit: number): string {
    return `${name} ${active ? 'reached' : 'cleared'}: ${value} vs limit ${limit}`;
  }

  private aggregateOf(store: PaneWindow, aggregate: number, t: number): number {
    if (aggregate === AGGREGATE_AVG) return store.average();
    if (aggregate === AGGREGATE_MIN) return store.minimum();
    if (aggregate === AGGREGATE_MAX) return store.maximum();
    return store.timeWeightedIntegral(t) / store.coveredMs(t);
  }

  /** Change per minute from the oldest good reading in the window to the latest. */
  private rateOf(store: PaneWindow, t: number, v: number): number {
    const oldestTime = store.oldestTime();
    return t > oldestTime ? ((v - store.oldestValue()) * 60_000) / (t - oldestTime) : 0;
  }

  private advanceDelays(point: PointRuntime, t: number): void {
    const conditions = point.conditionData;
    for (let i = 0; i < point.limitOffsets.length; i += 1) {
      if (!advanceCondition(conditions, point.limitOffsets[i]!, t)) continue;
      const rule = point.limits[i]!;
      this.raise(rule.alarm, rule.condition.active, t, point.lastValue, `${rule.name} ${rule.condition.active ? 'on' : 'off'}-delay elapsed`);
    }
    for (let i = 0; i < point.windowOffsets.length; i += 1) {
      if (!advanceCondition(conditions, point.windowOffsets[i]!, t)) continue;
      const rule = point.windowRules[i]!;
      this.raise(rule.alarm, rule.condition.active, t, Number.NaN, `${rule.name} ${rule.condition.active ? 'on' : 'off'}-delay elapsed`);
    }
  }

  private evaluateGroups(point: PointRuntime, t: number): void {
    for (let i = 0; i < point.groups.length; i += 1) this.evaluateGroup(this.groups[point.groups[i]!]!, t);
  }

  private evaluateGroup(group: VotingGroup, t: number): void {
    let trips = 0;
    const ignoreBad = group.config.onBadQuality === 'ignore';
    for (let i = 0; i < group.members.length; i += 1) {
      const member = group.members[i]!;
      const bad = member.isBad;
      if (ignoreBad && (bad ? 1 : 0) !== group.ignored[i]) {
        group.ignored[i] = bad ? 1 : 0;
        this.sink({
          type: 'vote_ignored', time: t, groupId: group.config.id, pointId: member.id, ignored: bad,
          why: bad ? 'bad quality or stale: vote ignored as configured' : 'quality good again: votes again',
        });
      }
      if (bad ? !ignoreBad : group.tripAlarms[i]!.conditionActive) trips += 1;
    }
    const active = trips >= group.required;
    if (active !== group.alarm.conditionActive) {
      this.raise(group.alarm, active, t, trips, `${trips} of ${group.members.length} detectors vote trip (${group.config.vote})`);
    }
  }
}

