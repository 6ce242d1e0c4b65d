/**
 * Completeness per gateway over a span (shared/dashboard.md): good readings received / readings expected, expected
 * being the span / each point's poll interval, over the points of the gateway's running config that are in service
 * (a point with a disable record is out of service: reported apart, not counted missing). The readings are the sums
 * of the minute aggregates' counts in VictoriaMetrics: one instant query per statistic, its window the span.
 */
import { messageOf } from '@hazmon/errors';
import { HubError } from '../errors.ts';
import type { GatewayPoint } from './reader.ts';

export interface GatewayCompleteness {
  readonly gateway: string;
  /** Points in service with a poll interval, and those out of service (not counted). */
  readonly points: number;
  readonly outOfService: number;
  readonly expected: number;
  readonly received: number;
  readonly good: number;
  /** good / expected, at most 1; null when nothing is expected. */
  readonly completeness: number | null;
}

/** `gateway/point` -> the sum over the window (from, to], minute starts from .. to - 1 minute. */
async function sums(victoriaMetricsUrl: string, metric: string, gateways: readonly string[], from: number, to: number): Promise<Map<string, number>> {
  const matcher = gateways.map((gateway) => gateway.replace(/[\\^$.|?*+()[\]{}-]/g, '\\$&')).join('|');
  const body = new URLSearchParams({ query: `sum_over_time(hazmon_point_${metric}{gateway=~${JSON.stringify(matcher)}}[${to - from}ms])`, time: String((to - 1) / 1000), nocache: '1' });
  let answer: { status?: string; error?: string; data?: { result: { metric: { gateway: string; point: string }; value: [number, string] }[] } };
  try {
    const response = await fetch(`${victoriaMetricsUrl}/api/v1/query`, { method: 'POST', body, signal: AbortSignal.timeout(30_000) });
    answer = (await response.json()) as typeof answer;
  } catch (error) {
    throw new HubError('HAZMON_HUB_VICTORIA_QUERY', `VictoriaMetrics at ${victoriaMetricsUrl}: ${messageOf(error)}`, { cause: error });
  }
  if (answer.status !== 'success' || answer.data === undefined) throw new HubError('HAZMON_HUB_VICTORIA_QUERY', `VictoriaMetrics at ${victoriaMetricsUrl}: ${answer.error ?? 'no data'}`);
  return new Map(answer.data.result.map((series) => [`${series.metric.gateway}/${series.metric.point}`, Number(series.value[1])]));
}

export async function completeness(victoriaMetricsUrl: string, points: readonly GatewayPoint[], from: number, to: number): Promise<GatewayCompleteness[]> {
  const gateways = [...new Set(points.map((point) => point.gateway))];
  if (gateways.length === 0) return [];
  const [counts, goodCounts] = await Promise.all([sums(victoriaMetricsUrl, 'count', gateways, from, to), sums(victoriaMetricsUrl, 'good_count', gateways, from, to)]);
  return gateways.map((gateway) => {
    const own = points.filter((point) => point.gateway === gateway);
    const inService = own.filter((point) => !point.disabled && point.pollIntervalMs !== null && point.pollIntervalMs > 0);
    const sum = (values: Map<string, number>) => inService.reduce((total, point) => total + (values.get(`${gateway}/${point.pointId}`) ?? 0), 0);
    const expected = inService.reduce((total, point) => total + Math.floor((to - from) / point.pollIntervalMs!), 0);
    const good = sum(goodCounts);
    return {
      gateway,
      points: inService.length,
      outOfService: own.length - inService.length,
      expected,
      received: sum(counts),
      good,
      completeness: expected === 0 ? null : Math.min(1, good / expected),
    };
  });
}
