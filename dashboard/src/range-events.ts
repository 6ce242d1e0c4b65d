/** The alarm events of a time range, read from the store page by page and held in memory to be counted. */
import type { AlarmEventRow, StoreReader } from '@hazmon/agent';
import { ApiError } from './errors.ts';

const EVENT_PAGE = 10_000;
/** Events one request reads at most: a busier range is refused, to be split. */
const MAX_EVENTS = 200_000;

/** Every alarm event with time in [from, to), by seq; a 400 naming `to` past MAX_EVENTS. */
export async function eventsInRange(reader: StoreReader, from: number, to: number): Promise<AlarmEventRow[]> {
  const events: AlarmEventRow[] = [];
  for (;;) {
    const page = await reader.alarmEventsInRange({ from, to, afterSeq: events.at(-1)?.seq ?? 0, limit: EVENT_PAGE });
    events.push(...page);
    if (events.length > MAX_EVENTS) throw new ApiError('HAZMON_API_INVALID', `to: the range holds more than ${MAX_EVENTS} alarm events; ask for a shorter one`, 'to');
    if (page.length < EVENT_PAGE) return events;
  }
}
