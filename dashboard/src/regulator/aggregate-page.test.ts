import type { AggregateColumns } from '@hazmon/agent';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregatePageBody } from './aggregate-page.ts';
import { bodyText, columnValue } from './page-text.ts';

const MINUTE = 60_000;
const FROM = Date.UTC(2026, 11, 4);

interface Row {
  pointId: string;
  minute: number;
  min: number;
  avg: number;
  max: number;
  count: number;
  completeness: number;
}

function columnsOf(rows: readonly Row[]): AggregateColumns {
  const column = (value: (row: Row) => number) => Float64Array.from(rows, value);
  return {
    length: rows.length,
    // Each row a point of its own: the writer takes a row's point from its place.
    intervals: 1,
    pointIds: rows.map((row) => row.pointId),
    start: column((row) => FROM + row.minute * MINUTE),
    end: column((row) => FROM + (row.minute + 1) * MINUTE),
    min: column((row) => row.min),
    avg: column((row) => row.avg),
    max: column((row) => row.max),
    count: column((row) => row.count),
    goodCount: column((row) => row.count),
    completeness: column((row) => row.completeness),
  };
}

/** The page as the route answered it before (JSON.stringify of objects, NaN as null), the text the writer must equal. */
function expectedText(rows: readonly Row[], next: string | null): string {
  const value = (x: number) => (Number.isNaN(x) ? null : x);
  return JSON.stringify({
    interval: '1m',
    rows: rows.map((row) => ({
      pointId: row.pointId,
      start: new Date(FROM + row.minute * MINUTE).toISOString(),
      min: value(row.min),
      avg: value(row.avg),
      max: value(row.max),
      count: row.count,
      completeness: row.completeness,
    })),
    next,
  });
}

async function pageText(rows: readonly Row[], next: string | null, written?: (columns: AggregateColumns) => void): Promise<{ text: string; chunks: number }> {
  const body = aggregatePageBody({
    ...(written === undefined ? {} : { written }),
    head: '{"interval":"1m","rows":[',
    columns: rows.length === 0 ? undefined : columnsOf(rows),
    from: FROM,
    intervalMs: MINUTE,
    tail: `],"next":${JSON.stringify(next)}}`,
  });
  return bodyText(body);
}

const row = fc.record({
  pointId: fc.oneof(fc.constantFrom('B1-1.p1', 'B1-2.p1', 'tank "3" level'), fc.string({ maxLength: 40 })),
  minute: fc.integer({ min: 0, max: 1439 }),
  min: columnValue,
  avg: columnValue,
  max: columnValue,
  count: fc.integer({ min: 0, max: 60 }),
  completeness: fc.oneof(fc.constantFrom(0, 1, 59 / 60), fc.double({ min: 0, max: 1, noNaN: true })),
});

describe('aggregatePageBody', () => {
  it('writes the page JSON.stringify writes for the same rows, point ids to be escaped included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 60 }), fc.constantFrom(null, '2026-12-04T01:00:00.000Z'), async (rows, next) => {
        expect((await pageText(rows, next)).text).toBe(expectedText(rows, next));
      }),
      { numRuns: 300 },
    );
  });

  it('splits a large page into chunks, a point id longer than a chunk included, and joins to the same text', async () => {
    const rows: Row[] = Array.from({ length: 20_000 }, (_, i) => ({
      pointId: i === 2500 ? `气体-${'x'.repeat(300_000)}` : `B${i % 7}-${i % 100}.p1`,
      minute: i % 60,
      min: 100 + Math.sin(i),
      avg: i % 13 === 0 ? Number.NaN : (i * 7) / 59,
      max: i / 10,
      count: 60,
      completeness: 59 / 60,
    }));
    // Columns handed back are another page's to overwrite: the writer must have read its last value before.
    const handed: AggregateColumns[] = [];
    const overwrite = (columns: AggregateColumns) => {
      handed.push(columns);
      for (const figure of [columns.min, columns.avg, columns.max, columns.count, columns.completeness, columns.start]) figure.fill(-1);
    };
    const { text, chunks } = await pageText(rows, null, overwrite);
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe(expectedText(rows, null));
    expect(handed.map((columns) => columns.length)).toEqual([rows.length]);
  });
});
