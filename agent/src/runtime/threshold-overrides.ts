/**
 * Thresholds changed at run time by a supervisor or admin. They live in a small JSON file beside the DuckDB file
 * (`<store>.threshold-overrides.json`), replaced whole on each change (temporary file, fsync, rename, fsync of the
 * folder), and are laid over the config file's limits at every start and reload.
 *
 * Precedence: an override names the config file's value it replaced (`configValue`). It stays in force while the
 * file still gives that limit that value; once the file's value changes (an engineer edited the limit: the later,
 * deliberate decision), or the point or limit is gone, or the result no longer fits the point (order, range), the
 * file's value is in force and the override is retired (audited, kept in the history).
 */
import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { messageOf } from '@hazmon/errors';
import { z } from 'zod';
import type { AgentConfig, UserRole } from '../config/index.ts';
import { limitRangeOf, thresholdsOf } from '../config/index.ts';
import type { CommandRefusal, EngineConfig, LimitConfig } from '../engine/index.ts';
import { parseEngineConfig, refusal } from '../engine/index.ts';
import type { StorePointDefinition } from '../store/index.ts';

/** Who may change a threshold: the people who may take an alarm out of service. */
export const THRESHOLD_ROLES: readonly UserRole[] = ['supervisor', 'admin'];

export const LIMIT_NAMES = ['lolo', 'lo', 'hi', 'hihi'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** Each limit: a number to set, null to remove its override (the config file's value again); left out: unchanged. */
export type ThresholdChange = Partial<Record<LimitName, number | null>>;

/** Where the overrides of the store at `storePath` are kept. */
export function thresholdOverrideFile(storePath: string): string {
  return `${storePath}.threshold-overrides.json`;
}

const overrideSchema = z.object({
  pointId: z.string(),
  limit: z.enum(LIMIT_NAMES),
  value: z.number(),
  /** The config file's value this override replaced. */
  configValue: z.number(),
  by: z.string(),
  at: z.number(),
  reason: z.string(),
});
export type ThresholdOverride = z.output<typeof overrideSchema>;

const historySchema = z.object({
  time: z.number(),
  pointId: z.string(),
  limit: z.enum(LIMIT_NAMES),
  /** In force before and after (null: none). */
  old: z.number().nullable(),
  new: z.number().nullable(),
  who: z.string(),
  why: z.string(),
  /** `changed` by a person, `removed` (the config file's value again) by a person, `retired` by the agent at a start or reload. */
  kind: z.enum(['changed', 'removed', 'retired']),
});
export type ThresholdHistoryEntry = z.output<typeof historySchema>;

const fileSchema = z.object({ version: z.literal(1), overrides: z.array(overrideSchema), history: z.array(historySchema) });

type OverridesFile = z.output<typeof fileSchema>;

function emptyFile(): OverridesFile {
  return { version: 1, overrides: [], history: [] };
}

/**
 * What an overrides file holds (empty when there is none); reads only. Throws SyntaxError or ZodError for a file
 * that is no overrides file, the file system's error when it cannot be read.
 */
export async function readThresholdOverrides(file: string): Promise<OverridesFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile();
    throw error;
  }
  return fileSchema.parse(JSON.parse(text));
}

/** The history keeps this many entries (the audit log keeps all of them). */
export const THRESHOLD_HISTORY_LIMIT = 1000;

const STORE_FIELD: Readonly<Record<LimitName, 'lowLow' | 'low' | 'high' | 'highHigh'>> = { lolo: 'lowLow', lo: 'low', hi: 'high', hihi: 'highHigh' };

/** The limits the engine alarms on for these rules: explicit over the preset's, null where none. */
export function limitsOf(rules: EngineConfig['points'][number] | undefined): Record<LimitName, number | null> {
  const thresholds = thresholdsOf(rules);
  return { lolo: thresholds.lowLow ?? null, lo: thresholds.low ?? null, hi: thresholds.high ?? null, hihi: thresholds.highHigh ?? null };
}

/** Why a set of limits does not fit a point (order, range), or null. */
export function limitProblem(pointId: string, limits: Record<LimitName, number | null>, range: readonly [number | null, number | null]): CommandRefusal | null {
  const present = LIMIT_NAMES.filter((name) => limits[name] !== null);
  for (let i = 1; i < present.length; i += 1) {
    const lower = present[i - 1]!;
    const higher = present[i]!;
    if (!(limits[lower]! < limits[higher]!)) {
      const params = { target: pointId, lower, lowerValue: limits[lower]!, higher, higherValue: limits[higher]! };
      return refusal('limits_out_of_order', params, `${pointId}: ${lower} (${limits[lower]}) must be below ${higher} (${limits[higher]})`);
    }
  }
  const [low, high] = range;
  for (const name of present) {
    const value = limits[name]!;
    if ((low !== null && value < low) || (high !== null && value > high)) {
      const params = { target: pointId, limit: name, value, low: low ?? '-inf', high: high ?? 'inf' };
      return refusal('limit_out_of_range', params, `${pointId}: ${name} (${value}) is outside the point's range ${params.low}..${params.high}`);
    }
  }
  return null;
}

function withValue(configured: LimitConfig | undefined, value: number): LimitConfig {
  return typeof configured === 'object' ? { ...configured, value } : value;
}

