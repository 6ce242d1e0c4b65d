/** Queries and answers of the regulator pull API (zod, so the requests are validated and the document generated from the same declarations). */
import { AREA_KINDS, WARNING_GRADES } from '@hazmon/agent';
import { quote } from '@hazmon/errors';
import { z } from '@hono/zod-openapi';
import { PointSchema } from '../schemas.ts';

const grade = z.enum(WARNING_GRADES).openapi({ description: 'The highest colour of the active in-service alarms; normal without one' });

export const SiteSchema = z
  .object({
    enterprise: z.object({ code: z.string(), name: z.string() }).nullable(),
    site: z.object({
      id: z.string(),
      name: z.string(),
      gatewayCode: z.string().nullable(),
      timeZone: z.string().openapi({ description: 'IANA time zone the dashboard shows times in (times in the API are UTC)', example: 'Asia/Shanghai' }),
    }),
    plan: z
      .object({ url: z.string().openapi({ example: '/api/v1/site/plan' }), width: z.number(), height: z.number() })
      .nullable()
      .openapi({ description: 'The site plan: its image and its size in plan units (point positions are in them, from the top left); null without one' }),
    warningGrade: grade,
    areas: z.array(
      z.object({
        id: z.string(),
        name: z.string().nullable(),
        kind: z.enum(AREA_KINDS).nullable().openapi({ description: 'The preset of the area, null without one' }),
        hazardSourceCode: z.string().nullable(),
        warningGrade: grade,
      }),
    ),
    majorHazard: z
      .object({ r: z.number(), grade: z.number().int().min(1).max(4).openapi({ description: 'R >= 100: 1; 50-100: 2; 10-50: 3; < 10: 4' }) })
      .nullable()
      .openapi({ description: 'From site.majorHazard; null when the config has no inventories' }),
    time: z.number().openapi({ description: 'When the grades were taken, epoch ms UTC' }),
  })
  .openapi('Site');

const DeviceSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['modbus', 'opcua']),
    comms: z.enum(['ok', 'comms_loss', 'refusing_requests']),
    lastGoodReadingAt: z.number().nullable().openapi({ description: 'The latest receive time of a good reading of any of its points since start, kept through a comms loss' }),
    disconnections: z.number().int().openapi({ description: 'Comms losses that began in the period' }),
    offlineHours: z.number().openapi({ description: 'Hours of the period in comms loss' }),
    counters: z
      .object({ requests: z.number(), responses: z.number(), timeouts: z.number(), exceptions: z.number(), connectionErrors: z.number() })
      .nullable()
      .openapi({ description: 'Modbus request counters since start; null for OPC UA' }),
    faults: z
      .array(z.object({ pointId: z.string(), quality: z.string(), reason: z.string().nullable(), message: z.string().nullable() }))
      .openapi({ description: 'Its points whose latest reading is not good, with the reason' }),
    sensorLifeHours: z.number().nullable().openapi({ description: 'Remaining sensor life the device reports; null where it reports none' }),
    upkeep: z
      .object({ bumpTestDue: z.number().nullable(), calibrationDue: z.number().nullable(), overdue: z.boolean() })
      .nullable()
      .openapi({ description: "A detector's next bump test and calibration (epoch ms UTC) and whether either is overdue (GET /api/v1/upkeep); null for other devices" }),
  })
  .openapi('Device');

export const DeviceListSchema = z
  .object({ period: z.object({ from: z.string(), to: z.string() }).openapi({ description: 'The period of disconnections and offlineHours, ISO 8601 UTC' }), devices: z.array(DeviceSchema) })
  .openapi('DeviceList');

/**
 * A UTC instant as ISO 8601 with Z or an offset. A refusal quotes the value as the server got it and says the form
 * wanted: zod's own "Invalid ISO datetime" left an analyst who wrote `+08:00` (which a query string reads as a space)
 * or a bare date guessing what was wrong.
 */
export const instant = z.iso
  .datetime({
    offset: true,
    error: (issue) =>
      `${quote(issue.input)} is not an ISO 8601 time with Z or an offset, e.g. 2026-01-01T00:00:00Z or 2026-01-01T08:00:00+08:00${typeof issue.input === 'string' && issue.input.includes(' ') ? ' (a "+" in a URL\'s query reads as a space: write it %2B)' : ''}`,
  })
  .openapi({ example: '2026-01-01T00:00:00Z' });

