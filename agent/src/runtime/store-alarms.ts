/** The store's events as the runtime alarms a person sees: back-pressure, dropped readings, failed commits, reopens. */
import type { StoreEvent } from '../store/index.ts';
import type { RuntimeAlarmInput } from './runtime-alarms.ts';

/** A store problem repeats with every commit (about once a second): its standing alarm is updated at most this often. */
const STORE_UPDATE_EVERY_MS = 60_000;

export function storeEventAlarm(event: StoreEvent): RuntimeAlarmInput {
  const alarm = (name: string, active: boolean, priority: RuntimeAlarmInput['priority'], why: string): RuntimeAlarmInput => ({
    alarmId: `store/${name}`,
    source: null,
    rule: name,
    active,
    priority,
    why,
    details: { ...event },
    updateEveryMs: STORE_UPDATE_EVERY_MS,
  });
  switch (event.kind) {
    case 'queue_high':
      return alarm('back_pressure', true, 'high', `store queue above its high-water mark (${event.depth} of ${event.capacity})`);
    case 'queue_normal':
      return alarm('back_pressure', false, 'high', `store queue drained (${event.depth} of ${event.capacity})`);
    case 'readings_dropped':
      return alarm('readings_dropped', true, 'high', `store queue full: ${event.dropped} reading(s) dropped (${event.totalDropped} in all)`);
    case 'flush_failed':
      return alarm('flush_failed', true, 'high', `store commit of ${event.rows} reading(s) failed: ${event.message}`);
    case 'flush_resumed':
      return alarm('flush_failed', false, 'high', `store commits go through again: ${event.rows} reading(s) committed after ${event.failedCommits} failed commit(s)`);
    case 'background_failed':
      return alarm(`${event.job}_failed`, true, 'medium', `store ${event.job} failed: ${event.message}`);
    case 'database_invalidated':
      return alarm('database_invalidated', true, 'high', `DuckDB invalidated the store's database; opening it again, writes wait meanwhile: ${event.message}`);
    case 'database_reopen_failed':
      return alarm('database_invalidated', true, 'high', `the store's database could not be opened again (${event.attempts} attempts); nothing is stored: ${event.message}`);
    case 'database_reopened':
      return alarm('database_invalidated', false, 'high', `the store's database is open again (${event.reopens} reopen(s) since start); held writes are committed`);
  }
}
