/** `hazmon replay CONFIG --rules NEW_CONFIG ...`: runs stored readings through the current and a changed rule set and prints the alarms that differ. */
import { parseArgs } from 'node:util';
import type { Reading } from '@hazmon/protocols';
import { AlarmEngine } from '../engine/index.ts';
import type { EngineConfig, EngineEvent } from '../engine/index.ts';
import type { HazmonStore, RawReadingRow } from '../store/index.ts';
import { StoreError } from '../store/index.ts';
import type { CliIo } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { parseIsoTime } from './export.ts';
import { loadConfigOrReport } from './load-config.ts';
import { withConfiguredStore } from './store-access.ts';

/** The store's largest raw page; a point with more readings in the range is refused rather than replayed in part. */
const MAX_READINGS_PER_POINT = 1_000_000;

export interface ReplayRequest {
  readonly configFile: string;
  readonly rulesFile: string;
  readonly from: number;
  readonly to: number;
}

/** A raise or clear of one alarm's condition; life-cycle commands and mode changes are not transitions. */
export interface AlarmTransition {
  readonly time: number;
  readonly alarmId: string;
  readonly change: 'raised' | 'cleared';
}

export interface ReplayDifference {
  readonly onlyWithNew: readonly AlarmTransition[];
  readonly onlyWithCurrent: readonly AlarmTransition[];
}

