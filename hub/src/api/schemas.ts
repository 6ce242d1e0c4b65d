/** The regulator API's params and answers as zod schemas: the routes validate with them and the OpenAPI document comes from them. */
import { checkSpan, DAY_MS, epochMs, filterText, MINUTE_MS, pageSize } from '@hazmon/dashboard/http-kit';
import { z } from '@hono/zod-openapi';
import { INTERVALS } from './aggregates.ts';
import { EXPORT_KINDS } from './export.ts';
import { AUDIT_CHAIN_PROBLEMS } from '../audit-chain.ts';
import { REFUSAL_KINDS } from './reader.ts';
import { DEVICES_PERIOD_DAYS, MAX_DEVICE_FAULTS, UPLINK_KINDS, WARNING_GRADES } from '@hazmon/uplink/contract';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'HAZMON_API_INVALID' }),
      message: z.string().openapi({ example: 'region: a prefix of an administrative code: 2 to 12 digits' }),
      field: z.string().optional().openapi({ description: 'The offending param or header', example: 'region' }),
    }),
  })
  .openapi('Error');

const gateway = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a gateway code (letters, digits, _ -)')
  .openapi({ description: "A gateway's code, as it names its uplink subjects", example: 'GW-1101100012NR-01' });

/** The filters every regulator list takes. */
const siteFilter = {
  gateway: gateway.optional(),
  enterprise: z.string().min(1).max(64).optional().openapi({ description: "The enterprise's code, exactly", example: '1101100012NR' }),
  region: z
    .string()
    .regex(/^[0-9]{2,12}$/, 'a prefix of an administrative code: 2 to 12 digits')
    .optional()
    .openapi({ description: 'Enterprises whose code (keyed by the administrative code) starts with it: 11 a province, 1101 a city, 110110 a county', example: '1101' }),
};

export const SitesQuery = z.strictObject(siteFilter);

const LinkScoreSchema = z.object({
  onlineHours: z.number().openapi({ description: 'Hours with at least one NATS connection of the gateway open' }),
  offlineHours: z.number().openapi({ description: 'Hours without: silence, the hub not listening and a gateway never heard from included' }),
  disconnections: z.number().int().openapi({ description: 'Times the gateway went from connected to not (a reconnect overlapping the old connection is none)' }),
});

