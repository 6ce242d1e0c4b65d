/** The agent's events in publish order, each handed on only once the store's append for it has settled. */
import { messageOf } from '@hazmon/errors';
import type { AlarmEventRow } from '../store/index.ts';

/** What became of an event's `alarm_events` row by the time a durable listener gets the event. */
export type EventDurability =
  /**
   * Committed (WAL written and fsynced): `seq` is the row's `alarm_events.seq`, `row` the row as committed (a live
   * view sends it without reading it back from the store).
   */
  | { readonly outcome: 'stored'; readonly seq: number; readonly row: AlarmEventRow }
  /** An event kept as an audit row instead (config reloads): `auditSeq` is the row's `audit_log.seq`. */
  | { readonly outcome: 'audited'; readonly auditSeq: number }
  /** An event the store does not keep (late and invalid readings). */
  | { readonly outcome: 'not_stored' }
  /** The append failed (counted in `persistFailures` and logged): the event is not on disk. */
  | { readonly outcome: 'append_failed'; readonly error: string };

export type DurableListener<E> = (event: E, durability: EventDurability) => void;

const COMPACT_AFTER = 1024;
const NOT_STORED: EventDurability = { outcome: 'not_stored' };
const IGNORE_OUTCOME = (_durability: EventDurability): void => undefined;

interface Entry<E> {
  readonly event: E;
  durability: EventDurability | null;
}

/**
 * Holds each published event until its append settles and every earlier event has been delivered, so a listener sees
 * the events in publish order even when a later append settles first (an append refused at once, say). With no
 * listener nothing is queued.
 */
export class DurableEventFeed<E> {
  private readonly listeners = new Set<DurableListener<E>>();
  /** Entries from `head` on are not yet delivered. */
  private readonly queue: (Entry<E> | undefined)[] = [];
  private head = 0;
  private delivering = false;

  constructor(private readonly log: (line: string) => void) {}

  subscribe(listener: DurableListener<E>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues an event the store does not keep; it goes out once the events before it have. */
  passThrough(event: E): void {
    if (this.listeners.size === 0) return;
    this.queue.push({ event, durability: NOT_STORED });
    this.deliverSettled();
  }

  /** Queues an event whose append is under way; call the returned function once with the append's outcome. */
  awaitStore(event: E): (durability: EventDurability) => void {
    if (this.listeners.size === 0) return IGNORE_OUTCOME;
    const entry: Entry<E> = { event, durability: null };
    this.queue.push(entry);
    return (durability) => {
      entry.durability = durability;
      this.deliverSettled();
    };
  }

  /** Events queued and not yet delivered (their appends, or an earlier one's, still under way). */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private deliverSettled(): void {
    // A listener that makes the agent publish must not deliver out of the loop below, ahead of its own event.
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let entry = this.queue[this.head]; entry?.durability; entry = this.queue[this.head]) {
        this.queue[this.head] = undefined;
        this.head += 1;
        this.deliver(entry.event, entry.durability);
      }
      // Under a steady stream the queue may never run empty: drop the delivered prefix once it is most of the array.
      if (this.head === this.queue.length || (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length)) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    } finally {
      this.delivering = false;
    }
  }

  private deliver(event: E, durability: EventDurability): void {
    for (const listener of this.listeners) {
      try {
        listener(event, durability);
      } catch (error) {
        this.log(`hazmon: durable event subscriber failed: ${messageOf(error)}`);
      }
    }
  }
}

/** The durability of an append that failed with `error`. */
export function appendFailed(error: unknown): EventDurability {
  return { outcome: 'append_failed', error: messageOf(error) };
}
