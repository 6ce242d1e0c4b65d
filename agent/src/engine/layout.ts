/**
 * The layout of the engine's flat state, shared by the engine (engine.ts) and the kernels it compiles (kernel.ts):
 * field offsets as const enums, which the bundle writes into the code as numbers, and the columnar input.
 */
import { QUALITY_CODE } from '@hazmon/protocols';
import { QUIET_FIELDS } from './condition.ts';
import { AGGREGATE_AVG, AGGREGATE_MAX, AGGREGATE_MIN, PANED_LAYOUT, RATE_PER_MINUTE, RECOMPUTE_RINGS, WINDOW_HEADER } from './window.ts';

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

/** Bit 0 of the batch's flags column: one of the point's fault flags is set. */
export const FLAG_FAULT = 1;

/**
 * Per window (index into `stores`), StoreField.Count numbers in one Int32Array: where the kernels find its header
 * and entries, and its ring mask. Header -1 for a window left to its own methods (time-weighted, or moved to
 * private arrays after outgrowing its region).
 */
export const enum StoreField {
  Header = 0,
  Entries = 1,
  Mask = 2,
  Count = 3,
}

/*
 * The field offsets below are const enums, which the TypeScript transform writes into the code as numbers: V8
 * loads and checks a module-level constant at each use, a few instructions on every reading of the batch loop.
 */

/**
 * Running scalars of every point in one engine-wide Float64Array, PointField.Count numbers per point: a reading
 * touches one or two cache lines of it instead of a chain of per-point objects. What a good reading reads comes
 * first (the batch loop's guard, then the kernel's fields); settings read only off that path are in pointSettings.
 */
export const enum PointField {
  LastTime = 0,
  /** Right after the time: windows read the pair with addFrom(scalars, p + PointField.LastTime). */
  LastValue = 1,
  /** QUALITY_CODE of the latest reading; -1 before the first. */
  LastQuality = 2,
  LastGoodTime = 3,
  /** PointFlag bits; 0 (the common case) lets a good reading take the kernel straight away. */
  Flags = 4,
  /**
   * (low, high): while the value stays strictly inside, none of the point's limit conditions can change (the
   * intersection of their quiet intervals, see QUIET_FIELDS), so one comparison pair stands for every limit rule.
   * Empty while any limit has a delay pending. Kept by refreshLimitBand.
   */
  LimitQuietLow = 5,
  LimitQuietHigh = 6,
  /** Stuck detection: the reference value and since when the value stayed within epsilon of it (NaN: none yet). */
  StuckRefValue = 7,
  StuckRefTime = 8,
  /** 1 while the stuck alarm's condition is active (mirrored so good readings need not touch the alarm). */
  StuckActive = 9,
  StuckEpsilon = 10,
  Count = 11,
}

/** Bits of PointField.Flags: what sends a reading of the point down the full path. */
export const enum PointFlag {
  /** The health conditions of the latest reading (HealthBit). */
  Health = 0x1f,
  /** The stale alarm's condition is active (mirrored so good readings need not touch the alarm). */
  Stale = 0x20,
  Ne43 = 0x40,
  /** The point is a member of a voting group. */
  InGroup = 0x80,
}

/** Bits of PointFlag.Health: the health conditions of the point's latest reading. */
export const enum HealthBit {
  Bad = 1,
  Comms = 2,
  Fault = 4,
  Signal = 8,
  /** The reading's reason is maintenance: every alarm of the point is suppressed by design. */
  Maintenance = 16,
}

/** Sets the PointFlag bits under `mask` of the point record at p to `bits`. */
export function setPointFlags(scalars: Float64Array, p: number, mask: number, bits: number): void {
  scalars[p + PointField.Flags] = (scalars[p + PointField.Flags]! & ~mask) | bits;
}

/** A point's settings read off the good reading's path (late, stale, stuck for long enough), SettingField.Count each. */
export const enum SettingField {
  LateToleranceMs = 0,
  StaleMs = 1,
  /** NaN when the point has no stuck rule. */
  StuckForMs = 2,
  Count = 3,
}

