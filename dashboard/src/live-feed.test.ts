/** The readings coalescer: clients in step share one message; a client behind is skipped, then sent the net changes. */
import type { AgentApi, AgentDurableListener, AgentEvent, AlarmEventRow, LatestChangeVisitor, LatestValue } from '@hazmon/agent';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LiveClient, LiveFeed, type ReadingsData } from './live-feed.ts';

/** The agent's latest values as latestChanges() answers: a version per change, the points changed after a version. */
class LatestValuesFake {
  private version = 0;
  private readonly changed = new Map<string, { version: number; value: LatestValue }>();

  set(pointId: string, value: number, time: number, quality: LatestValue['quality'] = 'good'): void {
    this.version += 1;
    this.changed.set(pointId, { version: this.version, value: { pointId, value, quality, reason: null, sourceTime: null, receiveTime: time } });
  }

  changes(since: number, visit: LatestChangeVisitor): number {
    for (const { version, value } of this.changed.values()) if (version > since) visit(value.pointId, value.value, value.quality!, value.receiveTime!);
    return this.version;
  }
}

class ClientFake implements LiveClient {
  behind = false;
  readonly messages: Uint8Array[] = [];
  readonly received: ReadingsData[] = [];

  alarmEvents(): void {}

  readings(message: Uint8Array): void {
    this.messages.push(message);
    const data = /^data: (.*)$/m.exec(new TextDecoder().decode(message))![1]!;
    this.received.push(JSON.parse(data) as ReadingsData);
  }
}

const WINDOW_MS = 250;
let feed: LiveFeed | null = null;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  feed?.close();
  vi.useRealTimers();
});

/** A feed over an agent with no alarm events whose latest values are `values`. */
function readingsFeed(values: LatestValuesFake): Promise<LiveFeed> {
  const api = {
    subscribeDurable: () => () => undefined,
    reader: { alarmEventsAfter: async () => [] },
    latestChanges: (version: number, visit: LatestChangeVisitor) => values.changes(version, visit),
  };
  return LiveFeed.start(api as unknown as AgentApi, () => undefined);
}

describe('LiveFeed readings', () => {
  it('shares one message among the clients in step; one behind gets nothing until it has caught up, then the net changes', async () => {
    const values = new LatestValuesFake();
    feed = await readingsFeed(values);
    const steady = new ClientFake();
    const slow = new ClientFake();
    feed.add(steady);
    feed.add(slow);
    const window = (set: () => void) => {
      set();
      vi.advanceTimersByTime(WINDOW_MS);
    };
    const points = (client: ClientFake) => {
      const last = client.received.at(-1);
      return last?.pointIds.map((pointId, i) => [pointId, last.values[i]]);
    };

    window(() => values.set('P1', 1, 1000));
    expect(points(steady)).toEqual([['P1', 1]]);
    expect(slow.messages[0]).toBe(steady.messages[0]);

    slow.behind = true;
    window(() => values.set('P2', 2, 2000));
    window(() => values.set('P1', 3, 3000));
    expect(steady.received.map((data) => data.pointIds.length)).toEqual([1, 1, 1]);
    expect(slow.received).toHaveLength(1);

    slow.behind = false;
    window(() => values.set('P3', 4, 4000));
    expect(points(steady)).toEqual([['P3', 4]]);
    // What changed while it was skipped, each point once at its latest value, and this window's change.
    expect(points(slow)?.sort()).toEqual([
      ['P1', 3],
      ['P2', 2],
      ['P3', 4],
    ]);

    // In step again: the same bytes as the steady client's.
    window(() => values.set('P1', 5, 5000));
    expect(slow.messages.at(-1)).toBe(steady.messages.at(-1));
    // A window without changes sends nothing.
    window(() => undefined);
    expect([steady.messages.length, slow.messages.length]).toEqual([5, 3]);
  });

  it("sends each point by column: its value, its time from the base (the first point's), its quality when not good", async () => {
    const values = new LatestValuesFake();
    feed = await readingsFeed(values);
    const client = new ClientFake();
    feed.add(client);
    values.set('GD-1.concentration', 12.5, 1_700_000_000_250);
    values.set('TK-1.level', Number.NaN, 1_700_000_000_100, 'bad');
    values.set('V-1.open', 7, 1_700_000_000_180, 'uncertain');
    vi.advanceTimersByTime(WINDOW_MS);
    expect(client.received).toEqual([
      {
        base: 1_700_000_000_250,
        pointIds: ['GD-1.concentration', 'TK-1.level', 'V-1.open'],
        values: [12.5, null, 7],
        times: [0, -150, -70],
        qualities: { 1: 'bad', 2: 'uncertain' },
      },
    ]);
    values.set('GD-1.concentration', 13, 1_700_000_000_400);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(client.received[1]).toEqual({ base: 1_700_000_000_400, pointIds: ['GD-1.concentration'], values: [13], times: [0] });
  });
});

