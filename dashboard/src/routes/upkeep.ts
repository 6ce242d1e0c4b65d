/**
 * Detector upkeep: a person records a bump test or calibration (stored by the agent as an `alarm_events` row of rule
 * `upkeep` before the answer, audited `device_upkeep`); the list says per detector what was done last, what is due
 * when and what is overdue, with the record history.
 */
import { detectorIds, detectorUpkeep, UPKEEP_KINDS, UPKEEP_RESULTS, UPKEEP_RULE, upkeepRecords } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { ApiError, refusedError, unknownTargetError } from '../errors.ts';
import { CommandAccepted } from '../schemas.ts';
import { errorResponses, json, SESSION_SECURITY, STATE_CHANGE_SECURITY } from './openapi.ts';

/** A record may be entered up to this long before its own `at` by the gateway clock (a tester's watch running ahead). */
const CLOCK_SLACK_MS = 5 * 60_000;
const epochMsNumber = z.number().int().min(0).max(8.64e15);

const DeviceIdParams = z.object({
  deviceId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'deviceId', in: 'path' }, example: 'GD-101' }),
});

const UpkeepBody = z
  .strictObject({
    kind: z.enum(UPKEEP_KINDS),
    at: epochMsNumber.openapi({ description: 'When the test or calibration was done, epoch ms UTC; not in the future' }),
    result: z.enum(UPKEEP_RESULTS).openapi({ description: 'pass; fail (the detector is due again at once); adjusted (calibrated back into tolerance)' }),
    notes: z.string().trim().min(1).max(2000).optional().openapi({ example: 'test gas 50 %LEL CH4, read 48 %LEL, alarms 1 and 2 sounded' }),
    nextDue: epochMsNumber.optional().openapi({ description: "Next due date, epoch ms UTC, after at; default at + the device's upkeep interval" }),
  })
  .openapi('UpkeepRecordRequest');

const UpkeepQuery = z.strictObject({ device: z.string().min(1).max(200).optional().openapi({ description: 'One detector only' }) });

export const UpkeepRecordSchema = z
  .object({
    seq: z.number().int().openapi({ description: 'Its alarm_events seq' }),
    deviceId: z.string(),
    kind: z.enum(UPKEEP_KINDS),
    at: z.number(),
    result: z.enum(UPKEEP_RESULTS),
    notes: z.string().nullable(),
    nextDue: z.number().nullable().openapi({ description: 'As entered; null: from the interval' }),
    who: z.string().nullable(),
    recordedAt: z.number().openapi({ description: 'When it was entered, epoch ms UTC' }),
  })
  .openapi('UpkeepRecord');

const DueSchema = z.object({
  last: UpkeepRecordSchema.nullable(),
  nextDue: z.number().nullable().openapi({ description: "The last record's nextDue, else its at + the interval (a failed one: its at); null without a record or interval" }),
  overdue: z.boolean().openapi({ description: 'Now at or past nextDue, or an interval is set and none was ever recorded' }),
});

const DetectorUpkeepSchema = z
  .object({
    deviceId: z.string(),
    model: z.string(),
    intervals: z.object({ bumpTestDays: z.number().nullable(), calibrationDays: z.number().nullable() }).openapi({ description: 'devices[].upkeep of the config' }),
    bumpTest: DueSchema,
    calibration: DueSchema,
    sensorLifeHours: z.number().nullable().openapi({ description: 'Remaining sensor life the device reports (e.g. Midas 40009); null where it reports none' }),
  })
  .openapi('DetectorUpkeep');

const UpkeepListSchema = z
  .object({ time: z.number(), detectors: z.array(DetectorUpkeepSchema), records: z.array(UpkeepRecordSchema).openapi({ description: 'Every record, newest first' }) })
  .openapi('UpkeepList');

export function registerUpkeepRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/devices/{deviceId}/upkeep',
      summary: 'Record a bump test or calibration of a detector',
      description: `Roles: ${ROLES.recordUpkeep.join(', ')}. Who = the signed-in person. Stored before the answer (an alarm event of rule \`upkeep\`); audited as \`device_upkeep\`.`,
      middleware: [allow(ROLES.recordUpkeep, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      request: { params: DeviceIdParams, body: { required: true, content: json(UpkeepBody) } },
      responses: { 200: { description: 'Stored', content: json(CommandAccepted) }, ...errorResponses(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { api, now } = contextOf();
      const { deviceId } = c.req.valid('param');
      const body = c.req.valid('json');
      if (!detectorIds(api.config).includes(deviceId)) throw unknownTargetError(`no detector ${deviceId}`, 'deviceId', deviceId, 'upkeep');
      if (body.at > now() + CLOCK_SLACK_MS) throw new ApiError('HAZMON_API_INVALID', 'at: is in the future', 'at');
      if (body.nextDue !== undefined && body.nextDue <= body.at) throw new ApiError('HAZMON_API_INVALID', 'nextDue: must be after at', 'nextDue');
      const result = await api.recordUpkeep(deviceId, body, { authenticated: c.get('session').user });
      if (!result.ok) throw refusedError(result);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/upkeep',
      summary: 'Per detector: last bump test and calibration, next due, overdue, sensor life; and every record',
      description: `Roles: ${ROLES.read.join(', ')}.`,
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { query: UpkeepQuery },
      responses: { 200: { description: 'Upkeep', content: json(UpkeepListSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { api, now } = contextOf();
      const { device } = c.req.valid('query');
      if (device !== undefined && !detectorIds(api.config).includes(device)) throw new ApiError('HAZMON_API_NOT_FOUND', `no detector ${device}`, 'device');
      const time = now();
      const records = await storedUpkeep(contextOf);
      const detectors = detectorUpkeep(api.config, records, api.latestValues(), time).filter((detector) => device === undefined || detector.deviceId === device);
      const listed = records.filter((record) => device === undefined || record.deviceId === device).reverse();
      return c.json({ time, detectors, records: listed }, 200);
    },
  );
}

/** Every upkeep record stored, oldest first. */
async function storedUpkeep(contextOf: ContextOf) {
  return upkeepRecords(await contextOf().api.reader.ruleHistory(UPKEEP_RULE, 0, Number.MAX_SAFE_INTEGER));
}
