/** What a config reload changes: fields the running agent cannot take over, which parts restart, and the report. */
import { createHash, type Hash } from 'node:crypto';
import { type AgentConfig, StorePointPages } from '../config/index.ts';
import { type AuditedLimitChange, limitChangesText } from './config-limit-changes.ts';

/** Ids of one kind of thing (points, lines, devices, connections, outputs) sorted by what a reload did to them. */
export interface ChangeSet {
  /** Same definition: running on (sources) or state carried over (points). */
  readonly kept: readonly string[];
  /** In both configs with a different definition: started afresh. */
  readonly restarted: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Engine state not carried over by a reload: a point, `vote/<group>` or `action/<id>`, why, and its alarms then active. */
export interface SkippedState {
  readonly id: string;
  readonly reason: string;
  readonly activeAlarms: readonly string[];
}

export interface ReloadReport {
  readonly file: string;
  /** What asked for the reload (`SIGHUP`, or the caller's word). */
  readonly trigger: string;
  /** sha256 of the resolved config before and after (see configHash). */
  readonly hashBefore: string;
  readonly hashAfter: string;
  /** Every point that produces readings: kept = engine state carried over; restarted = its rules changed. */
  readonly points: ChangeSet;
  readonly lines: ChangeSet;
  /** Modbus devices: restarted when their line (or the device) changed, since a line is polled as one unit. */
  readonly devices: ChangeSet;
  readonly opcua: ChangeSet;
  /** Outputs: a kept shut-off valve controller keeps watching a confirmation in progress. */
  readonly outputs: ChangeSet;
  readonly skipped: readonly SkippedState[];
  /** Points whose limit values alone moved: state carried over (counted as kept), the moved limits judged by the next reading. */
  readonly limitsMoved: readonly string[];
  /** Each limit the reload moved (points kept, restarted or back again): old and new in force, and what moved it. */
  readonly limitChanges: readonly AuditedLimitChange[];
  /** Actions latched across the reload (latched again when their rules changed: only a person releases a latch). */
  readonly latched: readonly string[];
  /** Outputs of latched actions written again because the output (or the action's choice of output) changed. */
  readonly recommanded: readonly string[];
}

/** Sorts ids by comparing each one's fingerprint before and after. */
export function changesBetween(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ChangeSet {
  const kept: string[] = [];
  const restarted: string[] = [];
  const added: string[] = [];
  for (const [id, fingerprint] of after) {
    const previous = before.get(id);
    if (previous === undefined) added.push(id);
    else if (previous === fingerprint) kept.push(id);
    else restarted.push(id);
  }
  const removed = [...before.keys()].filter((id) => !after.has(id));
  return { kept, restarted, added, removed };
}

/**
 * sha256 of the JSON of a whole definition: any difference at all restarts the thing. A digest rather than the JSON
 * itself, because the running agent keeps each unit's fingerprint until the next reload: a Modbus line's JSON holds
 * every point and poll plan of its devices (~0.4 MB per line of 1000 points).
 */
export function fingerprintOf(definition: unknown): string {
  return createHash('sha256').update(JSON.stringify(definition), 'utf8').digest('base64');
}

/** id -> fingerprintOf(the whole definition). */
export function fingerprints(items: readonly { readonly id: string }[]): Map<string, string> {
  return new Map(items.map((item) => [item.id, fingerprintOf(item)]));
}

/**
 * The config a running agent keeps until the next reload: the loaded one with its store point definitions gzipped
 * (~2 MB as objects at 10k points), with its configHash worked out once at start.
 */
export type RunningConfig = Omit<AgentConfig, 'storePoints'> & {
  /** configHash of the config as loaded. */
  readonly hash: string;
  /** Every point that produces readings (the store point ids), in catalog order. */
  readonly readingPoints: readonly string[];
  /** The definitions of readingPoints, in the same order, as the config registered them in the store. */
  readonly pointDefinitions: StorePointPages;
};

export function runningConfig(config: AgentConfig): RunningConfig {
  const { storePoints, ...kept } = config;
  return { ...kept, hash: configHash(config), readingPoints: storePoints.map((point) => point.pointId), pointDefinitions: new StorePointPages(storePoints) };
}

/**
 * sha256 of the resolved config (file name left out): what the agent runs, so an edit of comments or layout alone
 * keeps the hash, and two files that resolve alike share it. A running config gives the hash it was loaded with.
 */
export function configHash(config: AgentConfig | RunningConfig): string {
  if ('hash' in config) return config.hash;
  const { file: _file, ...resolved } = config;
  const hash = createHash('sha256');
  updateWithJson(hash, resolved, 2);
  return hash.digest('hex');
}

/**
 * Feeds the hash exactly the text JSON.stringify(value) would be, piece by piece down to `depth` levels of objects
 * and arrays: the whole config's JSON at 10k points is a string of ~10 MB, each point's only a few hundred bytes.
 */
function updateWithJson(hash: Hash, value: unknown, depth: number): void {
  if (depth === 0 || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    hash.update(JSON.stringify(value) ?? 'null', 'utf8');
    return;
  }
  const omitted = (item: unknown) => item === undefined || typeof item === 'function' || typeof item === 'symbol';
  if (Array.isArray(value)) {
    hash.update('[');
    value.forEach((item: unknown, i) => {
      if (i > 0) hash.update(',');
      if (omitted(item)) hash.update('null');
      else updateWithJson(hash, item, depth - 1);
    });
    hash.update(']');
    return;
  }
  hash.update('{');
  let first = true;
  for (const [key, item] of Object.entries(value)) {
    if (omitted(item)) continue;
    hash.update(`${first ? '' : ','}${JSON.stringify(key)}:`, 'utf8');
    updateWithJson(hash, item, depth - 1);
    first = false;
  }
  hash.update('}');
}

/**
 * Config fields a running agent cannot take over, by their path in the file: the store is opened once (path, memory
 * limit, read time limit and retention), and the listeners, the uplink, health limits and heartbeat are set up at start.
 */
export function fixedFieldChanges(before: AgentConfig | RunningConfig, after: AgentConfig): string[] {
  const store = (config: AgentConfig | RunningConfig) => ({
    path: config.store.path,
    memoryLimitMb: config.store.memoryLimitMb,
    readTimeoutS: config.store.readTimeoutMs / 1000,
    rawDays: config.store.rawRetentionDays,
    minuteRollupDays: config.store.minuteRollupRetentionDays,
    coarseRollupDays: config.store.coarseRollupRetentionDays,
  });
  const { path: pathBefore, memoryLimitMb: limitBefore, readTimeoutS: timeoutBefore, ...retentionBefore } = store(before);
  const { path: pathAfter, memoryLimitMb: limitAfter, readTimeoutS: timeoutAfter, ...retentionAfter } = store(after);
  return [
    ...differingFields('store.path', pathBefore, pathAfter),
    ...differingFields('store.memoryLimitMb', limitBefore, limitAfter),
    ...differingFields('store.readTimeoutS', timeoutBefore, timeoutAfter),
    ...differingFields('retention', retentionBefore, retentionAfter),
    ...differingFields('api', before.api, after.api),
    ...differingFields('metrics', before.metrics, after.metrics),
    ...differingFields('uplink', before.uplink, after.uplink),
    ...differingFields('health', before.health, after.health),
    ...differingFields('heartbeat', before.heartbeat, after.heartbeat),
  ];
}

/** `path.key` for each key of two objects whose values differ; `path` itself when they are not both objects. */
function differingFields(path: string, before: unknown, after: unknown): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (!isRecord(before) || !isRecord(after)) return [path];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map((key) => `${path}.${key}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One line for logs: counts of each change set, the state not carried over, each limit moved (old -> new). */
export function reloadSummary(report: ReloadReport): string {
  const counts = (name: string, set: ChangeSet) => `${name} ${set.kept.length} kept, ${set.restarted.length} restarted, ${set.added.length} added, ${set.removed.length} removed`;
  const skipped = report.skipped.length === 0 ? 'all engine state carried over' : `state not carried over: ${report.skipped.map((entry) => `${entry.id} (${entry.reason})`).join(', ')}`;
  const moved = report.limitChanges.length === 0 ? '' : `; limits moved: ${limitChangesText(report.limitChanges)}`;
  const latched = report.latched.length === 0 ? '' : `; latched: ${report.latched.join(', ')}`;
  return `${counts('points', report.points)}; ${counts('devices', report.devices)}; ${counts('OPC UA', report.opcua)}; ${counts('outputs', report.outputs)}; ${skipped}${moved}${latched}`;
}
