/** One point's compiled rules: built once from config; the engine keeps the running scalars in its own flat tables. */
import { Alarm } from './alarm.ts';
import type { LimitConfig, PointRules, Priority } from './config.ts';
import { ThresholdCondition } from './condition.ts';
import { EngineError, configError, type EnginePath } from './errors.ts';
import type { AlarmKind } from './events.ts';
import { presetLimits, type PresetLimits } from './gas-library.ts';
import { AGGREGATE_AVG, AGGREGATE_MAX, AGGREGATE_MIN, AGGREGATE_TWA, PaneWindow } from './window.ts';

/** Windows up to this length keep raw readings (1 ms panes, exact); longer ones use windowMs / PANES_PER_WINDOW panes. */
const RAW_WINDOW_MAX_MS = 5 * 60_000;
const PANES_PER_WINDOW = 480;
const STEL_WINDOW_MS = 15 * 60_000;
const TWA_WINDOW_MS = 8 * 3_600_000;
/** TWA panes of one minute, as the design asks. */
const TWA_PANE_MS = 60_000;

const AGGREGATE_CODES = { avg: AGGREGATE_AVG, min: AGGREGATE_MIN, max: AGGREGATE_MAX, twa: AGGREGATE_TWA } as const;

export interface ValueRule {
  readonly name: string;
  readonly condition: ThresholdCondition;
  readonly alarm: Alarm;
}

export interface WindowRule extends ValueRule {
  readonly store: PaneWindow;
  readonly aggregate: number;
}

export interface StuckRule {
  readonly epsilon: number;
  readonly forMs: number;
  readonly alarm: Alarm;
}

/** A point's health alarms, `<point>/<rule>`; each is created on first use (see PointRuntime.healthAlarm). */
export const HEALTH_RULES = ['stale', 'bad_quality', 'comms_loss', 'device_fault', 'signal_out_of_range'] as const;
export type HealthRule = (typeof HEALTH_RULES)[number];

const LIMIT_DEFAULTS = {
  hihi: { above: true, priority: 'high' },
  hi: { above: true, priority: 'medium' },
  lo: { above: false, priority: 'medium' },
  lolo: { above: false, priority: 'high' },
} as const satisfies Record<string, { above: boolean; priority: Priority }>;

const NONE: readonly never[] = Object.freeze([]);

/** Rule names the engine gives alarms itself; a window may not take one. */
export const RESERVED_RULE_NAMES = ['hihi', 'hi', 'lo', 'lolo', 'rate_rising', 'rate_falling', 'stel', 'twa', 'stuck', ...HEALTH_RULES];

/** The same entries in an array of exactly their number, or the shared empty array. */
function exactCopy<T>(items: T[]): T[] {
  return items.length === 0 ? (NONE as unknown as T[]) : items.slice();
}

/** The preset's limits, or the gas library's refusal placed at the preset (`where`). */
function presetAt(preset: NonNullable<PointRules['preset']>, where: EnginePath): PresetLimits {
  try {
    return presetLimits(preset.gas, preset.unit, preset.standard, preset.lelSource);
  } catch (error) {
    if (error instanceof EngineError) throw configError(where, error.message);
    throw error;
  }
}

function defaultPaneMs(windowMs: number): number {
  return windowMs <= RAW_WINDOW_MAX_MS ? 1 : Math.max(1, Math.round(windowMs / PANES_PER_WINDOW));
}

export class PointRuntime {
  readonly index: number;
  readonly id: string;
  readonly site: string;
  readonly rules: PointRules;
  readonly lateToleranceMs: number;
  readonly staleMs: number;
  readonly ne43: boolean;
  readonly faultFlags: readonly string[];
  /** Step of the point's values, for the numbers of event texts (format.ts); undefined: significant digits. */
  readonly resolution: number | undefined;
  readonly limits: ValueRule[] = [];
  readonly stores: PaneWindow[] = [];
  readonly windowRules: WindowRule[] = [];
  readonly rateRules: WindowRule[] = [];
  readonly stuck: StuckRule | null;
  readonly healthPriority: Priority;
  /** Every value rule's condition; the engine packs them all into one ConditionTable. */
  readonly conditions: ThresholdCondition[] = [];
  /** The alarms of the value rules, in rule order. */
  readonly ruleAlarms: Alarm[] = [];
  /**
   * Health alarms by HEALTH_RULES index, created on first use: most points never raise most of them, and five
   * alarm objects per point are most of an engine's heap at 10k points.
   */
  private healthAlarms: (Alarm | undefined)[] | null = null;
  /** Indices of the voting groups this point belongs to (most points belong to none: one shared empty list). */
  groups: readonly number[] = NONE;

