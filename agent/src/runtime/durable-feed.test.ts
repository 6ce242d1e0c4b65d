/** DurableEventFeed: publish order kept against a real DuckDB store whose appends settle out of order; failures marked. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmEventInput } from '../store/index.ts';
import { HazmonStore } from '../store/index.ts';
import type { EventDurability } from './durable-feed.ts';
import { appendFailed, DurableEventFeed } from './durable-feed.ts';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(): Promise<HazmonStore> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-durable-feed-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = await HazmonStore.open({ path: join(dir, 'site.duckdb'), retentionIntervalMs: 0 });
  cleanups.push(() => store.close());
  return store;
}

function alarmRow(ruleId: string, kind = 'raised'): AlarmEventInput {
  return { time: 1_700_000_000_000, pointId: 'T1.LEL', ruleId, kind, stateAfter: 'active', priority: 'high', who: 'hazmon', why: `probe ${ruleId}` };
}

/** A feed with one listener recording what it hears, and the log lines it writes. */
function recordingFeed() {
  const logged: string[] = [];
  const feed = new DurableEventFeed<string>((line) => logged.push(line));
  const heard: [string, EventDurability][] = [];
  feed.subscribe((event, durability) => heard.push([event, durability]));
  return { feed, heard, logged };
}

describe('DurableEventFeed', () => {
  it('holds events back until every earlier append has settled, though a later append settles first', async () => {
    const store = await openStore();
    const { feed, heard } = recordingFeed();
    const settledOrder: string[] = [];
    let heardWhenRefusalSettled = -1;
    // Handed to the store the way the agent hands its events over: the append's outcome goes to the feed.
    const publish = (event: string, row: AlarmEventInput | null): Promise<void> => {
      if (row === null) {
        feed.passThrough(event);
        return Promise.resolve();
      }
      const settle = feed.awaitStore(event);
      return Promise.resolve()
        .then(() => store.appendAlarmEvent(row))
        .then(
          (stored) => settle({ outcome: 'stored', seq: stored.seq, row: stored }),
          (error: unknown) => settle(appendFailed(error)),
        )
        .finally(() => {
          settledOrder.push(event);
          if (event === 'refused') heardWhenRefusalSettled = heard.length;
        });
    };

    // A big commit under way makes the next appends wait for their group commit; a refused row settles at once.
    const bigCommit = Array.from({ length: 5000 }, (_, i) => store.appendAudit({ time: 1_700_000_000_000 + i, who: 'load', action: 'probe', target: `row-${i}` }));
    const published = [publish('first', alarmRow('first')), publish('refused', alarmRow('refused', 'Not Snake Case')), publish('reload', null), publish('second', alarmRow('second'))];
    await Promise.all([...published, ...bigCommit]);

    // The premise: the store settled the refusal ahead of the earlier append, and nobody heard of it until then.
    expect(settledOrder.indexOf('refused')).toBeLessThan(settledOrder.indexOf('first'));
    expect(heardWhenRefusalSettled).toBe(0);
    expect(heard.map(([event]) => event)).toEqual(['first', 'refused', 'reload', 'second']);
    const rows = await store.alarmEventsAfter(0);
    expect(rows.map((row) => [row.seq, row.ruleId])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    expect(heard.map(([, durability]) => durability)).toEqual([
      { outcome: 'stored', seq: 1, row: expect.objectContaining({ seq: 1, ruleId: 'first', kind: 'raised', why: 'probe first' }) },
      { outcome: 'append_failed', error: expect.stringMatching(/kind "Not Snake Case" must be lower_snake_case/) },
      { outcome: 'not_stored' },
      { outcome: 'stored', seq: 2, row: expect.objectContaining({ seq: 2, ruleId: 'second', kind: 'raised', why: 'probe second' }) },
    ]);
    expect(feed.waiting).toBe(0);
  }, 60_000);

  it('keeps order under a steady stream that never lets the queue run empty', () => {
    const { feed, heard } = recordingFeed();
    const count = 3000;
    let previous = feed.awaitStore('e0');
    for (let i = 1; i < count; i += 1) {
      const next = feed.awaitStore(`e${i}`);
      previous({ outcome: 'stored', seq: i, row: { ...alarmRow(`e${i - 1}`), seq: i, writtenAt: 1_700_000_000_001 } });
      previous = next;
    }
    expect(feed.waiting).toBe(1);
    expect(heard.map(([event]) => event)).toEqual(Array.from({ length: count - 1 }, (_, i) => `e${i}`));
    expect(heard.map(([, durability]) => (durability.outcome === 'stored' ? durability.seq : -1))).toEqual(Array.from({ length: count - 1 }, (_, i) => i + 1));
  });

  it('an event a listener publishes while hearing one comes after it; a failing listener is logged and the others still hear', () => {
    const { feed, heard, logged } = recordingFeed();
    const unsubscribe = feed.subscribe((event) => {
      if (event === 'outer') feed.passThrough('inner');
      if (event === 'inner') throw new Error('listener broke');
    });
    feed.passThrough('outer');
    expect(heard.map(([event]) => event)).toEqual(['outer', 'inner']);
    expect(logged).toEqual(['hazmon: durable event subscriber failed: listener broke']);
    unsubscribe();
  });

  it('queues nothing while nobody listens', () => {
    const feed = new DurableEventFeed<string>(() => undefined);
    feed.awaitStore('unheard');
    feed.passThrough('unheard either');
    expect(feed.waiting).toBe(0);
  });
});
