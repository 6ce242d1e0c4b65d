/**
 * Trends on the real server in the real agent, real DuckDB file: a spike a few seconds wide survives a year folded into
 * 12 buckets (the bucket's max), the source follows the range (raw readings, the minute rollup, the hourly one), the
 * limits in force and the alarm events of the range come along, readings that were not good are counted per bucket (a
 * sensor fault shows as such, not as a quiet gap), a bad query names its param; every role may read.
 */
import type { AlarmEventRow, RawReadingRow } from '@hazmon/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { DAY_MS, expectRoleMatrix, expectUnauthenticated, GAS, gasSpike, type SignedIn, startSignedIn } from './history-fixture.ts';

let signedIn: SignedIn;

beforeAll(async () => {
  signedIn = await startSignedIn();
  await gasSpike(signedIn.web, signedIn.startedAt);
}, 90_000);

afterAll(async () => {
  await signedIn?.web.close();
});

interface Trend {
  bucketMs: number;
  series: {
    pointId: string;
    source: string;
    unit: string | null;
    limits: Record<string, number | null>;
    buckets: { start: number; min: number; max: number; avg: number; count: number }[];
    notGood: { start: number; count: number }[];
  }[];
  events: AlarmEventRow[];
  eventsTruncated: boolean;
}

async function rawSince(from: number, to = Date.now() + 1000): Promise<readonly RawReadingRow[]> {
  const stored = await signedIn.web.agent.reader.readings(GAS, from, to, { resolution: 'raw' });
  return stored.resolution === 'raw' ? stored.rows : [];
}

const trendPath = (from: number, to: number, buckets: number, points = GAS) => `/api/v1/trends?points=${encodeURIComponent(points)}&from=${from}&to=${to}&buckets=${buckets}`;
const trend = (from: number, to: number, buckets: number, points = GAS) => signedIn.sessions.viewer.request<Trend>('GET', trendPath(from, to, buckets, points));

describe('GET /api/v1/trends', () => {
  it('keeps a single spike through a year of downsampling (max per bucket), from the hourly rollup, with limits and the alarm events', async () => {
    const to = Date.now() + 60_000;
    const from = to - 365 * DAY_MS;
    const answer = await trend(from, to, 12);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const [gas] = answer.body.series;
    expect(gas).toMatchObject({ pointId: GAS, source: '1h', limits: { lolo: null, lo: 10, hi: 20, hihi: 40 } });
    expect(answer.body.bucketMs).toBe(Math.ceil((to - from) / 12));
    expect(gas!.buckets.length).toBeLessThanOrEqual(12);
    const peak = Math.max(...gas!.buckets.map((bucket) => bucket.max));
    expect(peak).toBeGreaterThan(40);
    // The bucket's average is far below the spike: only its max kept it.
    expect(gas!.buckets.find((bucket) => bucket.max === peak)!.avg).toBeLessThan(peak);
    const raised = answer.body.events.filter((event) => event.kind === 'raised').map((event) => event.details?.['alarmId']);
    expect(raised).toEqual(expect.arrayContaining(['GD-1.concentration/lo', 'GD-1.concentration/hihi']));
    expect(answer.body.events.every((event) => event.pointId === GAS)).toBe(true);
    expect(answer.body.eventsTruncated).toBe(false);
  });

  it('reads raw readings for a short range, the minute rollup for days, the hourly one for months; never more buckets than asked', async () => {
    const now = Date.now() + 1000;
    const cases = [
      { span: 30 * 60_000, source: 'raw' },
      { span: 2 * DAY_MS, source: '1m' },
      { span: 60 * DAY_MS, source: '1h' },
    ];
    for (const { span, source } of cases) {
      const answer = await trend(now - span, now, 2000, `${GAS},XV-1.closed`);
      expect(answer.status).toBe(200);
      expect(answer.body.series.map((series) => [series.pointId, series.source])).toEqual([
        [GAS, source],
        ['XV-1.closed', source],
      ]);
      expect(answer.body.bucketMs).toBeGreaterThanOrEqual(span / 2000);
      for (const series of answer.body.series) expect(series.buckets.length).toBeLessThanOrEqual(2000);
    }
    const short = await trend(now - 30 * 60_000, now, 2000);
    expect(Math.max(...short.body.series[0]!.buckets.map((bucket) => bucket.max))).toBeGreaterThan(40);
  });

  it('counts the readings a sensor fault made bad in their buckets, apart from the good ones', async () => {
    const faultFrom = Date.now() - 1000;
    const detector = signedIn.web.plant.site.device('GD-1');
    detector.set('sensorFault', 1);
    await waitFor('a reading that is not good stored', async () => (await rawSince(faultFrom)).some((row) => row.quality !== 'good'), { timeoutMs: 30_000 });
    detector.set('sensorFault', 0);
    await waitFor('a good reading after the fault stored', async () => (await rawSince(faultFrom)).at(-1)?.quality === 'good', { timeoutMs: 30_000 });
    const to = Date.now() + 1000;
    const answer = await trend(to - 30 * 60_000, to, 60);
    expect(answer.status).toBe(200);
    const [gas] = answer.body.series;
    expect(gas!.source).toBe('raw');
    const faulty = gas!.notGood.filter((bucket) => bucket.start + answer.body.bucketMs > faultFrom);
    expect(faulty.length).toBeGreaterThan(0);
    expect(faulty.every((bucket) => bucket.count > 0)).toBe(true);
    // The store's own count of readings that were not good in the range, bucket by bucket summed.
    const stored = await rawSince(to - 30 * 60_000, to);
    expect(gas!.notGood.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(stored.filter((row) => row.quality !== 'good' || row.value === null).length);
  });

  it('names the param of a bad query: an unknown point, a range under a minute or over a year, too many buckets, no from', async () => {
    const now = Date.now();
    const refusals: [string, string][] = [
      [`points=GD-9.none&from=${now - DAY_MS}&to=${now}`, 'points'],
      [`points=${GAS}&from=${now - 1000}&to=${now}`, 'to'],
      [`points=${GAS}&from=${now - 400 * DAY_MS}&to=${now}`, 'to'],
      [`points=${GAS}&from=${now}&to=${now - DAY_MS}`, 'to'],
      [`points=${GAS}&from=${now - DAY_MS}&to=${now}&buckets=2001`, 'buckets'],
      [`points=${GAS}&to=${now}`, 'from'],
    ];
    for (const [query, field] of refusals) {
      const answer = await signedIn.sessions.viewer.request('GET', `/api/v1/trends?${query}`);
      expect(answer, query).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field } } });
    }
  });
});

describe('the route x role matrix', () => {
  const now = Date.now();
  const routes = [{ method: 'GET', path: trendPath(now - DAY_MS, now, 100), roles: ['viewer', 'operator', 'supervisor', 'admin'] }] as const;

  it('answers 401 without a session and 200 to every role, writing no audit row', async () => {
    await expectUnauthenticated(signedIn, routes);
    await expectRoleMatrix(signedIn, routes);
  });
});
