/** The store after DuckDB invalidates its database (a fatal error): it opens the file again and loses nothing it took. */
import { mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { waitFor } from '@hazmon/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseDrill, tempDir, point, reading } from '../../test/fixtures/store/test-helpers.ts';
import type { FaultDrillDatabase } from './types.ts';
import { HazmonStore } from './store.ts';
import type { AlarmEventInput, StoreEvent } from './types.ts';

const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(): Promise<{ store: HazmonStore; path: string; events: StoreEvent[]; database: FaultDrillDatabase }> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const path = dir.file('store.duckdb');
  const events: StoreEvent[] = [];
  const drill = databaseDrill();
  // Checkpoints and flushes only when the test asks, so it decides which statement meets the fatal error.
  const store = await HazmonStore.open({ path, retentionIntervalMs: 0, checkpointIntervalMs: 0, flushIntervalMs: 1000, onEvent: (event) => events.push(event), faults: drill.faults });
  cleanups.push(() => store.close());
  await store.registerPoints([point('T1.LEL')]);
  return { store, path, events, database: drill.database() };
}

/**
 * DuckDB's own switch for testing a fatal checkpoint: the checkpoint throws a FATAL error before it writes the file's
 * header, and DuckDB invalidates the database as it does when a checkpoint runs out of memory. The setting belongs
 * to the instance, so a reopened database starts without it.
 */
async function abortCheckpoints(database: FaultDrillDatabase, options: { onEveryCommit?: boolean } = {}): Promise<void> {
  await database.run(`SET debug_checkpoint_abort = 'before_header'`);
  if (options.onEveryCommit) await database.run(`SET checkpoint_threshold = '1B'`);
}

const alarm = (n: number): AlarmEventInput => ({ time: T0 + n, pointId: 'T1.LEL', ruleId: 'T1.LEL/hi', kind: 'raised', stateAfter: 'unack_active', priority: 'high', why: `excursion ${n}` });

function writeReadings(store: HazmonStore, from: number, count: number): void {
  for (let n = from; n < from + count; n++) expect(store.writeReading(reading('T1.LEL', T0 + n * 10, n % 100))).toBe(true);
}

async function expectComplete(store: HazmonStore, readings: number, alarms: number, auditRows: number): Promise<void> {
  const raw = await store.rawReadings('T1.LEL', T0, T0 + readings * 10 + 1);
  expect(raw.map((row) => row.time)).toEqual(Array.from({ length: readings }, (_, n) => T0 + n * 10));
  const events = await store.alarmEventsAfter(0);
  expect(events.map((event) => event.seq)).toEqual(Array.from({ length: alarms }, (_, n) => n + 1));
  expect(events.map((event) => event.why)).toEqual(Array.from({ length: alarms }, (_, n) => `excursion ${n}`));
  const audit = await store.verifyAuditChain();
  expect(audit).toMatchObject({ ok: true, rowsChecked: auditRows });
}

describe('HazmonStore after DuckDB invalidated its database', () => {
  it('opens the file again after a fatal checkpoint; readings, alarm events and audit rows taken meanwhile are committed', async () => {
    const { store, path, events, database } = await openStore();
    writeReadings(store, 0, 100);
    expect(await store.flush()).toBe(100);
    await store.appendAlarmEvent(alarm(0));
    await store.appendAudit({ time: T0, who: 'op1', action: 'acknowledge', target: 'T1.LEL/hi' });

    await abortCheckpoints(database);
    await expect(store.checkpoint()).rejects.toThrow(/invalidated|FATAL/);
    // Taken while the store reopens: the readings wait in the queue, the alarm event and audit row in the durable log.
    writeReadings(store, 100, 50);
    const held = [store.appendAlarmEvent(alarm(1)), store.appendAudit({ time: T0 + 1, who: 'op1', action: 'reset', target: 'V1' })] as const;
    const [alarmRow, auditRow] = await Promise.all(held);
    expect(alarmRow.seq).toBe(2);
    expect(auditRow.seq).toBe(2);
    expect(events.map((event) => event.kind)).toEqual(['database_invalidated', 'database_reopened']);
    expect(store.stats().databaseReopens).toBe(1);

    expect(await store.flush()).toBe(50);
    await expectComplete(store, 150, 2, 2);
    await store.close();
    const again = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => again.close());
    await expectComplete(again, 150, 2, 2);
  });

  it('does not write twice what DuckDB committed before its automatic checkpoint failed', async () => {
    const { store, events, database } = await openStore();
    writeReadings(store, 0, 10);
    expect(await store.flush()).toBe(10);
    await abortCheckpoints(database, { onEveryCommit: true });
    // The durable log's commit succeeds, then its automatic checkpoint fails fatally: the row is on disk once.
    expect((await store.appendAlarmEvent(alarm(0))).seq).toBe(1);
    expect(store.stats().databaseReopens).toBe(1);

    await abortCheckpoints(database, { onEveryCommit: true });
    writeReadings(store, 10, 20);
    // The appender's commit, the same way: the rows leave the queue as committed.
    expect(await store.flush()).toBe(20);
    await waitFor('the second reopen', () => store.stats().databaseReopens === 2);
    expect(store.stats().queueDepth).toBe(0);
    await store.appendAudit({ time: T0, who: 'op1', action: 'acknowledge', target: 'T1.LEL/hi' });
    await expectComplete(store, 30, 1, 1);
    expect(events.map((event) => event.kind)).toEqual(['database_invalidated', 'database_reopened', 'database_invalidated', 'database_reopened']);
  });

  it('reports a reopen that fails, and reopens at the next failed write once the file can be opened', async () => {
    const { store, path, events, database } = await openStore();
    writeReadings(store, 0, 10);
    expect(await store.flush()).toBe(10);
    await store.appendAlarmEvent(alarm(0));
    await abortCheckpoints(database);
    // DuckDB keeps the file it opened; a folder in its place makes every attempt to open it again fail.
    renameSync(path, `${path}.moved`);
    mkdirSync(path);
    await expect(store.checkpoint()).rejects.toThrow(/invalidated|FATAL/);
    await waitFor('database_reopen_failed', () => events.some((event) => event.kind === 'database_reopen_failed'));
    expect(events.find((event) => event.kind === 'database_reopen_failed')).toMatchObject({ attempts: 3 });
    expect(store.stats().databaseReopens).toBe(0);

    rmdirSync(path);
    renameSync(`${path}.moved`, path);
    writeReadings(store, 10, 5);
    expect(await store.flush()).toBe(0); // fails on the lost database, starts another round
    await waitFor('the reopen once the file is back', () => store.stats().databaseReopens === 1);
    expect(await store.flush()).toBe(5);
    await store.appendAlarmEvent(alarm(1));
    await expectComplete(store, 15, 2, 0);
    expect(events.map((event) => event.kind)).toEqual(['database_invalidated', 'database_reopen_failed', 'flush_failed', 'database_reopened', 'flush_resumed']);
  });
});
