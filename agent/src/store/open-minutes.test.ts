/**
 * Aggregates and trends of minutes not yet rolled up are read from the rollups' sums in memory: the answer is the same
 * before the minute closes and after, when it is read from the rollup row written from those sums.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { point, reading, tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { HazmonStore } from './store.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MINUTE = 60_000;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(): Promise<HazmonStore> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  // No rollup timer: the test closes the minutes itself.
  const store = await HazmonStore.open({ path: dir.file('store.duckdb'), retentionIntervalMs: 0, rollupGraceMs: 1, rollupIntervalMs: 3_600_000 });
  cleanups.push(() => store.close());
  return store;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('aggregates of open minutes', () => {
  it('answers the minutes not yet rolled up from memory, exactly as their rollup rows answer once the minutes close', async () => {
    const store = await openStore();
    // P at 0.01 (sums of two-decimal values), H at 0.5, S never read (its rows: count 0, nulls).
    await store.registerPoints([point('P'), point('H', { resolution: 0.5, pollIntervalMs: 5000 }), point('S')]);
    const random = seeded(5);
    for (let t = T0; t < T0 + 3 * MINUTE; t += 1000) {
      const r = random();
      store.writeReading(
        r < 0.05
          ? reading('P', t, null, { quality: 'bad', reason: { code: 'frame', message: 'crc' } })
          : reading('P', t, Math.round(random() * 10_000) / 100, { quality: r < 0.1 ? 'uncertain' : 'good' }),
      );
      if (t % 5000 === 0) store.writeReading(reading('H', t, Math.round(random() * 200) / 2 - 50));
    }
    // A reading in the fourth minute: the first three can close, the fourth stays open.
    store.writeReading(reading('P', T0 + 3 * MINUTE + 5000, 42.42));
    expect(await store.flush()).toBeGreaterThan(0);

    const ask = async () => ({
      minutes: await store.aggregates({ from: T0, to: T0 + 4 * MINUTE, intervalMs: MINUTE }),
      pairs: await store.aggregates({ pointIds: ['H', 'P'], from: T0, to: T0 + 4 * MINUTE, intervalMs: 2 * MINUTE }),
      trend: await store.readings('P', T0, T0 + 4 * MINUTE, { resolution: '1m' }),
    });
    const open = await ask();
    expect(store.stats().queryMinutesFromMemory).toBeGreaterThanOrEqual(3 * 4);
    expect(store.stats().rollupBucketsFromMemory).toBe(0);
    expect(open.minutes.filter((row) => row.pointId === 'P').map((row) => row.count)).toEqual([60, 60, 60, 1]);
    expect(open.minutes.filter((row) => row.pointId === 'S').map((row) => [row.count, row.min, row.avg, row.completeness])).toEqual(new Array(4).fill([0, null, null, 0]));

    await store.rollUp();
    expect(store.stats().rollupBucketsFromMemory).toBe(3);
    const fromMemoryBefore = store.stats().queryMinutesFromMemory;
    const closed = await ask();
    // Only the fourth minute is still open (once per query that reaches it).
    expect(store.stats().queryMinutesFromMemory - fromMemoryBefore).toBe(3);
    expect(closed).toEqual(open);
  });

  it('adds the rows committed to an open minute since the last answer', async () => {
    const store = await openStore();
    await store.registerPoints([point('P')]);
    store.writeReading(reading('P', T0 + 1000, 10));
    await store.flush();
    const first = await store.aggregates({ from: T0, to: T0 + MINUTE, intervalMs: MINUTE });
    expect(first.map((row) => [row.min, row.max, row.count])).toEqual([[10, 10, 1]]);
    store.writeReading(reading('P', T0 + 2000, 30));
    await store.flush();
    const second = await store.aggregates({ from: T0, to: T0 + MINUTE, intervalMs: MINUTE });
    expect(second.map((row) => [row.min, row.avg, row.max, row.count])).toEqual([[10, 20, 30, 2]]);
  });
});
