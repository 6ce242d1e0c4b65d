/** The alarm engine: readings and ticks in, alarm, action and health events out; pure and replayable. */
import { NE43, QUALITY_CODE, REASON_BY_CODE, REASON_CODE, effectiveTime, type QualityReasonCode, type Reading, type ReadingRows } from '@hazmon/protocols';
import { Alarm } from './alarm.ts';
import { AlarmHealthTracker, type AlarmSystemHealth } from './alarm-health.ts';
import type { ActionConfig, EngineConfig, VotingGroupConfig } from './config.ts';
import { QUIET_FIELDS, ConditionTable, type ThresholdCondition } from './condition.ts';
import { EngineError } from './errors.ts';
import { type ActionEvent, type CommandRefusal, type CommandResult, type EventSink, type OperatorCommand, refusal } from './events.ts';
import { formatValue } from './format.ts';
import { compileBatchLoop, compileValueKernel, kernelShapeKey, type BatchLoop, type InlinedKernel, type KernelEnv, type KernelShape, type ValueKernel } from './kernel.ts';
import { FLAG_FAULT, HealthBit, KERNEL_LAYOUT, PointField, PointFlag, RuleField, SettingField, StoreField, setPointFlags, type ReadingBatch } from './layout.ts';
import { HEALTH_RULES, type PointRuntime, type HealthRule, type ValueRule, type WindowRule } from './point.ts';
import { restoreAlarmStates, restoreSnapshot, takeSnapshot, type AlarmStateRestore, type EngineSnapshot, type RestoreResult, type SavedAlarmState, type SnapshotSubject } from './snapshot.ts';
import { checkRuleSet, voteOf, type CheckedRuleSet } from './validate.ts';
import { AGGREGATE_TWA, RATE_PER_MINUTE, WINDOW_HEADER, type PaneWindow } from './window.ts';

/**
 * Reason codes as small integers for the columnar batch: the compact codes of @hazmon/protocols (`REASON_CODE`,
 * the store's too), listed by code; index 0 means no reason.
 */
export const REASON_CODES: readonly (QualityReasonCode | 'none')[] = Array.from(REASON_BY_CODE, (code, i) => (i === 0 ? 'none' : code!));
/** A Map, not the object: a code string from untyped input such as "constructor" must not find a prototype member. */
const REASON_INDEX = new Map<string, number>(Object.entries(REASON_CODE));
const REASON_DECODE = REASON_CODE.decode;
const REASON_DEVICE_FAULT = REASON_CODE.device_fault;
const REASON_SIGNAL = REASON_CODE.signal_out_of_range;
const REASON_MAINTENANCE = REASON_CODE.maintenance;
/** Bit r set: reason code r means comms loss (timeout, connection, backoff); a mask, so no Set lookup per reading. */
const COMMS_REASON_BITS = (1 << REASON_CODE.timeout) | (1 << REASON_CODE.connection) | (1 << REASON_CODE.backoff);
/**
 * Bit r set: a bad reading with reason code r carries nothing the device measured or reported (no answer, a refused
 * or garbled request, an undecodable value), so it cannot tell that a device fault has ended.
 */
const NO_DEVICE_WORD_REASON_BITS = COMMS_REASON_BITS | (1 << REASON_CODE.exception) | (1 << REASON_CODE.frame) | (1 << REASON_CODE.decode);
const GOOD = QUALITY_CODE.good;
const BAD = QUALITY_CODE.bad;
/** NAMUR NE43 fault bands of a 4-20 mA loop, the protocols' own figures (module-local for the hot path). */
const NE43_LOW_FAULT_MA = NE43.faultLowMa;
const NE43_HIGH_FAULT_MA = NE43.faultHighMa;
const ACTION_COMMANDS = { shutoff_valve: 'close', fan: 'start', siren: 'sound', power_cut: 'cut' } as const;
/* The hot path below reads only module-local constants and instance fields: under tsx every access to an imported
   binding (function or constant) goes through a getter costing several ns, as much as a whole rule step. */
const TWA = AGGREGATE_TWA;
const RATE = RATE_PER_MINUTE;
const QUIET = QUIET_FIELDS;

/**
 * Kernels the batch loop runs inline, the commonest by points: a plant usually has a handful of rule shapes, and
 * each inlined one makes the loop bigger (past V8's limit for optimizing a function it would run unoptimized).
 */
const INLINED_KERNELS = 4;
/**
 * Rows of processReadings' columns: more than one device request or notification brings (tens of readings), so a
 * call is one batch; a longer array runs in batches of this many.
 */
const READING_ROWS = 256;
/** Numbers per window header in windowHeaders: WINDOW_HEADER.length rounded up to a whole 64-byte line. */
const HEADER_SLOT = Math.ceil(WINDOW_HEADER.length / 8) * 8;

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

/** An accepted command and how to take it back (see AlarmEngine.commandRevertible). */
export interface RevertibleCommand {
  readonly result: CommandResult;
  readonly revert: (time: number, why: string) => void;
}

const NOTHING_TO_REVERT = (): void => undefined;

/** A refused command: nothing to take back. */
export function refusedCommand(refused: CommandRefusal): RevertibleCommand {
  return { result: refused, revert: NOTHING_TO_REVERT };
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
  /**
   * When the condition went active (epoch ms), null while normal; active again before an acknowledgement, the alarm
   * keeps its first start (one annunciation until someone acknowledges it).
   */
  readonly activeSince: number | null;
  /** When a shelf expires (epoch ms), null unless shelved. */
  readonly shelvedUntil: number | null;
}

/**
 * A rule whose condition changed side but waits out its delay (GB 16808-2025 5.5.1.3: a running delay is shown with
 * its time): `on` before the alarm is raised, `off` before it clears. Computed only when asked (pendingDelays).
 */
export interface PendingDelayView {
  /** The alarm the delay leads to (on) or clears (off). */
  readonly alarmId: string;
  readonly pointId: string;
  readonly site: string;
  readonly rule: string;
  readonly priority: Alarm['priority'];
  readonly kind: 'on' | 'off';
  /** When the condition changed side (epoch ms, the reading's time). */
  readonly pendingSince: number;
  readonly delayMs: number;
  /** pendingSince + delayMs: when the alarm is raised (on) or cleared (off) unless the condition turns back before. */
  readonly dueAt: number;
  /** The value that started the delay, and the limit it was compared with. */
  readonly value: number;
  readonly limit: number;
}

class VotingGroup {
  readonly ignored: Uint8Array;
  readonly fingerprint: string;