  constructor(index: number, rules: PointRules) {
    const where: EnginePath = ['points', index];
    this.index = index;
    this.id = rules.id;
    this.site = rules.site;
    this.rules = rules;
    this.lateToleranceMs = rules.lateToleranceS * 1000;
    this.staleMs = rules.health.staleS * 1000;
    this.ne43 = rules.health.ne43;
    this.faultFlags = rules.health.faultFlags;
    this.resolution = rules.resolution;
    const preset: PresetLimits = rules.preset ? presetAt(rules.preset, [...where, 'preset']) : {};
    if (rules.preset && rules.unit !== undefined && rules.unit !== rules.preset.unit) {
      throw configError([...where, 'preset', 'unit'], `"${rules.preset.unit}" differs from the point's unit "${rules.unit}"`);
    }
    this.compileLimits(rules, preset, where);
    // Most points have no window: no set of taken names for them (10k sets to collect as an engine is built).
    if (rules.windows.length > 0) this.compileWindows(rules, where);
    if (rules.rate) this.compileRate(rules.rate, where);
    this.compileExposure(rules, preset, where);
    this.healthPriority = rules.health.priority;
    // Arrays grown by push keep room for more entries (~150 bytes each): exact copies, and one shared empty array
    // for the lists a point does not use, save ~0.6 KB per point.
    this.limits = exactCopy(this.limits);
    this.stores = exactCopy(this.stores);
    this.windowRules = exactCopy(this.windowRules);
    this.rateRules = exactCopy(this.rateRules);
    this.conditions = exactCopy(this.conditions);
    this.ruleAlarms = exactCopy(this.ruleAlarms);
    for (const store of this.stores) {
      const reads = (aggregate: number) => this.windowRules.some((rule) => rule.store === store && rule.aggregate === aggregate);
      store.trackExtremes(reads(AGGREGATE_MIN), reads(AGGREGATE_MAX));
    }
    this.stuck = rules.health.stuck
      ? { epsilon: rules.health.stuck.epsilon, forMs: rules.health.stuck.forS * 1000, alarm: new Alarm(`${this.id}/stuck`, this.id, this.site, 'stuck', 'health', 'medium', false) }
      : null;
  }

  /** Every alarm the point has now: rule alarms, the health alarms created so far (in HEALTH_RULES order), stuck. */
  get alarms(): Alarm[] {
    const created = this.healthAlarms?.filter((alarm) => alarm !== undefined) ?? [];
    return [...this.ruleAlarms, ...created, ...(this.stuck ? [this.stuck.alarm] : [])];
  }

  /** How many alarms the point can raise, created or not (rule alarms, health alarms, stuck). */
  get alarmCount(): number {
    return this.ruleAlarms.length + HEALTH_RULES.length + (this.stuck ? 1 : 0);
  }

  /** Whether `<point>/<rule>` is one of the alarms the point can raise, created or not. */
  hasAlarm(rule: string): boolean {
    return this.ruleAlarms.some((alarm) => alarm.rule === rule) || (HEALTH_RULES as readonly string[]).includes(rule) || (this.stuck !== null && rule === 'stuck');
  }

  /** The health alarm for `rule` if it was created. */
  createdHealthAlarm(rule: HealthRule): Alarm | undefined {
    return this.healthAlarms?.[HEALTH_RULES.indexOf(rule)];
  }

  /** The health alarm for `rule`, created now if it was not; `created` is told of a new one. */
  healthAlarm(rule: HealthRule, created: (alarm: Alarm) => void): Alarm {
    const slot = HEALTH_RULES.indexOf(rule);
    this.healthAlarms ??= new Array<Alarm | undefined>(HEALTH_RULES.length);
    let alarm = this.healthAlarms[slot];
    if (alarm === undefined) {
      alarm = new Alarm(`${this.id}/${rule}`, this.id, this.site, rule, 'health', this.healthPriority, false);
      this.healthAlarms[slot] = alarm;
      created(alarm);
    }
    return alarm;
  }

  /**
   * Identity of the rules; a snapshot restores only into a point with the same fingerprint. Computed when asked
   * (snapshot and restore only) rather than kept: it is several hundred bytes per point.
   */
  get fingerprint(): string {
    // The resolution only formats texts: a state saved under another one still holds.
    return JSON.stringify({ ...this.rules, resolution: undefined });
  }

  /**
   * The rules with the limits' values left out (each limit's name, priority and latch kept): a point whose limits
   * only moved (a threshold changed at run time) keeps its state, and its moved limits judge the next reading.
   */
  get fingerprintBesideLimitValues(): string {
    return JSON.stringify({ ...this.rules, resolution: undefined, limits: this.limits.map(({ name, alarm }) => [name, alarm.priority, alarm.latch]) });
  }

  private compileWindows(rules: PointRules, where: EnginePath): void {
    const taken = new Set<string>(RESERVED_RULE_NAMES);
    for (const [i, window] of rules.windows.entries()) {
      // Each alarm of a point is "<point>/<rule>": a window named like another of its alarms would hide one of them.
      if (taken.has(window.name)) {
        throw configError(
          [...where, 'windows', i, 'name'],
          `"${window.name}" names another alarm of the point: a window needs a name of its own, not a limit, health, stuck, rate or exposure rule's, nor another window's`,
        );
      }
      taken.add(window.name);
      const above = window.above !== undefined;
      if (above === (window.below !== undefined)) {
        throw configError([...where, 'windows', i], `give exactly one of "above" or "below" (rule "${window.name}")`);
      }
      const windowMs = window.windowS * 1000;
      this.windowRules.push(
        this.windowRule(
          window.name,
          'window',
          AGGREGATE_CODES[window.aggregate],
          windowMs,
          window.paneS === undefined ? defaultPaneMs(windowMs) : window.paneS * 1000,
          new ThresholdCondition(above, (window.above ?? window.below)!, window.deadband ?? 0, (window.onDelayS ?? 0) * 1000, (window.offDelayS ?? 0) * 1000),
          window.priority,
          window.latch,
        ),
      );
    }
  }

