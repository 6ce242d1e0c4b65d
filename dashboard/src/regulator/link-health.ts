/**
 * Link health per device and UTC day (how regulators score a gateway, dashboard.md): hours online, offline and
 * unmonitored, disconnections, readings received against expected. Offline and disconnections come from the stored
 * `comms_loss` events (commsScores, day by day); unmonitored from the spans in which the store holds no reading of the
 * device at all and no comms loss stood (the gateway was not there to see: stopped, killed, machine off); online is
 * the rest, so silence never counts as online. Readings come from the store's daily aggregates of the device's points.
 */
import { type AggregateRow, type AlarmEventRow, commsScores } from '@hazmon/agent';

interface Span {
  readonly start: number;
  readonly end: number;
}

const HOUR_MS = 3_600_000;

export interface LinkHealthDay {
  readonly deviceId: string;
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** Hours of the day up to now in which the gateway read the device: neither offline nor unmonitored. */
  readonly onlineHours: number;
  readonly offlineHours: number;
  /** Hours of the day up to now with no reading of the device and no comms loss known: the gateway was not reading it. */
  readonly unmonitoredHours: number;
  /** Comms losses that began in the day. */
  readonly disconnections: number;
  /** Readings of its points stored in the day, any quality. */
  readonly readingsReceived: number;
  readonly readingsGood: number;
  /** Sum over its points of (the day up to now) / poll interval. */
  readonly readingsExpected: number;
  /** readingsGood / readingsExpected, capped at 1; null when nothing was expected. */
  readonly completeness: number | null;
}

export interface LinkHealthInput {
  /** Whole UTC days: from and to on midnight UTC. */
  readonly from: number;
  readonly to: number;
  readonly now: number;
  readonly dayMs: number;
  readonly devices: readonly string[];
  /** Each device's reading points with their poll interval. */
  readonly pointsOf: ReadonlyMap<string, readonly { readonly pointId: string; readonly pollIntervalMs: number }[]>;
  /** StoreReader.ruleHistory('comms_loss', from, to). */
  readonly comms: readonly AlarmEventRow[];
  /** StoreReader.aggregates of the points over [from, to) by day. */
  readonly aggregates: readonly AggregateRow[];
  /** Per device, StoreReader.unseenSpans of one of its points over [from, min(to, now)): its points are read together. */
  readonly unseen: ReadonlyMap<string, readonly Span[]>;
}

export function linkHealth(input: LinkHealthInput): LinkHealthDay[] {
  const { from, to, now, dayMs } = input;
  const counted = new Map(input.aggregates.map((row) => [`${row.pointId}\u0000${row.start}`, row]));
  const unmonitored = new Map(input.devices.map((deviceId) => [deviceId, withoutSpans(input.unseen.get(deviceId) ?? [], lossSpans(input.comms, deviceId, Math.min(to, now)))]));
  const days: LinkHealthDay[] = [];
  for (let start = from; start < to; start += dayMs) {
    const end = Math.min(start + dayMs, now);
    const covered = Math.max(0, end - start);
    const scores =
      covered === 0
        ? new Map()
        : commsScores(
            input.comms.filter((row) => row.time < end),
            start,
            end,
          );
    for (const deviceId of input.devices) {
      const offlineMs = scores.get(deviceId)?.offlineMs ?? 0;
      const unmonitoredMs = overlapMs(unmonitored.get(deviceId) ?? [], start, end);
      let received = 0;
      let good = 0;
      let expected = 0;
      for (const point of input.pointsOf.get(deviceId) ?? []) {
        const row = counted.get(`${point.pointId}\u0000${start}`);
        received += row?.count ?? 0;
        good += row?.goodCount ?? 0;
        expected += covered / point.pollIntervalMs;
      }
      days.push({
        deviceId,
        day: new Date(start).toISOString().slice(0, 10),
        onlineHours: (covered - offlineMs - unmonitoredMs) / HOUR_MS,
        offlineHours: offlineMs / HOUR_MS,
        unmonitoredHours: unmonitoredMs / HOUR_MS,
        disconnections: scores.get(deviceId)?.disconnections ?? 0,
        readingsReceived: received,
        readingsGood: good,
        readingsExpected: Math.round(expected),
        completeness: expected === 0 ? null : Math.min(1, good / expected),
      });
    }
  }
  return days;
}

/** The device's comms losses up to `to`, from the rows of StoreReader.ruleHistory (by seq); one still standing ends at `to`. */
function lossSpans(rows: readonly AlarmEventRow[], deviceId: string, to: number): Span[] {
  const spans: Span[] = [];
  let lostSince: number | null = null;
  for (const row of rows) {
    if (row.pointId !== deviceId) continue;
    const active = row.details?.['conditionActive'] === true;
    if (active && lostSince === null) lostSince = row.time;
    else if (!active && lostSince !== null) {
      spans.push({ start: lostSince, end: row.time });
      lostSince = null;
    }
  }
  if (lostSince !== null && lostSince < to) spans.push({ start: lostSince, end: to });
  return spans;
}

/** `spans` less `cut` (both sorted by start, each without overlaps of its own). */
function withoutSpans(spans: readonly Span[], cut: readonly Span[]): Span[] {
  const left: Span[] = [];
  for (const span of spans) {
    let start = span.start;
    for (const piece of cut) {
      if (piece.end <= start || piece.start >= span.end) continue;
      if (piece.start > start) left.push({ start, end: piece.start });
      start = Math.max(start, piece.end);
    }
    if (start < span.end) left.push({ start, end: span.end });
  }
  return left;
}

function overlapMs(spans: readonly Span[], from: number, to: number): number {
  let total = 0;
  for (const span of spans) total += Math.max(0, Math.min(span.end, to) - Math.max(span.start, from));
  return total;
}
