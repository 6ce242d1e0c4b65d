/** A threshold condition with deadband, on-delay and off-delay: the debounce every value rule shares. */

/**
 * State lives in a Float64Array block of CONDITION_FIELDS numbers, so every condition of the engine shares one
 * array (the engine packs them into a ConditionTable) and the hot path steps them by index, touching no objects.
 */
const CONDITION_FIELDS = 9;
const C_ABOVE = 0;
const C_LIMIT = 1;
const C_DEADBAND = 2;
const C_ON_DELAY = 3;
const C_OFF_DELAY = 4;
/** 1 when the value is on the alarm side of the band, before delays. */
const C_RAW = 5;
/** 1 when the debounced condition (the one the alarm follows) is active. */
const C_ACTIVE = 6;
/** When raw last differed from active; NaN while they agree. */
const C_PENDING = 7;
/** The value that started the pending delay: what the alarm event reports when the delay completes at its due time. */
const C_PENDING_VALUE = 8;

/**
 * The quiet interval of each condition, QUIET_FIELDS numbers (low, high) in a dense array of their own: while
 * low < value < high, a step changes nothing (raw equals active, no delay pending, and the value stays on the same
 * side of the band), so the hot path checks two numbers from one small array instead of stepping the whole block.
 * Open at both ends and a little narrower (QUIET_MARGIN): a value on or close to a bound takes the full step, which
 * is always right. Empty (low +Infinity) while a delay is pending.
 */
export const QUIET_FIELDS = 2;

/**
 * How far inside its bounds a quiet interval ends, relative to the bound (at least 1): a window's running sum
 * carries the rounding of its additions and evictions (51 alone in a window could read 50.99999999999999), so an
 * aggregate this close to a bound takes the full step, where the engine compares it recomputed exactly
 * (PaneWindow.exactRuleValueInto). 2^-30 (~1e-9) is ~1e3 times the running sums' error bound between their
 * recomputes for values up to ~1e3 times the bound; a value steadily that close takes the full step on every reading.
 */
const QUIET_MARGIN = 2 ** -30;

/** QUIET_MARGIN at a bound; 0 for an infinite one (no bound, or the empty interval), which stays as it is. */
function quietMargin(bound: number): number {
  return Number.isFinite(bound) ? Math.max(Math.abs(bound), 1) * QUIET_MARGIN : 0;
}

/** Sets raw from a value: 1 at or past the limit, 0 beyond the deadband back, unchanged in between and for NaN. */
function setRaw(data: Float64Array, base: number, value: number): void {
  const limit = data[base + C_LIMIT]!;
  if (data[base + C_ABOVE] === 1) {
    if (value >= limit) data[base + C_RAW] = 1;
    else if (value < limit - data[base + C_DEADBAND]!) data[base + C_RAW] = 0;
  } else if (value <= limit) data[base + C_RAW] = 1;
  else if (value > limit + data[base + C_DEADBAND]!) data[base + C_RAW] = 0;
}

/** The value's step after setRaw: a change of side starts the delay (completing at once without one); true when the debounced state changed. */
function advanceCondition(data: Float64Array, base: number, t: number, value: number): boolean {
  const raw = data[base + C_RAW]!;
  if (raw === data[base + C_ACTIVE]) {
    data[base + C_PENDING] = Number.NaN;
    return false;
  }
  if (Number.isNaN(data[base + C_PENDING]!)) {
    data[base + C_PENDING] = t;
    data[base + C_PENDING_VALUE] = value;
  }
  return !Number.isNaN(completeDue(data, base, t));
}

/** When the pending delay runs out (NaN while none is pending). */
function dueTime(data: Float64Array, base: number): number {
  return data[base + C_PENDING]! + data[base + (data[base + C_RAW] === 1 ? C_ON_DELAY : C_OFF_DELAY)]!;
}

/**
 * A pending delay that ran out by `t` completes: the debounced state follows raw. Returns the due time (when the
 * delay ran out, not `t`: the outcome must not depend on when the next reading or tick comes), NaN when none is due.
 */
function completeDue(data: Float64Array, base: number, t: number): number {
  const due = dueTime(data, base);
  if (!(due <= t)) return Number.NaN;
  data[base + C_ACTIVE] = data[base + C_RAW]!;
  data[base + C_PENDING] = Number.NaN;
  return due;
}

/**
 * Every condition of an engine in one block, by index. The engine calls these methods on the instance rather than
 * imported functions: under tsx each access to an imported binding goes through a getter that costs several ns.
 */
export class ConditionTable {
  readonly data: Float64Array;
  readonly quiet: Float64Array;

  constructor(conditions: readonly ThresholdCondition[]) {
    this.data = new Float64Array(conditions.length * CONDITION_FIELDS);
    this.quiet = new Float64Array(conditions.length * QUIET_FIELDS);
    conditions.forEach((condition, i) => condition.packInto(this, i));
  }

  /**
   * Steps condition i with the value at source[valueAt] and the time at source[timeAt]; true when its debounced
   * state changed. Numbers come in through an array because V8 boxes a double passed to a call it does not inline.
   * Call completeDue first: a delay that ran out before this time completes at its due time, on the earlier value.
   */
  stepFrom(i: number, source: Float64Array, valueAt: number, timeAt: number): boolean {
    const base = i * CONDITION_FIELDS;
    const value = source[valueAt]!;
    setRaw(this.data, base, value);
    const changed = advanceCondition(this.data, base, source[timeAt]!, value);
    this.refreshQuiet(i);
    return changed;
  }

