/**
 * Trends: one or several points over 1 minute to 1 year, read from raw readings or rollups as the store's `auto`
 * resolution picks by range, folded into at most `buckets` buckets with min, max and avg (a spike survives), with each
 * point's limits in force now and as they were over the range (limit-history.ts), and the alarm events of the range
 * for those points.
 */
import { type AgentApi, type AlarmEventRow, alarmAreas, CONFIG_LIMIT_HISTORY_LIMIT, type ReadingColumns, THRESHOLD_HISTORY_LIMIT } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { downsample, notGoodBuckets } from '../downsample.ts';
import { ApiError } from '../errors.ts';
import { checkSpan, DAY_MS, epochMs, HOUR_MS, MINUTE_MS } from '../query-params.ts';
import { limitRecordsOf, limitsOverRange } from '../limit-history.ts';
import { AlarmEventSchema } from '../schemas.ts';
import { errorResponses, json, SESSION_SECURITY } from './openapi.ts';
import { pointMetadataOf } from './points.ts';
import { ThresholdHistorySchema } from './thresholds.ts';

const TREND_LIMITS = { maxPoints: 20, maxBuckets: 2000, defaultBuckets: 500, minSpanMs: MINUTE_MS, maxSpanMs: 366 * DAY_MS, maxEvents: 5000 } as const;
/** Raw rows read per point at most; a range with more (a fast poll over hours) is read from the 1-minute rollup instead. */
const MAX_RAW_ROWS = 200_000;
const EVENT_PAGE = 1000;
/** The time one source row covers: a bucket is never finer. */
const ROW_WIDTH_MS: Readonly<Record<ReadingColumns['resolution'], number>> = { raw: 1, '1m': MINUTE_MS, '1h': HOUR_MS, '1d': DAY_MS };

const TrendsQuery = z
  .strictObject({
    points: z
      .string()
      .min(1)
      .max(4000)
      .refine((text) => text.split(',').length <= TREND_LIMITS.maxPoints, `at most ${TREND_LIMITS.maxPoints} points`)
      .openapi({ description: 'Point ids, comma-separated', example: 'GD-1.concentration' }),
    from: epochMs.openapi({ description: 'Start, epoch ms UTC (inclusive)' }),
    to: epochMs.openapi({ description: 'End, epoch ms UTC (exclusive): 1 minute to 366 days after from' }),
    buckets: z
      .string()
      .regex(/^[1-9][0-9]{0,3}$/, `a whole number 1..${TREND_LIMITS.maxBuckets}`)
      .refine((text) => Number(text) <= TREND_LIMITS.maxBuckets, `at most ${TREND_LIMITS.maxBuckets}`)
      .optional()
      .openapi({ description: `Buckets at most, default ${TREND_LIMITS.defaultBuckets}` }),
  })
  .superRefine(checkSpan(TREND_LIMITS.minSpanMs, TREND_LIMITS.maxSpanMs));

const source = z.enum(['raw', '1m', '1h', '1d']);
const limit = z.number().nullable();
const limitSet = z.object({ lolo: limit, lo: limit, hi: limit, hihi: limit });

const LimitChangeSchema = ThresholdHistorySchema.omit({ pointId: true }).openapi('TrendLimitChange');

export const TrendSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    bucketMs: z.number().int().openapi({ description: 'Bucket width: the range / buckets, never finer than the source rows' }),
    series: z.array(
      z.object({
        pointId: z.string(),
        unit: z.string().nullable(),
        source: source.openapi({ description: 'What the buckets were folded from: raw readings or a rollup' }),
        limits: z.object({ lolo: limit, lo: limit, hi: limit, hihi: limit }).openapi({ description: 'The limits in force (explicit over preset); null where none' }),
        freshForMs: z.number().nullable().openapi({
          description:
            "How long a reading stays current, ms (the points' freshForMs): a value holds until the next reading within it (an OPC UA point reports changes only and is restated once per keep-alive period); a longer silence is a gap",
        }),
        buckets: z
          .array(z.object({ start: z.number(), min: z.number(), max: z.number(), avg: z.number(), count: z.number().int() }))
          .openapi({ description: 'Buckets with good readings only, oldest first' }),
        notGood: z
          .array(z.object({ start: z.number(), count: z.number().int() }))
          .openapi({ description: 'Buckets holding readings that were bad or uncertain, with how many, oldest first: a bucket in neither list had no reading at all' }),
        limitsAtFrom: limitSet.openapi({
          description:
            "The limits in force at `from`: `limits` with the changes since `from` undone (the agent's records of them: the run-time threshold changes, GET /api/v1/threshold-changes, and the config file's, audited as `config_reload` or `limits_changed_at_start` rows)",
        }),
        limitChanges: z.array(LimitChangeSchema).openapi({
          description:
            "The limit changes with time in [from, to), oldest first: from `limitsAtFrom` each moves one limit, so the limits in force step at each. A person's threshold change, its retirement, and a change the config file made (a reload, or a start on a file edited while the agent was down: kind config_file; those made before the agent recorded their values are not known)",
        }),
        limitsRecordedFrom: z
          .number()
          .nullable()
          .openapi({
            description: `Null when the records of changes reach back to \`from\`; else the time from which both are whole (the run-time changes keep the site's last ${THRESHOLD_HISTORY_LIMIT}, the config file's its last ${CONFIG_LIMIT_HISTORY_LIMIT}): \`limitsAtFrom\` is then only known to be right from that time on`,
          }),
      }),
    ),
    events: z.array(AlarmEventSchema),
    eventsTruncated: z.boolean().openapi({ description: `More than ${TREND_LIMITS.maxEvents} alarm events in the range: the first ones are given` }),
  })
  .openapi('Trend');

