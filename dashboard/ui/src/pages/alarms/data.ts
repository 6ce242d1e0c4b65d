/**
 * What the alarm page reads beside the live store: the stored alarm events (GET /api/v1/alarm-events: first back
 * from the newest with `order=newest&before=`, then the new ones with `after`) and the actions (GET /api/v1/actions:
 * latches, triggers, valve feedback, whether a reset would pass). Both are fetched again whenever the live alarm list changes (every stored alarm event reaches the
 * stream, which reloads that list), so the history follows the plant without polling.
 */
import { signal } from '@preact/signals';
import { api } from '../../api/client.ts';
import type { Action, AlarmEvent } from '../../api/types.ts';

/** Events kept in the browser at first: the newest ones; older ones stay on the server until asked for (and in its CSV export). */
const HISTORY_KEPT = 20_000;
const PAGE = 1000;
/** Detector upkeep records share the event table but are no alarm. */
const UPKEEP_RULE = 'upkeep';

interface EventPage {
  readonly events: AlarmEvent[];
  readonly next: number;
}

/** The stored events read so far, oldest first. */
export const history = signal<readonly AlarmEvent[]>([]);
export const historyError = signal<string | null>(null);
/** Whether events older than the oldest read are on the server, and when that oldest one was (null before the first page). */
export const olderEvents = signal<{ readonly remain: boolean; readonly since: number | null }>({ remain: false, since: null });
const actions = signal<readonly Action[]>([]);

/** The newest seq read (null: nothing read yet) and the oldest (the cursor further back). */
let newestSeq: number | null = null;
let oldestSeq: number | null = null;
let loading: Promise<void> | null = null;
/** How many events the browser keeps: HISTORY_KEPT, and each page further back a person asked for. */
let kept = HISTORY_KEPT;

const withoutUpkeep = (events: readonly AlarmEvent[]) => events.filter((event) => event.ruleId !== UPKEEP_RULE);

/** A page newest first before `before` (null: from the newest), added below what is kept. */
async function readOlderPage(before: number | null): Promise<EventPage> {
  const page = await api.get<EventPage>(`/api/v1/alarm-events?order=newest&limit=${PAGE}${before === null ? '' : `&before=${before}`}`);
  if (page.events.length > 0) {
    newestSeq ??= page.events[0]!.seq;
    oldestSeq = page.next;
    history.value = [...withoutUpkeep(page.events).reverse(), ...history.value];
  }
  olderEvents.value = { remain: page.events.length === PAGE, since: history.value[0]?.time ?? null };
  return page;
}

/**
 * The first read goes back from the newest, page by page, to HISTORY_KEPT events: the rows a person wants first are
 * on screen after one page, however long the plant has run. Later reads take the events stored since.
 */
async function readEvents(): Promise<void> {
  if (newestSeq === null) {
    let page: EventPage = await readOlderPage(null);
    newestSeq ??= 0;
    while (page.events.length === PAGE && history.value.length < kept) page = await readOlderPage(oldestSeq);
    return;
  }
  let fetched: AlarmEvent[] = [];
  for (;;) {
    const page: EventPage = await api.get<EventPage>(`/api/v1/alarm-events?after=${newestSeq}&limit=${PAGE}`);
    fetched = fetched.concat(withoutUpkeep(page.events));
    newestSeq = page.next;
    if (page.events.length < PAGE) break;
    if (fetched.length > kept) fetched = fetched.slice(-kept);
  }
  if (fetched.length === 0) return;
  const all = history.value.concat(fetched);
  history.value = all.slice(-kept);
  // The oldest kept make way for new ones: they are on the server, a page further back.
  if (all.length > kept) {
    oldestSeq = history.value[0]!.seq;
    olderEvents.value = { remain: true, since: history.value[0]!.time };
  }
}

/** The alarm an event belongs to: a handling record names it; an engine alarm is point/rule; a runtime alarm its rule id. */
export function alarmIdOf(event: AlarmEvent): string {
  const named = event.details?.['alarmId'];
  if (typeof named === 'string') return named;
  return event.pointId === null ? event.ruleId : `${event.pointId}/${event.ruleId}`;
}

/** Reads the events stored since the last read; concurrent calls share one read, and one more follows it. */
export function refreshHistory(): Promise<void> {
  return queued(readEvents);
}

/** Reads one page of events older than the oldest read, and keeps them. */
export function readOlderEvents(): Promise<void> {
  return queued(async () => {
    if (oldestSeq === null || !olderEvents.value.remain) return;
    kept += PAGE;
    await readOlderPage(oldestSeq);
  });
}

/** Runs a read after the ones before it: the cursors are only ever moved by one read at a time. */
function queued(read: () => Promise<void>): Promise<void> {
  const run = (): Promise<void> =>
    read().then(
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
