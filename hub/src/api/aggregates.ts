/**
 * A gateway's points' aggregates per bucket (1m, 1h, 1d, aligned to UTC), answered by VictoriaMetrics from the
 * minute series the ingest writes (`hazmon_point_{min,avg,max,count,good_count}`, each sample at its minute's start).
 *
 * Each statistic is a MetricsQL rollup evaluated at the bucket's end with `offset 1ms`: the window (end - bucket -
 * 1ms, end - 1ms] holds exactly the bucket's minute starts. The average is weighted by good readings (a minute of 60
 * readings weighs more than one of 6): the sum of avg x good_count over the bucket, each minute's product taken from
 * that minute alone (`[59s]` lookbehinds: a missing minute adds nothing), divided by the good readings' sum.
 */
import { messageOf } from '@hazmon/errors';
import { HubError } from '../errors.ts';

export const INTERVALS = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type Interval = keyof typeof INTERVALS;

export interface AggregateBucket {
  /** The bucket's start, epoch ms UTC. */
  readonly t: number;
  /** Over good readings; null when the bucket had none. */
  readonly min: number | null;
  readonly avg: number | null;
  readonly max: number | null;
  /** Readings received (any quality), and good ones among them. */
  readonly count: number;
  readonly goodCount: number;
}

export interface PointAggregates {
  readonly pointId: string;
  readonly buckets: AggregateBucket[];
}

interface AggregateQuery {
  readonly gateway: string;
  /** Every point of the gateway when absent. */
  readonly points?: readonly string[] | undefined;
  /** Aligned to the interval: the first bucket's start and the last one's end. */
  readonly from: number;
  readonly to: number;
  readonly interval: Interval;
}

/** A MetricsQL string literal. */
function literal(text: string): string {
  return JSON.stringify(text);
}

function selector(metric: string, query: AggregateQuery): string {
  const points = query.points === undefined ? '' : `,point=~${literal(query.points.map((point) => point.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|'))}`;
  return `hazmon_point_${metric}{gateway=${literal(query.gateway)}${points}}`;
}

function statisticQueries(query: AggregateQuery) {
  const window = `[${query.interval}] offset 1ms`;
  const minuteOf = (metric: string) => `last_over_time(${selector(metric, query)}[59s])`;
  const goodCount = `sum_over_time(${selector('good_count', query)}${window})`;
  return {
    min: `min_over_time(${selector('min', query)}${window})`,
    // A one-minute bucket's average is the gateway's own, to the bit.
    avg:
      query.interval === '1m' ? `max_over_time(${selector('avg', query)}${window})` : `sum_over_time((${minuteOf('avg')} * ${minuteOf('good_count')})[${query.interval}:1m] offset 1ms) / ${goodCount}`,
    max: `max_over_time(${selector('max', query)}${window})`,
    count: `sum_over_time(${selector('count', query)}${window})`,
    goodCount,
  } as const;
}

type Statistic = keyof ReturnType<typeof statisticQueries>;

interface RangeResult {
  readonly status: string;
  readonly data?: { readonly result: { readonly metric: { readonly point?: string }; readonly values: [number, string][] }[] };
  readonly error?: string;
}

async function queryRange(victoriaMetricsUrl: string, expression: string, query: AggregateQuery): Promise<Map<string, Map<number, number>>> {
  const step = INTERVALS[query.interval];
  // Evaluated at each bucket's end; nocache: VictoriaMetrics would otherwise align start to its own step multiples.
  const body = new URLSearchParams({ query: expression, start: String((query.from + step) / 1000), end: String(query.to / 1000), step: `${step / 1000}s`, nocache: '1' });
  let response: Response;
  try {
    response = await fetch(`${victoriaMetricsUrl}/api/v1/query_range`, { method: 'POST', body, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new HubError('HAZMON_HUB_VICTORIA_QUERY', `VictoriaMetrics at ${victoriaMetricsUrl}: ${messageOf(error)}`, { cause: error });
  }
  const answer = (await response.json().catch(() => ({ status: 'error', error: `HTTP ${response.status}` }))) as RangeResult;
  if (!response.ok || answer.status !== 'success' || answer.data === undefined) {
    throw new HubError('HAZMON_HUB_VICTORIA_QUERY', `VictoriaMetrics at ${victoriaMetricsUrl}: ${answer.error ?? `HTTP ${response.status}`}`);
  }
  const byPoint = new Map<string, Map<number, number>>();
  for (const series of answer.data.result) {
    const values = new Map<number, number>();
    // A bucket without good readings divides 0 by 0: no average, as when the minutes had none.
    for (const [seconds, value] of series.values) if (Number.isFinite(Number(value))) values.set(Math.round(seconds * 1000) - step, Number(value));
    byPoint.set(series.metric.point ?? '', values);
  }
  return byPoint;
}

/**
 * VictoriaMetrics refuses a query whose series would hold more than `-search.maxPointsPerTimeseries` points (30,000 by
 * default), and the weighted average's one-minute subquery holds one per minute: 20.8 days. A longer span is asked in
 * parts of 20 days (a whole number of buckets of every interval), one after the other.
 */
const PART_MS = 20 * INTERVALS['1d'];

/** Each point's buckets that hold at least one minute, oldest first; points in name order. */
export async function queryAggregates(victoriaMetricsUrl: string, query: AggregateQuery): Promise<PointAggregates[]> {
  const byPoint = new Map<string, AggregateBucket[]>();
  for (let from = query.from; from < query.to; from += PART_MS) {
    for (const { pointId, buckets } of await queryPart(victoriaMetricsUrl, { ...query, from, to: Math.min(query.to, from + PART_MS) })) {
      const kept = byPoint.get(pointId);
      if (kept) kept.push(...buckets);
      else byPoint.set(pointId, buckets);
    }
  }
  return [...byPoint.keys()].sort().map((pointId) => ({ pointId, buckets: byPoint.get(pointId)! }));
}

async function queryPart(victoriaMetricsUrl: string, query: AggregateQuery): Promise<PointAggregates[]> {
  const queries = statisticQueries(query);
  const statistics = Object.keys(queries) as Statistic[];
  const results = await Promise.all(statistics.map((statistic) => queryRange(victoriaMetricsUrl, queries[statistic], query)));
  const of = Object.fromEntries(statistics.map((statistic, index) => [statistic, results[index]!])) as Record<Statistic, Map<string, Map<number, number>>>;
  return [...of.count.keys()].sort().map((pointId) => {
    const at = (statistic: Statistic, t: number) => of[statistic].get(pointId)?.get(t) ?? null;
    const buckets = [...of.count.get(pointId)!.keys()]
      .sort((a, b) => a - b)
      .map((t) => ({ t, min: at('min', t), avg: at('avg', t), max: at('max', t), count: at('count', t) ?? 0, goodCount: at('goodCount', t) ?? 0 }));
    return { pointId, buckets };
  });
}
