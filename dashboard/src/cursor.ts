/** Alarm event cursors (store seqs) a client sends back: checked against the store, so a made-up one is a 400, not a silent hole. */
import type { EventAreas, JsonRowsPage, StoreReader } from '@hazmon/agent';
import { ApiError } from './errors.ts';

const beyondEveryEvent = (cursor: number, field: string) => new ApiError('HAZMON_API_INVALID', `${field}: no alarm event has seq ${cursor}`, field);

/**
 * Refuses a cursor beyond every stored event: resuming after it would skip every event up to it. 0 is the start.
 * A cursor whose own row retention deleted is fine as long as a later one exists.
 */
export async function checkCursor(reader: StoreReader, cursor: number, field: string): Promise<void> {
  if (cursor === 0) return;
  const [atOrAfter] = await reader.alarmEventsAfter(cursor - 1, 1);
  if (atOrAfter === undefined) throw beyondEveryEvent(cursor, field);
}

/**
 * Up to `limit` events after a cursor checked as checkCursor checks it, as the JSON text of their array, each with its
 * areas: the cursor is looked up only when no event follows it (an event after it shows it is not beyond every event).
 */
export async function alarmEventsJsonAfterCursor(reader: StoreReader, cursor: number, limit: number, field: string, areasOf: EventAreas): Promise<JsonRowsPage> {
  const page = await reader.alarmEventsAfterJson(cursor, limit, areasOf);
  if (page.rows === 0) await checkCursor(reader, cursor, field);
  return page;
}
