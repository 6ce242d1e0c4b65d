/** The trends page's pure parts: its URL contract (what other pages link to), the chart model's gaps and shading, the limits' steps. */
import { describe, expect, it } from 'vitest';
import type { Trend } from '../../dashboard/ui/src/api/types.ts';
import { buildModel, limitChangeText, limitSegments, limitsText } from '../../dashboard/ui/src/pages/trends/model.ts';
import { clampedWindow, parseView, spanOf, viewUrl } from '../../dashboard/ui/src/pages/trends/url.ts';

const NO_LIMITS = { lolo: null, lo: null, hi: null, hihi: null };
const bucket = (start: number, value: number) => ({ start, min: value - 1, max: value + 1, avg: value, count: 1 });

function trendOf(series: { buckets: ReturnType<typeof bucket>[]; notGood?: { start: number; count: number }[]; freshForMs?: number | null }[], from = 0, to = 100_000, bucketMs = 1000): Trend {
  return {
    from,
    to,
    bucketMs,
    series: series.map((one, index) => ({
      pointId: `P${index}`,
      unit: 'ppm',
      source: 'raw',
      limits: NO_LIMITS,
      freshForMs: one.freshForMs === undefined ? 3000 : one.freshForMs,
      buckets: one.buckets,
      notGood: one.notGood ?? [],
      limitsAtFrom: NO_LIMITS,
      limitChanges: [],
      limitsRecordedFrom: null,
    })),
    events: [],
    eventsTruncated: false,
  };
}

describe('the trends URL', () => {
  it('reads points with a preset, or a fixed window, and writes the same back', () => {
    expect(parseView({ points: 'GD-1.concentration,XV-1.closed', range: '7d' })).toEqual({ pointIds: ['GD-1.concentration', 'XV-1.closed'], window: { kind: 'live', range: '7d' } });
    const fixed = parseView({ points: 'A', from: '1000', to: '3601000' });
    expect(fixed.window).toEqual({ kind: 'fixed', from: 1000, to: 3_601_000 });
    expect(viewUrl(fixed)).toBe('/trends?points=A&from=1000&to=3601000');
    expect(viewUrl({ pointIds: ['A', 'B'], window: { kind: 'live', range: '10m' } })).toBe('/trends?points=A,B&range=10m');
  });

  it('falls back to the last hour for a missing or unknown range and for a window the server would refuse', () => {
    const lastHour = { kind: 'live', range: '1h' };
    expect(parseView({ points: 'A' }).window).toEqual(lastHour);
    expect(parseView({ points: 'A', range: '2w' }).window).toEqual(lastHour);
    expect(parseView({ points: 'A', from: '1000', to: '2000' }).window).toEqual(lastHour);
    expect(parseView({ points: 'A', from: 'x', to: '3601000' }).window).toEqual(lastHour);
    expect(parseView({}).pointIds).toEqual([]);
    expect(spanOf({ kind: 'live', range: '10m' }, 1_000_000)).toEqual({ from: 400_000, to: 1_000_000 });
  });

  it('widens a zoom under a minute to one minute about its middle', () => {
    expect(clampedWindow(100_000, 110_000)).toEqual({ kind: 'fixed', from: 75_000, to: 135_000 });
  });
});

