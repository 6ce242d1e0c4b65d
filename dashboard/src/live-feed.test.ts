/** The readings coalescer: clients in step share one message; a client behind is skipped, then sent the net changes. */
import type { AgentApi, LatestChangeVisitor, LatestValue } from '@hazmon/agent';
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

describe('LiveFeed readings', () => {
  it('shares one message among the clients in step; one behind gets nothing until it has caught up, then the net changes', async () => {
    const values = new LatestValuesFake();
    const api = {
      subscribeDurable: () => () => undefined,
      reader: { alarmEventsAfter: async () => [] },
      latestChanges: (version: number, visit: LatestChangeVisitor) => values.changes(version, visit),
    };
    feed = await LiveFeed.start(api as unknown as AgentApi, () => undefined);
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
    const api = {
      subscribeDurable: () => () => undefined,
      reader: { alarmEventsAfter: async () => [] },
      latestChanges: (version: number, visit: LatestChangeVisitor) => values.changes(version, visit),
    };
    feed = await LiveFeed.start(api as unknown as AgentApi, () => undefined);
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
