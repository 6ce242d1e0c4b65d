/**
 * Alarm-system health over a time range, from the stored alarm events (EEMUA 191 / ISA-18.2 figures, see
 * /work/shared/alarms.md): activations per hour and per day, flood episodes (>= 10 in 10 min), chattering alarms
 * (>= 3 in 1 min), standing alarms at the range's end and the stale ones among them (active > 24 h), the ten points
 * with the most activations. Pure: the route reads the events, this counts. Hours and days are UTC.
 */
import type { AlarmEventRow } from '@hazmon/agent';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './query-params.ts';

export const HEALTH_FIGURES = { floodAlarms: 10, floodWindowMs: 10 * MINUTE_MS, chatterAlarms: 3, chatterWindowMs: MINUTE_MS, staleAfterMs: DAY_MS, worstPoints: 10 } as const;

const ACTIVE_STATES = new Set(['unacknowledged_active', 'acknowledged_active']);
/** Rows that set an alarm's state: the life-cycle rows (a refused command says `unchanged`, an action its command). */
const ALARM_STATES = new Set([...ACTIVE_STATES, 'normal', 'unacknowledged_returned']);

interface Count {
  readonly start: number;
  readonly count: number;
}

interface Episode {
  readonly start: number;
  /** The episode's last activation so far. */
  readonly end: number;
  readonly alarms: number;
  /** Still at flood level at the range's end (its last window held the threshold): not over, whatever `end` says. */
  readonly ongoing: boolean;
}

export interface AlarmHealth {
  readonly activations: number;
  readonly averagePer10Min: number;
  // Plain arrays: the route hands them to the JSON answer as they are.
  readonly perHour: Count[];
  readonly perDay: Count[];
  readonly floods: Episode[];
  readonly chattering: { readonly alarmId: string; readonly pointId: string | null; readonly activations: number; readonly maxIn1Min: number }[];
  readonly standing: StandingAlarm[];
  readonly stale: StandingAlarm[];
  readonly worstPoints: { readonly pointId: string; readonly activations: number }[];
}

interface StandingAlarm {
  readonly alarmId: string;
  readonly pointId: string | null;
  readonly priority: string | null;
  readonly state: string;
  readonly activeSince: number;
}

/** The alarm an event belongs to: `details.alarmId` (engine and runtime alarms), else its rule. */
function alarmIdOf(event: AlarmEventRow): string {
  const id = event.details?.['alarmId'];
  return typeof id === 'string' ? id : event.ruleId;
}

