/** What the alarm banner and the sound need from the alarm list: the unacknowledged alarms, counted and ordered. */
import { computed } from '@preact/signals';
import { type AlarmList, PRIORITIES, type Priority } from '../api/types.ts';
import { alarms } from './store.ts';

export interface UnacknowledgedAlarm {
  readonly id: string;
  readonly label: string;
  readonly priority: Priority;
  /** When it went active; null when the gateway does not know (a journal row of an older version). */
  readonly since: number | null;
}

const isUnacknowledged = (state: string) => state === 'unacknowledged_active' || state === 'unacknowledged_returned';

/**
 * Oldest first; one whose start is unknown after every known one (it cannot be named first out before them). Alarms
 * that started together (one reading past hi and hihi at once) go by priority, highest first: the first out then
 * names the worst of them, not the one whose name sorts first.
 */
function bySince(a: UnacknowledgedAlarm, b: UnacknowledgedAlarm): number {
  if (a.since !== b.since) return a.since === null ? 1 : b.since === null ? -1 : a.since - b.since;
  if (a.priority !== b.priority) return PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority);
  return a.id.localeCompare(b.id);
}

/** Engine alarms in service and the agent's own alarms that wait for a person, oldest first. */
function unacknowledgedOf(list: AlarmList): UnacknowledgedAlarm[] {
  const engine = list.engine
    .filter((alarm) => alarm.mode === 'in_service' && isUnacknowledged(alarm.state))
    .map((alarm) => ({ id: alarm.id, label: alarm.id, priority: alarm.priority, since: alarm.activeSince }));
  const runtime = list.runtime.filter((alarm) => isUnacknowledged(alarm.state)).map((alarm) => ({ id: alarm.id, label: alarm.id, priority: alarm.priority, since: alarm.since }));
  return [...engine, ...runtime].sort(bySince);
}

export const unacknowledged = computed(() => unacknowledgedOf(alarms.value));

export const countsByPriority = computed(() => {
  const counts = Object.fromEntries(PRIORITIES.map((priority) => [priority, 0])) as Record<Priority, number>;
  for (const alarm of unacknowledged.value) counts[alarm.priority] += 1;
  return counts;
});

/**
 * The first-out alarm (GB 16808): the earliest unacknowledged active one since the last all-clear. An all-clear
 * leaves nothing unacknowledged, so the oldest alarm still waiting came after it.
 */
export const firstOut = computed(() => unacknowledged.value[0] ?? null);

export function highestPriority(list: readonly { readonly priority: Priority }[]): Priority | null {
  return PRIORITIES.find((priority) => list.some((alarm) => alarm.priority === priority)) ?? null;
}
