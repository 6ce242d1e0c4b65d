/** StoreOptions.readTimeoutMs on the store's reads: a read past it fails as such; nothing stored is harmed, writes go on. */
import { afterEach, expect, it } from 'vitest';
import { point, reading, tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { HazmonStore } from './store.ts';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const POINTS = 100;
const SECONDS = 1000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('stops a read that runs past the store limit (an export of 100k readings in 1 ms); the readings stay whole and writes go on', async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const path = dir.file('t.duckdb');
  const ids = Array.from({ length: POINTS }, (_, i) => `P${i}`);
  const limited = await HazmonStore.open({ path, retentionIntervalMs: 0, readTimeoutMs: 1 });
  await limited.registerPoints(ids.map((id) => point(id)));
  for (let second = 0; second < SECONDS; second++) for (const id of ids) limited.writeReading(reading(id, T0 + second * 1000, second / 100));
  await limited.flush();

  const request = { what: 'readings', format: 'csv', path: dir.file('out.csv'), from: T0, to: T0 + SECONDS * 1000 } as const;
  await expect(limited.exportRange(request)).rejects.toMatchObject({
    code: 'HAZMON_STORE_READ_TIMEOUT',
    message: 'a read ran longer than 0.001 s and was stopped: ask for a shorter range or a smaller page',
  });
  limited.writeReading(reading('P0', T0 + SECONDS * 1000, 1));
  await limited.flush();
  expect(limited.stats()).toMatchObject({ rawRowsWritten: POINTS * SECONDS + 1, rawDropped: 0, flushFailures: 0 });
  await limited.close();

  const unlimited = await HazmonStore.open({ path, retentionIntervalMs: 0 });
  cleanups.push(() => unlimited.close());
  expect(await unlimited.exportRange({ ...request, to: request.to + 1000 })).toBe(POINTS * SECONDS + 1);
});