export const DEVICE_PERIOD_DEFAULT_DAYS = 30;
export const DEVICE_PERIOD_MAX_DAYS = 366;

export const DevicesQuery = z.strictObject({
  from: instant.optional().openapi({ description: `Start of the period; default ${DEVICE_PERIOD_DEFAULT_DAYS} days before to` }),
  to: instant.optional().openapi({ description: `End of the period (excluded, at most now); default now; at most ${DEVICE_PERIOD_MAX_DAYS} days after from` }),
});

export const AGGREGATE_INTERVALS = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
/**
 * Rows a page holds: default 1,000; at most 60,000, an hour of 1,000 points at 1 min (~10 MB of JSON) in one request:
 * each page is a grid query of its own, so six pages of 10,000 took the store ~3x the time of one of 60,000.
 */
export const AGGREGATE_PAGE = { default: 1000, max: 60_000 } as const;

export const AggregatesQuery = z.strictObject({
  points: z.string().max(100_000).optional().openapi({ description: 'Point ids, comma-separated; all points when left out' }),
  interval: z.enum(['1m', '1h', '1d']),
  from: instant.openapi({ description: 'Start, a whole interval in UTC (e.g. on the hour for 1h)' }),
  to: instant.openapi({ description: 'End (excluded), a whole number of intervals after from' }),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,4}$/, `a whole number 1..${AGGREGATE_PAGE.max}`)
    .refine((text) => Number(text) <= AGGREGATE_PAGE.max, `at most ${AGGREGATE_PAGE.max}`)
    .optional()
    .openapi({ description: `Rows per page at most (points x buckets), default ${AGGREGATE_PAGE.default}` }),
  shape: z.enum(['rows', 'series']).optional().openapi({
    description:
      "rows (default): one object per point and bucket. series: per point, one array per figure over the page's buckets (from, to), a fifth of the bytes for many buckets; the same values and paging",
  }),
});

const AggregateSchema = z
  .object({
    pointId: z.string(),
    start: z.string().openapi({ description: 'Bucket start, ISO 8601 UTC' }),
    min: z.number().nullable(),
    avg: z.number().nullable(),
    max: z.number().nullable(),
    count: z.number().int(),
    completeness: z.number().min(0).max(1).openapi({ description: 'Good readings / expected readings (bucket length / poll interval), capped at 1' }),
  })
  .openapi('Aggregate');

export const AggregatePageSchema = z
  .object({
    interval: z.enum(['1m', '1h', '1d']),
    rows: z.array(AggregateSchema),
    asOf: z.string().openapi({
      description: "The gateway's time (ISO 8601 UTC) when the page was read: a bucket ending after it was still filling, and its completeness counts against the whole bucket",
    }),
    next: z.string().nullable().openapi({ description: 'Pass as `from` (same `to`) for the next page; null on the last' }),
  })
  .openapi('AggregatePage');

const AggregateSeriesSchema = z
  .object({
    pointId: z.string(),
    min: z.array(z.number().nullable()),
    avg: z.array(z.number().nullable()),
    max: z.array(z.number().nullable()),
    count: z.array(z.number().int()),
    completeness: z.array(z.number().min(0).max(1)),
  })
  .openapi('AggregateSeries', { description: "A point's figures over the page's buckets, one array entry per bucket from the page's from on" });

export const AggregateSeriesPageSchema = z
  .object({
    interval: z.enum(['1m', '1h', '1d']),
    from: z.string().openapi({ description: "The page's first bucket start, ISO 8601 UTC" }),
    to: z.string().openapi({ description: "The end of the page's last bucket (excluded), ISO 8601 UTC" }),
    series: z.array(AggregateSeriesSchema),
    asOf: z.string().openapi({
      description: "The gateway's time (ISO 8601 UTC) when the page was read: a bucket ending after it was still filling, and its completeness counts against the whole bucket",
    }),
    next: z.string().nullable().openapi({ description: 'Pass as `from` (same `to`) for the next page; null on the last' }),
  })
  .openapi('AggregateSeriesPage');

export const EXPORT_MAX_DAYS = 31;

/** Point-intervals an aggregates export holds at most (the store's cap): ~60 bytes of CSV each. */
export const EXPORT_MAX_AGGREGATE_CELLS = 10_000_000;

