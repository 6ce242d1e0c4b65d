/** The readings coalescer: clients in step share one message; a client behind is skipped, then sent the net changes. */
import type { AgentApi, LatestValue } from '@hazmon/agent';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LiveClient, LiveFeed, type ReadingUpdate } from './live-feed.ts';

/** The agent's latest values as latestChanges() answers: a version per change, the points changed after a version. */
class LatestValuesFake {
  private version = 0;
  private readonly changed = new Map<string, { version: number; value: LatestValue }>();

  set(pointId: string, value: number, time: number): void {
    this.version += 1;
    this.changed.set(pointId, { version: this.version, value: { pointId, value, quality: 'good', reason: null, sourceTime: null, receiveTime: time } });
  }

  changes(since: number): { version: number; values: LatestValue[] } {
    return { version: this.version, values: [...this.changed.values()].filter((entry) => entry.version > since).map((entry) => entry.value) };
  }
}

class ClientFake implements LiveClient {
  behind = false;
  readonly messages: Uint8Array[] = [];
  readonly received: ReadingUpdate[][] = [];

  alarmEvents(): void {}

  readings(message: Uint8Array): void {
    this.messages.push(message);
    const data = /^data: (.*)$/m.exec(new TextDecoder().decode(message))![1]!;
    this.received.push(JSON.parse(data) as ReadingUpdate[]);
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
    const api = { subscribeDurable: () => () => undefined, reader: { alarmEventsAfter: async () => [] }, latestChanges: (version: number) => values.changes(version) };
    feed = await LiveFeed.start(api as unknown as AgentApi, () => undefined);
    const steady = new ClientFake();
    const slow = new ClientFake();
    feed.add(steady);
    feed.add(slow);
    const window = (set: () => void) => {
      set();
      vi.advanceTimersByTime(WINDOW_MS);
    };
    const points = (client: ClientFake) => client.received.at(-1)?.map((update) => [update.pointId, update.value]);

    window(() => values.set('P1', 1, 1000));
    expect(points(steady)).toEqual([['P1', 1]]);
    expect(slow.messages[0]).toBe(steady.messages[0]);

    slow.behind = true;
    window(() => values.set('P2', 2, 2000));
    window(() => values.set('P1', 3, 3000));
    expect(steady.received.map((updates) => updates.length)).toEqual([1, 1, 1]);
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
});