const SiteSchema = z
  .object({
    gateway: z.string(),
    site: z
      .object({
        id: z.string(),
        name: z.string(),
        timeZone: z.string(),
        enterprise: z.object({ code: z.string(), name: z.string() }).nullable(),
      })
      .nullable()
      .openapi({ description: 'As the gateway last sent it; null before its first site message' }),
    points: z.number().int().openapi({ description: "Points in the gateway's running config" }),
    location: z
      .object({
        longitude: z.number(),
        latitude: z.number(),
        points: z.number().int().openapi({ description: 'How many points have both coordinates' }),
      })
      .nullable()
      .openapi({ description: "Where the site is, WGS 84 degrees: the centroid of its points' longitude/latitude (the site message carries none); null when no point has both" }),
    warningGrade: z.enum(WARNING_GRADES).nullable().openapi({
      description:
        "The gateway's own live warning grade from its latest health message (as its /api/v1/site gives it: in-service active alarms, a latched or discrepant shut-off red); from a gateway that does not send it, the colour of that message's highest active-alarm priority (see `warningGradeFrom`); null before the first health. Read with `online`: an offline gateway's is its last word",
    }),
    warningGradeFrom: z
      .enum(['gateway', 'activeAlarms'])
      .nullable()
      .openapi({ description: "`gateway`: its own grade; `activeAlarms`: the hub's estimate for a gateway that does not send it; null before the first health" }),
    areaGrades: z.record(z.string(), z.enum(WARNING_GRADES)).openapi({ description: "The gateway's warning grade per configured area (its own); empty when it sends none" }),
    majorHazardGrade: z
      .object({
        r: z.number().openapi({ description: 'R = alpha * sum(beta_i q_i / Q_i) of the configured inventory' }),
        grade: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).openapi({ description: '1 (R >= 100), 2 (50-100), 3 (10-50), 4 (< 10)' }),
      })
      .nullable()
      .openapi({
        description: "The major-hazard grade from the gateway's configured inventory, as its latest health message carries it; null without an inventory or before a health message with grades",
      }),
    online: z.boolean().openapi({ description: 'A message from the gateway reached the hub within the offline threshold (hub config `api.offlineAfterS`)' }),
    link: LinkScoreSchema.extend({ connected: z.boolean().openapi({ description: 'A NATS connection of the gateway open now' }) })
      .nullable()
      .openapi({ description: "The gateway's NATS link over the last 24 hours (as in /api/v1/link-health); null when the hub has no NATS system user (`nats.system`)" }),
    refusals: z.number().int().openapi({ description: "What NATS refused the gateway's user in the last 24 hours (/api/v1/refusals)" }),
    auditChain: z
      .object({
        verifiedThrough: z.number().int().openapi({ description: 'The last audit seq of the unbroken chain from seq 1, each row hashed and linked as the gateway made it' }),
        received: z.number().int().openapi({ description: 'The highest audit seq the hub has; above verifiedThrough with no problem, the rows after a missing one wait for it' }),
        problem: z
          .object({
            seq: z.number().int(),
            problem: z.enum(AUDIT_CHAIN_PROBLEMS).openapi({
              description:
                '`content_changed`: a row whose hash is not that of its content; `chain_broken`: a row not linked to the one before; `rewritten`: a row sent again with another hash than the one the hub kept',
            }),
            message: z.string(),
          })
          .nullable()
          .openapi({ description: 'The first problem the hub met: the check stops there (what follows a broken link proves nothing)' }),
      })
      .nullable()
      .openapi({ description: "The gateway's audit hash chain as the hub checked it on arrival, from its own copy; null before any audit row" }),
    rejected: z
      .number()
      .int()
      .openapi({ description: "The gateway's messages the hub refused in the last 24 hours, by the hub's receipt: they broke the uplink contract, so their data is not here (/api/v1/rejections)" }),
    lastMessageAt: z.number().nullable().openapi({ description: "The hub's receipt time of the gateway's latest health, site or event message, epoch ms UTC" }),
    health: z
      .object({
        time: z.number().openapi({ description: "By the gateway's clock, epoch ms UTC" }),
        receivedAt: z.number().openapi({ description: "By the hub's clock" }),
        healthy: z.boolean(),
        alive: z.boolean(),
        reasons: z.array(z.string()),
        activeAlarms: z.record(z.string(), z.number()).openapi({ description: 'Active alarms by priority' }),
      })
      .nullable(),
  })
  .openapi('Site');

export const SiteListSchema = z
  .object({
    sites: z.array(SiteSchema).openapi({
      description:
        'Graded supervision order: red, orange, yellow, blue, then silent gateways (offline or no health yet), then normal; within each by major-hazard grade (1 first, none last), then gateway code',
    }),
  })
  .openapi('SiteList');

export const EVENT_PAGE = { default: 100, max: 1000 } as const;

/** A hub id as a cursor param (a stream sequence): `what` names it in the error. */
const hubId = (what: string) => z.string().regex(/^(0|[1-9][0-9]{0,15})$/, `${what} (a whole number >= 0)`);
const eventId = hubId('an event id');
/** `after`, the cursor of a list read oldest first: the id of the last `what` the client has. */
const afterCursor = (what: string) =>
  hubId(`${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} id`)
    .optional()
    .openapi({ description: `The id of the last ${what} you have (the \`next\` of the previous page); 0 or none from the start` });

export const AlarmEventsQuery = z
  .strictObject({
    order: z
      .enum(['asc', 'desc'])
      .default('asc')
      .openapi({ description: '`asc` (default): ids after `after`, oldest first, for reading every event; `desc`: ids before `before`, newest first, for a person looking back' }),
    after: eventId.optional().openapi({ description: 'With order=asc: the id of the last event you have (the `next` of the previous page); 0 or none from the start' }),
    before: eventId.optional().openapi({ description: 'With order=desc: the `next` of the previous page; none from the newest' }),
    limit: pageSize(EVENT_PAGE.max, EVENT_PAGE.default),
    ...siteFilter,
  })
  .superRefine((query, context) => {
    if (query.order === 'asc' && query.before !== undefined) context.addIssue({ code: 'custom', path: ['before'], message: 'only with order=desc (oldest first pages by after)' });
    if (query.order === 'desc' && query.after !== undefined) context.addIssue({ code: 'custom', path: ['after'], message: 'only with order=asc (newest first pages by before)' });
  });