/** Engine points and store definitions with each point's limits set as given (the other points untouched). */
export function withLimits(
  engine: EngineConfig,
  storePoints: readonly StorePointDefinition[],
  limits: ReadonlyMap<string, Record<LimitName, number | null>>,
): { engine: EngineConfig; storePoints: StorePointDefinition[] } {
  if (limits.size === 0) return { engine, storePoints: [...storePoints] };
  const points = engine.points.map((point) => {
    const set = limits.get(point.id);
    if (set === undefined) return point;
    const next: Record<string, LimitConfig> = {};
    for (const name of LIMIT_NAMES) {
      const value = set[name];
      if (value !== null) next[name] = withValue(point.limits[name], value);
    }
    return { ...point, limits: next };
  });
  const fields = (set: Record<LimitName, number | null>) => Object.fromEntries(LIMIT_NAMES.map((name) => [STORE_FIELD[name], set[name]]));
  return {
    engine: parseEngineConfig({ ...engine, points }),
    storePoints: storePoints.map((point) => {
      const set = limits.get(point.pointId);
      return set === undefined ? point : { ...point, ...fields(set) };
    }),
  };
}

/** A config with the overrides that still hold laid over it, and those retired with why. */
export interface OverriddenConfig {
  readonly config: AgentConfig;
  readonly inForce: readonly ThresholdOverride[];
  readonly retired: readonly { readonly override: ThresholdOverride; readonly why: string }[];
}

/** Lays the overrides over a config loaded from its file (see the precedence above). */
export function applyOverrides(config: AgentConfig, overrides: readonly ThresholdOverride[]): OverriddenConfig {
  if (overrides.length === 0) return { config, inForce: [], retired: [] };
  const rules = new Map(config.engine.points.map((point) => [point.id, point]));
  const ranges = new Map(config.storePoints.map((point) => [point.pointId, limitRangeOf(point)]));
  const retired: { override: ThresholdOverride; why: string }[] = [];
  const byPoint = new Map<string, ThresholdOverride[]>();
  for (const override of overrides) {
    const fileValue = limitsOf(rules.get(override.pointId))[override.limit];
    const why = !rules.has(override.pointId)
      ? `point ${override.pointId} has no rules in the config file any more`
      : fileValue === null
        ? `point ${override.pointId} has no ${override.limit} limit in the config file any more`
        : fileValue !== override.configValue
          ? `the config file's ${override.limit} changed from ${override.configValue} to ${fileValue}: the file's value is in force`
          : null;
    if (why !== null) retired.push({ override, why });
    else byPoint.set(override.pointId, [...(byPoint.get(override.pointId) ?? []), override]);
  }
  const limits = new Map<string, Record<LimitName, number | null>>();
  const inForce: ThresholdOverride[] = [];
  for (const [pointId, list] of byPoint) {
    const set = limitsOf(rules.get(pointId));
    for (const override of list) set[override.limit] = override.value;
    const problem = limitProblem(pointId, set, ranges.get(pointId) ?? [null, null]);
    if (problem === null) {
      limits.set(pointId, set);
      inForce.push(...list);
    } else for (const override of list) retired.push({ override, why: `with the config file's other limits: ${problem.reason}; the file's values are in force` });
  }
  return { config: { ...config, ...withLimits(config.engine, config.storePoints, limits) }, inForce, retired };
}

/** The overrides file of one store: what is in force and the history of changes. */
export class ThresholdOverrides {
  private constructor(
    private readonly file: string,
    private state: OverridesFile,
  ) {}

  /**
   * The overrides of this file; none when it does not exist yet. A file that cannot be read as overrides is moved
   * aside (`.unreadable-<time>`, logged): the config file's limits are in force, the agent monitors on.
   */
  static async open(file: string, now: () => number, log: (line: string) => void): Promise<ThresholdOverrides> {
    try {
      return new ThresholdOverrides(file, await readThresholdOverrides(file));
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof z.ZodError) {
        const aside = `${file}.unreadable-${now()}`;
        await rename(file, aside);
        log(`hazmon: ${file} holds no threshold overrides (${messageOf(error)}); moved to ${aside}, the config file's limits are in force`);
        return new ThresholdOverrides(file, emptyFile());
      }
      throw error;
    }
  }

  get overrides(): readonly ThresholdOverride[] {
    return this.state.overrides;
  }

  /** The history of changes, oldest first (at most the last 1000). */
  get history(): readonly ThresholdHistoryEntry[] {
    return this.state.history;
  }

  /**
   * Replaces the overrides in force and appends to the history: on disk (fsynced) when this resolves, and taken over
   * only then (a failed write leaves the list as it was). The agent makes these calls one after another.
   */
  async replace(overrides: readonly ThresholdOverride[], entries: readonly ThresholdHistoryEntry[]): Promise<void> {
    const next: OverridesFile = { version: 1, overrides: [...overrides], history: [...this.state.history, ...entries].slice(-THRESHOLD_HISTORY_LIMIT) };
    await writeDurably(this.file, JSON.stringify(next));
    this.state = next;
  }
}

/** Writes a temporary file, fsyncs it, renames it over `file` and fsyncs the folder: a crash leaves the old or the new. */
async function writeDurably(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const folder = await open(dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
