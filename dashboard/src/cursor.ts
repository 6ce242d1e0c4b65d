/** Alarm event cursors (store seqs) a client sends back: checked against the store, so a made-up one is a 400, not a silent hole. */
import type { AlarmEventRow, StoreReader } from '@hazmon/agent';
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

/** Up to `limit` events after a cursor checked as checkCursor checks it, in one query: the rows from the cursor's own seq on. */
export async function alarmEventsAfterCursor(reader: StoreReader, cursor: number, limit: number, field: string): Promise<AlarmEventRow[]> {
  if (cursor === 0) return reader.alarmEventsAfter(0, limit);
  const atOrAfter = await reader.alarmEventsAfter(cursor - 1, limit + 1);
  if (atOrAfter.length === 0) throw beyondEveryEvent(cursor, field);
  return atOrAfter.filter((row) => row.seq > cursor).slice(0, limit);
}
