/**
 * What the live streams share: one reader of the alarm events the agent commits, and one coalescer of readings.
 *
 * Alarm events: the agent's durable feed hands each committed row on; the next one after the last sent goes to every
 * stream as it is (in the shape a replayed row has), and a row out of turn makes one tail read of the store give every
 * row after the last sent, so streams get them all in seq order. Readings:
 * once per window (250 ms) the points whose latest value changed are read from the agent's latest values (typed
 * arrays: no object per reading, and the agent's ingest makes no Reading objects for the feed) and encoded once for
 * every stream, so a point polled at 10 Hz costs a browser four updates a second; nothing runs while no stream is open.
 */
import type { AgentApi, AlarmEventRow, LatestValue } from '@hazmon/agent';
import { JsonBytes, jsonString } from './json-bytes.ts';

/**
 * The data of a `readings` message, by column (a third of the bytes of an object per point; 10k points changed in a
 * window make ~0.25 MB): `times[i]` is ms after `base`, and `qualities` names by index the few points whose latest
 * reading is not good (absent: every one is good).
 */
export interface ReadingsData {
  readonly base: number;
  readonly pointIds: readonly string[];
  readonly values: readonly (number | boolean | null)[];
  readonly times: readonly number[];
  readonly qualities?: Readonly<Record<number, NonNullable<LatestValue['quality']>>>;
}

export interface LiveClient {
  alarmEvents(rows: readonly AlarmEventRow[]): void;
  /** One `readings` message, already encoded: the same bytes for every stream in step. */
  readings(message: Uint8Array): void;
  /** The client has not taken what was sent before (its socket is behind): it is sent no readings until it has. */
  readonly behind: boolean;
}

export const TAIL_PAGE = 1000;
const READING_WINDOW_MS = 250;
/** A column's first buffer; it grows to the plant's (10k point ids: ~150 KB) and is kept while streams are open. */
const COLUMN_BYTES = 16 * 1024;
const encoder = new TextEncoder();

/** A Server-Sent Events message. */
export function sseMessage(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The three columns of a readings message, written as they are read: reused from window to window. */
interface ReadingColumns {
  readonly ids: JsonBytes;
  readonly values: JsonBytes;
  readonly times: JsonBytes;
}

/**
 * The `readings` message (ReadingsData) of the points that changed after `version`, encoded; null when none did.
 * Written as bytes column by column from the agent's typed arrays: no object per point, no map of 10k quoted ids kept
 * (~0.9 MB of heap while streams are open: a point id is its own JSON text but for its quotes, mostly), and no array of 10k strings per column alive while it is built (at 10 Hz polls, arrays that outlived the young
 * generation's scavenges and were promoted: old-space garbage four times a second, for every open dashboard's sake).
 */
function readingsMessage(api: AgentApi, version: number, columns: ReadingColumns): { readonly version: number; readonly message: Uint8Array | null } {
  let base = 0;
  let count = 0;
  let notGood = '';
  for (const column of Object.values(columns)) column.clear();
  const next = api.latestChanges(version, (pointId, value, quality, receiveTime) => {
    if (count === 0) base = receiveTime;
    if (quality !== 'good') notGood += `${notGood === '' ? '' : ','}"${count}":"${quality}"`;
    const comma = count === 0 ? '' : ',';
    columns.ids.write(`${comma}${jsonString(pointId)}`);
    // As JSON.stringify writes them: a number that is not finite is null.
    columns.values.write(`${comma}${typeof value === 'number' && !Number.isFinite(value) ? 'null' : String(value)}`);
    columns.times.write(`${comma}${receiveTime - base}`);
    count += 1;
  });
  if (count === 0) return { version: next, message: null };
  const qualities = notGood === '' ? '' : `,"qualities":{${notGood}}`;
  const message = Buffer.concat([
    encoder.encode(`event: readings\ndata: {"base":${base},"pointIds":[`),
    columns.ids.bytes(),
    encoder.encode('],"values":['),
    columns.values.bytes(),
    encoder.encode('],"times":['),
    columns.times.bytes(),
    encoder.encode(`]${qualities}}\n\n`),
  ]);
  return { version: next, message: new Uint8Array(message.buffer, message.byteOffset, message.byteLength) };
}

/** A committed row as the store reads it back (`alarmEventsAfter`): its fields in that order, absent ones null, so a live event has the fields and values of a replayed one. */
function asStored(row: AlarmEventRow): AlarmEventRow {
  const { seq, time, pointId, ruleId, kind, stateAfter, writtenAt } = row;
  return { seq, time, pointId, ruleId, kind, stateAfter, priority: row.priority ?? null, who: row.who ?? null, why: row.why ?? null, details: row.details ?? null, writtenAt };
}

/** The highest stored seq: `alarmEventsAfter(x, 1)` is empty exactly for x >= it, so search for the first such x. */
async function lastStoredSeq(api: AgentApi): Promise<number> {
  const beyond = async (seq: number) => (await api.reader.alarmEventsAfter(seq, 1)).length === 0;
  let low = 0;
  let high = 1;
  while (!(await beyond(high))) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (await beyond(middle)) high = middle;
    else low = middle;
  }
  return (await beyond(low)) ? low : high;
}

