/** A threshold condition with deadband, on-delay and off-delay: the debounce every value rule shares. */

/**
 * State lives in a Float64Array block of CONDITION_FIELDS numbers, so every condition of the engine shares one
 * array (the engine packs them into a ConditionTable) and the hot path steps them by offset, touching no objects.
 */
export const CONDITION_FIELDS = 8;
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

/** Feeds a value at time t; returns true when the debounced state changed. NaN values leave the raw state alone. */
function stepCondition(data: Float64Array, base: number, value: number, t: number): boolean {
  const limit = data[base + C_LIMIT]!;
  if (data[base + C_ABOVE] === 1) {
    if (value >= limit) data[base + C_RAW] = 1;
    else if (value < limit - data[base + C_DEADBAND]!) data[base + C_RAW] = 0;
  } else if (value <= limit) data[base + C_RAW] = 1;
  else if (value > limit + data[base + C_DEADBAND]!) data[base + C_RAW] = 0;
  return advanceCondition(data, base, t);
}

/** Lets time pass without a value (ticks); returns true when a pending delay completed. */
function advanceCondition(data: Float64Array, base: number, t: number): boolean {
  const raw = data[base + C_RAW]!;
  if (raw === data[base + C_ACTIVE]) {
    data[base + C_PENDING] = Number.NaN;
    return false;
  }
  let since = data[base + C_PENDING]!;
  if (Number.isNaN(since)) {
    since = t;
    data[base + C_PENDING] = t;
  }
  if (t - since < data[base + (raw === 1 ? C_ON_DELAY : C_OFF_DELAY)]!) return false;
  data[base + C_ACTIVE] = raw;
  data[base + C_PENDING] = Number.NaN;
  return true;
}

/**
 * Every condition of an engine in one block. The hot path calls these methods on the instance rather than
 * imported functions: under tsx each access to an imported binding goes through a getter that costs several ns.
 */
export class ConditionTable {
  readonly data: Float64Array;

  constructor(conditions: readonly ThresholdCondition[]) {
    this.data = new Float64Array(conditions.length * CONDITION_FIELDS);
    conditions.forEach((condition, i) => condition.packInto(this.data, i * CONDITION_FIELDS));
  }

  /**
   * Steps the condition at `base` with the value at source[valueAt] and the time at source[timeAt]. Numbers come
   * in through an array because V8 boxes a double passed to a call it does not inline (an allocation per step).
   */
  stepFrom(base: number, source: Float64Array, valueAt: number, timeAt: number): boolean {
    return stepCondition(this.data, base, source[valueAt]!, source[timeAt]!);
  }

  advance(base: number, t: number): boolean {
    return advanceCondition(this.data, base, t);
  }
}

export interface ConditionSnapshot {
  raw: boolean;
  active: boolean;
  pendingSince: number;
}

/** Object view of one condition block, for compiling, querying and snapshots. */
export class ThresholdCondition {
  private data: Float64Array = new Float64Array(CONDITION_FIELDS);
  private base = 0;

  /** above true: active at value >= limit, clears below limit - deadband; false: active at <= limit, clears above limit + deadband. */
  constructor(above: boolean, limit: number, deadband: number, onDelayMs: number, offDelayMs: number) {
    this.data.set([above ? 1 : 0, limit, deadband, onDelayMs, offDelayMs, 0, 0, Number.NaN]);
  }

  get limit(): number {
    return this.data[this.base + C_LIMIT]!;
  }

  get active(): boolean {
    return this.data[this.base + C_ACTIVE] === 1;
  }

  /** Offset of this condition's block in `packedData` once packed. */
  get offset(): number {
    return this.base;
  }

  /** Moves the state into a shared block at `base` (at compile time). */
  packInto(data: Float64Array, base: number): void {
    data.set(this.data.subarray(this.base, this.base + CONDITION_FIELDS), base);
    this.data = data;
    this.base = base;
  }

  snapshot(): ConditionSnapshot {
    const d = this.data;
    return { raw: d[this.base + C_RAW] === 1, active: d[this.base + C_ACTIVE] === 1, pendingSince: d[this.base + C_PENDING]! };
  }

  restore(snapshot: ConditionSnapshot): void {
    this.data[this.base + C_RAW] = snapshot.raw ? 1 : 0;
    this.data[this.base + C_ACTIVE] = snapshot.active ? 1 : 0;
    this.data[this.base + C_PENDING] = snapshot.pendingSince ?? Number.NaN;
  }
}