  constructor(
    readonly config: VotingGroupConfig,
    readonly required: number,
    readonly members: readonly PointRuntime[],
    readonly tripAlarms: readonly Alarm[],
    readonly alarm: Alarm,
  ) {
    this.ignored = new Uint8Array(members.length);
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
  /** Compiled rules and alarms per point: read when something changes, never on the common path. */
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
  /** Flat hot-path state (layout.ts: PointField, SettingField, RuleField). */
  private readonly pointCount: number;
  private readonly scalars: Float64Array;
  private readonly pointSettings: Float64Array;
  private readonly ruleRanges: Int32Array;
  /**
   * 1 for a point whose limit or window conditions may have a delay for tick to complete (ConditionTable.mayBeDue):
   * tick looks at the others' conditions not at all (at 10k points without delays that was most of a tick).
   */
  private readonly delayedPoints: Uint8Array;
  private readonly conditionTable: ConditionTable;
  /** Per rule slot: the index of its condition in conditionTable. */
  private readonly slotCondition: Int32Array;
  private readonly slotRules: ValueRule[] = [];
  private readonly stores: PaneWindow[] = [];
  /** The engine-wide arrays the windows are packed into (packWindows), and the conditions' quiet intervals. */
  private windowPanes = new Float64Array(0);
  private windowHeaders = new Float64Array(0);
  private readonly conditionQuiet: Float64Array;
  /** Where each window is for the kernels (StoreField.Count; see refreshStoreLayout), and its pane length. */
  private readonly storeLayout: Int32Array;
  private readonly storePaneMs: Float64Array;
  /** The compiled value-rule kernels, one per shape of rules, and each point's (kernel.ts). */
  private readonly kernels: ValueKernel[] = [];
  private readonly pointKernel: Int32Array;
  /** processBatch's loop over common readings, with the commonest kernels inline (kernel.ts compileBatchLoop). */
  private readonly batchLoop: BatchLoop;
  /**
   * processBatch hands a reading's time and value to the full path here rather than as arguments: V8 boxes a double
   * passed to a call it does not inline, which would be two allocations per reading.
   */
  private readonly input = new Float64Array(2);
  /**
   * The reason message of the Reading being processed (processReadings), for the why of the health alarms it raises:
   * the columnar batch carries codes only. A field, not a per-point array: it is read in the same call.
   */
  private reasonText: string | undefined = undefined;
  /** processReadings' readings as columns, reused, so that they take the batch loop; with each row's reason message. */
  private readonly readingRows = {
    length: 0,
    point: new Int32Array(READING_ROWS),
    time: new Float64Array(READING_ROWS),
    value: new Float64Array(READING_ROWS),
    quality: new Uint8Array(READING_ROWS),
    reason: new Uint8Array(READING_ROWS),
    flags: new Uint8Array(READING_ROWS),
  };
  private readonly readingReasonTexts = new Array<string | undefined>(READING_ROWS).fill(undefined);
  /** A window or rate rule's result, the time and the latest value (see updateWindows). */
  private readonly ruleInput = new Float64Array(3);

  /** `config` is plain data (e.g. parsed YAML); it is validated here (checkRuleSet). */
  constructor(config: unknown, sink: EventSink) {
    this.config = checkRuleSet(config, (point) => {
      this.indexById.set(point.id, point.index);
      this.points.push(point);
      // A new point has no health alarm yet (created on first use): its rule alarms and stuck, without point.alarms' copies.
      for (const alarm of point.ruleAlarms) this.alarmsById.set(alarm.id, alarm);
      if (point.stuck) this.alarmsById.set(point.stuck.alarm.id, point.stuck.alarm);
    }).config;
    this.sink = sink;
    this.pointCount = this.points.length;
    this.scalars = new Float64Array(this.pointCount * PointField.Count);
    this.pointSettings = new Float64Array(this.pointCount * SettingField.Count);
    this.ruleRanges = new Int32Array(this.pointCount * RuleField.Count);
    // Window and rate conditions first, limit conditions after all of them: a good reading reads the quiet intervals
    // of the first kind as one stream, the limits' only when its value leaves the point's limit band.
    const conditions: ThresholdCondition[] = [];
    for (const point of this.points) {
      this.initScalars(point);
      this.ruleRanges[point.index * RuleField.Count + RuleField.Conditions] = conditions.length;
      // Four limits at most: no set per point (10k of them, garbage as soon as the engine is built).
      for (const condition of point.conditions) if (!point.limits.some((limit) => limit.condition === condition)) conditions.push(condition);
      this.addRuleSlots(point);
    }
    for (const point of this.points) {
      this.ruleRanges[point.index * RuleField.Count + RuleField.LimitConditions] = conditions.length;
      conditions.push(...point.limits.map((limit) => limit.condition));
    }
    this.conditionTable = new ConditionTable(conditions);
    this.conditionQuiet = this.conditionTable.quiet;
    const storeCount = this.stores.length;
    this.storeLayout = new Int32Array(storeCount * StoreField.Count);
    this.storePaneMs = Float64Array.from(this.stores, (store) => store.paneMs);
    this.packWindows();
    this.slotCondition = Int32Array.from(this.slotRules, (rule) => rule.condition.index);
    this.delayedPoints = new Uint8Array(this.pointCount);
    for (let index = 0; index < this.pointCount; index += 1) {
      this.refreshLimitBand(index);
      this.refreshDelayed(index);
    }
    ({ pointKernel: this.pointKernel, batchLoop: this.batchLoop } = this.compileKernels());
    // checkRuleSet has checked every id the groups and actions name.
    for (const group of this.config.votingGroups) {
      const members = group.points.map((id) => this.pointAt(this.pointIndex(id)));
      const tripAlarms = members.map((member) => member.limits.find((rule) => rule.name === group.trip)!.alarm);
      const alarm = new Alarm(`vote/${group.id}`, group.id, group.site, 'vote', 'vote', group.priority, false);
      this.alarmsById.set(alarm.id, alarm);
      for (const member of members) {
        member.groups = [...member.groups, this.groups.length];
        setPointFlags(this.scalars, member.index * PointField.Count, PointFlag.InGroup, PointFlag.InGroup);
      }
      this.groups.push(new VotingGroup(group, voteOf(group).required, members, tripAlarms, alarm));
    }
    for (const config of this.config.actions) {
      const action = new ActionRuntime(config);
      for (const alarmId of config.when) {
        const alarm = (this.alarmsById.get(alarmId) ?? this.healthAlarmById(alarmId))!;
        action.triggers.push(alarm);
        this.actionsByAlarm.set(alarm, [...(this.actionsByAlarm.get(alarm) ?? []), action]);
      }
      this.actions.set(config.id, action);
    }
  }

  /**
   * Judges a rule set exactly as the constructor does (same errors) without keeping what it compiles: each point's
   * rules are compiled and dropped in turn, so a config check does not hold a whole second engine (~3-6 KB per
   * point) until the running one is built. Returns the parsed config and the number of alarms an engine would have.
   */
  static check(config: unknown): CheckedRuleSet {
    return checkRuleSet(config);
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

  /**
   * Hot path: columnar readings, in time order per point. The common reading (good, finite, newer than the point's
   * latest, no reason or flag, on a point with no health condition, not stale, not NE43, in no voting group) goes
   * straight to the value rules in the generated batch loop; every other one takes the full path (applyInput),
   * which gives the same result for a common reading.
   */
  processBatch(batch: ReadingBatch): void {
    this.runBatch(batch, undefined);
  }

  /** processBatch, with each row's reason message (if any) for the health alarms a row raises on the full path. */
  private runBatch(batch: ReadingBatch, reasonTexts: readonly (string | undefined)[] | undefined): void {
    const { point, time, value, quality, reason, flags } = batch;
    const input = this.input;
    const counters = this.counters;
    const batchLoop = this.batchLoop;
    for (let i = 0; i < batch.length; i += 1) {
      // Before the engine's first reading or tick the full path sets the start time (stale counts from it).
      if (!Number.isNaN(this.startTime)) {
        i = batchLoop(batch, i, counters);
        if (i === batch.length) break;
      }
      input[0] = time[i]!;
      input[1] = value[i]!;
      if (reasonTexts !== undefined) this.reasonText = reasonTexts[i];
      this.applyInput(point[i]!, quality[i]!, reason === undefined ? 0 : reason[i]!, flags === undefined ? 0 : flags[i]!);
    }
    this.reasonText = undefined;
  }

  /**
   * `Reading` objects, as the agent gets them (one device request or notification at a time); unknown points are
   * reported as invalid_reading events. They are copied into columns and run as a batch (processBatch), so they take
   * the batch loop too: ~2-3x the throughput of taking each down the full path.
   */
  processReadings(readings: readonly Reading[]): void {
    let row = 0;
    for (const reading of readings) {
      const index = this.indexById.get(reading.pointId);
      if (index === undefined) {
        row = this.runReadingRows(row);
        this.counters.invalid += 1;
        this.sink({ type: 'invalid_reading', pointId: reading.pointId, time: effectiveTime(reading), why: `unknown point "${reading.pointId}"` });
        continue;
      }
      row = this.addReadingRow(row, index, reading);
    }
    this.runReadingRows(row);
  }

  /**
   * A source's rows (`ReadingRows`), with the engine index of each row's point resolved by the caller once, not per
   * reading: `engineIndex[rows.point[row]]`, -1 for a point without rules (skipped, as the agent has always left them
   * out). Plain rows go into the batch columns as they are; a row with a Reading as processReadings takes it.
   */
  processRows(rows: ReadingRows, engineIndex: Int32Array): void {
    if (rows.atReceiveTime) return this.processRowsAtReceiveTime(rows, engineIndex);
    const columns = this.readingRows;
    const { point, value, sourceTime, restated, receiveTime } = rows;
    let row = 0;
    for (let i = 0; i < rows.length; i += 1) {
      const index = engineIndex[point[i]!] ?? -1;
      if (index < 0) continue;
      const reading = rows.objectAt(i);
      if (reading !== undefined) {
        row = this.addReadingRow(row, index, reading);
        continue;
      }
      // effectiveTime: the source's time unless there is none (NaN) or the row restates a value
      const stamped = sourceTime[i]!;
      columns.point[row] = index;
      columns.time[row] = restated[i] === 1 || Number.isNaN(stamped) ? receiveTime : stamped;
      columns.value[row] = value[i]!;
      columns.quality[row] = GOOD;
      columns.reason[row] = 0;
      columns.flags[row] = 0;
      this.readingReasonTexts[row] = undefined;
      row = this.nextRow(row);
    }
    this.runReadingRows(row);
  }

  /**
   * processRows for rows that are all plain at the batch's receive time (`ReadingRows.atReceiveTime`: a Modbus answer
   * of plain numbers): per row only its point and value go into the columns, their time, quality, reason and flags
   * are filled once for the batch.
   */
  private processRowsAtReceiveTime(rows: ReadingRows, engineIndex: Int32Array): void {
    const columns = this.readingRows;
    const { point, value, receiveTime, length } = rows;
    let row = 0;
    for (let i = 0; i < length; i += 1) {
      const index = engineIndex[point[i]!] ?? -1;
      if (index < 0) continue;
      columns.point[row] = index;
      columns.value[row] = value[i]!;
      row += 1;
      if (row === READING_ROWS) row = this.runGoodRowsAt(row, receiveTime);
    }
    this.runGoodRowsAt(row, receiveTime);
  }

  /** Runs the columns' first `length` rows, whose points and values are set, as good readings at time `t`; returns 0. */
  private runGoodRowsAt(length: number, t: number): number {
    if (length === 0) return 0;
    const columns = this.readingRows;
    columns.time.fill(t, 0, length);
    columns.quality.fill(GOOD, 0, length);
    columns.reason.fill(0, 0, length);
    columns.flags.fill(0, 0, length);
    columns.length = length;
    // Good readings carry no reason message.
    this.runBatch(columns, undefined);
    return 0;
  }

  /** Puts a Reading of point `index` into row `row` of the columns (or runs it alone, see there); returns the next free row. */
  private addReadingRow(row: number, index: number, reading: Reading): number {
    const rows = this.readingRows;
    const time = effectiveTime(reading);
    const raw = reading.value;
    const numeric = raw === null ? Number.NaN : typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
    const quality = QUALITY_CODE[reading.quality];
    const reason = reading.reason === undefined ? 0 : (REASON_INDEX.get(reading.reason.code) ?? 0);
    let flagBits = 0;
    if (reading.flags !== undefined) {
      for (const name of this.pointAt(index).faultFlags) if (reading.flags[name] === true) flagBits |= FLAG_FAULT;
    }
    if (typeof numeric !== 'number' || typeof time !== 'number' || quality === undefined) {
      // Untyped input the columns would convert (a value given as a string compares unlike its number): alone, in order.
      const next = this.runReadingRows(row);
      this.reasonText = reading.reason?.message;
      this.processReading(index, time, numeric, quality, reason, flagBits);
      this.reasonText = undefined;
      return next;
    }
    rows.point[row] = index;
    rows.time[row] = time;
    rows.value[row] = numeric;
    rows.quality[row] = quality;
    rows.reason[row] = reason;
    rows.flags[row] = flagBits;
    this.readingReasonTexts[row] = reading.reason?.message;
    return this.nextRow(row);
  }

  /** The row after `row`, running the columns first when they are full. */
  private nextRow(row: number): number {
    return row + 1 === READING_ROWS ? this.runReadingRows(READING_ROWS) : row + 1;
  }

  /** Runs the first `length` rows of readingRows as a batch; returns the next free row, 0. */
  private runReadingRows(length: number): number {
    if (length > 0) {
      this.readingRows.length = length;
      this.runBatch(this.readingRows, this.readingReasonTexts);
    }
    return 0;
  }

  /**
   * One reading by dense point index. The common case (good, in order, nothing changes) reads the point's
   * scalar record, steps its conditions in the shared table and updates its windows; it allocates nothing.
   */
  processReading(index: number, t: number, v: number, quality: number, reason: number, flags: number): void {
    this.input[0] = t;
    this.input[1] = v;
    this.applyInput(index, quality, reason, flags);
  }

  /** processReading with the time and value in `input` (see there). */
  private applyInput(index: number, quality: number, reason: number, flags: number): void {
    let t = this.input[0]!;
    const v = this.input[1]!;
    if (index >>> 0 !== index || index >= this.pointCount) {
      throw new EngineError('HAZMON_ENGINE_INPUT_INVALID', `processReading: point index ${index} is not configured (0..${this.pointCount - 1})`);
    }
    this.counters.readings += 1;
    // x - x is 0 for every finite number and NaN for NaN and +-Infinity (cheaper than Number.isFinite here).
    if (t - t !== 0) {
      this.counters.invalid += 1;
      this.sink({ type: 'invalid_reading', pointId: this.pointAt(index).id, time: t, why: `time ${t} is not a finite epoch-ms value` });
      return;
    }
    if (Number.isNaN(this.startTime)) this.startTime = t;
    const s = this.scalars;
    const p = index * PointField.Count;
    const lastTime = this.scalar(index, PointField.LastTime);
    if (t < lastTime) {
      const lateBy = lastTime - t;
      if (lateBy > this.setting(index, SettingField.LateToleranceMs)) {
        this.counters.late += 1;
        this.sink({ type: 'late_reading', pointId: this.pointAt(index).id, time: t, latestTime: lastTime, lateByMs: lateBy });
        return;
      }
      this.counters.reordered += 1;
      t = lastTime;
    } else if (t === lastTime && v === s[p + PointField.LastValue] && quality === s[p + PointField.LastQuality]) {
      this.counters.duplicates += 1;
      return;
    }
    if (quality === GOOD && v - v !== 0) {
      this.counters.nonFinite += 1;
      quality = BAD;
      reason = REASON_DECODE;
    }
    // An uncertain reading with this reason lies between the valid band and the fault bands: a measurement, not a fault.
    let signalFault = reason === REASON_SIGNAL && quality === BAD;
    if ((this.scalar(index, PointField.Flags) & PointFlag.Ne43) !== 0 && quality !== BAD && (v <= NE43_LOW_FAULT_MA || v >= NE43_HIGH_FAULT_MA)) {
      signalFault = true;
      quality = BAD;
      reason = REASON_SIGNAL;
    }
    this.completeDelays(index, t);
    s[p + PointField.LastTime] = t;
    s[p + PointField.LastValue] = v;
    s[p + PointField.LastQuality] = quality;
    this.updateHealth(index, quality, reason, flags, signalFault);
    if (quality === GOOD) {
      s[p + PointField.LastGoodTime] = t;
      this.evaluateValueRules(index);
    } else {
      for (let k = this.ruleRange(index, RuleField.Stores); k < this.ruleRange(index, RuleField.StoresEnd); k += 1) this.stores[k]!.addFrom(s, p + PointField.LastTime, false);
      this.suspendOffDelays(index);
    }
    if ((this.scalar(index, PointField.Flags) & PointFlag.InGroup) !== 0) this.evaluateGroups(index, t);
  }

  /** Time passing without readings: stale points, pending delays, shelf expiry, flood ends, votes. */
  tick(now: number): void {
    if (!Number.isFinite(now)) throw new EngineError('HAZMON_ENGINE_INPUT_INVALID', `tick: time ${now} is not finite`);
    if (Number.isNaN(this.startTime)) this.startTime = now;
    for (let index = 0; index < this.pointCount; index += 1) {
      const lastTime = this.scalar(index, PointField.LastTime);
      const t = Number.isNaN(lastTime) ? now : Math.max(now, lastTime);
      // Delays that ran out complete first: they are due at or before `t`.
      if (this.delayedPoints[index] === 1) this.completeDelays(index, t);
      this.checkStale(index, t);
    }
    for (const group of this.groups) this.evaluateGroup(group, now);
    for (const alarm of this.alarmsById.values()) alarm.expireShelf(now, this.sink);
    this.health.advance(now, this.sink);
  }

  /** Operator command (ack, shelve, unshelve, suppress, unsuppress, remove_from_service, return_to_service, reset). */
  command(command: OperatorCommand): CommandResult {
    const result = this.applyCommand(command);
    if (!result.ok) {
      this.sink({ type: 'command_refused', time: command.time, command: command.kind, target: command.target, who: command.person, reason: result.reason, code: result.code, params: result.params });
    }
    return result;
  }

  /**
   * command(), for a caller that stores its events before it tells a person "done": when accepted, `revert` takes the
   * command back should those events not be stored, so memory agrees with the journal a restart reads (an
   * acknowledgement asked for again, a released latch latched again, the mode before a shelve or removal).
   */
  commandRevertible(command: OperatorCommand): RevertibleCommand {
    const alarm = this.alarmsById.get(command.target) ?? this.healthAlarmById(command.target);
    const before = alarm?.snapshot();
    const result = this.command(command);
    if (!result.ok) return { result, revert: NOTHING_TO_REVERT };
    if (alarm !== undefined && before !== undefined) return { result, revert: (time, why) => alarm.revert(command.kind, before, time, why, this.sink) };
    const action = this.actions.get(command.target)!;
    return {
      result,
      revert: (time, why) => {
        if (action.latched) return;
        action.latched = true;
        this.emitAction(action, time, ACTION_COMMANDS[action.config.kind], null, 'engine', why);
      },
    };
  }

  alarm(alarmId: string): AlarmView | undefined {
    const alarm = this.alarmsById.get(alarmId);
    if (alarm !== undefined) return this.view(alarm);
    const health = this.parseHealthAlarmId(alarmId);
    return health === undefined ? undefined : this.uncreatedHealthView(health.point, health.rule);
  }

  /** Alarms not in state normal, without listing every alarm: only alarms in use (in alarmsById) can be. */
  alarmsNotNormal(): AlarmView[] {
    const views: AlarmView[] = [];
    for (const alarm of this.alarmsById.values()) if (alarm.state !== 'normal') views.push(this.view(alarm));
    return views;
  }

  /** Alarms not normal or not in service (shelved, suppressed, out of service): what a person has to know of. */
  alarmsOfInterest(): AlarmView[] {
    const views: AlarmView[] = [];
    for (const alarm of this.alarmsById.values()) if (alarm.state !== 'normal' || alarm.mode !== 'in_service') views.push(this.view(alarm));
    return views;
  }

  /** Every alarm, by point (rule alarms, health alarms, stuck), then the votes; health alarms never used are normal. */
  alarms(): AlarmView[] {
    const views: AlarmView[] = [];
    for (const point of this.points) {
      for (const alarm of point.ruleAlarms) views.push(this.view(alarm));
      for (const rule of HEALTH_RULES) {
        const alarm = point.createdHealthAlarm(rule);
        views.push(alarm === undefined ? this.uncreatedHealthView(point, rule) : this.view(alarm));
      }
      if (point.stuck !== null) views.push(this.view(point.stuck.alarm));
    }
    for (const group of this.groups) views.push(this.view(group.alarm));
    return views;
  }

  /** The running on- and off-delays, by point then rule: read from the condition table, never kept up to date. */
  pendingDelays(): PendingDelayView[] {
    const views: PendingDelayView[] = [];
    for (let k = 0; k < this.slotRules.length; k += 1) {
      const condition = this.slotCondition[k]!;
      const pendingSince = this.conditionTable.pendingSinceOf(condition);
      if (Number.isNaN(pendingSince)) continue;
      const alarm = this.slotRules[k]!.alarm;
      const dueAt = this.conditionTable.dueTime(condition);
      views.push({
        alarmId: alarm.id,
        pointId: alarm.pointId,
        site: alarm.site,
        rule: alarm.rule,
        priority: alarm.priority,
        kind: this.conditionTable.isActive(condition) ? 'off' : 'on',
        pendingSince,
        delayMs: dueAt - pendingSince,
        dueAt,
        value: this.conditionTable.pendingValueOf(condition),
        limit: this.conditionTable.limitOf(condition),
      });
    }
    return views;
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
    const index = this.pointIndex(pointId);
    const point = this.points[index];
    const windowRule = point?.windowRules.find((r) => r.name === rule) ?? point?.rateRules.find((r) => r.name === rule);
    if (point === undefined || windowRule === undefined) {
      throw new EngineError('HAZMON_ENGINE_INPUT_INVALID', `windowValue: no window rule "${rule}" on point "${pointId}"`);
    }
    const lastTime = this.scalar(index, PointField.LastTime);
    const at = Math.max(now ?? lastTime, Number.isNaN(lastTime) ? -Infinity : lastTime);
    // Looking past the latest reading evicts on a copy: the live window must keep what later readings are judged on.
    const store = at > lastTime ? windowRule.store.copy() : windowRule.store;
    store.evict(at);
    const isRate = point.rateRules.includes(windowRule);
    // The rate runs to the latest good reading, which the window holds (the point's latest reading may be bad).
    const io = Float64Array.of(Number.NaN, isRate ? this.scalar(index, PointField.LastGoodTime) : at, store.newestValue());
    store.exactRuleValueInto(isRate ? RATE : windowRule.aggregate, io);
    const value = io[0]!;
    const span = at - store.windowStart(at);
    return { value, count: store.readingCount, coverage: windowRule.aggregate === TWA ? store.coveredMs(at) / span : Number.NaN };
  }

  alarmSystemHealth(site: string, now: number): AlarmSystemHealth {
    return this.health.report(site, now, this.alarmsById.values());
  }

  /**
   * Bytes of typed-array state per point: the engine's scalar record, rule ranges, rule slots and conditions,
   * plus its windows' rings. Objects built once from config (alarms, rule descriptions) are not counted here;
   * the bench reports heap growth per point beside this figure.
   */
  stateBytesPerPoint(): number {
    const tables =
      this.scalars.byteLength +
      this.pointSettings.byteLength +
      this.ruleRanges.byteLength +
      this.delayedPoints.byteLength +
      this.conditionTable.data.byteLength +
      this.conditionQuiet.byteLength +
      this.slotCondition.byteLength +
      this.storeLayout.byteLength +
      this.storePaneMs.byteLength;
    const windows = this.stores.reduce((total, store) => total + store.stateBytes, 0);
    return (tables + windows) / Math.max(1, this.pointCount);
  }

  /** State of the given points (default all), voting groups and actions, as plain JSON-able data (snapshot.ts). */
  snapshot(pointIds?: readonly string[]): EngineSnapshot {
    return takeSnapshot(this.snapshotSubject(), pointIds);
  }

  /** Restores every point, group and action whose rules are unchanged (same fingerprint); reports the rest as skipped. */
  restore(snapshot: EngineSnapshot): RestoreResult {
    return restoreSnapshot(this.snapshotSubject(), snapshot);
  }

  /**
   * Restores alarm states a previous run left in the alarm journal, before the engine judges any reading (see
   * snapshot.ts restoreAlarmStates).
   */
  restoreAlarmStates(saved: readonly SavedAlarmState[]): AlarmStateRestore {
    return restoreAlarmStates(this.snapshotSubject(), saved);
  }

  private snapshotSubject(): SnapshotSubject {
    return {
      points: this.points,
      scalars: this.scalars,
      groups: this.groups,
      actions: this.actions,
      health: this.health,
      point: (pointId) => this.points[this.pointIndex(pointId)],
      alarm: (alarmId) => this.alarmsById.get(alarmId) ?? this.healthAlarmById(alarmId),
      healthAlarmOf: (point, alarmId) => {
        const health = this.parseHealthAlarmId(alarmId);
        if (health?.point === point) this.healthAlarm(point, health.rule);
      },
      refreshPoint: (index) => {
        this.refreshLimitBand(index);
        this.refreshDelayed(index);
        for (let k = this.ruleRange(index, RuleField.Stores); k < this.ruleRange(index, RuleField.StoresEnd); k += 1) this.refreshStoreLayout(k);
      },
    };
  }

  /** Fills a point's scalar record from its rules; running values start as "never seen" (NaN, quality -1). */
  private initScalars(point: PointRuntime): void {
    const s = this.scalars;
    const p = point.index * PointField.Count;
    s.fill(Number.NaN, p, p + PointField.Count);
    s[p + PointField.LastQuality] = -1;
    s[p + PointField.Flags] = point.ne43 ? PointFlag.Ne43 : 0;
    s[p + PointField.StuckActive] = 0;
    s[p + PointField.StuckEpsilon] = point.stuck?.epsilon ?? Number.NaN;
    this.pointSettings.set([point.lateToleranceMs, point.staleMs, point.stuck?.forMs ?? Number.NaN], point.index * SettingField.Count);
  }

  /**
   * Compiles one kernel per distinct shape of a point's value rules (usually a handful for a whole plant) and the
   * batch loop with the commonest inline; returns each point's kernel index and the loop. The kernels read the
   * engine's arrays directly and come back here only on the rare paths (a condition to step, stuck detection's full
   * step, a ring to grow).
   */
  private compileKernels(): { pointKernel: Int32Array; batchLoop: BatchLoop } {
    const env: KernelEnv = {
      scalars: this.scalars,
      ranges: this.ruleRanges,
      headers: this.windowHeaders,
      panes: this.windowPanes,
      quiet: this.conditionQuiet,
      storeLayout: this.storeLayout,
      storePaneMs: this.storePaneMs,
      stores: this.stores,
      ruleInput: this.ruleInput,
      stepRule: (index, k) => {
        const t = this.scalar(index, PointField.LastTime);
        // A rule with a delay pending steps on every reading (its quiet interval is empty): the first step of the
        // reading completes the point's due delays, before any rule takes the new value.
        this.completeDelays(index, t);
        this.ruleInput[1] = t;
        if (k >= this.ruleRange(index, RuleField.Windows) && k < this.ruleRange(index, RuleField.Rates)) {
          // A window rule's running aggregate carries rounding: the step takes it exactly (see QUIET_MARGIN).
          const rule = this.slotRules[k] as WindowRule;
          rule.store.exactRuleValueInto(rule.aggregate, this.ruleInput);
        }
        if (this.conditionTable.stepFrom(this.slotCondition[k]!, this.ruleInput, 0, 1)) this.raiseRule(index, k);
      },
      refreshLimitBand: (index) => this.refreshLimitBand(index),
      detectStuck: (index) => this.detectStuck(index),
      growStore: (k, at) => {
        this.stores[k]!.addFrom(this.scalars, at, true);
        this.refreshStoreLayout(k);
      },
    };
    const byShape = new Map<string, number>();
    const shapes: KernelShape[] = [];
    const pointKernel = Int32Array.from(this.points, (point) => {
      const shape = this.kernelShape(point);
      const key = kernelShapeKey(shape);
      let kernel = byShape.get(key);
      if (kernel === undefined) {
        kernel = this.kernels.length;
        this.kernels.push(compileValueKernel(shape, KERNEL_LAYOUT)(env));
        shapes.push(shape);
        byShape.set(key, kernel);
      }
      return kernel;
    });
    const pointsOf = new Int32Array(shapes.length);
    for (const kernel of pointKernel) pointsOf[kernel]! += 1;
    const inlined: InlinedKernel[] = shapes
      .map((shape, kernel) => ({ kernel, shape }))
      .sort((a, b) => pointsOf[b.kernel]! - pointsOf[a.kernel]! || a.kernel - b.kernel)
      .slice(0, INLINED_KERNELS);
    return { pointKernel, batchLoop: compileBatchLoop(inlined, this.kernels.length, KERNEL_LAYOUT)(env, pointKernel, this.kernels) };
  }

  /** The structure of a point's value rules, which its kernel is compiled from (numbers stay in the tables). */
  private kernelShape(point: PointRuntime): KernelShape {
    const firstCondition = this.ruleRange(point.index, RuleField.Conditions);
    const stores = point.stores.map((store) => {
      const layout = store.inPlaceLayout();
      return layout === null
        ? { heldValues: true, paned: store.paneMs !== 1, stride: 0, suffixMax: -1, suffixMin: -1 }
        : { heldValues: false, paned: store.paneMs !== 1, stride: layout.stride, suffixMax: layout.suffixMax, suffixMin: layout.suffixMin };
    });
    const rule = (aggregate: number) => (windowRule: WindowRule) => ({
      condition: windowRule.condition.index - firstCondition,
      store: point.stores.indexOf(windowRule.store),
      aggregate: aggregate < 0 ? windowRule.aggregate : aggregate,
    });
    return {
      stores,
      limits: point.limits.map((limit) => limit.condition.index - this.ruleRange(point.index, RuleField.LimitConditions)),
      rules: [...point.windowRules.map(rule(-1)), ...point.rateRules.map(rule(RATE))],
      stuck: point.stuck !== null,
    };
  }

  /**
   * Puts every window's entries side by side in one engine-wide array and every header in another, both in point
   * order: a batch in point order reads the headers as one stream. Each region starts on a multiple of 8 numbers
   * (64 bytes from the array's start), so a header's hot fields share a line.
   */
  private packWindows(): void {
    const region = (store: PaneWindow) => Math.ceil(store.panesLength / 8) * 8;
    const panes = new Float64Array(this.stores.reduce((total, store) => total + region(store), 0));
    // The headers the batch loop reads, then the held-value ones it never reads.
    const heldBase = this.stores.length * HEADER_SLOT;
    const headers = new Float64Array(heldBase + this.stores.length * WINDOW_HEADER.heldLength);
    let panesBase = 0;
    this.stores.forEach((store, k) => {
      store.packInto(panes, panesBase, headers, k * HEADER_SLOT, heldBase + k * WINDOW_HEADER.heldLength);
      panesBase += region(store);
    });
    this.windowPanes = panes;
    this.windowHeaders = headers;
    for (let k = 0; k < this.stores.length; k += 1) this.refreshStoreLayout(k);
  }

  /** Notes where window k sits if the batch loop can step it in place (see storeHeader); call after it may have moved. */
  private refreshStoreLayout(k: number): void {
    const layout = this.stores[k]!.inPlaceLayout();
    const inPlace = layout !== null && layout.panes === this.windowPanes;
    const l = k * StoreField.Count;
    this.storeLayout[l + StoreField.Header] = inPlace ? layout.hbase : -1;
    this.storeLayout[l + StoreField.Entries] = inPlace ? layout.pbase : -1;
    this.storeLayout[l + StoreField.Mask] = layout?.mask ?? 0;
  }

  /** Appends a point's rules to the slot list (limits, windows, rates) and its windows to `stores`. */
  private addRuleSlots(point: PointRuntime): void {
    const r = point.index * RuleField.Count;
    const ranges = this.ruleRanges;
    ranges[r + RuleField.Limits] = this.slotRules.length;
    this.slotRules.push(...point.limits);
    ranges[r + RuleField.Windows] = this.slotRules.length;
    this.slotRules.push(...point.windowRules);
    ranges[r + RuleField.Rates] = this.slotRules.length;
    this.slotRules.push(...point.rateRules);
    ranges[r + RuleField.End] = this.slotRules.length;
    ranges[r + RuleField.Stores] = this.stores.length;
    this.stores.push(...point.stores);
    ranges[r + RuleField.StoresEnd] = this.stores.length;
  }

  /** Point `index`: an index the caller has checked (applyInput) or taken from the engine's own tables. */
  private pointAt(index: number): PointRuntime {
    return this.points[index]!;
  }

  /** Field `field` of point `index`'s record (PointField). */
  private scalar(index: number, field: PointField): number {
    return this.scalars[index * PointField.Count + field]!;
  }

  /** Setting `field` of point `index` (SettingField). */
  private setting(index: number, field: SettingField): number {
    return this.pointSettings[index * SettingField.Count + field]!;
  }

  /** Boundary `field` of point `index`'s rule slots, windows or conditions (RuleField). */
  private ruleRange(index: number, field: RuleField): number {
    return this.ruleRanges[index * RuleField.Count + field]!;
  }

  /** A point's health alarm, created (and registered) on first use. */
  private healthAlarm(point: PointRuntime, rule: HealthRule): Alarm {
    return point.healthAlarm(rule, (alarm) => this.alarmsById.set(alarm.id, alarm));
  }

  /** The health alarm with this id ("<point>/<rule>"), created on first use; undefined when there is none. */
  private healthAlarmById(alarmId: string): Alarm | undefined {
    const health = this.parseHealthAlarmId(alarmId);
    return health === undefined ? undefined : this.healthAlarm(health.point, health.rule);
  }

  private parseHealthAlarmId(alarmId: string): { point: PointRuntime; rule: HealthRule } | undefined {
    const slash = alarmId.lastIndexOf('/');
    const rule = alarmId.slice(slash + 1) as HealthRule;
    const point = this.points[this.pointIndex(alarmId.slice(0, slash))];
    return slash > 0 && point !== undefined && HEALTH_RULES.includes(rule) ? { point, rule } : undefined;
  }

  /** What a health alarm never used looks like: normal and in service. */
  private uncreatedHealthView(point: PointRuntime, rule: HealthRule): AlarmView {
    return {
      id: `${point.id}/${rule}`,
      pointId: point.id,
      site: point.site,
      rule,
      state: 'normal',
      mode: 'in_service',
      conditionActive: false,
      priority: point.healthPriority,
      activeSince: null,
      shelvedUntil: null,
    };
  }

  private view(alarm: Alarm): AlarmView {
    return {
      id: alarm.id,
      pointId: alarm.pointId,
      site: alarm.site,
      rule: alarm.rule,
      state: alarm.state,
      mode: alarm.mode,
      conditionActive: alarm.conditionActive,
      priority: alarm.priority,
      activeSince: Number.isNaN(alarm.activeSince) ? null : alarm.activeSince,
      shelvedUntil: Number.isNaN(alarm.shelvedUntil) ? null : alarm.shelvedUntil,
    };
  }

  private applyCommand(command: OperatorCommand): CommandResult {
    if (typeof command.person !== 'string' || command.person.trim() === '') {
      return refusal('person_unnamed', { target: command.target, command: command.kind }, `${command.kind} ${command.target}: the person giving the command must be named`);
    }
    if (!Number.isFinite(command.time)) return refusal('time_invalid', { target: command.target, command: command.kind }, `${command.kind} ${command.target}: time ${command.time} is not finite`);
    const alarm = this.alarmsById.get(command.target) ?? this.healthAlarmById(command.target);
    if (alarm !== undefined) {
      const result = alarm.command(command, this.sink);
      // Taken out of or back into service, a detector leaves or rejoins its votes now, not at its next reading.
      if (result.ok && (command.kind === 'remove_from_service' || command.kind === 'return_to_service')) {
        for (const group of this.groups) if (group.tripAlarms.includes(alarm)) this.evaluateGroup(group, command.time);
      }
      return result;
    }
    const action = this.actions.get(command.target);
    if (action === undefined || command.kind !== 'reset') {
      return refusal('unknown_target', { target: command.target, command: command.kind }, `${command.kind}: unknown ${action === undefined ? 'alarm or action' : 'alarm'} "${command.target}"`);
    }
    if (!action.latched) return refusal('not_latched', { target: action.config.id }, `action ${action.config.id} is not latched: nothing to reset`);
    const active = action.triggers.filter((trigger) => trigger.conditionActive).map((trigger) => trigger.id);
    if (active.length > 0)
      return refusal('condition_active', { target: action.config.id, active: active.join(', ') }, `action ${action.config.id}: condition still active (${active.join(', ')}), reset refused`);
    action.latched = false;
    this.emitAction(action, command.time, 'release', null, command.person, command.reason?.trim() || 'reset after the condition cleared');
    return { ok: true };
  }

  /** Sets an alarm's condition and fans out activations to health figures and actions. */
  private raise(alarm: Alarm, active: boolean, t: number, value: number, why: string, coverage?: number): void {
    if (!alarm.setCondition(active, t, value, why, this.sink, coverage)) return;
    this.health.recordActivation(alarm, t, this.sink);
    if (this.actionsByAlarm.size === 0) return;
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
  private updateHealth(index: number, quality: number, reason: number, flags: number, signalFault: boolean): void {
    const p = index * PointField.Count;
    const t = this.scalar(index, PointField.LastTime);
    const v = this.scalar(index, PointField.LastValue);
    const held = this.scalar(index, PointField.Flags) & PointFlag.Health;
    let bits =
      (quality === BAD ? HealthBit.Bad : 0) |
      (reason < 32 && ((COMMS_REASON_BITS >>> reason) & 1) !== 0 ? HealthBit.Comms : 0) |
      (reason === REASON_DEVICE_FAULT || (flags & FLAG_FAULT) !== 0 ? HealthBit.Fault : 0) |
      (signalFault ? HealthBit.Signal : 0) |
      (reason === REASON_MAINTENANCE ? HealthBit.Maintenance : 0);
    // A bad reading is no measurement: it never clears a signal alarm, nor a device fault unless it comes from the device's words.
    if (quality === BAD) {
      bits |= held & HealthBit.Signal;
      if (reason < 32 && ((NO_DEVICE_WORD_REASON_BITS >>> reason) & 1) !== 0) bits |= held & HealthBit.Fault;
    }
    const changed = bits ^ held;
    if (changed !== 0) {
      setPointFlags(this.scalars, p, PointFlag.Health, bits);
      this.raiseHealthChanges(this.pointAt(index), changed, bits, t, v, quality, reason);
    }
    if (quality === GOOD) {
      if ((this.scalar(index, PointField.Flags) & PointFlag.Stale) !== 0) {
        setPointFlags(this.scalars, p, PointFlag.Stale, 0);
        this.raise(this.healthAlarm(this.pointAt(index), 'stale'), false, t, v, 'good reading received');
      }
    } else {
      this.checkStale(index, t);
    }
  }

  private raiseHealthChanges(point: PointRuntime, changed: number, bits: number, t: number, v: number, quality: number, reason: number): void {
    const h = (rule: HealthRule) => this.healthAlarm(point, rule);
    const code = REASON_CODES[reason] ?? 'none';
    const why = this.reasonText === undefined ? code : `${code}: ${this.reasonText}`;
    if (changed & HealthBit.Bad) this.raise(h('bad_quality'), (bits & HealthBit.Bad) !== 0, t, v, (bits & HealthBit.Bad) !== 0 ? `quality bad (${why})` : 'quality no longer bad');
    if (changed & HealthBit.Comms) this.raise(h('comms_loss'), (bits & HealthBit.Comms) !== 0, t, v, (bits & HealthBit.Comms) !== 0 ? `comms loss (${why})` : 'comms restored');
    if (changed & HealthBit.Fault) this.raise(h('device_fault'), (bits & HealthBit.Fault) !== 0, t, v, (bits & HealthBit.Fault) !== 0 ? 'device reports a fault' : 'device fault cleared');
    if (changed & HealthBit.Signal) {
      const active = (bits & HealthBit.Signal) !== 0;
      this.raise(h('signal_out_of_range'), active, t, v, active ? `signal out of range (${this.signalWhy(point, v, why)})` : `signal back in range (${quality === GOOD ? 'good reading' : why})`);
    }
    if (changed & HealthBit.Maintenance) {
      const maintenance = (bits & HealthBit.Maintenance) !== 0;
      // Suppression by design covers every alarm of the point, so each gets its event: none is left to create later.
      for (const rule of HEALTH_RULES) h(rule);
      for (const alarm of point.alarms) alarm.setDesignSuppression(maintenance, t, this.sink);
    }
  }

  /** The measured current and the NE43 band it fell in when the engine judged the current itself, else the reading's reason. */
  private signalWhy(point: PointRuntime, milliamps: number, reasonWhy: string): string {
    if (!point.ne43 || Number.isNaN(milliamps)) return reasonWhy;
    const band = milliamps <= NE43_LOW_FAULT_MA ? `<= ${NE43_LOW_FAULT_MA} mA` : `>= ${NE43_HIGH_FAULT_MA} mA`;
    return `loop current ${milliamps.toFixed(2)} mA in the NE43 fault band ${band}`;
  }

  private checkStale(index: number, now: number): void {
    const p = index * PointField.Count;
    const lastGoodTime = this.scalar(index, PointField.LastGoodTime);
    const since = Number.isNaN(lastGoodTime) ? this.startTime : lastGoodTime;
    if (now - since >= this.setting(index, SettingField.StaleMs) && (this.scalar(index, PointField.Flags) & PointFlag.Stale) === 0) {
      setPointFlags(this.scalars, p, PointFlag.Stale, PointFlag.Stale);
      this.raise(this.healthAlarm(this.pointAt(index), 'stale'), true, now, now - since, `no good reading for ${Math.round((now - since) / 1000)} s`);
    }
  }

  /** A good value: every window of the point takes the reading, then its value rules and stuck detection (kernel.ts). */
  private evaluateValueRules(index: number): void {
    this.kernels[this.pointKernel[index]!]!(index);
  }

  /** Whether tick must look at point `index`'s delays (delayedPoints); call after its conditions were built or restored. */
  private refreshDelayed(index: number): void {
    let delayed = 0;
    for (let k = this.ruleRange(index, RuleField.Limits); k < this.ruleRange(index, RuleField.Rates); k += 1) {
      if (this.conditionTable.mayBeDue(this.slotCondition[k]!)) delayed = 1;
    }
    this.delayedPoints[index] = delayed;
  }

  /** Recomputes PointField.LimitQuietLow / HIGH from the point's limit conditions; call after any of them stepped or advanced. */
  private refreshLimitBand(index: number): void {
    const quiet = this.conditionQuiet;
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (let k = this.ruleRange(index, RuleField.Limits); k < this.ruleRange(index, RuleField.Windows); k += 1) {
      const q = this.slotCondition[k]! * QUIET;
      low = Math.max(low, quiet[q]!);
      high = Math.min(high, quiet[q + 1]!);
    }
    this.scalars[index * PointField.Count + PointField.LimitQuietLow] = low;
    this.scalars[index * PointField.Count + PointField.LimitQuietHigh] = high;
  }

  /**
   * Rule slot k of a point changed state: its alarm follows, with the value compared (in ruleInput[0]) in `why`.
   * State and limit come from the condition table by slot, not through the rule's condition object: one object
   * less to load per event (each is a cache miss at 10k points).
   */
  private raiseRule(index: number, k: number): void {
    const t = this.scalar(index, PointField.LastTime);
    const x = this.ruleInput[0]!;
    const condition = this.slotCondition[k]!;
    const active = this.conditionTable.isActive(condition);
    const limit = this.conditionTable.limitOf(condition);
    const rule = this.slotRules[k]!;
    if (k < this.ruleRange(index, RuleField.Windows)) this.raise(rule.alarm, active, t, x, this.limitWhy(index, rule.name, active, x, limit));
    else if (k < this.ruleRange(index, RuleField.Rates)) this.raiseWindow(index, rule as WindowRule, active, limit, t, x);
    else this.raise(rule.alarm, active, t, x, `${rule.name} ${this.format(index, x)} per minute vs ${this.format(index, limit)}`);
  }

  /** Stuck / flatline: the value stayed within epsilon of a reference for forMs; the reference moves with the value. */
  private detectStuck(index: number): void {
    const s = this.scalars;
    const p = index * PointField.Count;
    const t = this.scalar(index, PointField.LastTime);
    const v = this.scalar(index, PointField.LastValue);
    const refTime = this.scalar(index, PointField.StuckRefTime);
    const epsilon = this.scalar(index, PointField.StuckEpsilon);
    if (Number.isNaN(refTime) || Math.abs(v - this.scalar(index, PointField.StuckRefValue)) > epsilon) {
      s[p + PointField.StuckRefValue] = v;
      s[p + PointField.StuckRefTime] = t;
      if (s[p + PointField.StuckActive] === 1) this.raiseStuck(index, false, t, v, 'value moves again');
    } else if (t - refTime >= this.setting(index, SettingField.StuckForMs) && s[p + PointField.StuckActive] === 0) {
      this.raiseStuck(index, true, t, v, `no change beyond ${this.format(index, epsilon)} for ${Math.round((t - refTime) / 1000)} s`);
    }
  }

  private raiseStuck(index: number, active: boolean, t: number, v: number, why: string): void {
    this.scalars[index * PointField.Count + PointField.StuckActive] = active ? 1 : 0;
    this.raise(this.pointAt(index).stuck!.alarm, active, t, v, why);
  }

  private raiseWindow(index: number, rule: WindowRule, active: boolean, limit: number, t: number, aggregate: number): void {
    const store = rule.store;
    const coverage = rule.aggregate === TWA ? store.coveredMs(t) / (t - store.windowStart(t)) : undefined;
    this.raise(rule.alarm, active, t, aggregate, this.limitWhy(index, rule.name, active, aggregate, limit), coverage);
  }

  /**
   * `${name} ${active ? 'reached' : 'cleared'}: ${value} vs limit ${limit}` with the numbers at the point's
   * resolution (see format), in four string additions rather than six.
   */
  private limitWhy(index: number, name: string, active: boolean, value: number, limit: number): string {
    return name + (active ? ' reached: ' : ' cleared: ') + this.format(index, value) + ' vs limit ' + this.format(index, limit);
  }

  /** A number of point `index` as a person reads it in a `why` text; the event keeps the number itself. */
  private format(index: number, value: number): string {
    return formatValue(value, this.pointAt(index).resolution);
  }

  /**
   * The point's pending delays that ran out by `t` complete at their due times, each with the value that started it,
   * before anything at `t` is applied: the outcome must not depend on when the next reading or tick comes (live and
   * replay agree).
   */
  private completeDelays(index: number, t: number): void {
    const first = this.ruleRange(index, RuleField.Limits);
    const end = this.ruleRange(index, RuleField.Rates);
    let completed = false;
    // In due-time order (then slot order), as ticks at every due time would complete them.
    for (;;) {
      let next = -1;
      let nextDue = t;
      for (let k = first; k < end; k += 1) {
        const due = this.conditionTable.dueTime(this.slotCondition[k]!);
        if (due < nextDue || (due === nextDue && next < 0)) {
          next = k;
          nextDue = due;
        }
      }
      if (next < 0) break;
      completed = true;
      const condition = this.slotCondition[next]!;
      this.conditionTable.completeDue(condition, t);
      const rule = this.slotRules[next]!;
      const active = this.conditionTable.isActive(condition);
      const value = this.conditionTable.pendingValueOf(condition);
      this.raise(rule.alarm, active, nextDue, value, `${this.limitWhy(index, rule.name, active, value, this.conditionTable.limitOf(condition))} (${active ? 'on' : 'off'}-delay elapsed)`);
    }
    if (completed) this.refreshLimitBand(index);
  }

  /** A reading whose value is not used (bad, uncertain) suspends the point's pending off-delays: a bad reading never clears an alarm. */
  private suspendOffDelays(index: number): void {
    for (let k = this.ruleRange(index, RuleField.Limits); k < this.ruleRange(index, RuleField.Rates); k += 1) this.conditionTable.suspendOffDelay(this.slotCondition[k]!);
    this.refreshLimitBand(index);
  }

  /** Bad for voting: the latest reading is bad or no good reading came for staleS. */
  private isBad(index: number): boolean {
    return this.scalar(index, PointField.LastQuality) === BAD || (this.scalar(index, PointField.Flags) & PointFlag.Stale) !== 0;
  }

  private evaluateGroups(index: number, t: number): void {
    const groups = this.pointAt(index).groups;
    for (const group of groups) this.evaluateGroup(this.groups[group]!, t);
  }

  /**
   * A detector whose trip alarm is out of service (taken out by a person, e.g. for a bump test with test gas) does
   * not vote, as an action ignores an out-of-service alarm; by the group's `onOutOfService` the rest then need k-1 of
   * them (its place counted toward the trip, never tripping alone) or k, at most all of them, so taking detectors out
   * never leaves the area without its interlock.
   */
  private evaluateGroup(group: VotingGroup, t: number): void {
    let trips = 0;
    let voting = 0;
    const ignoreBad = group.config.onBadQuality === 'ignore';
    for (let i = 0; i < group.members.length; i += 1) {
      const member = group.members[i]!;
      const outOfService = group.tripAlarms[i]!.mode === 'out_of_service';
      const bad = this.isBad(member.index);
      const ignored = outOfService || (ignoreBad && bad);
      if ((ignored ? 1 : 0) !== group.ignored[i]) {
        group.ignored[i] = ignored ? 1 : 0;
        this.sink({ type: 'vote_ignored', time: t, groupId: group.config.id, pointId: member.id, ignored, outOfService, why: this.voteIgnoredWhy(outOfService, ignored) });
      }
      if (outOfService) continue;
      voting += 1;
      if (bad ? !ignoreBad : group.tripAlarms[i]!.conditionActive) trips += 1;
    }
    const outOfService = group.members.length - voting;
    const required = group.config.onOutOfService === 'left-out' ? Math.min(group.required, voting) : Math.max(1, group.required - outOfService);
    const active = voting > 0 && trips >= required;
    if (active !== group.alarm.conditionActive) {
      const degraded = outOfService === 0 ? '' : `; ${outOfService} out of service, voting ${required}oo${voting}`;
      this.raise(group.alarm, active, t, trips, `${trips} of ${voting} detectors vote trip (${group.config.vote}${degraded})`);
    }
  }

  private voteIgnoredWhy(outOfService: boolean, ignored: boolean): string {
    if (outOfService) return 'out of service: left out of the vote';
    return ignored ? 'bad quality or stale: vote ignored as configured' : 'in service with good quality again: votes again';
  }
}
