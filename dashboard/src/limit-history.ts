/**
 * A point's limits as they were over a trend's range, from the limits in force now and the agent's two records of
 * limit changes: the run-time threshold changes (the overrides file's history: changed or removed by a supervisor or
 * admin, retired by the agent when the config file's value took over) and the config file's own (a reload or a start
 * on an edited file). Walking them back from now gives the limits in force at the range's start, and the changes
 * inside the range are where the limit lines step. The two records merged whole are the site's history of limit
 * changes (GET /api/v1/threshold-changes).
 */
import type { ConfigLimitChange, ConfigLimitRecord, LimitName, ThresholdHistoryEntry } from '@hazmon/agent';
import { THRESHOLD_HISTORY_LIMIT } from '@hazmon/agent';

export type LimitSet = Record<LimitName, number | null>;

/** An entry of either record: the overrides file's history or the config file's changes. */
type RecordedChange = ThresholdHistoryEntry | ConfigLimitChange;

/** A change of the point's limits; the point is the series'. */
export type LimitChange = Omit<ThresholdHistoryEntry, 'pointId'> | Omit<ConfigLimitChange, 'pointId'>;

export interface LimitsOverRange {
  /** The limits in force at the range's start. */
  readonly limitsAtFrom: LimitSet;
  /** The recorded changes with time in [from, to), oldest first. */
  readonly limitChanges: LimitChange[];
  /**
   * Null when the records reach back to the range's start; else the time from which both are whole (each keeps its
   * last entries): a change before that time may no longer be in them.
   */
  readonly limitsRecordedFrom: number | null;
}

/** The records of the points asked, each point's changes oldest first (the two records merged by time). */
export interface LimitRecords {
  readonly byPoint: ReadonlyMap<string, readonly RecordedChange[]>;
  /** Null when neither record dropped an entry; else the latest time from which both are whole. */
  readonly wholeFrom: number | null;
}

/**
 * The two records' entries merged by time, oldest first (each record is oldest first); of one time the overrides
 * file's come first. Linear: the site's history is merged whole for GET /api/v1/threshold-changes.
 */
export function mergedByTime(thresholdHistory: readonly ThresholdHistoryEntry[], configChanges: readonly ConfigLimitChange[]): RecordedChange[] {
  const merged: RecordedChange[] = [];
  let i = 0;
  let j = 0;
  while (i < thresholdHistory.length || j < configChanges.length) {
    const fromConfig = j < configChanges.length && (i === thresholdHistory.length || configChanges[j]!.time < thresholdHistory[i]!.time);
    merged.push(fromConfig ? configChanges[j++]! : thresholdHistory[i++]!);
  }
  return merged;
}

/** Null when neither record dropped an entry; else the latest time from which both are whole. */
function recordsWholeFrom(thresholdHistory: readonly ThresholdHistoryEntry[], config: ConfigLimitRecord): number | null {
  const thresholdsCut = thresholdHistory.length >= THRESHOLD_HISTORY_LIMIT ? (thresholdHistory[0]?.time ?? null) : null;
  const cuts = [thresholdsCut, config.recordedFrom].filter((time) => time !== null);
  return cuts.length === 0 ? null : Math.max(...cuts);
}

/** The two records' entries of `pointIds` (shared by every series of a trend). */
export function limitRecordsOf(pointIds: readonly string[], thresholdHistory: readonly ThresholdHistoryEntry[], config: ConfigLimitRecord): LimitRecords {
  const ofPoints = <T extends RecordedChange>(entries: readonly T[]) => {
    const byPoint = new Map<string, T[]>(pointIds.map((id) => [id, []]));
    for (const entry of entries) byPoint.get(entry.pointId)?.push(entry);
    return byPoint;
  };
  const thresholds = ofPoints(thresholdHistory);
  const configChanges = ofPoints(config.changes);
  const byPoint = new Map(pointIds.map((id) => [id, mergedByTime(thresholds.get(id)!, configChanges.get(id)!)]));
  return { byPoint, wholeFrom: recordsWholeFrom(thresholdHistory, config) };
}

/**
 * `limitsNow`: the point's limits in force now; `pointHistory`: its recorded changes, oldest first; `wholeFrom`: the
 * records' (limitRecordsOf). A change at `from` is inside the range.
 */
export function limitsOverRange(limitsNow: LimitSet, pointHistory: readonly RecordedChange[], wholeFrom: number | null, from: number, to: number): LimitsOverRange {
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
  return { limitsAtFrom, limitChanges: limitChanges.reverse(), limitsRecordedFrom: wholeFrom !== null && wholeFrom > from ? wholeFrom : null };
}