/**
 * The store's choice by range ('auto'); a raw read past the row cap is read again from the 1-minute rollup. Rollup rows
 * as columns: they are folded into buckets at once, and a year of hours as objects brought on full GCs.
 */
async function readingsOf(api: AgentApi, pointId: string, from: number, to: number): Promise<ReadingColumns> {
  const result = await api.reader.readingColumns(pointId, from, to, { resolution: 'auto', limit: MAX_RAW_ROWS });
  if (result.resolution === 'raw' && result.rows.length >= MAX_RAW_ROWS) return api.reader.readingColumns(pointId, from, to, { resolution: '1m' });
  return result;
}

async function eventsOf(api: AgentApi, pointIds: readonly string[], from: number, to: number): Promise<{ events: AlarmEventRow[]; truncated: boolean }> {
  const events: AlarmEventRow[] = [];
  for (;;) {
    const page = await api.reader.alarmEventsInRange({ from, to, pointIds, afterSeq: events.at(-1)?.seq ?? 0, limit: EVENT_PAGE });
    events.push(...page);
    if (events.length > TREND_LIMITS.maxEvents) return { events: events.slice(0, TREND_LIMITS.maxEvents), truncated: true };
    if (page.length < EVENT_PAGE) return { events, truncated: false };
  }
}

export function registerTrendRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/trends',
      summary: 'Trends of one or several points over 1 minute to 1 year, min / max / avg per bucket, with limits and alarm events',
      description: `Roles: ${ROLES.read.join(', ')}.`,
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { query: TrendsQuery },
      responses: { 200: { description: 'The trend', content: json(TrendSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api } = contextOf();
      const query = c.req.valid('query');
      const pointIds = [...new Set(query.points.split(','))];
      // The asked points' facts alone: after a start or a reload, the whole plant's are not built on this request's turn.
      const metadata = pointMetadataOf(api.config, pointIds);
      const unknown = pointIds.find((id) => !metadata.has(id));
      if (unknown !== undefined) throw new ApiError('HAZMON_API_INVALID', `points: no point ${unknown}`, 'points');
      const freshness = api.pointFreshness(pointIds);
      const from = Number(query.from);
      const to = Number(query.to);
      const buckets = Number(query.buckets ?? TREND_LIMITS.defaultBuckets);
      const records = limitRecordsOf(pointIds, api.thresholdOverview().history, api.configLimitChanges());
      const series = [];
      let bucketMs = Math.ceil((to - from) / buckets);
      for (const pointId of pointIds) {
        const readings = await readingsOf(api, pointId, from, to);
        bucketMs = Math.max(bucketMs, ROW_WIDTH_MS[readings.resolution]);
        const { unit, thresholds } = metadata.get(pointId)!;
        series.push({
          pointId,
          unit,
          source: readings.resolution,
          limits: thresholds,
          freshForMs: freshness.get(pointId) ?? null,
          readings,
          asWere: limitsOverRange(thresholds, records.byPoint.get(pointId) ?? [], records.wholeFrom, from, to),
        });
      }
      const { events, truncated } = await eventsOf(api, pointIds, from, to);
      const areas = alarmAreas(api.config);
      return c.json(
        {
          from,
          to,
          bucketMs,
          series: series.map(({ readings, asWere, ...rest }) => ({
            ...rest,
            buckets: downsample(readings, from, bucketMs),
            notGood: notGoodBuckets(readings, from, bucketMs),
            ...asWere,
          })),
          events: events.map((event) => ({ ...event, areas: [...areas.ofEvent(event.pointId, event.ruleId)] })),
          eventsTruncated: truncated,
        },
        200,
      );
    },
  );
}