const HubEventSchema = z
  .object({
    id: z.number().int().openapi({ description: "The hub's event id (its stream sequence): increasing in the order the hub took the events" }),
    gateway: z.string(),
    seq: z.number().int().openapi({ description: "The gateway's own seq" }),
    time: z.number().openapi({ description: 'Event time at the gateway, epoch ms UTC' }),
    writtenAt: z.number().openapi({ description: 'When the gateway stored it' }),
    receivedAt: z.number().openapi({ description: 'When the hub stored it' }),
    pointId: z.string().nullable(),
    ruleId: z.string(),
    kind: z.string(),
    stateAfter: z.string(),
    priority: z.string().nullable(),
    who: z.string().nullable(),
    why: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('HubAlarmEvent');

export const AlarmEventPageSchema = z
  .object({
    events: z.array(HubEventSchema),
    next: z.number().int().openapi({
      description: 'Pass as `after` (order=asc) or `before` (order=desc) for the next page: the last id here, or the cursor itself when there were none (0 for a first desc page of nothing)',
    }),
  })
  .openapi('HubAlarmEventPage');

export const AUDIT_PAGE = { default: 100, max: 1000 } as const;

export const AuditQuery = z.strictObject({
  after: afterCursor('audit row'),
  limit: pageSize(AUDIT_PAGE.max, AUDIT_PAGE.default),
  ...siteFilter,
  action: filterText.optional().openapi({ description: 'Only rows of this action (exact: alarm_command, alarm_handling, reset_action, threshold_change, session_login, ...)' }),
  who: filterText.optional().openapi({ description: 'Only rows of this person (exact name; `hazmon` for the gateway itself)' }),
});

const HubAuditRowSchema = z
  .object({
    id: z.number().int().openapi({ description: "The hub's id (its stream sequence): increasing in the order the hub took the rows" }),
    gateway: z.string(),
    seq: z.number().int().openapi({ description: "The row's seq in its gateway's audit log" }),
    time: z.number().openapi({ description: 'When it happened at the gateway, epoch ms UTC' }),
    receivedAt: z.number().openapi({ description: 'When the hub stored it' }),
    who: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    details: z.string().nullable().openapi({ description: 'Canonical JSON text (sorted keys), exactly as the gateway hashed it; null when none' }),
    prevHash: z.string().openapi({ description: "The hash of the same gateway's row seq - 1 (64 zeros for seq 1)" }),
    hash: z.string().openapi({ description: 'SHA-256 hex of the JSON array [seq, time, who, action, target, details, prevHash]: recompute it to check the chain' }),
  })
  .openapi('HubAuditRow');

export const AuditPageSchema = z
  .object({
    rows: z.array(HubAuditRowSchema),
    next: z.number().int().openapi({ description: 'Pass as `after` for the next page: the last id here, or the cursor itself when there were none' }),
  })
  .openapi('HubAuditPage');

const POINTS_PER_QUERY = 50;
/** The longest span per interval: VictoriaMetrics' per-series limits (30k points, 100k for the average's 1-minute subquery). */
const MAX_SPAN_MS: Readonly<Record<keyof typeof INTERVALS, number>> = { '1m': DAY_MS, '1h': 31 * DAY_MS, '1d': 62 * DAY_MS };

export const AggregatesQuery = z
  .strictObject({
    gateway,
    points: z
      .string()
      .regex(/^[^,]{1,200}(,[^,]{1,200})*$/, 'point ids separated by commas')
      .refine((text) => text.split(',').length <= POINTS_PER_QUERY, `at most ${POINTS_PER_QUERY} points`)
      .optional()
      .openapi({ description: 'Point ids separated by commas; every point of the gateway when left out', example: 'GD-101.concentration,GD-102.concentration' }),
    from: epochMs.openapi({ description: "The first bucket's start, epoch ms UTC (rounded down to the interval)" }),
    to: epochMs.openapi({ description: "The last bucket's end (rounded up to the interval)" }),
    interval: z.enum(Object.keys(INTERVALS) as [keyof typeof INTERVALS, ...(keyof typeof INTERVALS)[]]).default('1h'),
  })
  .superRefine(checkSpan(MINUTE_MS, MAX_SPAN_MS['1d']))
  .superRefine((query, context) => {
    if (Number(query.to) - Number(query.from) > MAX_SPAN_MS[query.interval]) {
      context.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_SPAN_MS[query.interval] / DAY_MS} days after from with interval ${query.interval}` });
    }
  });

const BucketSchema = z
  .object({
    t: z.number().openapi({ description: "The bucket's start, epoch ms UTC" }),
    min: z.number().nullable().openapi({ description: 'Over good readings; null when none' }),
    avg: z.number().nullable().openapi({ description: 'Over good readings (each minute weighted by its good readings)' }),
    max: z.number().nullable(),
    count: z.number().openapi({ description: 'Readings received, any quality' }),
    goodCount: z.number(),
  })
  .openapi('AggregateBucket');

export const AggregatesSchema = z
  .object({
    gateway: z.string(),
    interval: z.string(),
    from: z.number(),
    to: z.number(),
    points: z.array(z.object({ pointId: z.string(), buckets: z.array(BucketSchema).openapi({ description: 'Buckets holding at least one minute, oldest first' }) })),
  })
  .openapi('Aggregates');

export const CompletenessQuery = z
  .strictObject({
    from: epochMs.openapi({ description: 'Epoch ms UTC, rounded down to the minute' }),
    to: epochMs.openapi({ description: 'Epoch ms UTC, rounded up to the minute' }),
    ...siteFilter,
  })
  .superRefine(checkSpan(MINUTE_MS, 366 * DAY_MS));

export const CompletenessSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    gateways: z.array(
      z
        .object({
          gateway: z.string(),
          points: z.number().int().openapi({ description: 'Points in service in the running config' }),
          outOfService: z.number().int().openapi({ description: 'Points with a disable record: reported apart, not counted missing' }),
          expected: z.number().openapi({ description: "Readings expected: the span / each point's poll interval" }),
          received: z.number().openapi({ description: 'Readings received, any quality' }),
          good: z.number(),
          completeness: z.number().nullable().openapi({ description: 'good / expected, at most 1; null when nothing is expected' }),
        })
        .openapi('GatewayCompleteness'),
    ),
  })
  .openapi('Completeness');

export const LinkHealthQuery = z
  .strictObject({
    from: epochMs.openapi({ description: 'Epoch ms UTC, rounded down to midnight UTC' }),
    to: epochMs.openapi({ description: 'Epoch ms UTC, rounded up to midnight UTC; days after now are left out, today counts up to now' }),
    ...siteFilter,
  })
  .superRefine(checkSpan(MINUTE_MS, 366 * DAY_MS));

export const LinkHealthSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    gateways: z.array(
      LinkScoreSchema.extend({
        gateway: z.string(),
        connected: z.boolean().openapi({ description: 'A NATS connection of the gateway open now' }),
        averageOfflineHoursPerDay: z.number().nullable().openapi({ description: 'offlineHours / days (null with no day up to now): how provincial platforms score a link' }),
        disconnectionsPerDay: z.number().nullable(),
        days: z.array(LinkScoreSchema.extend({ day: z.string().openapi({ description: 'The UTC day, YYYY-MM-DD', example: '2026-12-06' }) }).openapi('LinkHealthDay')),
      }).openapi('GatewayLinkHealth'),
    ),
  })
  .openapi('LinkHealth');

export const REFUSAL_PAGE = { default: 100, max: 1000 } as const;

export const RefusalsQuery = z.strictObject({
  after: afterCursor('refusal'),
  limit: pageSize(REFUSAL_PAGE.max, REFUSAL_PAGE.default),
  gateway: gateway.optional(),
  kind: z.enum(REFUSAL_KINDS).optional().openapi({ description: "`authentication`: a wrong credential; `publish_permission`: a publish outside the user's subjects" }),
});

const RefusalSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(REFUSAL_KINDS),
    time: z.number().openapi({ description: "Epoch ms UTC: the NATS server's event time; for a publish violation (from its log) when the hub read the line" }),
    sourceTime: z.string().openapi({ description: "The server's own timestamp as it gave it (a log's is the server host's local time)" }),
    user: z.string().nullable().openapi({ description: 'The NATS user name the client gave' }),
    gateway: z.string().nullable().openapi({ description: "The gateway of that user (`gw-<code>`); null for a user that is no gateway's" }),
    clientAddress: z.string().nullable(),
    server: z.string().nullable().openapi({ description: 'The NATS server (its name), or the log file the line came from' }),
    reason: z.string(),
    subject: z.string().nullable().openapi({ description: 'The subject refused (publish violations)' }),
    receivedAt: z.number().openapi({ description: 'When the hub recorded it' }),
  })
  .openapi('Refusal');

export const RefusalPageSchema = z.object({ refusals: z.array(RefusalSchema), next: z.number().int().openapi({ description: 'Pass as `after` for the next page' }) }).openapi('RefusalPage');

export const REJECTION_PAGE = { default: 100, max: 1000 } as const;

export const RejectionsQuery = z.strictObject({
  after: afterCursor('rejection'),
  limit: pageSize(REJECTION_PAGE.max, REJECTION_PAGE.default),
  gateway: gateway.optional(),
});

const RejectionSchema = z
  .object({
    id: z.number().int().openapi({ description: "The message's sequence in the hub's stream" }),
    gateway: z.string().nullable().openapi({ description: 'Whose credentials published it (its subject names the gateway); null for a subject no gateway may publish to' }),
    kind: z.enum(UPLINK_KINDS).nullable().openapi({ description: 'The kind its subject names; null for a subject outside the uplink contract' }),
    subject: z.string(),
    reason: z.string().openapi({ description: 'What broke the contract: the subject, not JSON, the first field of the payload that fails, or a payload naming another gateway' }),
    receivedAt: z.number().openapi({ description: 'When the hub refused it, epoch ms UTC' }),
  })
  .openapi('Rejection');

export const RejectionPageSchema = z.object({ rejections: z.array(RejectionSchema), next: z.number().int().openapi({ description: 'Pass as `after` for the next page' }) }).openapi('RejectionPage');

export const POINT_PAGE = { default: 1000, max: 10_000 } as const;

export const PointsQuery = z.strictObject({
  after: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}:[\s\S]{1,1000}$/, 'a point cursor <gateway>:<point id> (the `next` of the previous page)')
    .optional()
    .openapi({ description: 'The `next` of the previous page: points after that gateway and point id; none from the first', example: 'GW-1101100012NR-01:GD-101.concentration' }),
  limit: pageSize(POINT_PAGE.max, POINT_PAGE.default),
  ...siteFilter,
});

const threshold = z.number().nullable();

const HubPointSchema = z
  .object({
    gateway: z.string().openapi({ description: "The hub's gateway code (its uplink subjects)" }),
    id: z.string().openapi({ description: "The point's id at its gateway" }),
    unit: z.string().nullable(),
    thresholds: z
      .object({ lolo: threshold, lo: threshold, hi: threshold, hihi: threshold })
      .openapi({ description: "The limits in force at the gateway (its config's, with its threshold overrides laid over them), low-low / low / high / high-high; null where none" }),
    description: z.string().nullable().openapi({ description: 'The indicator name (TARGET_NAME)' }),
    indicatorCode: z.string().nullable().openapi({ description: 'TARGET_CODE' }),
    equipmentCode: z.string().nullable().openapi({ description: 'EQUIP_CODE' }),
    gatewayCode: z.string().nullable().openapi({ description: 'GATEWAY_CODE (the provincial code the site config gives)' }),
    tagNumber: z.string().nullable().openapi({ description: 'BIT_NO' }),
    range: z.array(z.number()).length(2).nullable().openapi({ description: 'The measuring range [low, high] (LOW_VALUE..TOP_VALUE)' }),
    longitude: z.number().nullable(),
    latitude: z.number().nullable(),
    hazardSourceCode: z.string().nullable(),
    casNumber: z.string().nullable(),
    pollIntervalMs: z.number().nullable().openapi({ description: 'Expected spacing of readings: completeness counts against it' }),
    resolution: z.number().nullable().openapi({ description: 'The step values are stored at (0.1: one decimal)' }),
    disabled: z
      .object({ by: z.string(), at: z.number(), reason: z.string() })
      .nullable()
      .openapi({ description: "The gateway config's disable record of the point (STOP_PSN, STOP_TIME epoch ms UTC, STOP_REMARK): out of service" }),
    configHash: z.string().openapi({ description: "The gateway's running config these come from" }),
    configTime: z.number().openapi({ description: "When the gateway sent that config's site message, by its clock, epoch ms UTC" }),
  })
  .openapi('HubPoint');

export const PointPageSchema = z
  .object({
    points: z.array(HubPointSchema).openapi({ description: 'Ordered by gateway, then point id' }),
    next: z.string().nullable().openapi({ description: 'Pass as `after` for the next page; null when no point follows this page' }),
  })
  .openapi('HubPointPage');

export const DevicesQuery = z.strictObject(siteFilter);

const HubDeviceSchema = z
  .object({
    id: z.string().openapi({ description: 'The Modbus device or OPC UA connection id at its gateway' }),
    kind: z.enum(['modbus', 'opcua']),
    comms: z.enum(['ok', 'comms_loss', 'refusing_requests']),
    lastGoodReadingAt: z.number().nullable().openapi({ description: "The latest receive time of a good reading of any of its points since the gateway's start, by the gateway's clock, epoch ms UTC" }),
    disconnections: z
      .number()
      .int()
      .openapi({ description: `Comms losses that began in the ${DEVICES_PERIOD_DAYS} days before the health message` }),
    offlineHours: z.number().openapi({ description: `Hours in comms loss in those ${DEVICES_PERIOD_DAYS} days` }),
    counters: z
      .object({ requests: z.number(), responses: z.number(), timeouts: z.number(), exceptions: z.number(), connectionErrors: z.number() })
      .nullable()
      .openapi({ description: "Modbus request counters since the gateway's start; null for OPC UA" }),
    faults: z
      .array(z.object({ pointId: z.string(), quality: z.string(), reason: z.string().nullable(), message: z.string().nullable() }))
      .openapi({ description: `Its points whose latest reading is not good, with the reason: the first ${MAX_DEVICE_FAULTS}` }),
    faultCount: z.number().int().openapi({ description: 'How many of its points are not good, those beyond `faults` included' }),
    sensorLifeHours: z.number().nullable().openapi({ description: 'Remaining sensor life the device reports; null where it reports none' }),
    upkeep: z
      .object({ bumpTestDue: z.number().nullable(), calibrationDue: z.number().nullable(), overdue: z.boolean() })
      .nullable()
      .openapi({ description: "A detector's next bump test and calibration (epoch ms UTC) and whether either is overdue; null for other devices" }),
  })
  .openapi('HubDevice');

export const DeviceListSchema = z
  .object({
    gateways: z
      .array(
        z
          .object({
            gateway: z.string(),
            time: z.number().openapi({ description: "The health message's time, by the gateway's clock, epoch ms UTC: the devices as of then" }),
            receivedAt: z.number().openapi({ description: "When the hub received it, by the hub's clock" }),
            devices: z.array(HubDeviceSchema).nullable().openapi({
              description:
                "As the gateway's GET /api/v1/devices gives them; null when its latest health message carried none (a gateway from before the field, or one that could not read its store): unknown, not fine",
            }),
          })
          .openapi('GatewayDevices'),
      )
      .openapi({ description: 'Every gateway with a health message, by gateway code' }),
  })
  .openapi('HubDeviceList');

/** The longest span of one export: a month, as regulators ask for (a day of 1m aggregates per VictoriaMetrics query). */
const EXPORT_MAX_DAYS = 31;

export const ExportQuery = z
  .strictObject({
    what: z.enum(EXPORT_KINDS).openapi({ description: "`alarm-events`: every gateway's events of the span by event time, in the hub's id order; `aggregates`: each gateway's points per minute" }),
    format: z.enum(['csv']).default('csv'),
    from: epochMs.openapi({ description: 'Epoch ms UTC, rounded down to the minute' }),
    to: epochMs.openapi({ description: `Epoch ms UTC (excluded), rounded up to the minute; at most ${EXPORT_MAX_DAYS} days after from` }),
    ...siteFilter,
  })
  .superRefine(checkSpan(MINUTE_MS, EXPORT_MAX_DAYS * DAY_MS));
