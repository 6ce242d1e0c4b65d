/** Rule-set configuration of the engine: plain data, a zod schema, and parse errors that name the field path. */
import { z } from 'zod';
import { EngineError, pathText } from './errors.ts';
import { GAS_NAMES, PRESET_STANDARDS, PRESET_UNITS } from './gas-library.ts';

export const PRIORITIES = ['emergency', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** Dashboard and regulator colours of each priority. */
export const PRIORITY_COLOUR: Readonly<Record<Priority, 'red' | 'orange' | 'yellow' | 'blue'>> = {
  emergency: 'red',
  high: 'orange',
  medium: 'yellow',
  low: 'blue',
};

const priority = z.enum(PRIORITIES);
const seconds = z.number().nonnegative();
const limit = z.union([z.number(), z.strictObject({ value: z.number(), priority: priority.optional(), latch: z.boolean().optional() })]);

const windowRule = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/),
  aggregate: z.enum(['avg', 'min', 'max', 'twa']),
  windowS: z
    .number()
    .positive()
    .max(8 * 3600),
  above: z.number().optional(),
  below: z.number().optional(),
  deadband: seconds.optional(),
  onDelayS: seconds.optional(),
  offDelayS: seconds.optional(),
  /** Pane width; default 1 ms (raw, exact) up to 5 min windows, else windowS / 480. */
  paneS: z.number().positive().optional(),
  priority: priority.default('medium'),
  latch: z.boolean().default(false),
});

const pointRules = z.strictObject({
  id: z.string().min(1),
  site: z.string().min(1).default('site'),
  area: z.string().min(1).optional(),
  unit: z.string().optional(),
  /** Step of the device's values (0.01, 0.1, 1, ...): numbers in event texts are shown at it; the events keep the numbers. */
  resolution: z.number().positive().finite().optional(),
  preset: z
    .strictObject({
      gas: z.enum(GAS_NAMES),
      unit: z.enum(PRESET_UNITS),
      standard: z.enum(PRESET_STANDARDS).default('gbt50493'),
      lelSource: z.enum(['table', 'iec']).default('table'),
    })
    .optional(),
  limits: z.strictObject({ hihi: limit.optional(), hi: limit.optional(), lo: limit.optional(), lolo: limit.optional() }).default({}),
  deadband: z.number().nonnegative().default(0),
  onDelayS: seconds.default(0),
  offDelayS: seconds.default(0),
  windows: z.array(windowRule).default([]),
  rate: z
    .strictObject({
      windowS: z
        .number()
        .positive()
        .max(8 * 3600),
      risingPerMinute: z.number().positive().optional(),
      fallingPerMinute: z.number().positive().optional(),
      priority: priority.default('medium'),
    })
    .optional(),
  exposure: z
    .strictObject({
      /** Limits in the point's unit; `true` takes them from the preset's gas. */
      stel: z.union([z.number().positive(), z.literal(true)]).optional(),
      twa: z.union([z.number().positive(), z.literal(true)]).optional(),
      priority: priority.default('high'),
    })
    .optional(),
  health: z
    .strictObject({
      staleS: z.number().positive().default(60),
      stuck: z.strictObject({ epsilon: z.number().nonnegative(), forS: z.number().positive() }).optional(),
      /** The value is a NAMUR NE43 loop current in mA: <= 3.6 or >= 21.0 is a device fault. */
      ne43: z.boolean().default(false),
      faultFlags: z.array(z.string()).default(['fault']),
      priority: priority.default('high'),
    })
    .prefault({}),
  /** Readings older than the point's latest by more than this are refused with a late_reading event. */
  lateToleranceS: seconds.default(5),
  /** How long a good value holds for time-weighted averages when no next reading comes. */
  holdS: z.number().positive().default(60),
  /** Expected reading interval; sizes raw window rings up front (they grow if readings come faster). */
  expectedIntervalS: z.number().positive().default(1),
});