/** The readings message as JSON.stringify writes it: what the bytes written column by column must equal. */
function expectedMessage(points: readonly { pointId: string; value: number | boolean | null; quality: LatestValue['quality']; receiveTime: number }[]): string {
  const base = points[0]!.receiveTime;
  const qualities = Object.fromEntries(points.flatMap((point, i) => (point.quality === 'good' ? [] : [[i, point.quality]])));
  const data = {
    base,
    pointIds: points.map((point) => point.pointId),
    values: points.map((point) => point.value),
    times: points.map((point) => point.receiveTime - base),
    ...(Object.keys(qualities).length === 0 ? {} : { qualities }),
  };
  return `event: readings\ndata: ${JSON.stringify(data)}\n\n`;
}

describe('LiveFeed readings bytes', () => {
  it('writes the bytes JSON.stringify would, window after window (its buffers reused and grown): ids of any text, numbers of any form, booleans, no value', async () => {
    type Point = Parameters<typeof expectedMessage>[0][number];
    let window: Point[] = [];
    let version = 0;
    const api = {
      subscribeDurable: () => () => undefined,
      reader: { alarmEventsAfter: async () => [] },
      latestChanges: (since: number, visit: LatestChangeVisitor) => {
        if (since < version) for (const point of window) visit(point.pointId, point.value, point.quality!, point.receiveTime);
        return version;
      },
    };
    feed = await LiveFeed.start(api as unknown as AgentApi, () => undefined);
    const client = new ClientFake();
    feed.add(client);
    const windows: Point[][] = [
      [
        { pointId: '气体-1."quoted"\\', value: -0.000001234, quality: 'good', receiveTime: 1_700_000_000_250 },
        { pointId: 'TK-1.level', value: Number.NaN, quality: 'bad', receiveTime: 1_700_000_000_100 },
        { pointId: 'V-1.open', value: true, quality: 'uncertain', receiveTime: 1_700_000_000_180 },
        { pointId: 'V-2.open', value: false, quality: 'good', receiveTime: 1_700_000_000_300 },
        { pointId: 'P-1', value: 1e21, quality: 'good', receiveTime: 1_700_000_000_301 },
        { pointId: 'P-2', value: null, quality: 'good', receiveTime: 1_700_000_000_302 },
        { pointId: 'P-3', value: Number.POSITIVE_INFINITY, quality: 'good', receiveTime: 1_700_000_000_303 },
      ],
      // Beyond the columns' first 16 KB, then a small window in the grown buffers.
      Array.from({ length: 5000 }, (_, i) => ({ pointId: `PLANT-${i}.value`, value: i / 7, quality: i % 997 === 0 ? 'bad' : 'good', receiveTime: 1_700_000_001_000 + i })),
      [{ pointId: 'P-1', value: 3, quality: 'good', receiveTime: 1_700_000_002_000 }],
    ];
    for (const points of windows) {
      window = points;
      version += 1;
      vi.advanceTimersByTime(WINDOW_MS);
    }
    expect(client.messages.map((message) => new TextDecoder().decode(message))).toEqual(windows.map(expectedMessage));
  });
});

describe('LiveFeed alarm events', () => {
  const stored = (seq: number): AlarmEventRow => ({
    seq,
    time: 1_700_000_000_000 + seq,
    pointId: 'GD-1.concentration',
    ruleId: 'hi',
    kind: 'raised',
    stateAfter: 'unacknowledged_active',
    priority: null,
    who: 'engine',
    why: `probe ${seq}`,
    details: { alarmId: 'GD-1.concentration/hi' },
    writtenAt: 1_700_000_000_005 + seq,
  });

  it('sends a committed row as it is when it follows the last one sent; after a gap it reads the rows from the store, none skipped', async () => {
    const table = [stored(1)];
    const reads: number[] = [];
    let durable: AgentDurableListener = () => undefined;
    const api = {
      subscribeDurable: (listener: AgentDurableListener) => {
        durable = listener;
        return () => undefined;
      },
      reader: {
        alarmEventsAfter: async (after: number, limit: number) => {
          reads.push(after);
          return table.filter((row) => row.seq > after).slice(0, limit);
        },
      },
      latestChanges: () => 0,
    };
    feed = await LiveFeed.start(api as unknown as AgentApi, () => undefined);
    expect(feed.position).toBe(1);
    reads.length = 0;
    const received: AlarmEventRow[] = [];
    feed.add({ behind: false, alarmEvents: (rows) => received.push(...rows), readings: () => undefined });
    const commit = (row: AlarmEventRow, announced: AlarmEventRow = row) => {
      table.push(row);
      durable({} as AgentEvent, { outcome: 'stored', seq: announced.seq, row: announced });
    };

    // As the journal hands it on: the input's absent fields are undefined; it goes out as the store reads it back.
    const { priority: _priority, ...withoutPriority } = stored(2);
    commit(stored(2), withoutPriority as AlarmEventRow);
    expect(received).toEqual([stored(2)]);
    expect(reads).toEqual([]);

    // Row 3 committed without reaching the feed (or out of turn): row 4 makes it read the store from 2 on.
    table.push(stored(3));
    commit(stored(4));
    await vi.waitFor(() => expect(received.map((row) => row.seq)).toEqual([2, 3, 4]));
    expect(reads).toEqual([2]);
    expect(received.slice(1)).toEqual([stored(3), stored(4)]);
  });
});