  private compileLimits(rules: PointRules, preset: PresetLimits, where: EnginePath): void {
    const values: Partial<Record<keyof typeof LIMIT_DEFAULTS, number>> = {};
    for (const name of ['hihi', 'hi', 'lo', 'lolo'] as const) {
      const configured: LimitConfig | undefined = rules.limits[name];
      const value = typeof configured === 'number' ? configured : (configured?.value ?? preset[name]);
      if (value === undefined) continue;
      values[name] = value;
      const defaults = LIMIT_DEFAULTS[name];
      const condition = new ThresholdCondition(defaults.above, value, rules.deadband, rules.onDelayS * 1000, rules.offDelayS * 1000);
      const priority = typeof configured === 'object' ? (configured.priority ?? defaults.priority) : defaults.priority;
      const latch = typeof configured === 'object' ? (configured.latch ?? false) : false;
      this.limits.push({ name, condition, alarm: this.alarm(name, 'limit', priority, latch) });
      this.conditions.push(condition);
    }
    const ordered = (['hihi', 'hi', 'lo', 'lolo'] as const).filter((name) => values[name] !== undefined);
    for (let i = 1; i < ordered.length; i += 1) {
      const higher = ordered[i - 1]!;
      const lower = ordered[i]!;
      if (!(values[higher]! > values[lower]!)) {
        throw configError([...where, 'limits'], `${higher} (${values[higher]}) must be above ${lower} (${values[lower]})`);
      }
    }
  }

  private compileRate(rate: NonNullable<PointRules['rate']>, where: EnginePath): void {
    if (rate.risingPerMinute === undefined && rate.fallingPerMinute === undefined) {
      throw configError([...where, 'rate'], 'give risingPerMinute and/or fallingPerMinute');
    }
    const windowMs = rate.windowS * 1000;
    if (rate.risingPerMinute !== undefined) {
      this.rateRules.push(this.windowRule('rate_rising', 'rate', AGGREGATE_AVG, windowMs, defaultPaneMs(windowMs), new ThresholdCondition(true, rate.risingPerMinute, 0, 0, 0), rate.priority, false));
    }
    if (rate.fallingPerMinute !== undefined) {
      this.rateRules.push(
        this.windowRule('rate_falling', 'rate', AGGREGATE_AVG, windowMs, defaultPaneMs(windowMs), new ThresholdCondition(false, -rate.fallingPerMinute, 0, 0, 0), rate.priority, false),
      );
    }
  }

  private compileExposure(rules: PointRules, preset: PresetLimits, where: EnginePath): void {
    const exposure = rules.exposure;
    if (!exposure) return;
    for (const [name, windowMs, paneMs] of [
      ['stel', STEL_WINDOW_MS, defaultPaneMs(STEL_WINDOW_MS)],
      ['twa', TWA_WINDOW_MS, TWA_PANE_MS],
    ] as const) {
      const configured = exposure[name];
      if (configured === undefined) continue;
      const limit = configured === true ? preset[name] : configured;
      if (limit === undefined) {
        throw configError([...where, 'exposure', name], `true needs a preset gas with a ${name.toUpperCase()} limit`);
      }
      this.windowRules.push(this.windowRule(name, 'exposure', AGGREGATE_TWA, windowMs, paneMs, new ThresholdCondition(true, limit, 0, 0, 0), exposure.priority, false));
    }
  }

  private windowRule(name: string, kind: AlarmKind, aggregate: number, windowMs: number, paneMs: number, condition: ThresholdCondition, priority: Priority, latch: boolean): WindowRule {
    const holdMs = this.rules.holdS * 1000;
    // Time-weighted rules get their own store: the others skip the held-value bookkeeping and its memory.
    const tracksHeldValues = aggregate === AGGREGATE_TWA;
    let store = this.stores.find((s) => s.windowMs === windowMs && s.paneMs === paneMs && s.tracksHeldValues === tracksHeldValues);
    if (store === undefined) {
      const expected = paneMs === 1 ? windowMs / (this.rules.expectedIntervalS * 1000) : windowMs / paneMs;
      store = new PaneWindow({ windowMs, paneMs, holdMs, tracksHeldValues }, Math.ceil(expected) + 1);
      this.stores.push(store);
    }
    this.conditions.push(condition);
    return { name, store, aggregate, condition, alarm: this.alarm(name, kind, priority, latch) };
  }

  private alarm(rule: string, kind: AlarmKind, priority: Priority, latch: boolean): Alarm {
    const alarm = new Alarm(`${this.id}/${rule}`, this.id, this.site, rule, kind, priority, latch);
    this.ruleAlarms.push(alarm);
    return alarm;
  }
}
