/**
 * Alarm events and audit rows as the JSON text DuckDB writes (StoreReader.alarmEventsAfterJson, auditRowsJson): byte
 * for byte what JSON.stringify writes of the rows, for text JSON escapes, numbers and keys of every kind; the pages
 * the rows of a top-N over every row after the cursor, with gaps and repeated seqs; details stored as no JSON refused
 * as the rows refuse them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseDrill, tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { SerialConnection } from './sql.ts';
import { HazmonStore } from './store.ts';
import type { AuditRangeQuery, EventAreas, StoreReader } from './types.ts';

const T0 = Date.UTC(2026, 11, 7, 15, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(): Promise<{ store: HazmonStore; drill: ReturnType<typeof databaseDrill> }> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const drill = databaseDrill();
  const store = await HazmonStore.open({ path: dir.file('pages.duckdb'), retentionIntervalMs: 0, faults: drill.faults });
  cleanups.push(() => store.close());
  return { store, drill };
}

/** Every control character, JSON's own escapes, a backslash before what looks like an escape, the line separators, non-ASCII text. */
const TEXTS = [
  Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join(''),
  // Those DuckDB escapes as JSON.stringify does (the others it writes with upper-case hex).
  Array.from({ length: 32 }, (_, code) => code)
    .filter((code) => code % 16 < 10 || [0x0a, 0x0c, 0x0d].includes(code))
    .map((code) => String.fromCharCode(code))
    .join(''),
  'quote " backslash \\ slash / tab \t',
  'a stored \\u001F and \\u001f, not escapes',
  'line\u2028para\u2029 del \u007f',
  '液氨储罐 NH3 泄漏 😀',
  '',
];

async function fill(store: HazmonStore): Promise<void> {
  for (const [i, text] of TEXTS.entries()) {
    await store.appendAlarmEvent({
      time: T0 + i,
      pointId: i % 2 === 0 ? `P-${i}` : null,
      ruleId: `${text || 'r'}/hi`,
      kind: 'raised',
      stateAfter: 'unacknowledged_active',
      priority: i % 3 === 0 ? null : 'high',
      ...(i % 2 === 0 ? { who: text || 'engine', why: text || 'why' } : {}),
      details: i === 0 ? null : { text, 10: 'ten', 9: 'nine', b: [0.1, 1e21, 5e-7, -0, 2 ** 53, { z: null, a: true }], a: {} },
    });
    await store.appendAudit({
      time: T0 + i,
      who: text || 'op',
      action: i % 2 === 0 ? 'acknowledge' : 'shelve',
      target: i % 3 === 0 ? null : text || 'T',
      details: i === 1 ? null : { text, n: i / 3 },
    });
  }
}

/** Areas made of what the event's owner is stored as: every control character, quotes and backslashes pass through them. */
const areasOf: EventAreas = (pointId, ruleId) => (pointId === null ? [] : [ruleId, pointId]);

/** The JSON page against JSON.stringify of the rows of the same query, with its count and last seq. */
/** `newestToo`: each cursor also as a newest-first page's (rows before it). */
async function expectSamePages(reader: StoreReader, cursors: readonly number[], limits: readonly number[], audits: readonly AuditRangeQuery[], newestToo = true): Promise<void> {
  for (const afterSeq of cursors) {
    for (const limit of limits) {
      const events = await reader.alarmEventsAfter(afterSeq, limit);
      expect(await reader.alarmEventsAfterJson(afterSeq, limit), `events after ${afterSeq}, ${limit}`).toEqual({
        json: JSON.stringify(events),
        rows: events.length,
        lastSeq: events.at(-1)?.seq ?? null,
      });
      if (newestToo) {
        const older = await reader.alarmEventsBefore(afterSeq, limit);
        expect(await reader.alarmEventsBeforeJson(afterSeq, limit), `events before ${afterSeq}, ${limit}`).toEqual({
          json: JSON.stringify(older),
          rows: older.length,
          lastSeq: older.at(-1)?.seq ?? null,
        });
      }
      for (const query of audits) {
        for (const asked of [{ ...query, afterSeq, limit }, ...(newestToo ? [{ ...query, beforeSeq: afterSeq, limit }] : [])]) {
          const rows = await reader.auditRows(asked);
          expect(await reader.auditRowsJson(asked), JSON.stringify(asked)).toEqual({ json: JSON.stringify(rows), rows: rows.length, lastSeq: rows.at(-1)?.seq ?? null });
        }
      }
    }
  }
}

