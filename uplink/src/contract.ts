/**
 * The uplink contract between a gateway and the regulator hub: NATS subjects per gateway, the JetStream message id
 * of each message, and each payload as a zod schema carrying the contract's version. Both sides import this file and
 * nothing else of the uplink, so it depends on zod alone.
 */
import { z } from 'zod';

// The audit chain's hash is the agent's own code: the hub checks each gateway's chain with exactly what made it.
export { auditLinkProblem, auditRowHash, GENESIS_HASH } from '@hazmon/agent/audit-chain';

/** Bumped when a payload changes in a way an older hub would misread; the hub refuses versions it does not know. */
export const UPLINK_VERSION = 1;

/** The first token of every uplink subject. */
const SUBJECT_ROOT = 'hazmon';

export const UPLINK_KINDS = ['events', 'aggregates', 'health', 'site', 'audit'] as const;
export type UplinkKind = (typeof UPLINK_KINDS)[number];

/** A gateway code as a subject token: no dots, wildcards or spaces (the agent's config checks the same). */
const gatewayCode = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Whether a gateway code can name its subjects (the hub's enrolment checks it as the gateway's config does). */
export function isGatewayCode(code: string): boolean {
  return gatewayCode.safeParse(code).success;
}

/** `hazmon.<gatewayCode>.<kind>`: the only subjects a gateway's credentials may publish to. */
export function uplinkSubject(gateway: string, kind: UplinkKind): string {
  return `${SUBJECT_ROOT}.${gateway}.${kind}`;
}

/** Every gateway's subjects, for the hub's stream. */
export const ALL_UPLINK_SUBJECTS = `${SUBJECT_ROOT}.*.*`;

/** What a gateway's NATS user may publish: its own subjects (the JetStream replies come back on its inbox). */
export function gatewayPublishSubjects(gateway: string): string {
  return `${SUBJECT_ROOT}.${gateway}.>`;
}

/** The prefix of a gateway's NATS user name: `gw-<gatewayCode>`, so the hub can tell from NATS's events which gateway connected. */
const GATEWAY_USER_PREFIX = 'gw-';

/** The NATS user name of a gateway. */
export function gatewayNatsUser(gateway: string): string {
  return `${GATEWAY_USER_PREFIX}${gateway}`;
}

/** The gateway a NATS user name belongs to, or null for a user that is not a gateway's (the hub's own, a mistyped name). */
export function gatewayOfNatsUser(user: string | undefined): string | null {
  if (user === undefined || !user.startsWith(GATEWAY_USER_PREFIX)) return null;
  const gateway = user.slice(GATEWAY_USER_PREFIX.length);
  return gatewayCode.safeParse(gateway).success ? gateway : null;
}

/**
 * The inbox prefix of a gateway's connection, where the stream's acknowledgements come back: its own, so that its user
 * may subscribe there only. With `_INBOX.>` any gateway could read what the hub's consumer delivers to the hub's inbox.
 */
export function gatewayInboxPrefix(gateway: string): string {
  return `_INBOX_${gateway}`;
}

/**
 * The gateway whose credentials publish to a subject (`hazmon.<gatewayCode>.…`, gatewayPublishSubjects), whatever its
 * kind: a message the hub refuses is still that gateway's. Null for a subject no gateway may publish to.
 */
export function gatewayOfUplinkSubject(subject: string): string | null {
  const [root, gateway] = subject.split('.');
  return root === SUBJECT_ROOT && gatewayCode.safeParse(gateway).success ? gateway! : null;
}

/** The gateway and kind a subject names, or null for a subject outside the contract. */
export function parseUplinkSubject(subject: string): { readonly gateway: string; readonly kind: UplinkKind } | null {
  const [root, gateway, kind, ...rest] = subject.split('.');
  if (root !== SUBJECT_ROOT || rest.length > 0 || !gatewayCode.safeParse(gateway).success || !(UPLINK_KINDS as readonly string[]).includes(kind ?? '')) return null;
  return { gateway: gateway!, kind: kind as UplinkKind };
}

/**
 * The `Nats-Msg-Id` of a message: the same data always gets the same id, so a message sent again after a cut or a
 * restart (its acknowledgement lost) is dropped by the stream inside its duplicate window. `key` is the event's or the
 * audit row's seq, or `<minute start>.<part>` for aggregates.
 */
