/**
 * A point's limits as they were over a trend's range, from the limits in force now and the agent's record of run-time
 * threshold changes (the overrides file's history: changed or removed by a supervisor or admin, retired by the agent
 * when the config file's value took over): walking that record back from now gives the limits in force at the
 * range's start, and the changes inside the range are where the limit lines step.
 */
import { type LimitName, THRESHOLD_HISTORY_LIMIT, type ThresholdHistoryEntry } from '@hazmon/agent';

export type LimitSet = Record<LimitName, number | null>;

/** A change of the point's limits; the point is the series'. */
export type LimitChange = Omit<ThresholdHistoryEntry, 'pointId'>;

export interface LimitsOverRange {
  /** The limits in force at the range's start. */
  readonly limitsAtFrom: LimitSet;
  /** The recorded changes with time in [from, to), oldest first. */
  readonly limitChanges: LimitChange[];
  /**
   * Null when the record reaches back to the range's start; else the time of the oldest change it still keeps (it
   * keeps the last THRESHOLD_HISTORY_LIMIT of the site): a change before that time is no longer in it.
   */
  readonly limitsRecordedFrom: number | null;
}

/** The record's entries of each point, oldest first; the history is shared by every series of a trend. */
export function historyByPoint(history: readonly ThresholdHistoryEntry[]): ReadonlyMap<string, readonly ThresholdHistoryEntry[]> {
  const byPoint = new Map<string, ThresholdHistoryEntry[]>();
  for (const entry of history) {
    const list = byPoint.get(entry.pointId);
    if (list === undefined) byPoint.set(entry.pointId, [entry]);
    else list.push(entry);
  }
  return byPoint;
}

/**
 * `limitsNow`: the point's limits in force now; `pointHistory`: its entries of the record, oldest first;
 * `history`: the whole record (whether it was cut). A change at `from` is inside the range.
 */
export function limitsOverRange(limitsNow: LimitSet, pointHistory: readonly ThresholdHistoryEntry[], history: readonly ThresholdHistoryEntry[], from: number, to: number): LimitsOverRange {
  const limitsAtFrom = { ...limitsNow };
  const limitChanges: LimitChange[] = [];
  for (let i = pointHistory.length - 1; i >= 0; i -= 1) {
    const entry = pointHistory[i]!;
    if (entry.time < from) break;
    limitsAtFrom[entry.limit] = entry.old;
    if (entry.time < to) {
      const { pointId: _pointId, ...change } = entry;
      limitChanges.push(change);
    }
  }
  const oldestKept = history[0]?.time;
  const cut = history.length >= THRESHOLD_HISTORY_LIMIT && oldestKept !== undefined && oldestKept > from;
  return { limitsAtFrom, limitChanges: limitChanges.reverse(), limitsRecordedFrom: cut ? oldestKept : null };
}
