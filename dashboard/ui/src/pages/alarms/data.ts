/**
 * What the alarm page reads beside the live store: the stored alarm events (GET /api/v1/alarm-events, paged by seq
 * with `after`/`next`, oldest first) and the actions (GET /api/v1/actions: latches, triggers, valve feedback, whether a
 * reset would pass). Both are fetched again whenever the live alarm list changes (every stored alarm event reaches the
 * stream, which reloads that list), so the history follows the plant without polling.
 */
import { signal } from '@preact/signals';
import { api } from '../../api/client.ts';
import type { Action, AlarmEvent } from '../../api/types.ts';

/** Events kept in the browser: the newest ones; older ones stay on the server (and in its CSV export). */
const HISTORY_KEPT = 20_000;
const PAGE = 1000;
/** Detector upkeep records share the event table but are no alarm. */
const UPKEEP_RULE = 'upkeep';

export const history = signal<readonly AlarmEvent[]>([]);
export const historyError = signal<string | null>(null);
const actions = signal<readonly Action[]>([]);

let after = 0;
let loading: Promise<void> | null = null;

/** The alarm an event belongs to: a handling record names it; an engine alarm is point/rule; a runtime alarm its rule id. */
export function alarmIdOf(event: AlarmEvent): string {
  const named = event.details?.['alarmId'];
  if (typeof named === 'string') return named;
  return event.pointId === null ? event.ruleId : `${event.pointId}/${event.ruleId}`;
}

async function readNewEvents(): Promise<void> {
  let fetched: AlarmEvent[] = [];
  for (;;) {
    const page = await api.get<{ events: AlarmEvent[]; next: number }>(`/api/v1/alarm-events?after=${after}&limit=${PAGE}`);
    fetched = fetched.concat(page.events.filter((event) => event.ruleId !== UPKEEP_RULE));
    after = page.next;
    if (page.events.length < PAGE) break;
    if (fetched.length > HISTORY_KEPT) fetched = fetched.slice(-HISTORY_KEPT);
  }
  if (fetched.length > 0) history.value = history.value.concat(fetched).slice(-HISTORY_KEPT);
}

/** Reads the events stored since the last read; concurrent calls share one read, and one more follows it. */
export function refreshHistory(): Promise<void> {
  const run = (): Promise<void> =>
    readNewEvents().then(
      () => {
        historyError.value = null;
      },
      (error: unknown) => {
        historyError.value = error instanceof Error ? error.message : String(error);
      },
    );
  loading = (loading ?? Promise.resolve()).then(run);
  return loading;
}

export async function refreshActions(): Promise<void> {
  actions.value = (await api.get<{ actions: Action[] }>('/api/v1/actions')).actions;
}

/** The action whose latch this runtime alarm is (`<action>/latched`), or null. */
export function latchedActionOf(alarmId: string): Action | null {
  return actions.value.find((action) => action.latched && `${action.id}/latched` === alarmId) ?? null;
}
