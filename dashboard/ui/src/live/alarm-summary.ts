/** What the alarm banner and the sound need from the alarm list: the unacknowledged alarms, counted and ordered. */
import { computed } from '@preact/signals';
import { type AlarmList, PRIORITIES, type Priority } from '../api/types.ts';
import { alarms } from './store.ts';

export interface UnacknowledgedAlarm {
  readonly id: string;
  readonly label: string;
  readonly priority: Priority;
  readonly since: number;
}

const isUnacknowledged = (state: string) => state === 'unacknowledged_active' || state === 'unacknowledged_returned';

/** Engine alarms in service and the agent's own alarms that wait for a person, oldest first. */
function unacknowledgedOf(list: AlarmList): UnacknowledgedAlarm[] {
  const engine = list.engine
    .filter((alarm) => alarm.mode === 'in_service' && isUnacknowledged(alarm.state))
    .map((alarm) => ({ id: alarm.id, label: alarm.id, priority: alarm.priority, since: alarm.activeSince ?? 0 }));
  const runtime = list.runtime.filter((alarm) => isUnacknowledged(alarm.state)).map((alarm) => ({ id: alarm.id, label: alarm.id, priority: alarm.priority, since: alarm.since }));
  return [...engine, ...runtime].sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
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
