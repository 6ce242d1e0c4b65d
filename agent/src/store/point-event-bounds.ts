/**
 * Per point, the seq and time bounds of its alarm events: a range read for a few points (a trend's) then asks DuckDB
 * only for the seq and time window those points' events lie in, and no query at all when none of them has an event
 * there. alarm_events has no index, so without it such a read scans every event of the range, other points' too.
 * Bounds only ever widen (events are never deleted), so a window holds every event of its points whatever happens to a
 * commit: they are widened before the rows are committed, and a failed commit leaves them wider than needed.
 * Memory: one entry per point that has an event, never per event.
 */
import { num, type SerialConnection } from './sql.ts';
import type { AlarmEventRow } from './types.ts';

/** Inclusive bounds of seq and time over some points' events. */
export interface EventWindow {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstTime: number;
  readonly lastTime: number;
}

interface Bounds {
  firstSeq: number;
  lastSeq: number;
  firstTime: number;
  lastTime: number;
}

export class PointEventBounds {
  private byPoint = new Map<string, Bounds>();

  /** Takes the bounds from the table (at open, and after a reopen): one grouped scan. */
  async load(connection: SerialConnection): Promise<void> {
    const rows = await connection.rows(
      'SELECT point_id, min(seq) AS first_seq, max(seq) AS last_seq, min(t) AS first_t, max(t) AS last_t FROM alarm_events WHERE point_id IS NOT NULL GROUP BY point_id',
    );
    const byPoint = new Map<string, Bounds>();
    for (const row of rows) {
      byPoint.set(String(row.point_id), { firstSeq: num(row.first_seq), lastSeq: num(row.last_seq), firstTime: num(row.first_t), lastTime: num(row.last_t) });
    }
    this.byPoint = byPoint;
  }

  /** Called before the rows are committed, so that no read between their commit and this call misses them. */
  widen(rows: readonly AlarmEventRow[]): void {
    for (const row of rows) {
      if (row.pointId === null) continue;
      const bounds = this.byPoint.get(row.pointId);
      if (bounds === undefined) {
        this.byPoint.set(row.pointId, { firstSeq: row.seq, lastSeq: row.seq, firstTime: row.time, lastTime: row.time });
        continue;
      }
      bounds.firstSeq = Math.min(bounds.firstSeq, row.seq);
      bounds.lastSeq = Math.max(bounds.lastSeq, row.seq);
      bounds.firstTime = Math.min(bounds.firstTime, row.time);
      bounds.lastTime = Math.max(bounds.lastTime, row.time);
    }
  }

  /** The window every event of these points lies in, or null when none of them has one. */
  windowOf(pointIds: readonly string[]): EventWindow | null {
    let window: Bounds | null = null;
    for (const id of pointIds) {
      const bounds = this.byPoint.get(id);
      if (bounds === undefined) continue;
      if (window === null) {
        window = { ...bounds };
        continue;
      }
      window.firstSeq = Math.min(window.firstSeq, bounds.firstSeq);
      window.lastSeq = Math.max(window.lastSeq, bounds.lastSeq);
      window.firstTime = Math.min(window.firstTime, bounds.firstTime);
      window.lastTime = Math.max(window.lastTime, bounds.lastTime);
    }
    return window;
  }
}