export class LiveFeed {
  private readonly clients = new Set<LiveClient>();
  /** The last seq read from the store (or skipped while no stream was open). */
  private tailSeq = 0;
  private committedSeq = 0;
  private tailRead: Promise<void> | null = null;
  /** The agent's latest-values version the last window was read at. */
  private readingsVersion = 0;
  /** Per client, the version its last readings message brought it to (a client skipped while behind lags). */
  private readonly sentVersion = new Map<LiveClient, number>();
  private flushTimer: NodeJS.Timeout | null = null;
  /** The readings messages' columns while streams are open (null when none is). */
  private columns: ReadingColumns | null = null;

  private constructor(
    private readonly api: AgentApi,
    private readonly log: (line: string) => void,
    private readonly stopDurable: () => void,
  ) {}

  /** Subscribes to the agent's committed events, then finds where the store ends: no event falls between the two. */
  static async start(api: AgentApi, log: (line: string) => void): Promise<LiveFeed> {
    let feed: LiveFeed | null = null;
    const early: number[] = [];
    const stopDurable = api.subscribeDurable((_event, durability) => {
      if (durability.outcome !== 'stored') return;
      if (feed) feed.committed(durability.row);
      else early.push(durability.seq);
    });
    const last = await lastStoredSeq(api);
    const started = new LiveFeed(api, log, stopDurable);
    started.tailSeq = Math.max(last, ...early);
    started.committedSeq = started.tailSeq;
    feed = started;
    return started;
  }

  /** The seq a stream opened now starts after: every later event reaches it. */
  get position(): number {
    return this.tailSeq;
  }

  add(client: LiveClient): () => void {
    this.clients.add(client);
    if (this.clients.size === 1) this.startReadings();
    this.sentVersion.set(client, this.readingsVersion);
    return () => {
      this.clients.delete(client);
      this.sentVersion.delete(client);
      if (this.clients.size === 0) this.stopReadingsAndFlush();
    };
  }

  close(): void {
    this.stopDurable();
    this.clients.clear();
    this.stopReadingsAndFlush();
  }

  /**
   * A committed row goes out as it is when it is the next after the last sent and no tail read is under way (the
   * durable feed hands rows on in commit order): an alarm event does not wait for the store's read connection, which
   * a regulator's export may hold for seconds. Any other row is read from the store with the rows before it, so none
   * is ever skipped.
   */
  private committed(row: AlarmEventRow): void {
    this.committedSeq = Math.max(this.committedSeq, row.seq);
    // With no stream open there is nobody to send to: move on, so the first stream opened later starts at "now".
    if (this.clients.size === 0 && this.tailRead === null) this.tailSeq = this.committedSeq;
    else if (this.tailRead === null && row.seq === this.tailSeq + 1) {
      this.tailSeq = row.seq;
      const rows = [asStored(row)];
      for (const client of this.clients) client.alarmEvents(rows);
    } else this.readTail();
  }

  /** One tail read at a time; commits during a read are picked up by one more read after it. */
  private readTail(): void {
    if (this.tailRead) return;
    this.tailRead = this.readCommitted()
      .catch((error: unknown) => this.log(`web server: reading alarm events after ${this.tailSeq} failed: ${String(error)}`))
      .finally(() => {
        this.tailRead = null;
        if (this.clients.size === 0) this.tailSeq = Math.max(this.tailSeq, this.committedSeq);
        else if (this.tailSeq < this.committedSeq) this.readTail();
      });
  }

  private async readCommitted(): Promise<void> {
    while (this.tailSeq < this.committedSeq) {
      const rows = await this.api.reader.alarmEventsAfter(this.tailSeq, TAIL_PAGE);
      const last = rows.at(-1);
      if (last === undefined) return;
      this.tailSeq = last.seq;
      for (const client of this.clients) client.alarmEvents(rows);
    }
  }

  private startReadings(): void {
    // What changed from now on: a stream opened later has the values of GET /api/v1/points to start from.
    this.readingsVersion = this.api.latestChanges(Number.MAX_SAFE_INTEGER, () => undefined);
    this.flushTimer = setInterval(() => this.flushReadings(), READING_WINDOW_MS);
  }

  /**
   * Sends the window's changes, encoded once, to every client in step. A client whose socket is behind is skipped and,
   * once it has caught up, sent the net changes since the last message it got: a slow reader costs one message, not a
   * queue of them (each up to ~0.7 MB at 10k points), and still ends with every point's latest value.
   */
  private flushReadings(): void {
    const previous = this.readingsVersion;
    this.columns ??= { ids: new JsonBytes(COLUMN_BYTES), values: new JsonBytes(COLUMN_BYTES), times: new JsonBytes(COLUMN_BYTES) };
    const inStep = readingsMessage(this.api, previous, this.columns);
    this.readingsVersion = inStep.version;
    for (const client of this.clients) {
      if (client.behind) continue;
      const since = this.sentVersion.get(client) ?? previous;
      const message = since === previous ? inStep.message : readingsMessage(this.api, since, this.columns).message;
      this.sentVersion.set(client, inStep.version);
      if (message !== null) client.readings(message);
    }
  }

  private stopReadingsAndFlush(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.columns = null;
  }
}
