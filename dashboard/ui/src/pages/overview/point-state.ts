/**
 * What the overview and the site plan both say about a point: whether its value is stale (the stream is down, or its
 * last reading is older than the agent says a reading stays current, `freshForMs`: silence is never "all clear"), its
 * worst active alarm, and the link that opens it in a trend.
 */
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { PRIORITIES, type EngineAlarm, type Point } from '../../api/types.ts';
import { connection, stale } from '../../live/store.ts';

/** When the agent gives no freshness (a point the running config does not know yet): generous, yet a silent point is still marked. */
const DEFAULT_FRESH_MS = 15_000;
const TICK_MS = 1000;

/** The wall clock, ticking while a page that judges staleness is open. */
const now = signal(Date.now());
let tickers = 0;
let timer: ReturnType<typeof setInterval> | null = null;

export function useTicking(): void {
  useEffect(() => {
    tickers += 1;
    timer ??= setInterval(() => (now.value = Date.now()), TICK_MS);
    return () => {
      tickers -= 1;
      if (tickers === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, []);
}

/** Since when the point's value is stale, or null while it is current. */
export function staleSince(point: Point): number | null {
  if (stale.value) {
    const link = connection.value;
    return point.receiveTime ?? (link.state === 'down' ? link.since : null);
  }
  if (point.receiveTime === null) return null;
  return now.value - point.receiveTime > (point.freshForMs ?? DEFAULT_FRESH_MS) ? point.receiveTime : null;
}

/** The point's active alarms (not normal), most urgent first. */
export function activeAlarmsOf(pointId: string, engine: readonly EngineAlarm[]): EngineAlarm[] {
  return engine.filter((alarm) => alarm.pointId === pointId && alarm.state !== 'normal').sort((a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority));
}

export const trendHref = (pointId: string) => `/trends?points=${encodeURIComponent(pointId)}`;
