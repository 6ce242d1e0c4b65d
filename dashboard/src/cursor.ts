/** Alarm event cursors (store seqs) a client sends back: checked against the store, so a made-up one is a 400, not a silent hole. */
import type { StoreReader } from '@hazmon/agent';
import { ApiError } from './errors.ts';

/**
 * Refuses a cursor beyond every stored event: resuming after it would skip every event up to it. 0 is the start.
 * A cursor whose own row retention deleted is fine as long as a later one exists.
 */
export async function checkCursor(reader: StoreReader, cursor: number, field: string): Promise<void> {
  if (cursor === 0) return;
  const [atOrAfter] = await reader.alarmEventsAfter(cursor - 1, 1);
  if (atOrAfter === undefined) throw new ApiError('HAZMON_API_INVALID', `${field}: no alarm event has seq ${cursor}`, field);
}
