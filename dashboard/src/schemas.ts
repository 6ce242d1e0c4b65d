/**
 * Every request and response body, param and query of the API as zod schemas: the routes validate with them and the
 * OpenAPI document is generated from them, so the two cannot disagree. Request objects are strict: an unknown field
 * is refused by name rather than ignored (a misspelt `minutes` must not shelve for a default).
 */
import { REFUSAL_CODES, USER_ROLES } from '@hazmon/agent';
import { z } from '@hono/zod-openapi';
import { checkCursorOrder, seqCursor, seqOrder } from './query-params.ts';

const RefusalParamsSchema = z.record(z.string(), z.union([z.string(), z.number()])).openapi({
  description: "The values the refusal's sentence needs, by name (dashboard/README.md, Refusal codes)",
  example: { target: 'V-1', active: 'GD-101.concentration/hihi' },
});

const RefusalSchema = z.object({ code: z.enum(REFUSAL_CODES), params: RefusalParamsSchema }).openapi('Refusal');

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'HAZMON_API_INVALID' }),
      message: z.string().openapi({ example: 'minutes: Too big: expected number to be <=1440' }),
      field: z.string().optional().openapi({ description: 'The offending param, header or body path', example: 'minutes' }),
      refusal: RefusalSchema.optional().openapi({
        description:
          'Why the agent refused a command (409), or that it knows no such alarm, action or detector (404, code `unknown_target`): render `code` with `params` in your language, `message` being the English sentence',
      }),
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

const AlarmHelpSchema = z
  .object({
    cause: z.string().nullable(),
    consequence: z.string().nullable(),
    responseMinutes: z.number().nullable().openapi({ description: 'Minutes within which someone must act' }),
    action: z.string().nullable().openapi({ description: 'What to do' }),
  })
  .nullable()
  .openapi('AlarmHelp', { description: "From the config: the point's help for the rule, its help for all rules, the preset of its area's kind; null when none gives any" });

/** Where an alarm belongs, for views by area; worked out from the running config (alarmAreas), so a stored event gets it too. */
const alarmAreasField = z.array(z.string()).openapi({
  description:
    "The site's areas the alarm belongs to, from the running config: a point's alarm its point's area; a vote its group's and its detectors' areas; a latch, a shut-off discrepancy or a failed command the areas of the alarms that trip the output; a device's or an OPC UA connection's alarm the areas of its points; empty for the agent's own (the site's). An alarm spanning several areas lists each",
  example: ['kitchen'],
});

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
    help: AlarmHelpSchema,
    areas: alarmAreasField,
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
    help: AlarmHelpSchema,
    areas: alarmAreasField,
  })
  .openapi('RuntimeAlarm');

const PendingDelaySchema = z
  .object({
    alarmId: z.string(),
    pointId: z.string(),
    site: z.string(),
    rule: z.string(),
    priority,
    kind: z.enum(['on', 'off']).openapi({ description: 'on: the alarm is raised at dueAt; off: it clears at dueAt; unless the condition turns back before' }),
    pendingSince: z.number().openapi({ description: 'When the condition changed side (epoch ms, the reading time)' }),
    delayMs: z.number(),
    dueAt: z.number().openapi({ description: 'pendingSince + delayMs (epoch ms)' }),
    value: z.number().openapi({ description: 'The value that started the delay' }),
    limit: z.number(),
  })
  .openapi('PendingDelay', { description: 'A running on- or off-delay (GB 16808-2025 5.5.1.3): shown with its time, never as an active alarm' });

export const AlarmListSchema = z.object({ engine: z.array(EngineAlarmSchema), runtime: z.array(RuntimeAlarmSchema), pending: z.array(PendingDelaySchema) }).openapi('AlarmList');

const quality = z.enum(['good', 'uncertain', 'bad']);

const LimitSwitchSchema = z
  .object({
    pointId: z.string(),
    value: z.boolean().nullable().openapi({ description: 'null before a good boolean reading' }),
    quality: quality.nullable(),
    sourceTime: z.number().nullable(),
    receiveTime: z.number().nullable(),
  })
  .openapi('LimitSwitch');

const ActionSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable().openapi({ description: "The output's name in the config" }),
    kind: z.enum(['shutoff_valve', 'fan', 'siren', 'power_cut']),
    output: z.object({ id: z.string(), command: z.string().openapi({ description: 'The point written to trip it' }), tripValue: z.union([z.boolean(), z.number()]) }),
    state: z.enum(['normal', 'commanded', 'confirmed', 'discrepancy', 'latched']).openapi({
      description:
        'normal: not latched; commanded: close sent, feedback not yet confirming; confirmed: limit switches say closed; discrepancy: not confirmed in the travel time, or a write failed; latched: held tripped without feedback to confirm',
    }),
    latched: z.boolean(),
    latchedSince: z.number().nullable().openapi({ description: 'Epoch ms UTC the latch began; null while not latched' }),
    trippedBy: z.array(z.string()).openapi({ description: 'The alarms that tripped it, while latched' }),
    discrepancy: z.string().nullable().openapi({ description: 'Why the standing discrepancy or failed command, null when none' }),
    discrepancyCode: z.string().nullable().openapi({
      description:
        'The same as a code: stuck_open, feedback_broken, feedback_inconsistent, not_closed, no_feedback, command_ignored, opened_under_latch (a valve), command_failed (another output); null when none',
    }),
    feedback: z.object({ closed: LimitSwitchSchema, open: LimitSwitchSchema.nullable() }).nullable().openapi({ description: "A valve's limit switches as last read; null without feedback" }),
    triggers: z.array(z.object({ alarmId: z.string(), state: alarmState.nullable(), conditionActive: z.boolean() })).openapi({ description: 'The alarms whose activation trips it, as they stand' }),
    resetAllowed: z.boolean(),
    resetRefusal: z.string().nullable().openapi({ description: 'Why a reset would be refused now; null when it would be accepted' }),
    resetRefusalCode: z.enum(REFUSAL_CODES).nullable().openapi({ description: 'The same as a refusal code (what the reset would answer); null when it would be accepted' }),
    resetRefusalParams: RefusalParamsSchema.nullable(),
  })
  .openapi('Action');

/** A route that takes no query params: an unknown one is refused by name (a misspelt filter must not pass as "all"). */
export const NoQuery = z.strictObject({});

export const ActionListSchema = z.object({ actions: z.array(ActionSchema) }).openapi('ActionList');

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
const seq = seqCursor('an alarm event');

export const ALARM_EVENT_PAGE = { default: 100, max: 1000 } as const;

export const AlarmEventsQuery = z
  .strictObject({
    order: seqOrder,
    after: seq.optional().openapi({ description: 'Oldest first: the seq of the last event you have (the `next` of the previous page); 0 or none from the start' }),
    before: seq.optional().openapi({ description: 'Newest first (`order=newest`): the `next` of the previous page, to page further back; none from the newest' }),
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,3}$/, `a whole number 1..${ALARM_EVENT_PAGE.max}`)
      .refine((text) => Number(text) <= ALARM_EVENT_PAGE.max, `at most ${ALARM_EVENT_PAGE.max}`)
      .optional()
      .openapi({ description: `Events per page, default ${ALARM_EVENT_PAGE.default}` }),
  })
  .superRefine(checkCursorOrder);

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
    areas: alarmAreasField.openapi({
      description:
        "The site's areas the event's alarm belongs to (as an alarm's `areas`), worked out from the config running when the page is read: the stored rows keep none, so an event stored before a point moved areas shows under its area now",
    }),
  })
  .openapi('AlarmEvent');

export const AlarmEventPageSchema = z
  .object({
    events: z.array(AlarmEventSchema),
    next: z
      .number()
      .int()
      .openapi({ description: 'Pass as `after` (as `before` newest first) for the next page: the last seq here, or the cursor sent when there were none (0 newest first without one)' }),
  })
  .openapi('AlarmEventPage');

export const StreamHeaders = z.object({
  'last-event-id': seq.optional().openapi({ description: 'The id of the last alarm event received; every later one is sent first' }),
});