function countsBy(times: readonly number[], widthMs: number): Count[] {
  const counts = new Map<number, number>();
  for (const time of times) {
    const start = Math.floor(time / widthMs) * widthMs;
    counts.set(start, (counts.get(start) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([start, count]) => ({ start, count }));
}

/**
 * Episodes in which at least `threshold` activations fell within `windowMs` (sorted times): overlapping windows make
 * one episode, from its first activation to its last, so a long flood counts once.
 */
function episodes(times: readonly number[], threshold: number, windowMs: number, to: number): Episode[] {
  const found: { start: number; end: number; first: number; last: number }[] = [];
  let left = 0;
  for (let right = 0; right < times.length; right += 1) {
    while (times[right]! - times[left]! >= windowMs) left += 1;
    if (right - left + 1 < threshold) continue;
    const current = found.at(-1);
    if (current !== undefined && current.last >= left) {
      current.end = times[right]!;
      current.last = right;
    } else found.push({ start: times[left]!, end: times[right]!, first: left, last: right });
  }
  const firstInLastWindow = times.findIndex((time) => time > to - windowMs);
  const floodingAtEnd = firstInLastWindow >= 0 && times.length - firstInLastWindow >= threshold;
  return found.map(({ start, end, first, last }) => ({ start, end, alarms: last - first + 1, ongoing: floodingAtEnd && last === times.length - 1 }));
}

/** The most activations within any `windowMs` (sorted times). */
function maxWithin(times: readonly number[], windowMs: number): number {
  let best = 0;
  let left = 0;
  for (let right = 0; right < times.length; right += 1) {
    while (times[right]! - times[left]! >= windowMs) left += 1;
    best = Math.max(best, right - left + 1);
  }
  return best;
}

/**
 * A row of an alarm going active: `raised` from normal, or the engine's `changed` when its condition comes back before
 * anyone acknowledged it (unacknowledged returned, or latched): the usual chattering alarm that nobody answers.
 */
export function isActivation(event: AlarmEventRow): boolean {
  return event.kind === 'raised' || (event.kind === 'changed' && event.who === 'engine');
}

/** The health figures of the events of [from, to), given oldest first (by seq). */
export function alarmHealth(events: readonly AlarmEventRow[], from: number, to: number): AlarmHealth {
  const raised = events.filter(isActivation);
  const times = raised.map((event) => event.time).sort((a, b) => a - b);
  const timesByAlarm = new Map<string, { pointId: string | null; times: number[] }>();
  const byPoint = new Map<string, number>();
  for (const event of raised) {
    const id = alarmIdOf(event);
    const entry = timesByAlarm.get(id) ?? { pointId: event.pointId, times: [] };
    entry.times.push(event.time);
    timesByAlarm.set(id, entry);
    if (event.pointId !== null) byPoint.set(event.pointId, (byPoint.get(event.pointId) ?? 0) + 1);
  }
  const chattering = [...timesByAlarm.entries()]
    .map(([alarmId, entry]) => ({
      alarmId,
      pointId: entry.pointId,
      activations: entry.times.length,
      maxIn1Min: maxWithin(
        entry.times.sort((a, b) => a - b),
        HEALTH_FIGURES.chatterWindowMs,
      ),
    }))
    .filter((alarm) => alarm.maxIn1Min >= HEALTH_FIGURES.chatterAlarms)
    .sort((a, b) => b.maxIn1Min - a.maxIn1Min || b.activations - a.activations);
  const standing = standingAlarms(events);
  return {
    activations: raised.length,
    averagePer10Min: raised.length / ((to - from) / HEALTH_FIGURES.floodWindowMs),
    perHour: countsBy(times, HOUR_MS),
    perDay: countsBy(times, DAY_MS),
    floods: episodes(times, HEALTH_FIGURES.floodAlarms, HEALTH_FIGURES.floodWindowMs, to),
    chattering,
    standing,
    stale: standing.filter((alarm) => to - alarm.activeSince > HEALTH_FIGURES.staleAfterMs),
    worstPoints: [...byPoint.entries()]
      .map(([pointId, activations]) => ({ pointId, activations }))
      .sort((a, b) => b.activations - a.activations || a.pointId.localeCompare(b.pointId))
      .slice(0, HEALTH_FIGURES.worstPoints),
  };
}

/** Alarms whose last life-cycle row of the range leaves them active, with the time they went active. */
function standingAlarms(events: readonly AlarmEventRow[]): StandingAlarm[] {
  const latest = new Map<string, { event: AlarmEventRow; activeSince: number | null }>();
  for (const event of events) {
    if (!ALARM_STATES.has(event.stateAfter)) continue;
    const id = alarmIdOf(event);
    const before = latest.get(id);
    const stored = event.details?.['activeSince'];
    const activeSince = typeof stored === 'number' ? stored : isActivation(event) ? event.time : (before?.activeSince ?? null);
    latest.set(id, { event, activeSince: ACTIVE_STATES.has(event.stateAfter) ? activeSince : null });
  }
  return [...latest.entries()]
    .filter(([, { event }]) => ACTIVE_STATES.has(event.stateAfter))
    .map(([alarmId, { event, activeSince }]) => ({ alarmId, pointId: event.pointId, priority: event.priority ?? null, state: event.stateAfter, activeSince: activeSince ?? event.time }))
    .sort((a, b) => a.activeSince - b.activeSince);
}