describe('alarm events and audit rows as JSON text', () => {
  it('writes what JSON.stringify writes of the rows, to the byte, with their areas too', async () => {
    const { store } = await openStore();
    await fill(store);
    const reader = store.reader();
    expect(JSON.parse((await reader.alarmEventsAfterJson(0, 100)).json)).toHaveLength(TEXTS.length);
    const audits: AuditRangeQuery[] = [{}, { who: 'op' }, { action: 'shelve' }, { fromTime: T0 + 2, toTime: T0 + 4 }, { who: TEXTS[0]! }, { who: 'nobody' }];
    await expectSamePages(reader, [0, 1, 3, TEXTS.length - 1, TEXTS.length, 100], [1, 2, 1000], audits);
    for (const [afterSeq, limit] of [
      [0, 1000],
      [3, 2],
    ] as const) {
      const events = await reader.alarmEventsAfter(afterSeq, limit);
      expect(await reader.alarmEventsAfterJson(afterSeq, limit, areasOf), `events with areas after ${afterSeq}, ${limit}`).toEqual({
        json: JSON.stringify(events.map((event) => ({ ...event, areas: areasOf(event.pointId, event.ruleId) }))),
        rows: events.length,
        lastSeq: events.at(-1)?.seq ?? null,
      });
    }
    const newest = await reader.alarmEventsBefore(Number.MAX_SAFE_INTEGER, 3);
    expect(newest.map((event) => event.seq)).toEqual([TEXTS.length, TEXTS.length - 1, TEXTS.length - 2]);
    expect(await reader.alarmEventsBeforeJson(Number.MAX_SAFE_INTEGER, 3, areasOf)).toEqual({
      json: JSON.stringify(newest.map((event) => ({ ...event, areas: areasOf(event.pointId, event.ruleId) }))),
      rows: 3,
      lastSeq: TEXTS.length - 2,
    });
  });

  it('writes a page of plain rows in one statement, with areas too, and reads one with an escape DuckDB writes otherwise as rows', async () => {
    const { store } = await openStore();
    await fill(store);
    const reader = store.reader();
    const rows = vi.spyOn(SerialConnection.prototype, 'rows');
    const jsonRows = vi.spyOn(SerialConnection.prototype, 'jsonRows');
    const statements = () => ({
      written: rows.mock.calls.filter(([sql]) => sql.includes('string_agg')).length,
      readAsRows: rows.mock.calls.filter(([sql]) => sql.startsWith('SELECT * FROM audit_log')).length + jsonRows.mock.calls.filter(([sql]) => sql.includes('alarm_events')).length,
    });
    try {
      // Rows 5 and 6: line separators, DEL, non-ASCII text.
      await reader.auditRowsJson({ afterSeq: 4, limit: 2 });
      await reader.alarmEventsAfterJson(4, 2);
      await reader.alarmEventsAfterJson(4, 2, areasOf);
      expect(statements()).toEqual({ written: 3, readAsRows: 0 });
      // Row 1: every control character.
      await reader.auditRowsJson({ limit: 1 });
      await reader.alarmEventsAfterJson(0, 1);
      expect(statements()).toEqual({ written: 5, readAsRows: 2 });
    } finally {
      rows.mockRestore();
      jsonRows.mockRestore();
    }
  });

  it('pages as a top-N of every row after the cursor does, over gaps and repeated seqs', async () => {
    const { store, drill } = await openStore();
    for (let i = 1; i <= 40; i++) {
      await store.appendAlarmEvent({ time: T0 + i, pointId: 'P', ruleId: 'P/hi', kind: 'raised', stateAfter: 'unacknowledged_active', priority: 'high' });
      await store.appendAudit({ time: T0 + i, who: i % 3 === 0 ? 'li' : 'op', action: 'acknowledge', target: null });
    }
    const database = drill.database();
    await database.run('DELETE FROM alarm_events WHERE seq IN (1, 2, 7, 8, 9, 20, 40)');
    await database.run('INSERT INTO alarm_events SELECT * FROM alarm_events WHERE seq IN (5, 30)');
    await database.run('DELETE FROM audit_log WHERE seq IN (3, 4, 5, 33)');
    await database.run('INSERT INTO audit_log SELECT * FROM audit_log WHERE seq IN (6, 21)');
    const reader = store.reader();
    const topN = async (table: string, afterSeq: number, limit: number, where = '') =>
      (await database.rows(`SELECT seq FROM ${table} WHERE seq > ${afterSeq}${where} ORDER BY seq LIMIT ${limit}`)).map((row) => Number(row.seq));
    const bottomN = async (table: string, beforeSeq: number, limit: number, where = '') =>
      (await database.rows(`SELECT seq FROM ${table} WHERE seq < ${beforeSeq}${where} ORDER BY seq DESC LIMIT ${limit}`)).map((row) => Number(row.seq));
    for (let afterSeq = 0; afterSeq <= 41; afterSeq++) {
      for (const limit of [1, 2, 3, 5, 50]) {
        expect(
          (await reader.alarmEventsAfter(afterSeq, limit)).map((row) => row.seq),
          `events after ${afterSeq}, ${limit}`,
        ).toEqual(await topN('alarm_events', afterSeq, limit));
        expect(
          (await reader.auditRows({ afterSeq, limit })).map((row) => row.seq),
          `audit after ${afterSeq}, ${limit}`,
        ).toEqual(await topN('audit_log', afterSeq, limit));
        expect((await reader.auditRows({ afterSeq, limit, who: 'li' })).map((row) => row.seq)).toEqual(await topN('audit_log', afterSeq, limit, " AND who = 'li'"));
        const beforeSeq = afterSeq;
        expect(
          (await reader.alarmEventsBefore(beforeSeq, limit)).map((row) => row.seq),
          `events before ${beforeSeq}, ${limit}`,
        ).toEqual(await bottomN('alarm_events', beforeSeq, limit));
        expect((await reader.auditRows({ beforeSeq, limit, who: 'li' })).map((row) => row.seq)).toEqual(await bottomN('audit_log', beforeSeq, limit, " AND who = 'li'"));
      }
    }
    await expectSamePages(reader, [0, 4, 5, 6, 29, 30, 39], [1, 2, 50], [{}, { who: 'li' }]);
  });

  it('refuses details stored as no JSON as the rows do, and gives JSON stored otherwise as stored', async () => {
    const { store, drill } = await openStore();
    await fill(store);
    const reader = store.reader();
    const database = drill.database();
    // DuckDB's JSON reader takes NaN and trailing commas; JSON.parse does not.
    await database.run(`UPDATE alarm_events SET details = '{"a":NaN}' WHERE seq = 2`);
    await database.run(`UPDATE audit_log SET details = '{"a":1,}' WHERE seq = 3`);
    await expect(reader.alarmEventsAfter(0, 10)).rejects.toThrow(SyntaxError);
    await expect(reader.alarmEventsAfterJson(0, 10)).rejects.toThrow(SyntaxError);
    await expect(reader.auditRows({})).rejects.toThrow(SyntaxError);
    await expect(reader.auditRowsJson({})).rejects.toThrow(SyntaxError);
    await expect(reader.alarmEventsBeforeJson(10, 10)).rejects.toThrow(SyntaxError);
    await expect(reader.auditRowsJson({ beforeSeq: 10 })).rejects.toThrow(SyntaxError);
    await expectSamePages(reader, [3], [1000], [{}], false);
    const beforeBroken = await reader.alarmEventsBefore(2, 10);
    expect(await reader.alarmEventsBeforeJson(2, 10)).toEqual({ json: JSON.stringify(beforeBroken), rows: 1, lastSeq: 1 });
    // Edited outside the store as other valid JSON: the same value, in the bytes stored (the chain names the row).
    await database.run(`UPDATE audit_log SET details = '{ "a" : 1 }' WHERE seq = 5`);
    const page = await reader.auditRowsJson({ afterSeq: 4 });
    expect(page.json).toContain('"details":{ "a" : 1 }');
    expect(JSON.parse(page.json)).toEqual(await reader.auditRows({ afterSeq: 4 }));
  });
});
