/**
 * What the overview and the site plan both say about a point: whether its value is stale (the stream is down, its
 * last reading is older than the agent says a reading stays current, `freshForMs`, or came before its device stopped
 * answering: silence is never "all clear"), its worst active alarm, and the link that opens it in a trend.
 */
import { computed } from '@preact/signals';
import { PRIORITIES, type EngineAlarm, type Point } from '../../api/types.ts';
import { alarms, connection, stale } from '../../live/store.ts';
import { now } from '../../shell/clock.ts';

/** When the agent gives no freshness (a point the running config does not know yet): generous, yet a silent point is still marked. */
const DEFAULT_FRESH_MS = 15_000;

/** Since when each Modbus device or OPC UA connection has not answered: its standing comms_loss alarm, by source. */
const commsLostSince = computed(() => new Map(alarms.value.runtime.filter((alarm) => alarm.rule === 'comms_loss' && alarm.conditionActive).map((alarm) => [alarm.source, alarm.since])));

/** Since when the point's value is stale, or null while it is current. */
export function staleSince(point: Point): number | null {
  if (stale.value) {
    const link = connection.value;
    return point.receiveTime ?? (link.state === 'down' ? link.since : null);
  }
  if (point.receiveTime === null) return null;
  // A point read less often than its device's failing requests keeps a reading from before the loss, which no poll
  // will refresh: stale now, not once its freshness runs out. A bad reading says so already, with its reason; one read
  // since the loss (the device answering again) is current.
  const lostSince = point.device === null ? undefined : commsLostSince.value.get(point.device);
  if (lostSince !== undefined && point.quality !== 'bad' && point.receiveTime < lostSince) return point.receiveTime;
  return now.value - point.receiveTime > (point.freshForMs ?? DEFAULT_FRESH_MS) ? point.receiveTime : null;
}

const byPriority = (a: EngineAlarm, b: EngineAlarm) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority);

/** The point's active alarms (not normal), most urgent first. */
export function activeAlarmsOf(pointId: string, engine: readonly EngineAlarm[]): EngineAlarm[] {
  return engine.filter((alarm) => alarm.pointId === pointId && alarm.state !== 'normal').sort(byPriority);
}

/**
 * The point's alarms not in service (shelved, suppressed, out of service), most urgent first: a detector taken out for
 * a bump test raises nothing, so its row and marker must say so rather than read "no alarm" or "normal".
 */
export function alarmsOffOf(pointId: string, engine: readonly EngineAlarm[]): EngineAlarm[] {
  return engine.filter((alarm) => alarm.pointId === pointId && alarm.mode !== 'in_service').sort(byPriority);
}

export const trendHref = (pointId: string) => `/trends?points=${encodeURIComponent(pointId)}`;