describe('the chart model', () => {
  it('breaks the line only where good readings are missing for longer than a reading stays current, and shades that as no readings', () => {
    // Fresh for 3 s (a 1 s poll), buckets of 1 s: 2 s without a bucket is spanned, 10 s is a gap.
    const model = buildModel(trendOf([{ buckets: [bucket(0, 1), bucket(2000, 2), bucket(4000, 3), bucket(14_000, 4)] }], 0, 15_000), 15_000);
    expect(model.x).toEqual([0, 2000, 4000, 5000, 14_000]);
    expect(model.columns[0]![0]).toEqual([1, 2, 3, null, 4]);
    expect(model.noReadings).toEqual([{ pointId: 'P0', from: 5000, to: 14_000 }]);
    expect(model.empty).toBe(false);
  });

  it('shades readings that were not good apart from missing ones, and never the part of the window after now', () => {
    const model = buildModel(
      trendOf(
        [
          {
            buckets: [bucket(0, 1)],
            notGood: [
              { start: 1000, count: 1 },
              { start: 2000, count: 1 },
            ],
          },
        ],
        0,
        100_000,
      ),
      3000,
    );
    expect(model.notGood).toEqual([{ pointId: 'P0', from: 1000, to: 3000 }]);
    expect(model.noReadings).toEqual([]);
  });

  it('joins the adjacent periods of each point, with several points interleaved', () => {
    const notGood = [
      { start: 1000, count: 1 },
      { start: 2000, count: 3 },
    ];
    const model = buildModel(
      trendOf(
        [
          { buckets: [bucket(0, 1)], notGood },
          { buckets: [bucket(0, 1)], notGood },
        ],
        0,
        3000,
      ),
      3000,
    );
    expect(model.notGood.map((period) => [period.pointId, period.from, period.to])).toEqual([
      ['P0', 1000, 3000],
      ['P1', 1000, 3000],
    ]);
  });

  it('says empty when no point had a good reading, the whole range then being no readings', () => {
    const model = buildModel(trendOf([{ buckets: [] }, { buckets: [], freshForMs: null }], 0, 60_000), 60_000);
    expect(model.empty).toBe(true);
    expect(model.noReadings.map((period) => [period.pointId, period.from, period.to])).toEqual([
      ['P0', 0, 60_000],
      ['P1', 0, 60_000],
    ]);
  });

  it('holds an on-change value level between its restatements while it is current, and breaks at a silence longer than that', () => {
    // An OPC UA point restated every 5 s, current for 20 s: steady at 1 until it changes to 3 at 12 s, then 28 s silent.
    const buckets = [bucket(0, 1), bucket(5000, 1), bucket(10_000, 1), bucket(12_000, 3), bucket(40_000, 3)];
    const model = buildModel(trendOf([{ buckets, freshForMs: 20_000 }], 0, 60_000), 41_000);
    expect(model.x).toEqual([0, 4000, 5000, 9000, 10_000, 12_000, 13_000, 40_000]);
    // The value before the change holds until the bucket before the next reading: no slope from 1 to 3 over the silence.
    expect(model.columns[0]![0]).toEqual([1, 1, 1, 1, 1, 3, null, 3]);
    expect(model.noReadings).toEqual([{ pointId: 'P0', from: 13_000, to: 40_000 }]);
  });

  it('writes the limits a point has, low to high, for the legend', () => {
    expect(limitsText({ lolo: null, lo: 10, hi: 20, hihi: 40 })).toBe('lo:10,hi:20,hihi:40');
  });
});

describe('the limits as steps', () => {
  const change = (time: number, limit: 'hi' | 'hihi', old: number | null, next: number | null) => ({ time, limit, old, new: next, who: 'sup', why: 'test', kind: 'changed' as const });

  it('holds each limit from the range start and steps at each change of it; a limit that came or went has segments only where it was', () => {
    const series = { limitsAtFrom: { lolo: null, lo: 10, hi: 20, hihi: null }, limitChanges: [change(300, 'hi', 20, 30), change(500, 'hihi', null, 45), change(700, 'hi', 30, null)] };
    const segments = limitSegments(series, 0, 1000);
    expect(segments.lo).toEqual([{ from: 0, to: 1000, value: 10 }]);
    expect(segments.hi).toEqual([
      { from: 0, to: 300, value: 20 },
      { from: 300, to: 700, value: 30 },
    ]);
    expect(segments.hihi).toEqual([{ from: 500, to: 1000, value: 45 }]);
    expect(segments.lolo).toEqual([]);
  });

  it('takes a change at the range start as the value from the start', () => {
    expect(limitSegments({ limitsAtFrom: { lolo: null, lo: null, hi: 20, hihi: null }, limitChanges: [change(0, 'hi', 20, 25)] }, 0, 100).hi).toEqual([{ from: 0, to: 100, value: 25 }]);
  });

  it('says a change in words with its label, a limit that came or went as a dash', () => {
    expect(limitChangeText(change(1, 'hihi', 40, 45), String)).toBe('HH 40 → 45');
    expect(limitChangeText(change(1, 'hi', null, 30), String)).toBe('H — → 30');
  });
});
