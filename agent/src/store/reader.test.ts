/** HazmonStore.reader(): the read-only facade a web server gets, against a real DuckDB file. */
import { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseDrill, tempDir, point, reading } from '../../test/fixtures/store/test-helpers.ts';
import { HazmonStore } from './store.ts';
import type { AggregateColumns, AlarmEventInput } from './types.ts';

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(memoryLimitMb?: number): Promise<HazmonStore> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const store = await HazmonStore.open({ path: dir.file('reader.duckdb'), retentionIntervalMs: 0, ...(memoryLimitMb === undefined ? {} : { memoryLimitMb }) });
  cleanups.push(() => store.close());
  return store;
}

const lifeCycle = (n: number, kind: string, stateAfter: string): AlarmEventInput => ({
  time: T0 + n,
  pointId: 'T1.LEL',
  ruleId: 'T1.LEL/hi',
  kind,
  stateAfter,
  priority: 'high',
  details: { alarmId: 'T1.LEL/hi' },
});

describe('HazmonStore.reader()', () => {
  it('has the queries and nothing that writes or closes, and cannot be given more', async () => {
    const store = await openStore();
    const reader = store.reader();
    expect(Object.keys(reader).sort()).toEqual([
      'aggregateColumns',
      'aggregates',
      'alarmEventsAfter',
      'alarmEventsAfterJson',
      'alarmEventsBefore',
      'alarmEventsBeforeJson',
      'alarmEventsInRange',
      'auditRows',
      'auditRowsJson',
      'exportRange',
      'latestAlarmRowsOfKind',
      'latestAlarmStates',
      'minuteRollupsAfter',
      'pointDefinitions',
      'readingColumns',
      'readings',
      'ruleHistory',
      'unseenSpans',
      'verifyAuditChain',
    ]);
    for (const name of ['close', 'flush', 'writeReading', 'appendAlarmEvent', 'appendAudit', 'registerPoints', 'checkpoint', 'runRetention']) {
      expect(name in reader, name).toBe(false);
    }
    expect(Object.isFrozen(reader)).toBe(true);
    expect(store.reader()).toBe(reader);
  });

  it('gives back every registered point with its metadata as registered, in catalog order', async () => {
    const store = await openStore();
    const full = {
      ...point('T1.LEL'),
      valueKind: 'number' as const,
      description: 'tank 1 gas',
      indicatorCode: 'IC-1',
      equipmentCode: 'EQ-1',
      gatewayCode: 'GW-1',
      tagNumber: 'GT-1',
      lowLow: null,
      low: 5,
      high: 25,
      highHigh: 50,
      rangeLow: 0,
      rangeHigh: 100,
      longitude: 118.78,
      latitude: 32.04,
      hazardSourceCode: 'HS-1',
      casNumber: '74-82-8',
      disabled: { by: 'zhang', at: T0, reason: 'sensor replaced' },
    };
    await store.registerPoints([full, point('T2.LEL')]);
    const [first, second] = await store.reader().pointDefinitions();
    expect(first).toEqual(full);
    expect(second).toMatchObject({ pointId: 'T2.LEL', indicatorCode: null, disabled: null });
    // Those of some points only, in catalog order whatever the order asked; a quote in an id is an id like any other.
    await store.registerPoints([point("T3.it's")]);
    const some = await store.reader().pointDefinitions(["T3.it's", 'T1.LEL', 'nowhere']);
    expect(some.map((definition) => definition.pointId)).toEqual(['T1.LEL', "T3.it's"]);
    expect(some[0]).toEqual(full);
    expect(some[1]).toEqual((await store.reader().pointDefinitions()).at(-1));
    expect((await store.reader().pointDefinitions(["T3.it's"])).map((definition) => definition.pointId)).toEqual(["T3.it's"]);
    expect(await store.reader().pointDefinitions([])).toEqual([]);
  });

  it('reads every point a page of 1,000 at a time: each once, in catalog order', async () => {
    const store = await openStore();
    const ids = Array.from({ length: 2_345 }, (_, i) => `P${i}.LEL`);
    await store.registerPoints(ids.map((id) => point(id)));
    expect((await store.reader().pointDefinitions()).map((definition) => definition.pointId)).toEqual(ids);
  });

  it('gives each number of a definition back as registered, to the last bit', async () => {
    const store = await openStore();
    const awkward = {
      ...point('T1.LEL'),
      lowLow: -0,
      low: 0.1 + 0.2,
      high: 1 / 3,
      highHigh: 1.7976931348623157e308,
      rangeLow: 5e-324,
      rangeHigh: 2 ** 53 - 1,
      longitude: 121.47370000000001,
      latitude: -31.2304,
    };
    await store.registerPoints([awkward]);
    const [read] = await store.reader().pointDefinitions();
    for (const field of ['lowLow', 'low', 'high', 'highHigh', 'rangeLow', 'rangeHigh', 'longitude', 'latitude'] as const) expect(Object.is(read?.[field], awkward[field]), field).toBe(true);
  });

  it("has DuckDB's allocator give back what each read kept (memory_limit set to the store's own, not another)", async () => {
    const store = await openStore(40);
    await store.registerPoints([point('T1.LEL'), point('T2.LEL')]);
    const run = vi.spyOn(DuckDBConnection.prototype, 'run');
    cleanups.push(() => run.mockRestore());
    const limitsSet = () => run.mock.calls.filter(([sql]) => /^SET memory_limit/.test(sql)).map(([sql]) => sql);
    const reader = store.reader();
    expect((await reader.pointDefinitions(['T2.LEL'])).map((definition) => definition.pointId)).toEqual(['T2.LEL']);
    expect(limitsSet()).toEqual(["SET memory_limit = '40MiB'"]);
    expect(await reader.alarmEventsAfter(0)).toEqual([]);
    expect((await reader.readings('T1.LEL', T0, T0 + 1000)).rows).toEqual([]);
    expect(await reader.pointDefinitions()).toHaveLength(2);
    // All the points are two reads: their last index, then a page.
    expect(limitsSet()).toHaveLength(5);
    expect((await store.duckdbMemory()).limitBytes).toBe(40 * 2 ** 20);
  });

  it("gives a rule's history over a range: each source's latest row before it, then every row in it", async () => {
    const store = await openStore();
    const comms = (time: number, source: string, active: boolean) =>
      store.appendAlarmEvent({
        time,
        pointId: source,
        ruleId: 'comms_loss',
        kind: active ? 'raised' : 'cleared',
        stateAfter: active ? 'unacknowledged_active' : 'unacknowledged_returned',
        details: { conditionActive: active },
      });
    await comms(T0, 'GD-1', true);
    await comms(T0 + 1000, 'GD-1', false);
    await comms(T0 + 2000, 'GD-2', true);
    await comms(T0 + 5000, 'GD-1', true);
    await comms(T0 + 9000, 'GD-1', false);
    await store.appendAlarmEvent(lifeCycle(6000, 'raised', 'unacknowledged_active'));
    const rows = await store.reader().ruleHistory('comms_loss', T0 + 3000, T0 + 9000);
    expect(rows.map((row) => [row.pointId, row.time - T0])).toEqual([
      ['GD-1', 1000],
      ['GD-2', 2000],
      ['GD-1', 5000],
    ]);
  });

  it('gives the spans without any reading of a point, from rolled minutes and raw rows not yet rolled, a reading reaching its minute end plus the poll interval', async () => {
    const store = await openStore();
    await store.registerPoints([point('A', { pollIntervalMs: 5000 }), point('B'), point('C')]);
    const MINUTE = 60_000;
    // A: minutes 0-9 (good) and 20-29 (bad: read, not all clear but seen), then one reading in minute 40; B: nothing; C: every minute.
    for (let second = 0; second < 30 * 60; second += 5) {
      if (second < 600) store.writeReading(reading('A', T0 + second * 1000, 1));
      else if (second >= 1200) store.writeReading(reading('A', T0 + second * 1000, null, { quality: 'bad' }));
    }
    for (let minute = 0; minute < 30; minute++) store.writeReading(reading('C', T0 + minute * MINUTE, 1));
    await store.flush();
    await store.rollUp();
    // After the 1-minute watermark: raw rows only.
    store.writeReading(reading('A', T0 + 40 * MINUTE + 30_000, 1));
    for (let minute = 30; minute < 50; minute++) store.writeReading(reading('C', T0 + minute * MINUTE, 1));
    await store.flush();
    const spans = await store.reader().unseenSpans(
      ['A', 'B', 'C'].map((pointId) => ({ pointId, polled: true })),
      T0,
      T0 + 50 * MINUTE,
    );
    expect(spans.map((span) => [span.pointId, (span.start - T0) / 1000, (span.end - T0) / 1000])).toEqual([
      ['A', 605, 1200],
      ['A', 1805, 2400],
      ['A', 2465, 3000],
      ['B', 0, 3000],
    ]);
    await expect(store.reader().unseenSpans([{ pointId: 'A', polled: true }], T0 + 1, T0)).rejects.toThrow(/unseenSpans: .* is not a time range/);
    await expect(store.reader().unseenSpans([{ pointId: 'nope', polled: true }], T0, T0 + 1)).rejects.toThrow(/nope/);
  });

  it('finds a stop inside a rolled-up day and a day a point was not read, days read through by every point taken whole', async () => {
    const store = await openStore();
    await store.registerPoints([point('A', { pollIntervalMs: 60_000 }), point('B', { pollIntervalMs: 60_000 })]);
    const [DAY, HOUR, MINUTE] = [86_400_000, 3_600_000, 60_000];
    const midnight = Date.UTC(2026, 10, 20);
    // A: every minute of two days and a bit, but for a stop 10:00-11:00 on the second; B: from the second day on.
    for (let time = midnight; time < midnight + 2 * DAY + 10 * MINUTE; time += MINUTE) {
      if (time < midnight + DAY + 10 * HOUR || time >= midnight + DAY + 11 * HOUR) store.writeReading(reading('A', time, 1));
      if (time >= midnight + DAY) store.writeReading(reading('B', time, 1));
    }
    await store.flush();
    await store.rollUp();
    for (const polled of [true, false]) {
      const spans = await store.reader().unseenSpans(
        ['A', 'B'].map((pointId) => ({ pointId, polled })),
        midnight,
        midnight + 2 * DAY,
      );
      expect(spans.map((span) => [span.pointId, span.start - midnight, span.end - midnight])).toEqual([
        ['A', DAY + 10 * HOUR + MINUTE, DAY + 11 * HOUR],
        ['B', 0, DAY],
      ]);
    }
    expect(await store.reader().unseenSpans([{ pointId: 'A', polled: true }], midnight, midnight + DAY)).toEqual([]);
  });

  it('reads the readings, aggregates, alarm events after a cursor, audit rows and alarm states the store wrote', async () => {
    const store = await openStore();
    await store.registerPoints([point('T1.LEL')]);
    for (let second = 0; second < 120; second++) store.writeReading(reading('T1.LEL', T0 + second * 1000, second % 10));
    await store.flush();
    await store.appendAlarmEvent(lifeCycle(1, 'raised', 'unack_active'));
    await store.appendAlarmEvent(lifeCycle(2, 'acknowledged', 'ack_active'));
    await store.appendAlarmEvent(lifeCycle(3, 'handled', 'ack_active'));
    await store.appendAudit({ time: T0 + 3, who: 'officer.li', action: 'acknowledge', target: 'T1.LEL/hi' });
    const reader = store.reader();

    const raw = await reader.readings('T1.LEL', T0, T0 + 5000);
    expect(raw.resolution === 'raw' && raw.rows.map((row) => row.value)).toEqual([0, 1, 2, 3, 4]);
    const minutes = await reader.aggregates({ pointIds: ['T1.LEL'], from: T0, to: T0 + 120_000, intervalMs: 60_000 });
    expect(minutes.map((row) => [row.start, row.count, row.min, row.max])).toEqual([
      [T0, 60, 0, 9],
      [T0 + 60_000, 60, 0, 9],
    ]);
    expect((await reader.alarmEventsAfter(1)).map((row) => [row.seq, row.kind])).toEqual([
      [2, 'acknowledged'],
      [3, 'handled'],
    ]);
    expect((await reader.alarmEventsInRange({ from: T0 + 2, to: T0 + 4 })).map((row) => row.seq)).toEqual([2, 3]);
    expect((await reader.alarmEventsInRange({ from: T0, to: T0 + 4, pointIds: ['T1.LEL'], afterSeq: 1, limit: 1 })).map((row) => row.seq)).toEqual([2]);
    expect(await reader.alarmEventsInRange({ from: T0, to: T0 + 4, pointIds: ['T2.LEL'] })).toEqual([]);
    expect((await reader.auditRows()).map((row) => [row.seq, row.who, row.action])).toEqual([[1, 'officer.li', 'acknowledge']]);
    await store.appendAudit({ time: T0 + 4, who: 'officer.wang', action: 'acknowledge', target: 'T1.LEL/hihi' });
    await store.appendAudit({ time: T0 + 5, who: 'officer.li', action: 'shelve', target: 'T1.LEL/hi' });
    await store.appendAudit({ time: T0 + 6, who: "o'neil", action: 'acknowledge', target: 'T1.LEL/hi' });
    const seqs = async (query: Parameters<typeof reader.auditRows>[0]) => (await reader.auditRows(query)).map((row) => row.seq);
    expect(await seqs({ who: 'officer.li' })).toEqual([1, 3]);
    expect(await seqs({ action: 'acknowledge' })).toEqual([1, 2, 4]);
    expect(await seqs({ who: 'officer.li', action: 'acknowledge' })).toEqual([1]);
    expect(await seqs({ who: "o'neil" })).toEqual([4]);
    expect(await seqs({ action: 'acknowledge', afterSeq: 1, limit: 1 })).toEqual([2]);
    expect(await seqs({ who: 'nobody' })).toEqual([]);
    // A handling record is no life-cycle step: the state a restart takes back is still the acknowledgement's.
    expect((await reader.latestAlarmStates()).map((row) => [row.seq, row.stateAfter])).toEqual([[2, 'ack_active']]);
  });

  it("reads a few points' alarm events in a range as a scan of every event does, among other points' events, after more commits and after a reopen", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = dir.file('events.duckdb');
    let store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    // 40 points' events (P39 none yet), times out of seq order (late events), every tenth without a point.
    const event = (i: number, pointId: string | null): AlarmEventInput => ({
      time: T0 + ((i * 37) % 400) * 1000,
      pointId,
      ruleId: `${pointId ?? 'group'}/hi`,
      kind: 'raised',
      stateAfter: 'unack_active',
    });
    await Promise.all(Array.from({ length: 400 }, (_, i) => store.appendAlarmEvent(event(i, i % 10 === 0 ? null : `P${(i * 7) % 39}`))));
    const asked: { pointIds: string[]; from: number; to: number; afterSeq: number; limit: number }[] = [];
    for (const pointIds of [['P1'], ['P7'], ['P39'], ['P1', 'P2', 'P38'], ['P39', 'P5'], [], ['not-a-point']]) {
      for (const [from, to] of [
        [T0, T0 + 400_000],
        [T0 + 100_000, T0 + 200_000],
        [T0 + 399_000, T0 + 500_000],
        [T0 - 60_000, T0],
      ] as const) {
        for (const afterSeq of [0, 150, 399]) for (const limit of [3, 1000]) asked.push({ pointIds, from, to, afterSeq, limit });
      }
    }
    const expectAsScan = async () => {
      const reader = store.reader();
      let nonEmpty = 0;
      for (const query of asked) {
        const every = await reader.alarmEventsInRange({ from: query.from, to: query.to, afterSeq: query.afterSeq, limit: 10_000 });
        const expected = every.filter((row) => row.pointId !== null && query.pointIds.includes(row.pointId)).slice(0, query.limit);
        expect(await reader.alarmEventsInRange(query), JSON.stringify(query)).toEqual(expected);
        if (expected.length > 0) nonEmpty += 1;
      }
      return nonEmpty;
    };
    expect(await expectAsScan()).toBeGreaterThan(20);
    // P39's first events, and P1's with times before and after all others: their windows widen as they commit.
    await store.appendAlarmEvent(event(5, 'P39'));
    await store.appendAlarmEvent({ ...event(6, 'P1'), time: T0 - 30_000 });
    await store.appendAlarmEvent({ ...event(7, 'P1'), time: T0 + 450_000 });
    expect((await store.reader().alarmEventsInRange({ from: T0 - 60_000, to: T0, pointIds: ['P1'] })).map((row) => row.seq)).toEqual([402]);
    expect(await expectAsScan()).toBeGreaterThan(20);
    await store.close();
    store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => store.close());
    expect((await store.reader().alarmEventsInRange({ from: T0, to: T0 + 400_000, pointIds: ['P39'] })).map((row) => row.seq)).toEqual([401]);
    expect(await expectAsScan()).toBeGreaterThan(20);
  });

  it('gives the aggregates as columns equal to its rows, NaN where a row has null, by point then interval', async () => {
    const store = await openStore();
    await store.registerPoints([point('T1.LEL'), point('T2.LEL', { resolution: 0.1 })]);
    for (let second = 0; second < 60; second++) {
      store.writeReading(reading('T1.LEL', T0 + second * 1000, second % 7));
      // T2.LEL: good readings in the first minute, bad ones in the second, none in the third.
      store.writeReading(reading('T2.LEL', T0 + second * 1000, second / 10));
      if (second % 2 === 0) store.writeReading(reading('T2.LEL', T0 + 60_000 + second * 1000, null, { quality: 'bad' }));
    }
    await store.flush();
    const query = { pointIds: ['T2.LEL', 'T1.LEL'], from: T0, to: T0 + 180_000, intervalMs: 60_000 };
    const rows = await store.reader().aggregates(query);
    const columns = await store.reader().aggregateColumns(query);
    const nullIfNaN = (value: number) => (Number.isNaN(value) ? null : value);
    const fromColumns = Array.from(columns.start, (_, row) => ({
      pointId: columns.pointIds[Math.floor(row / columns.intervals)],
      start: columns.start[row],
      end: columns.end[row],
      min: nullIfNaN(columns.min[row]!),
      avg: nullIfNaN(columns.avg[row]!),
      max: nullIfNaN(columns.max[row]!),
      count: columns.count[row],
      goodCount: columns.goodCount[row],
      completeness: columns.completeness[row],
    }));
    expect(columns.length).toBe(6);
    expect([columns.pointIds, columns.intervals]).toEqual([['T1.LEL', 'T2.LEL'], 3]);
    expect(fromColumns).toEqual(rows);
    expect(rows.map((row) => [row.pointId, row.start - T0, row.count, row.goodCount, row.min, row.max])).toEqual([
      ['T1.LEL', 0, 60, 60, 0, 6],
      ['T1.LEL', 60_000, 0, 0, null, null],
      ['T1.LEL', 120_000, 0, 0, null, null],
      ['T2.LEL', 0, 60, 60, 0, 5.9],
      ['T2.LEL', 60_000, 30, 0, null, null],
      ['T2.LEL', 120_000, 0, 0, null, null],
    ]);
    expect(rows[3]!.avg).toBeCloseTo(2.95);
    expect((await store.reader().aggregateColumns({ pointIds: [], from: T0, to: T0 + 60_000, intervalMs: 60_000 })).length).toBe(0);
  });

  it('gives a subset of points the rows the whole site has for them, asked as runs of neighbours, single points or scattered ones', async () => {
    const store = await openStore();
    const ids = Array.from({ length: 80 }, (_, i) => `P${String(i).padStart(2, '0')}`);
    await store.registerPoints(ids.map((id) => point(id)));
    // Every third point read, the others silent: cells with and without rows in every subset.
    for (let second = 0; second < 120; second += 5) ids.forEach((id, i) => i % 3 === 0 && store.writeReading(reading(id, T0 + second * 1000, (i * second) % 17)));
    await store.flush();
    const range = { from: T0, to: T0 + 180_000, intervalMs: 60_000 };
    const site = await store.reader().aggregates(range);
    const subsets = {
      neighbours: [...ids.slice(10, 40), ...ids.slice(50, 52)],
      single: [ids[7]!],
      reversedSingles: ids.filter((_, i) => i % 5 === 0).reverse(),
      // 40 runs of one point: more runs than are written as ranges.
      scattered: ids.filter((_, i) => i % 2 === 1),
    };
    for (const [name, pointIds] of Object.entries(subsets)) {
      const asked = new Set(pointIds);
      expect(await store.reader().aggregates({ ...range, pointIds }), name).toEqual(site.filter((row) => asked.has(row.pointId)));
    }
  });

  it('reads each minute as its one stored row, a minute without one as empty, a point asked twice twice, a minute stored twice as SQL sums it', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const drill = databaseDrill();
    const store = await HazmonStore.open({ path: dir.file('minutes.duckdb'), retentionIntervalMs: 0, rollupGraceMs: 1, faults: drill.faults });
    cleanups.push(() => store.close());
    await store.registerPoints(['A', 'B', 'C', 'D'].map((id) => point(id)));
    // A: every minute; B: minutes 1 and 2 (empty at the start and the end); C: minutes 0 and 3 (empty in the middle).
    for (let second = 0; second < 240; second++) {
      const minute = Math.floor(second / 60);
      store.writeReading(reading('A', T0 + second * 1000, second % 10));
      if (minute === 1 || minute === 2) store.writeReading(reading('B', T0 + second * 1000, 2));
      if (minute === 0 || minute === 3) store.writeReading(reading('C', T0 + second * 1000, 3));
    }
    store.writeReading(reading('A', T0 + 300_000, 0));
    await store.flush();
    await store.rollUp();
    const [d, c] = [store.pointIndex('D'), store.pointIndex('C')];
    // D, minute 1: a row whose sum is -0 (SQL's sum of it is 0); C, minute 3: a second row, as no store writes one.
    await drill.database().run(`INSERT INTO rollup_1m VALUES (${d}, ${T0 + 60_000}, '-0'::DOUBLE, 0.0, '-0'::DOUBLE, 1, 1), (${c}, ${T0 + 180_000}, 1.0, 10.0, 5.5, 2, 2)`);
    const reader = store.reader();
    const cellsOf = (columns: AggregateColumns) =>
      Array.from(columns.start, (start, row) => [
        columns.pointIds[Math.floor(row / columns.intervals)],
        (start - T0) / 60_000,
        columns.count[row],
        columns.min[row],
        columns.max[row],
        columns.avg[row],
      ]);
    const three = await reader.aggregateColumns({ pointIds: ['C', 'A', 'B', 'A', 'D'], from: T0, to: T0 + 180_000, intervalMs: 60_000 });
    expect([three.pointIds, three.intervals, three.length]).toEqual([['A', 'A', 'B', 'C', 'D'], 3, 15]);
    expect(cellsOf(three)).toEqual([
      ['A', 0, 60, 0, 9, 4.5],
      ['A', 0, 60, 0, 9, 4.5],
      ['A', 1, 60, 0, 9, 4.5],
      ['A', 1, 60, 0, 9, 4.5],
      ['A', 2, 60, 0, 9, 4.5],
      ['A', 2, 60, 0, 9, 4.5],
      ['B', 0, 0, Number.NaN, Number.NaN, Number.NaN],
      ['B', 1, 60, 2, 2, 2],
      ['B', 2, 60, 2, 2, 2],
      ['C', 0, 60, 3, 3, 3],
      ['C', 1, 0, Number.NaN, Number.NaN, Number.NaN],
      ['C', 2, 0, Number.NaN, Number.NaN, Number.NaN],
      ['D', 0, 0, Number.NaN, Number.NaN, Number.NaN],
      ['D', 1, 1, -0, 0, 0],
      ['D', 2, 0, Number.NaN, Number.NaN, Number.NaN],
    ]);
    expect(Object.is(three.avg[13], 0)).toBe(true);
    expect(Array.from(three.completeness.subarray(6, 9))).toEqual([0, 1, 1]);
    // With minute 3, C's two rows of it are summed in SQL; every other cell is as before.
    const four = await reader.aggregateColumns({ pointIds: ['C', 'A', 'B', 'A', 'D'], from: T0, to: T0 + 240_000, intervalMs: 60_000 });
    const fourCells = cellsOf(four);
    expect(fourCells.filter(([, minute]) => minute !== 3)).toEqual(cellsOf(three));
    expect(fourCells.find(([id, minute]) => id === 'C' && minute === 3)).toEqual(['C', 3, 62, 1, 10, 185.5 / 62]);
    expect(Object.is(four.avg[4 * 4 + 1], 0)).toBe(true);
    // Read again into the buffers of columns the caller is done with: the same columns, in those buffers where they
    // have room (four's 20 rows), in new ones where not (one row).
    const columnsOf = (columns: AggregateColumns) => (['start', 'end', 'min', 'avg', 'max', 'count', 'goodCount', 'completeness'] as const).map((name) => [name, Array.from(columns[name])]);
    const threeColumns = columnsOf(three);
    const small = await reader.aggregateColumns({ pointIds: ['A'], from: T0, to: T0 + 60_000, intervalMs: 60_000 });
    const again = { pointIds: ['C', 'A', 'B', 'A', 'D'], from: T0, to: T0 + 180_000, intervalMs: 60_000 };
    const intoFour = await reader.aggregateColumns(again, four);
    expect(columnsOf(intoFour)).toEqual(threeColumns);
    for (const name of ['min', 'end', 'completeness'] as const) expect(intoFour[name].buffer, name).toBe(four[name].buffer);
    const intoSmall = await reader.aggregateColumns(again, small);
    expect(columnsOf(intoSmall)).toEqual(threeColumns);
    expect(intoSmall.min.buffer).not.toBe(small.min.buffer);
    // Intervals longer than a minute (summed in SQL) alike.
    const hourly = { ...again, to: T0 + 3_600_000, intervalMs: 3_600_000 };
    expect(columnsOf(await reader.aggregateColumns(hourly, intoFour))).toEqual(columnsOf(await reader.aggregateColumns(hourly)));
  });

  it('gives the closed minutes after a cursor, whole minutes oldest first, never one still open', async () => {
    const store = await openStore();
    await store.registerPoints([point('T1.LEL'), point('T2.LEL')]);
    // Minutes 0 and 1 of both points, minute 3 of T1 only (minute 2 had no reading), minute 4 still open.
    for (let second = 0; second < 120; second++) for (const id of ['T1.LEL', 'T2.LEL']) store.writeReading(reading(id, T0 + second * 1000, second % 10));
    for (let second = 180; second < 250; second++) store.writeReading(reading('T1.LEL', T0 + second * 1000, 5));
    await store.flush();
    await store.rollUp();
    const reader = store.reader();
    const rows = await reader.minuteRollupsAfter(-1);
    expect(rows.map((row) => [row.pointId, row.start - T0, row.count, row.min, row.max])).toEqual([
      ['T1.LEL', 0, 60, 0, 9],
      ['T2.LEL', 0, 60, 0, 9],
      ['T1.LEL', 60_000, 60, 0, 9],
      ['T2.LEL', 60_000, 60, 0, 9],
      ['T1.LEL', 180_000, 60, 5, 5],
    ]);
    expect(rows[0]).toMatchObject({ end: T0 + 60_000, avg: 4.5, goodCount: 60, completeness: 1 });
    expect((await reader.minuteRollupsAfter(T0, 1)).map((row) => [row.pointId, row.start - T0])).toEqual([
      ['T1.LEL', 60_000],
      ['T2.LEL', 60_000],
    ]);
    expect(await reader.minuteRollupsAfter(T0 + 180_000)).toEqual([]);
    await expect(reader.minuteRollupsAfter(T0, 11)).rejects.toThrow(/maxMinutes 11 must be a whole number in 1\.\.10/);
  });

  it("keeps the store's row caps: a page of 10,000 events or audit rows, 1,000,000 readings", async () => {
    const store = await openStore();
    await store.registerPoints([point('T1.LEL')]);
    const reader = store.reader();
    await expect(reader.alarmEventsAfter(0, 10_000)).resolves.toEqual([]);
    await expect(reader.alarmEventsAfter(0, 10_001)).rejects.toThrow(/limit 10001 must be a whole number in 1\.\.10000/);
    await expect(reader.auditRows({ limit: 10_001 })).rejects.toThrow(/limit 10001 must be a whole number in 1\.\.10000/);
    await expect(reader.alarmEventsBefore(Number.MAX_SAFE_INTEGER, 10_001)).rejects.toThrow(/limit 10001 must be a whole number in 1\.\.10000/);
    await expect(reader.alarmEventsBefore(-1, 1)).rejects.toThrow(/beforeSeq -1 must be a whole number >= 0/);
    await expect(reader.auditRows({ afterSeq: 1, beforeSeq: 5 })).rejects.toThrow(/afterSeq and beforeSeq together/);
    await expect(reader.readings('T1.LEL', T0, T0 + 1000, { limit: 1_000_001 })).rejects.toThrow(/limit 1000001 must be a whole number in 1\.\.1000000/);
  });
});
