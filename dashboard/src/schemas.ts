/**
 * Every request and response body, param and query of the API as zod schemas: the routes validate with them and the
 * OpenAPI document is generated from them, so the two cannot disagree. Request objects are strict: an unknown field
 * is refused by name rather than ignored (a misspelt `minutes` must not shelve for a default).
 */
import { USER_ROLES } from '@hazmon/agent';
import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'HAZMON_API_INVALID' }),
      message: z.string().openapi({ example: 'minutes: Too big: expected number to be <=1440' }),
      field: z.string().optional().openapi({ description: 'The offending param, header or body path', example: 'minutes' }),
    }),
  })
  .openapi('Error');

export const reason = z.string().trim().min(1).max(500);
const optionalReason = reason.optional();
const id = z.string().min(1).max(200);

export const LoginBody = z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) }).openapi('Login');

export const SessionSchema = z
  .object({
    name: z.string(),
    role: z.enum(USER_ROLES),
    csrfToken: z.string().openapi({ description: 'Send it as X-CSRF-Token on every state-changing request' }),
    expiresAt: z.number().int().openapi({ description: 'Epoch ms when the session ends if no request comes first' }),
  })
  .openapi('Session');

export const AlarmIdParams = z.object({ alarmId: id.openapi({ param: { name: 'alarmId', in: 'path' }, example: 'GD-101.concentration/hihi' }) });
export const PointIdParams = z.object({ pointId: id.openapi({ param: { name: 'pointId', in: 'path' }, example: 'GD-101.concentration' }) });
export const ActionIdParams = z.object({ actionId: id.openapi({ param: { name: 'actionId', in: 'path' }, example: 'close-gas-header' }) });

export const AckBody = z.strictObject({ comment: z.string().trim().max(500).optional() }).openapi('Acknowledge');
export const ShelveBody = z.strictObject({ reason, minutes: z.number().int().min(1).max(1440) }).openapi('Shelve');
export const OptionalReasonBody = z.strictObject({ reason: optionalReason }).openapi('OptionalReason');
export const ReasonBody = z.strictObject({ reason }).openapi('Reason');

export const CommandAccepted = z.object({ ok: z.literal(true) }).openapi('CommandAccepted');

const priority = z.enum(['emergency', 'high', 'medium', 'low']);
const alarmState = z.enum(['normal', 'unacknowledged_active', 'acknowledged_active', 'unacknowledged_returned']);

const EngineAlarmSchema = z
  .object({
    id: z.string(),
    pointId: z.string(),
    site: z.string(),
    rule: z.string(),
    state: alarmState,
    mode: z.enum(['in_service', 'shelved', 'suppressed', 'out_of_service']),
    conditionActive: z.boolean(),
    priority,
    activeSince: z.number().nullable(),
    shelvedUntil: z.number().nullable(),
  })
  .openapi('EngineAlarm');

const RuntimeAlarmSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    rule: z.string(),
    priority,
    state: alarmState,
    conditionActive: z.boolean(),
    occurrences: z.number().int(),
    since: z.number(),
    why: z.string(),
  })
  .openapi('RuntimeAlarm');

export const AlarmListSchema = z.object({ engine: z.array(EngineAlarmSchema), runtime: z.array(RuntimeAlarmSchema) }).openapi('AlarmList');

const quality = z.enum(['good', 'uncertain', 'bad']);

export const PointSchema = z
  .object({
    id: z.string(),
    device: z.string().nullable().openapi({ description: 'The Modbus device or OPC UA connection the point is read from' }),
    area: z.string().nullable(),
    unit: z.string().nullable(),
    value: z.union([z.number(), z.boolean()]).nullable(),
    quality: quality.nullable(),
    reason: z.object({ code: z.string(), message: z.string() }).nullable(),
    sourceTime: z.number().nullable(),
    receiveTime: z.number().nullable(),
  })
  .openapi('Point');

/** A store seq as a query param: a whole number written plainly (no sign, exponent or leading zeros). */
const seq = z.string().regex(/^(0|[1-9][0-9]{0,14})$/, 'a whole number >= 0 (an alarm event seq)');

export const ALARM_EVENT_PAGE = { default: 100, max: 1000 } as const;

export const AlarmEventsQuery = z.strictObject({
  after: seq.optional().openapi({ description: 'The seq of the last event you have (the `next` of the previous page); 0 or none from the start' }),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, `a whole number 1..${ALARM_EVENT_PAGE.max}`)
    .refine((text) => Number(text) <= ALARM_EVENT_PAGE.max, `at most ${ALARM_EVENT_PAGE.max}`)
    .optional()
    .openapi({ description: `Events per page, default ${ALARM_EVENT_PAGE.default}` }),
});

export const AlarmEventSchema = z
  .object({
    seq: z.number().int(),
    time: z.number(),
    writtenAt: z.number(),
    pointId: z.string().nullable(),
    ruleId: z.string(),
    kind: z.string(),
    stateAfter: z.string(),
    priority: priority.nullable().optional(),
    who: z.string().nullable().optional(),
    why: z.string().nullable().optional(),
    details: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .openapi('AlarmEvent');

export const AlarmEventPageSchema = z
  .object({
    events: z.array(AlarmEventSchema),
    next: z.number().int().openapi({ description: 'Pass as `after` for the next page: the last seq here, or `after` itself when there were none' }),
  })
  .openapi('AlarmEventPage');

export const StreamHeaders = z.object({
  'last-event-id': seq.optional().openapi({ description: 'The id of the last alarm event received; every later one is sent first' }),
});