export const ExportQuery = z.strictObject({
  what: z.enum(['readings', 'aggregates', 'alarm_events']).openapi({
    description: `aggregates: the rows of GET /api/v1/aggregates (point_id, start_ms, end_ms, min, avg, max, count, good_count, completeness) by interval then point, in one file instead of pages; at most ${EXPORT_MAX_AGGREGATE_CELLS} point-intervals`,
  }),
  format: z.enum(['csv', 'parquet']),
  from: instant,
  to: instant.openapi({ description: `End (excluded); at most ${EXPORT_MAX_DAYS} days after from` }),
  points: z.string().max(100_000).optional().openapi({ description: 'Readings and aggregates: point ids, comma-separated; all points when left out' }),
  interval: z.enum(['1m', '1h', '1d']).optional().openapi({ description: 'Aggregates (required there): the bucket; from and to whole buckets in UTC' }),
});

const threshold = z.number().nullable();

export const RegulatorPointSchema = PointSchema.extend({
  gas: z.string().nullable().openapi({ description: "The gas of the point's preset" }),
  thresholds: z
    .object({ lolo: threshold, lo: threshold, hi: threshold, hihi: threshold })
    .openapi({ description: "The limits in force (the config's rules, explicit over the preset's, threshold overrides laid over them), low-low / low / high / high-high; null where none" }),
  description: z.string().nullable(),
  indicatorCode: z.string().nullable().openapi({ description: 'TARGET_CODE' }),
  equipmentCode: z.string().nullable().openapi({ description: 'EQUIP_CODE' }),
  gatewayCode: z.string().nullable().openapi({ description: 'GATEWAY_CODE' }),
  tagNumber: z.string().nullable().openapi({ description: 'BIT_NO' }),
  range: z
    .tuple([z.number(), z.number()])
    .nullable()
    .openapi({ minItems: 2, maxItems: 2, description: "The measuring range [low, high] (LOW_VALUE..TOP_VALUE): the config's, else the device point's" }),
  longitude: z.number().nullable(),
  latitude: z.number().nullable(),
  hazardSourceCode: z.string().nullable(),
  casNumber: z.string().nullable(),
  pollIntervalMs: z.number().nullable().openapi({
    description:
      "Expected spacing of readings, ms: a Modbus point's poll interval; an OPC UA point's keep-alive period (reported on change, a steady value restated once per period). Completeness counts against it",
  }),
  freshForMs: z.number().nullable().openapi({
    description:
      "How long a reading stays current after its receiveTime, ms: the agent's rule (a few polls; for OPC UA, which reports changes only, the keep-alive periods its connection tolerates; never past the point's staleS). Older is stale",
    example: 3000,
  }),
  resolution: z.number().nullable().openapi({ description: 'The step values are stored at (0.1: one decimal; 1 for booleans and whole numbers): show values at it', example: 0.1 }),
  position: z.object({ x: z.number(), y: z.number() }).nullable().openapi({ description: 'On the site plan, in plan units from its top left; null when not placed' }),
  disabled: z.object({ by: z.string(), at: z.number(), reason: z.string() }).nullable().openapi({ description: "The config's disable record of the point (STOP_PSN, STOP_TIME, STOP_REMARK)" }),
  outOfService: z
    .array(z.object({ alarmId: z.string(), by: z.string().nullable(), at: z.number(), reason: z.string().nullable() }))
    .openapi({ description: 'Its alarms out of service: who took each out, when, why (the disable record)' }),
}).openapi('RegulatorPoint');

export const RegulatorPointListSchema = z.object({ points: z.array(RegulatorPointSchema) }).openapi('PointList');

/** What changes with every reading or alarm-mode change; the rest of a point's entry changes only with the config. */
const LIVE_FIELDS = { outOfService: true, value: true, quality: true, reason: true, sourceTime: true, receiveTime: true } as const;
export const PointFixedListSchema = z.object({ points: z.array(RegulatorPointSchema.omit(LIVE_FIELDS).openapi('PointFixed')) }).openapi('PointFixedList');
export const PointLiveListSchema = z.object({ points: z.array(RegulatorPointSchema.pick({ id: true, ...LIVE_FIELDS }).openapi('PointLive')) }).openapi('PointLiveList');

export const PointsQuery = z.strictObject({
  fields: z.enum(['all', 'fixed', 'live']).optional().openapi({
    description:
      'all (default): every field. fixed: what changes only with the config (metadata, thresholds, indicator codes, position), with an ETag to send back as If-None-Match (304 while unchanged). live: the id and the latest value, quality, reason, times and out-of-service alarms',
  }),
});