const votingGroup = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  site: z.string().min(1).default('site'),
  area: z.string().min(1),
  vote: z.enum(['1oo1', '1oo2', '2oo2', '2oo3', '1oo3']),
  points: z.array(z.string()).min(1),
  /** Which of each member's limit alarms counts as its trip vote. */
  trip: z.enum(['hihi', 'hi', 'lo', 'lolo']).default('hi'),
  onBadQuality: z.enum(['trip', 'ignore']).default('trip'),
  /**
   * How a detector taken out of service changes the vote. `counts-toward-trip` (the fail-safe default, as a bypass is
   * compensated in a safety instrumented function): its place counts as a trip vote, but never trips the group alone:
   * k-1 of the rest (2oo3 -> 1oo2 -> 1oo1). `left-out`: k of the rest, at most all (2oo3 -> 2oo2 -> 1oo1), for a vote
   * that exists to confirm an alarm by two detectors (GB 16808-2025 5.5.1.8) rather than to tolerate a failed one.
   */
  onOutOfService: z.enum(['counts-toward-trip', 'left-out']).default('counts-toward-trip'),
  priority: priority.default('emergency'),
});

const action = z.strictObject({
  id: z.string().min(1),
  kind: z.enum(['shutoff_valve', 'fan', 'siren', 'power_cut']),
  output: z.string().min(1),
  /** Alarm ids (`<point>/<rule>` or `vote/<group>`); any of them active triggers and latches the action. */
  when: z.array(z.string()).min(1),
});

export const engineConfigSchema = z.strictObject({
  points: z.array(pointRules),
  votingGroups: z.array(votingGroup).default([]),
  actions: z.array(action).default([]),
});

export type EngineConfigInput = z.input<typeof engineConfigSchema>;
export type EngineConfig = z.output<typeof engineConfigSchema>;
export type PointRules = z.output<typeof pointRules>;
export type WindowRuleConfig = z.output<typeof windowRule>;
export type VotingGroupConfig = z.output<typeof votingGroup>;
export type ActionConfig = z.output<typeof action>;
export type LimitConfig = z.output<typeof limit>;

/** Configs parseEngineConfig returned: frozen, so taking one again needs no second check and no second copy. */
const parsedConfigs = new WeakSet<object>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Points of a site mostly carry the same limits, windows and health settings: each part equal (as JSON, the rules'
 * fingerprint) to one seen before is replaced by that one, before the whole is frozen. At 10k points with one rule set,
 * ~2 MB less heap for as long as the rules are kept.
 */
function shareEqualParts(points: EngineConfig['points']): void {
  const seen = new Map<string, unknown>();
  for (const point of points) {
    const parts = point as Record<string, unknown>;
    for (const [key, value] of Object.entries(parts)) {
      if (typeof value !== 'object' || value === null) continue;
      const text = `${key}=${JSON.stringify(value)}`;
      const shared = seen.get(text);
      if (shared === undefined) seen.set(text, value);
      else parts[key] = shared;
    }
  }
}

/**
 * Validates plain data (e.g. parsed YAML); throws EngineError HAZMON_ENGINE_CONFIG_INVALID naming each bad field.
 * The result is deeply frozen, its points share equal parts (shareEqualParts), and it is given back as it is when
 * passed in again (the agent's config check parses a rule set that the engine then takes: one copy, not two).
 */
export function parseEngineConfig(input: unknown, where = 'engine config'): EngineConfig {
  if (typeof input === 'object' && input !== null && parsedConfigs.has(input)) return input as EngineConfig;
  const result = engineConfigSchema.safeParse(input, { reportInput: true });
  if (result.success) {
    shareEqualParts(result.data.points);
    parsedConfigs.add(deepFreeze(result.data));
    return result.data;
  }
  const problems = result.error.issues.map((issue) => ({ path: issue.path.map((key) => (typeof key === 'number' ? key : String(key))), message: issue.message }));
  const lines = result.error.issues.map(
    (issue, i) => `${where}: ${pathText(problems[i]!.path) || '(root)'}: ${issue.message}${'input' in issue && issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : ''}`,
  );
  throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', lines.join('\n'), problems);
}
