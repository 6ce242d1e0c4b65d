/**
 * Link health per device and UTC day (how regulators score a gateway, dashboard.md): hours online, disconnections,
 * readings received against expected. Online and disconnections come from the stored `comms_loss` events
 * (commsScores, day by day); readings from the store's daily aggregates of the device's points.
 */
import { type AggregateRow, type AlarmEventRow, commsScores } from '@hazmon/agent';

const HOUR_MS = 3_600_000;

export interface LinkHealthDay {
  readonly deviceId: string;
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** Hours of the day up to now not in comms loss. */
  readonly onlineHours: number;
  readonly offlineHours: number;
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
}

export function linkHealth(input: LinkHealthInput): LinkHealthDay[] {
  const { from, to, now, dayMs } = input;
  const counted = new Map(input.aggregates.map((row) => [`${row.pointId}\u0000${row.start}`, row]));
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
        onlineHours: (covered - offlineMs) / HOUR_MS,
        offlineHours: offlineMs / HOUR_MS,
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