export function uplinkMessageId(gateway: string, kind: UplinkKind, key: string | number): string {
  return `${gateway}.${kind}.${key}`;
}

const epochMs = z.number().int().nonnegative();
const envelope = { v: z.literal(UPLINK_VERSION), gateway: gatewayCode };

/** One alarm life-cycle row of the agent's store (`alarm_events`), handling records (`kind: handled`) and upkeep records included. */
export const eventMessageSchema = z.strictObject({
  ...envelope,
  /** The store's seq: unique per gateway, 1, 2, 3, ... in commit order. */
  seq: z.number().int().positive(),
  /** Event time and when the gateway committed it, epoch ms UTC. */
  time: epochMs,
  writtenAt: epochMs,
  pointId: z.string().nullable(),
  ruleId: z.string(),
  kind: z.string(),
  stateAfter: z.string(),
  priority: z.enum(['emergency', 'high', 'medium', 'low']).nullable(),
  who: z.string().nullable(),
  why: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type EventMessage = z.output<typeof eventMessageSchema>;

/**
 * One row of the gateway's audit log (who did what, why: every state change), with its place in the log's hash chain,
 * so a regulator can check the chain at the hub: `hash` = SHA-256 hex of the JSON array [seq, time, who, action,
 * target, details, prevHash] (the agent's `auditRowHash`), `prevHash` the previous row's hash (64 zeros before row 1).
 */
export const auditMessageSchema = z.strictObject({
  ...envelope,
  /** The audit log's seq: unique per gateway, 1, 2, 3, ... in commit order. */
  seq: z.number().int().positive(),
  /** When it happened, epoch ms UTC. */
  time: epochMs,
  who: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  /** The details as the gateway hashed them: canonical JSON text (sorted keys, no spaces), or null. */
  details: z.string().nullable(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditMessage = z.output<typeof auditMessageSchema>;

/** One point's closed minute, as the agent's 1-minute rollup has it; min/avg/max over good readings, null when none. */
const aggregateSchema = z.strictObject({
  pointId: z.string(),
  min: z.number().nullable(),
  avg: z.number().nullable(),
  max: z.number().nullable(),
  count: z.number().int().nonnegative(),
  goodCount: z.number().int().nonnegative(),
  /** goodCount / expected readings (60 s / the point's poll interval), capped at 1. */
  completeness: z.number().min(0).max(1),
});
export type AggregateEntry = z.output<typeof aggregateSchema>;

/** Points of one minute per message at most: 1000 rows are ~100 KB of JSON, a tenth of NATS's default max payload. */
export const AGGREGATE_ROWS_PER_MESSAGE = 1000;

/** A closed minute's aggregates of every point that had readings, split in parts of at most AGGREGATE_ROWS_PER_MESSAGE points (in catalog order). */
export const aggregatesMessageSchema = z.strictObject({
  ...envelope,
  /** The minute's start, epoch ms UTC. */
  minute: epochMs.refine((value) => value % 60_000 === 0, 'a minute start'),
  part: z.number().int().nonnegative(),
  parts: z.number().int().positive(),
  rows: z.array(aggregateSchema).min(1).max(AGGREGATE_ROWS_PER_MESSAGE),
});
export type AggregatesMessage = z.output<typeof aggregatesMessageSchema>;

/** The warning grade's colours, highest first (shared/dashboard.md, "Warning grade"). */
export const WARNING_GRADES = ['red', 'orange', 'yellow', 'blue', 'normal'] as const;
const warningGrade = z.enum(WARNING_GRADES);

/** The gateway's own grades, as its regulator API (/api/v1/site) gives them: the agent's `siteGrades`. */
const gradesSchema = z.strictObject({
  /** The site's live warning grade: in-service active alarms only, a latched or discrepant shut-off as emergency. */
  warning: warningGrade,
  /** Per configured area. */
  areas: z.record(z.string(), warningGrade),
  /** R = alpha * sum(beta_i q_i / Q_i) of the configured inventory and its grade (1 highest); null without an inventory. */
  majorHazard: z.strictObject({ r: z.number().nonnegative(), grade: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]) }).nullable(),
});

/** Faulty points listed per device at most (`faultCount` says how many there are). */
export const MAX_DEVICE_FAULTS = 50;

/** One device as the gateway's regulator API (/api/v1/devices) gives it: the agent's `deviceStates`. */
const deviceSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(['modbus', 'opcua']),
  comms: z.enum(['ok', 'comms_loss', 'refusing_requests']),
  /** The latest receive time of a good reading of any of its points since the gateway's start, epoch ms UTC. */
  lastGoodReadingAt: epochMs.nullable(),
  /** Over the last DEVICES_PERIOD_DAYS. */
  disconnections: z.number().int().nonnegative(),
  offlineHours: z.number().nonnegative(),
  counters: z
    .strictObject({
      requests: z.number().int().nonnegative(),
      responses: z.number().int().nonnegative(),
      timeouts: z.number().int().nonnegative(),
      exceptions: z.number().int().nonnegative(),
      connectionErrors: z.number().int().nonnegative(),
    })
    .nullable(),
  /** Its points whose latest reading is not good, the first MAX_DEVICE_FAULTS of them: a health message stays far below NATS's 1 MB with every point faulty. */
  faults: z.array(z.strictObject({ pointId: z.string(), quality: z.string(), reason: z.string().nullable(), message: z.string().nullable() })).max(MAX_DEVICE_FAULTS),
  /** How many of its points are faulty, those beyond `faults` included. */
  faultCount: z.number().int().nonnegative(),
  sensorLifeHours: z.number().nullable(),
  upkeep: z.strictObject({ bumpTestDue: epochMs.nullable(), calibrationDue: epochMs.nullable(), overdue: z.boolean() }).nullable(),
});
export type DeviceEntry = z.output<typeof deviceSchema>;

/** The period a health message's disconnections and offline hours cover: the days before its time (the gateway API's default). */
export const DEVICES_PERIOD_DAYS = 30;

/** The agent's health now (latest wins: not in the outbox). */
export const healthMessageSchema = z.strictObject({
  ...envelope,
  time: epochMs,
  healthy: z.boolean(),
  alive: z.boolean(),
  reasons: z.array(z.string()),
  /** Alarms standing now (engine and runtime), by priority. */
  activeAlarms: z.record(z.string(), z.number().int().nonnegative()),
  /** Optional (v stays 1): a gateway from before it sends none, and the hub then grades by `activeAlarms`. */
  grades: gradesSchema.optional(),
  /** Optional (v stays 1): each device of the gateway; a gateway from before it sends none. */
  devices: z.array(deviceSchema).optional(),
});
export type HealthMessage = z.output<typeof healthMessageSchema>;

/** Points' metadata per site message at most: a point's is ~300-500 bytes of JSON, so a part stays well under NATS's 1 MB. */
export const SITE_POINTS_PER_MESSAGE = 500;

/**
 * Who the gateway is and what it monitors: sent at each start and whenever the running config changes, the points in
 * parts of at most SITE_POINTS_PER_MESSAGE (catalog order), each part with the site.
 */
export const siteMessageSchema = z.strictObject({
  ...envelope,
  time: epochMs,
  /** The running config's hash: with the part, the site message's key (one set of messages per config). */
  configHash: z.string(),
  part: z.number().int().nonnegative(),
  parts: z.number().int().positive(),
  site: z.strictObject({
    id: z.string(),
    name: z.string(),
    timeZone: z.string(),
    enterprise: z.strictObject({ code: z.string(), name: z.string() }).nullable(),
  }),
  /** Each point's regulatory metadata as the store keeps it (StorePointDefinition). */
  points: z.array(z.record(z.string(), z.unknown())).max(SITE_POINTS_PER_MESSAGE),
});
export type SiteMessage = z.output<typeof siteMessageSchema>;

export const UPLINK_SCHEMAS = {
  events: eventMessageSchema,
  aggregates: aggregatesMessageSchema,
  health: healthMessageSchema,
  site: siteMessageSchema,
  audit: auditMessageSchema,
} as const satisfies Record<UplinkKind, z.ZodType>;

export type UplinkMessage = { [K in UplinkKind]: { readonly kind: K; readonly body: z.output<(typeof UPLINK_SCHEMAS)[K]> } }[UplinkKind];
