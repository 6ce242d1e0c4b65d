import type { AggregateColumns } from '@hazmon/agent';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateSeriesBody } from './aggregate-series.ts';
import { bodyText, columnValue } from './page-text.ts';

const MINUTE = 60_000;
const FROM = Date.UTC(2026, 11, 4);
const FIGURES = ['min', 'avg', 'max', 'count', 'completeness'] as const;

interface Series {
  pointId: string;
  min: number[];
  avg: number[];
  max: number[];
  count: number[];
  completeness: number[];
}

/** The store's columns for a grid of points x buckets: rows by point, then bucket. */
function columnsOf(series: readonly Series[], intervals: number): AggregateColumns {
  const column = (figure: (typeof FIGURES)[number]) => Float64Array.from(series.flatMap((one) => one[figure]));
  const starts = series.flatMap(() => Array.from({ length: intervals }, (_, bucket) => FROM + bucket * MINUTE));
  return {
    length: series.length * intervals,
    intervals,
    pointIds: series.map((one) => one.pointId),
    start: Float64Array.from(starts),
    end: Float64Array.from(starts, (start) => start + MINUTE),
    min: column('min'),
    avg: column('avg'),
    max: column('max'),
    count: column('count'),
    goodCount: column('count'),
    completeness: column('completeness'),
  };
}

/** The page JSON.stringify writes for the same series (NaN as null). */
function expectedText(series: readonly Series[], intervals: number, next: string | null): string {
  const values = (figure: readonly number[]) => figure.map((x) => (Number.isNaN(x) ? null : x));
  return JSON.stringify({
    interval: '1m',
    from: new Date(FROM).toISOString(),
    to: new Date(FROM + intervals * MINUTE).toISOString(),
    series: series.map((one) => ({ pointId: one.pointId, min: values(one.min), avg: values(one.avg), max: values(one.max), count: one.count, completeness: one.completeness })),
    next,
  });
}

async function pageText(series: readonly Series[], intervals: number, next: string | null, written?: (columns: AggregateColumns) => void): Promise<{ text: string; chunks: number }> {
  const body = aggregateSeriesBody({
    ...(written === undefined ? {} : { written }),
    head: `{"interval":"1m","from":"${new Date(FROM).toISOString()}","to":"${new Date(FROM + intervals * MINUTE).toISOString()}","series":[`,
    columns: series.length === 0 ? undefined : columnsOf(series, intervals),
    tail: `],"next":${JSON.stringify(next)}}`,
  });
  return bodyText(body);
}

/** A column's values, often the same as the last (a repeat's text is copied): 0 and -0, a long decimal, NaN. */
const repeatingValue = fc.oneof(columnValue, fc.constantFrom(0, -0, 59 / 60, Number.NaN));

const page = fc.integer({ min: 1, max: 30 }).chain((intervals) =>
  fc.record({
    intervals: fc.constant(intervals),
    series: fc.array(
      fc.record({
        pointId: fc.oneof(fc.constantFrom('B1-1.p1', 'B1-2.p1', 'tank "3" level'), fc.string({ maxLength: 40 })),
        min: fc.array(repeatingValue, { minLength: intervals, maxLength: intervals }),
        avg: fc.array(repeatingValue, { minLength: intervals, maxLength: intervals }),
        max: fc.array(repeatingValue, { minLength: intervals, maxLength: intervals }),
        count: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: intervals, maxLength: intervals }),
        completeness: fc.array(fc.oneof(fc.constantFrom(0, 1, 59 / 60), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: intervals, maxLength: intervals }),
      }),
      { maxLength: 12 },
    ),
  }),
);

describe('aggregateSeriesBody', () => {
  it('writes the page JSON.stringify writes for the same series, point ids to be escaped included', async () => {
    await fc.assert(
      fc.asyncProperty(page, fc.constantFrom(null, '2026-12-04T01:00:00.000Z'), async ({ series, intervals }, next) => {
        expect((await pageText(series, intervals, next)).text).toBe(expectedText(series, intervals, next));
      }),
      { numRuns: 300 },
    );
  });

  it('splits a large page into chunks, inside a series and at a point id longer than a chunk, and joins to the same text', async () => {
    const intervals = 60_000;
    const series: Series[] = [0, 1, 2].map((point) => ({
      pointId: point === 1 ? `气体-${'x'.repeat(1_500_000)}` : `B${point}.p1`,
      min: Array.from({ length: intervals }, (_, i) => 100 + Math.sin(i + point)),
      avg: Array.from({ length: intervals }, (_, i) => (i % 13 === 0 ? Number.NaN : (i * 7) / 59)),
      max: Array.from({ length: intervals }, (_, i) => i / 10),
      count: Array.from({ length: intervals }, () => 60),
      completeness: Array.from({ length: intervals }, (_, i) => (i % 2 === 0 ? 1 : 59 / 60)),
    }));
    // Columns handed back are another page's to overwrite: the writer must have read its last value before.
    const handed: AggregateColumns[] = [];
    const overwrite = (columns: AggregateColumns) => {
      handed.push(columns);
      for (const figure of FIGURES) columns[figure].fill(-1);
    };
    const { text, chunks } = await pageText(series, intervals, null, overwrite);
    expect(chunks).toBeGreaterThan(6);
    expect(text).toBe(expectedText(series, intervals, null));
    expect(handed.map((columns) => columns.length)).toEqual([3 * intervals]);
  });
});
