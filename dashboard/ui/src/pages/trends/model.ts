/**
 * The trend answer turned into what the chart draws: one time column shared by every point and, per point, its
 * average, minimum and maximum columns, where `null` breaks the line (no good reading for longer than the point's
 * `freshForMs`, the agent's rule for how long a reading stays current) and `undefined` is only "no bucket here", which
 * the line spans. Within that time a value holds until the next reading (an OPC UA point reports changes only and is
 * restated once per keep-alive period), so the line stays level until the bucket before it instead of sloping across.
 * Periods without any reading and periods with readings that were not good are listed apart, to be shaded: a gap is
 * never drawn as calm.
 */
import type { LimitChange, Limits, Trend } from '../../api/types.ts';

/** Where the answer gives no freshness (a point the running config does not know): generous, yet a silence still shows. */
const DEFAULT_FRESH_MS = 15_000;

export interface Period {
  readonly pointId: string;
  readonly from: number;
  readonly to: number;
}

export type Cell = number | null | undefined;

export interface ChartModel {
  readonly from: number;
  readonly to: number;
  readonly bucketMs: number;
  readonly x: readonly number[];
  /** Per point, in the answer's order: [avg, min, max], each aligned with `x`. */
  readonly columns: readonly (readonly [Cell[], Cell[], Cell[]])[];
  readonly noReadings: readonly Period[];
  readonly notGood: readonly Period[];
  /** No point had a good reading in the range. */
  readonly empty: boolean;
}

/** Adjacent or overlapping periods of a point joined. */
function merged(periods: readonly Period[]): Period[] {
  const out: Period[] = [];
  for (const period of [...periods].sort((a, b) => a.pointId.localeCompare(b.pointId) || a.from - b.from)) {
    const last = out.at(-1);
    if (last && last.pointId === period.pointId && period.from <= last.to) out[out.length - 1] = { ...last, to: Math.max(last.to, period.to) };
    else out.push(period);
  }
  return out;
}

type Bucket = Trend['series'][number]['buckets'][number];

export function buildModel(trend: Trend, now: number): ChartModel {
  const { from, to, bucketMs } = trend;
  // Nothing can have been read after now: the future part of a window is not "no readings".
  const seenUntil = Math.min(to, now);
  const breaks = trend.series.map(() => new Set<number>());
  /** Per point, the bucket whose value still holds at a time with no bucket of its own (the one before the next reading). */
  const holds = trend.series.map(() => new Map<number, Bucket>());
  const noReadings: Period[] = [];
  const notGood: Period[] = [];
  trend.series.forEach((series, index) => {
    // A line breaks where good readings are missing for longer than a reading stays current (or two buckets).
    const gapMs = Math.max(2 * bucketMs, series.freshForMs ?? DEFAULT_FRESH_MS);
    const good = series.buckets.map((bucket) => bucket.start);
    for (let i = 1; i < good.length; i += 1) {
      const silentMs = good[i]! - good[i - 1]!;
      if (silentMs > gapMs) breaks[index]!.add(good[i - 1]! + bucketMs);
      else if (silentMs > 2 * bucketMs) holds[index]!.set(good[i]! - bucketMs, series.buckets[i - 1]!);
    }
    for (const bucket of series.notGood) notGood.push({ pointId: series.pointId, from: bucket.start, to: bucket.start + bucketMs });
    const read = [...new Set([...good, ...series.notGood.map((bucket) => bucket.start)])].sort((a, b) => a - b);
    let readUntil = from;
    for (const start of read) {
      if (start - readUntil > gapMs) noReadings.push({ pointId: series.pointId, from: readUntil, to: start });
      readUntil = Math.max(readUntil, start + bucketMs);
    }
    if (seenUntil - readUntil > gapMs) noReadings.push({ pointId: series.pointId, from: readUntil, to: seenUntil });
  });
  const x = [...new Set([...trend.series.flatMap((series) => series.buckets.map((bucket) => bucket.start)), ...breaks.flatMap((set) => [...set]), ...holds.flatMap((held) => [...held.keys()])])].sort(
    (a, b) => a - b,
  );
  const columns = trend.series.map((series, index) => {
    const byStart = new Map(series.buckets.map((bucket) => [bucket.start, bucket]));
    const cell = (time: number, pick: (bucket: Bucket) => number): Cell => {
      const bucket = byStart.get(time) ?? holds[index]!.get(time);
      if (bucket) return pick(bucket);
      return breaks[index]!.has(time) ? null : undefined;
    };
    return [x.map((time) => cell(time, (bucket) => bucket.avg)), x.map((time) => cell(time, (bucket) => bucket.min)), x.map((time) => cell(time, (bucket) => bucket.max))] as [Cell[], Cell[], Cell[]];
  });
  return { from, to, bucketMs, x, columns, noReadings: merged(noReadings), notGood: merged(notGood), empty: trend.series.every((series) => series.buckets.length === 0) };
}

export const LIMIT_LABELS = { lolo: 'LL', lo: 'L', hi: 'H', hihi: 'HH' } as const satisfies Record<keyof Limits, string>;
export type LimitName = keyof typeof LIMIT_LABELS;
export const LIMIT_NAMES = Object.keys(LIMIT_LABELS) as LimitName[];

/** `hi:20,hihi:40`: the limits a point has, for the legend's data attribute. */
export function limitsText(limits: Limits): string {
  return LIMIT_NAMES.filter((name) => limits[name] !== null)
    .map((name) => `${name}:${limits[name]}`)
    .join(',');
}

/** One limit's value over part of the range: [from, to), null where the point had no such limit. */
export interface LimitSegment {
  readonly from: number;
  readonly to: number;
  readonly value: number | null;
}

/**
 * Each limit's segments over the range, as the answer's record gives them: from the limits at the range's start, a
 * step at each change. A limit never set in the range has none.
 */
export function limitSegments(series: Pick<Trend['series'][number], 'limitsAtFrom' | 'limitChanges'>, from: number, to: number): Record<LimitName, LimitSegment[]> {
  const segments = {} as Record<LimitName, LimitSegment[]>;
  for (const name of LIMIT_NAMES) {
    const out: LimitSegment[] = [];
    let start = from;
    let value = series.limitsAtFrom[name];
    for (const change of series.limitChanges) {
      if (change.limit !== name) continue;
      if (change.time > start) out.push({ from: start, to: change.time, value });
      start = Math.max(start, change.time);
      value = change.new;
    }
    out.push({ from: start, to, value });
    segments[name] = out.filter((segment) => segment.value !== null);
  }
  return segments;
}

/** The change's words: `H 20 → 30`, a limit that came or went as a dash. */
export function limitChangeText(change: LimitChange, format: (value: number | null) => string): string {
  return `${LIMIT_LABELS[change.limit]} ${change.old === null ? '—' : format(change.old)} → ${change.new === null ? '—' : format(change.new)}`;
}
