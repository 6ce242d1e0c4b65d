/**
 * How regulators score a gateway's devices over a period (dashboard.md: provincial monthly evaluations rank by
 * average offline hours and number of disconnections): from the `comms_loss` alarm events, a device is offline
 * while its condition is active; each change from online to offline within the period is one disconnection.
 */
import type { AlarmEventRow } from '../store/index.ts';

export interface CommsScore {
  readonly disconnections: number;
  readonly offlineMs: number;
}

/** Per source, over [from, to): `rows` as StoreReader.ruleHistory gives them (each source's state at from, then its changes, by seq). */
export function commsScores(rows: readonly AlarmEventRow[], from: number, to: number): ReadonlyMap<string, CommsScore> {
  const state = new Map<string, { offlineSince: number | null; disconnections: number; offlineMs: number }>();
  for (const row of rows) {
    if (row.pointId === null) continue;
    const source = state.get(row.pointId) ?? { offlineSince: null, disconnections: 0, offlineMs: 0 };
    state.set(row.pointId, source);
    const active = row.details?.['conditionActive'] === true;
    const time = Math.max(row.time, from);
    if (active && source.offlineSince === null) {
      source.offlineSince = time;
      if (row.time >= from) source.disconnections += 1;
    } else if (!active && source.offlineSince !== null) {
      source.offlineMs += time - source.offlineSince;
      source.offlineSince = null;
    }
  }
  return new Map([...state].map(([id, source]) => [id, { disconnections: source.disconnections, offlineMs: source.offlineMs + (source.offlineSince === null ? 0 : to - source.offlineSince) }]));
}