/** Checks every option before either config or the store is touched. */
export function parseReplayArgs(args: readonly string[]): ReplayRequest {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { rules: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError(`give exactly one config file (got ${positionals.length})`);
  if (values.rules === undefined || values.rules.length === 0) throw new UsageError('--rules NEW_CONFIG is required: the config whose engine rules to try');
  const from = parseIsoTime('from', values.from);
  const to = parseIsoTime('to', values.to);
  if (from >= to) throw new UsageError(`--from ${JSON.stringify(values.from)} must be before --to ${JSON.stringify(values.to)}`);
  return { configFile: positionals[0]!, rulesFile: values.rules, from, to };
}

function toReading(pointId: string, unit: string, row: RawReadingRow): Reading {
  // Rows of schema 1 files have the code only: the message then says so rather than inventing the original text.
  const reason = row.quality !== 'good' && row.reason !== null ? { code: row.reason, message: row.reasonText ?? `stored reading of ${pointId}: ${row.reason}` } : undefined;
  return {
    pointId,
    value: row.value,
    unit,
    sourceTime: row.sourceTime,
    receiveTime: row.time,
    quality: row.quality,
    ...(reason ? { reason } : {}),
  };
}

/**
 * Stored readings in [from, to) of every point either rule set names, merged by receive time; equal times keep
 * the points' config order, so the same store always gives the same sequence.
 */
export async function storedReadings(store: HazmonStore, rules: readonly EngineConfig[], from: number, to: number, io: CliIo): Promise<Reading[]> {
  const units = new Map<string, string>();
  for (const config of rules) for (const point of config.points) if (!units.has(point.id)) units.set(point.id, point.unit ?? '');
  const perPoint: Reading[][] = [];
  for (const [pointId, unit] of units) {
    let rows: RawReadingRow[];
    try {
      rows = await store.rawReadings(pointId, from, to, MAX_READINGS_PER_POINT);
    } catch (error) {
      if (!(error instanceof StoreError) || error.code !== 'HAZMON_STORE_UNKNOWN_POINT') throw error;
      io.stderr.write(`hazmon replay: point ${pointId} has no readings in the store (never registered); replayed without it\n`);
      continue;
    }
    if (rows.length === MAX_READINGS_PER_POINT) {
      throw new UsageError(`--from/--to: point ${pointId} has ${MAX_READINGS_PER_POINT} or more readings in the range; replay a shorter range`);
    }
    perPoint.push(rows.map((row) => toReading(pointId, unit, row)));
  }
  // A stable sort keeps config order among equal receive times.
  return perPoint.flat().sort((a, b) => a.receiveTime - b.receiveTime);
}

/** Runs `readings` through a fresh engine, ticking at each reading's receive time as the live agent's clock would. */
export function alarmTransitions(rules: EngineConfig, readings: readonly Reading[]): AlarmTransition[] {
  const transitions: AlarmTransition[] = [];
  const conditionActive = new Map<string, boolean>();
  const sink = (event: EngineEvent): void => {
    if (event.type !== 'alarm') return;
    const before = conditionActive.get(event.alarmId) ?? false;
    if (event.conditionActive === before) return;
    conditionActive.set(event.alarmId, event.conditionActive);
    transitions.push({ time: event.time, alarmId: event.alarmId, change: event.conditionActive ? 'raised' : 'cleared' });
  };
  const engine = new AlarmEngine(rules, sink);
  const one: Reading[] = [];
  for (const reading of readings) {
    one[0] = reading;
    engine.processReadings(one);
    engine.tick(reading.receiveTime);
  }
  return transitions;
}

const transitionKey = (transition: AlarmTransition): string => `${transition.time}\u0000${transition.alarmId}\u0000${transition.change}`;

function compareTransitions(a: AlarmTransition, b: AlarmTransition): number {
  return a.time - b.time || (a.alarmId < b.alarmId ? -1 : a.alarmId > b.alarmId ? 1 : 0) || (a.change < b.change ? -1 : a.change > b.change ? 1 : 0);
}

/** Multiset difference in both directions: a transition repeated in one run counts as often as it occurs. */
export function diffTransitions(current: readonly AlarmTransition[], next: readonly AlarmTransition[]): ReplayDifference {
  const unmatched = (from: readonly AlarmTransition[], against: readonly AlarmTransition[]): AlarmTransition[] => {
    const counts = new Map<string, number>();
    for (const transition of against) counts.set(transitionKey(transition), (counts.get(transitionKey(transition)) ?? 0) + 1);
    return from
      .filter((transition) => {
        const left = counts.get(transitionKey(transition)) ?? 0;
        counts.set(transitionKey(transition), left - 1);
        return left <= 0;
      })
      .sort(compareTransitions);
  };
  return { onlyWithNew: unmatched(next, current), onlyWithCurrent: unmatched(current, next) };
}

/** ISO 8601 UTC, with milliseconds only when there are some. */
function isoTime(time: number): string {
  return new Date(time).toISOString().replace('.000Z', 'Z');
}

export function formatDifference(difference: ReplayDifference): string {
  const line = (sign: string, transition: AlarmTransition, which: string) => `${sign} ${isoTime(transition.time)} ${transition.alarmId} ${transition.change} (only with ${which} rules)`;
  const lines = [
    ...difference.onlyWithNew.map((transition) => ({ transition, text: line('+', transition, 'new') })),
    ...difference.onlyWithCurrent.map((transition) => ({ transition, text: line('-', transition, 'current') })),
  ]
    .sort((a, b) => compareTransitions(a.transition, b.transition) || (a.text < b.text ? -1 : 1))
    .map((entry) => `${entry.text}\n`);
  const total = difference.onlyWithNew.length + difference.onlyWithCurrent.length;
  return `${lines.join('')}${total} alarm transitions differ (${difference.onlyWithNew.length} only with new rules, ${difference.onlyWithCurrent.length} only with current rules)\n`;
}

export async function replayCommand(args: readonly string[], io: CliIo): Promise<number> {
  const request = parseReplayArgs(args);
  const next = loadConfigOrReport(request.rulesFile, io, (problems) => `hazmon replay: ${problems} problem(s) in ${request.rulesFile}: no rules to try`);
  if (next === null) return EXIT.configInvalid;
  return withConfiguredStore('replay', request.configFile, io, async (store, current) => {
    const readings = await storedReadings(store, [current.engine, next.engine], request.from, request.to, io);
    const difference = diffTransitions(alarmTransitions(current.engine, readings), alarmTransitions(next.engine, readings));
    io.stdout.write(formatDifference(difference));
    return EXIT.ok;
  });
}