/**
 * A point's value rules are contiguous slots of the engine-wide slot arrays: limits, then windows, then rates
 * (RuleField.Count Int32 per point give the boundaries), its windows contiguous entries of `stores`, its window and
 * rate conditions contiguous entries of the ConditionTable from RuleField.Conditions on and its limit conditions
 * from RuleField.LimitConditions on.
 */
export const enum RuleField {
  Limits = 0,
  Windows = 1,
  Rates = 2,
  End = 3,
  Stores = 4,
  StoresEnd = 5,
  /** The point's first window or rate condition; its limit conditions are elsewhere in the table, from LimitConditions on. */
  Conditions = 6,
  LimitConditions = 7,
  Count = 8,
}

/** Where the kernel finds things: field offsets and codes of the engine's tables. */
export interface KernelLayout {
  readonly pointFields: number;
  readonly lastTime: number;
  readonly lastValue: number;
  readonly lastQuality: number;
  readonly lastGoodTime: number;
  readonly flags: number;
  /** QUALITY_CODE of a good reading. */
  readonly good: number;
  readonly limitQuietLow: number;
  readonly limitQuietHigh: number;
  readonly stuckRefValue: number;
  readonly stuckRefTime: number;
  readonly stuckActive: number;
  readonly stuckEpsilon: number;
  readonly ruleFields: number;
  readonly ruleLimits: number;
  readonly ruleStores: number;
  readonly ruleConditions: number;
  readonly ruleLimitConditions: number;
  readonly storeFields: number;
  readonly storeHeader: number;
  readonly storeEntries: number;
  readonly storeMask: number;
  readonly quietFields: number;
  /** Ring lengths of evictions between two re-adds of a window's running sums (window.ts RECOMPUTE_RINGS). */
  readonly recomputeRings: number;
  readonly header: {
    readonly length: number;
    readonly heldLength: number;
    readonly head: number;
    readonly tail: number;
    readonly runCount: number;
    readonly runSum: number;
    readonly boundary: number;
    readonly backMax: number;
    readonly backMin: number;
    readonly windowMs: number;
  };
  readonly paned: {
    readonly index: number;
    readonly count: number;
    readonly sum: number;
    readonly min: number;
    readonly max: number;
    readonly firstT: number;
    readonly firstV: number;
    readonly lastT: number;
    readonly lastV: number;
    readonly sumError: number;
  };
  readonly aggregates: { readonly avg: number; readonly min: number; readonly max: number; readonly rate: number };
}

/** Offsets and codes the compiled kernels read the engine's tables with (kernel.ts). */
export const KERNEL_LAYOUT: KernelLayout = {
  pointFields: PointField.Count,
  lastTime: PointField.LastTime,
  lastValue: PointField.LastValue,
  lastQuality: PointField.LastQuality,
  lastGoodTime: PointField.LastGoodTime,
  flags: PointField.Flags,
  good: QUALITY_CODE.good,
  limitQuietLow: PointField.LimitQuietLow,
  limitQuietHigh: PointField.LimitQuietHigh,
  stuckRefValue: PointField.StuckRefValue,
  stuckRefTime: PointField.StuckRefTime,
  stuckActive: PointField.StuckActive,
  stuckEpsilon: PointField.StuckEpsilon,
  ruleFields: RuleField.Count,
  ruleLimits: RuleField.Limits,
  ruleStores: RuleField.Stores,
  ruleConditions: RuleField.Conditions,
  ruleLimitConditions: RuleField.LimitConditions,
  storeFields: StoreField.Count,
  storeHeader: StoreField.Header,
  storeEntries: StoreField.Entries,
  storeMask: StoreField.Mask,
  quietFields: QUIET_FIELDS,
  recomputeRings: RECOMPUTE_RINGS,
  header: WINDOW_HEADER,
  paned: PANED_LAYOUT,
  aggregates: { avg: AGGREGATE_AVG, min: AGGREGATE_MIN, max: AGGREGATE_MAX, rate: RATE_PER_MINUTE },
};