  /**
   * Whether condition i can have a delay for a tick to complete: it has an on- or off-delay, or one is pending (restored).
   * Without a delay a step that changes the side completes at once (advanceCondition): nothing is left pending.
   */
  mayBeDue(i: number): boolean {
    const base = i * CONDITION_FIELDS;
    return this.data[base + C_ON_DELAY]! > 0 || this.data[base + C_OFF_DELAY]! > 0 || !Number.isNaN(this.data[base + C_PENDING]!);
  }

  /** When condition i's pending delay runs out; NaN while none is pending. */
  dueTime(i: number): number {
    return dueTime(this.data, i * CONDITION_FIELDS);
  }

  /** Completes condition i's pending delay if it ran out by `t`; returns its due time, NaN when none completed. */
  completeDue(i: number, t: number): number {
    const due = completeDue(this.data, i * CONDITION_FIELDS, t);
    if (!Number.isNaN(due)) this.refreshQuiet(i);
    return due;
  }

  /**
   * A reading whose value is not used (bad, uncertain): a pending off-delay cannot count it as clear, so condition i
   * goes back to the alarm side and the off-delay starts again from the next good value that is clear.
   */
  suspendOffDelay(i: number): void {
    const base = i * CONDITION_FIELDS;
    if (this.data[base + C_ACTIVE] !== 1 || this.data[base + C_RAW] !== 0) return;
    this.data[base + C_RAW] = 1;
    this.data[base + C_PENDING] = Number.NaN;
    this.refreshQuiet(i);
  }

  /** When condition i's pending delay started; NaN while none is pending. */
  pendingSinceOf(i: number): number {
    return this.data[i * CONDITION_FIELDS + C_PENDING]!;
  }

  /** Whether condition i's debounced state is active. */
  isActive(i: number): boolean {
    return this.data[i * CONDITION_FIELDS + C_ACTIVE] === 1;
  }

  limitOf(i: number): number {
    return this.data[i * CONDITION_FIELDS + C_LIMIT]!;
  }

  /** The value that started condition i's latest delay (see C_PENDING_VALUE). */
  pendingValueOf(i: number): number {
    return this.data[i * CONDITION_FIELDS + C_PENDING_VALUE]!;
  }

  /** Recomputes condition i's quiet interval from its state (see QUIET_FIELDS). */
  refreshQuiet(i: number): void {
    const d = this.data;
    const base = i * CONDITION_FIELDS;
    const q = i * QUIET_FIELDS;
    const raw = d[base + C_RAW]!;
    const limit = d[base + C_LIMIT]!;
    const above = d[base + C_ABOVE] === 1;
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    if (raw !== d[base + C_ACTIVE] || !Number.isNaN(d[base + C_PENDING]!)) {
      low = Number.POSITIVE_INFINITY;
      high = Number.NEGATIVE_INFINITY;
    } else if (raw === 1) {
      // Stays raw until the value passes back beyond the deadband.
      if (above) low = limit - d[base + C_DEADBAND]!;
      else high = limit + d[base + C_DEADBAND]!;
    } else if (above) {
      high = limit;
    } else {
      low = limit;
    }
    this.quiet[q] = low + quietMargin(low);
    this.quiet[q + 1] = high - quietMargin(high);
  }
}

export interface ConditionSnapshot {
  raw: boolean;
  active: boolean;
  pendingSince: number;
  pendingValue?: number;
}

/** Object view of one condition block, for compiling, querying and snapshots; read once packed into its table. */
export class ThresholdCondition {
  /**
   * The block's settings and starting state until packInto copies them into the table, which holds them from then
   * on: an array of nine numbers for the build, not a Float64Array of its own (an ArrayBuffer, its memory outside
   * V8's heap, and a subarray to copy it: ~0.5 KB of garbage per condition, 20k conditions at 10k points).
   */
  private initial: readonly number[] | null;
  private table: ConditionTable | null = null;
  private tableIndex = 0;

  /** above true: active at value >= limit, clears below limit - deadband; false: active at <= limit, clears above limit + deadband. */
  constructor(above: boolean, limit: number, deadband: number, onDelayMs: number, offDelayMs: number) {
    this.initial = [above ? 1 : 0, limit, deadband, onDelayMs, offDelayMs, 0, 0, Number.NaN, Number.NaN];
  }

  private get data(): Float64Array {
    return this.table!.data;
  }

  private get base(): number {
    return this.tableIndex * CONDITION_FIELDS;
  }

  /** Index of this condition in its ConditionTable once packed. */
  get index(): number {
    return this.tableIndex;
  }

  /** Moves the block into the table as condition i (at compile time, once). */
  packInto(table: ConditionTable, i: number): void {
    table.data.set(this.initial!, i * CONDITION_FIELDS);
    this.initial = null;
    this.table = table;
    this.tableIndex = i;
    table.refreshQuiet(i);
  }

  snapshot(): ConditionSnapshot {
    const d = this.data;
    return { raw: d[this.base + C_RAW] === 1, active: d[this.base + C_ACTIVE] === 1, pendingSince: d[this.base + C_PENDING]!, pendingValue: d[this.base + C_PENDING_VALUE]! };
  }

  restore(snapshot: ConditionSnapshot): void {
    const d = this.data;
    d[this.base + C_RAW] = snapshot.raw ? 1 : 0;
    d[this.base + C_ACTIVE] = snapshot.active ? 1 : 0;
    d[this.base + C_PENDING] = snapshot.pendingSince ?? Number.NaN;
    d[this.base + C_PENDING_VALUE] = snapshot.pendingValue ?? Number.NaN;
    this.table!.refreshQuiet(this.tableIndex);
  }
}
