/** Retention removes old raw rows, keeps rollups, and lets ingest commit while it runs. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseDrill, point, reading, tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { HazmonStore } from './store.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('retention', () => {
  it('removes raw readings older than the raw retention, keeps their rollups, and lets ingest commit meanwhile', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const store = await HazmonStore.open({ path: dir.file('r.duckdb'), retentionIntervalMs: 0, rollupGraceMs: 1, now: () => NOW });
    cleanups.push(() => store.close());
    const ids = Array.from({ length: 10 }, (_, i) => `P${i}`);
    await store.registerPoints(ids.map((id) => point(id, { pollIntervalMs: 10_000 })));
    const oldStart = NOW - 40 * DAY;
    let oldRows = 0;
    for (let t = oldStart; t < oldStart + 12 * 3_600_000; t += 10_000) {
      for (const id of ids) oldRows += Number(store.writeReading(reading(id, t, 5)));
    }
    const recentStart = NOW - 60_000;
    for (let t = recentStart; t < NOW; t += 10_000) for (const id of ids) store.writeReading(reading(id, t, 7));
    await store.flush();
    await store.rollUp();

    const retention = store.runRetention();
    let retentionDone = false;
    void retention.finally(() => {
      retentionDone = true;
    });
    let flushesDuringRetention = 0;
    let t = NOW;
    while (!retentionDone) {
      for (const id of ids) store.writeReading(reading(id, t, 9));
      t += 1000;
      if ((await store.flush()) > 0 && !retentionDone) flushesDuringRetention += 1;
      await nextTurn();
    }
    const result = await retention;
    expect(result.deletedRaw).toBe(oldRows);
    expect(result.slices).toBeGreaterThan(1);
    expect(flushesDuringRetention).toBeGreaterThan(0);
    expect(store.stats().rawRowsWritten).toBe(oldRows + 60 + ((t - NOW) / 1000) * ids.length);

    expect(await store.rawReadings('P0', oldStart, oldStart + DAY)).toEqual([]);
    const kept = await store.aggregates({ pointIds: ['P0'], from: oldStart, to: oldStart + 12 * 3_600_000, intervalMs: 3_600_000 });
    expect(kept).toHaveLength(12);
    expect(kept.every((row) => row.count === 360 && row.avg === 5 && row.completeness === 1)).toBe(true);
    // A short window that old is served from rollups by 'auto', since its raw rows are gone.
    const zoomed = await store.readings('P0', oldStart, oldStart + 3_600_000, { resolution: 'auto' });
    expect(zoomed.resolution).toBe('1m');
    expect(zoomed.rows).toHaveLength(60);
    expect((await store.rawReadings('P0', recentStart, NOW)).map((row) => row.value)).toEqual([7, 7, 7, 7, 7, 7]);
    expect((await store.rawReadings('P0', NOW, t)).length).toBe((t - NOW) / 1000);
  }, 120_000);

  it("deletes the reason texts of the rows it deleted once no id of theirs can be handed out again, and keeps the others'", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const drill = databaseDrill();
    let clock = NOW - 40 * DAY;
    const store = await HazmonStore.open({ path: dir.file('t.duckdb'), retentionIntervalMs: 0, rollupGraceMs: 1, now: () => clock, faults: drill.faults });
    cleanups.push(() => store.close());
    await store.registerPoints([point('P')]);
    const bad = (t: number, message: string) => reading('P', t, null, { quality: 'bad', reason: { code: 'signal_out_of_range', message } });
    // A failing transmitter 40 days ago: a message with a changing figure each reading.
    const old = ['loop 3.51 mA', 'loop 3.52 mA', 'loop 3.53 mA'];
    old.forEach((message, i) => store.writeReading(bad(clock + i * 1000, message)));
    await store.flush();
    await store.rollUp();
    // Nothing is old enough yet; the run begins a new era: the texts above are handed out no more.
    expect(await store.runRetention()).toMatchObject({ deletedRaw: 0, deletedTexts: 0 });

    clock = NOW;
    store.writeReading(bad(NOW - 2000, 'loop 3.51 mA'));
    store.writeReading(bad(NOW - 1000, 'timeout'));
    await store.flush();
    await store.rollUp();
    const texts = async () => (await drill.database().rows('SELECT text FROM reason_texts ORDER BY text_id')).map((row) => row.text);
    expect(await texts()).toEqual([...old, 'loop 3.51 mA', 'timeout']);
    expect(await store.runRetention()).toMatchObject({ deletedRaw: 3, deletedTexts: 3 });
    // The recent rows keep their messages (the one seen again has its own id); none of the old ones is left.
    expect(await texts()).toEqual(['loop 3.51 mA', 'timeout']);
    expect((await store.rawReadings('P', NOW - DAY, NOW)).map((row) => row.reasonText)).toEqual(['loop 3.51 mA', 'timeout']);
    // Their era has not ended: a run now deletes nothing more.
    expect(await store.runRetention()).toMatchObject({ deletedRaw: 0, deletedTexts: 0 });
    expect(await texts()).toEqual(['loop 3.51 mA', 'timeout']);
  }, 60_000);
});
