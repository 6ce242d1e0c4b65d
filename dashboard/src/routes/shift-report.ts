/** The data of a shift report for a range of up to 31 days: what happened, who did what, what stands at the end. */
import { commsScores, upkeepRecords } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { checkSpan, DAY_MS, epochMs, HOUR_MS, MINUTE_MS } from '../query-params.ts';
import { eventsInRange } from '../range-events.ts';
import { MODE_CHANGE_KINDS, shiftEvents, standingAt } from '../shift-report.ts';
import { errorResponses, json, SESSION_SECURITY } from './openapi.ts';
import { UpkeepRecordSchema } from './upkeep.ts';

const SHIFT_REPORT_MAX_DAYS = 31;
/** Monitored points whose min / max / avg one report lists at most (a printed page holds far fewer). */
const MAX_REPORT_POINTS = 2000;

const ShiftReportQuery = z
  .strictObject({
    from: epochMs.openapi({ description: 'Start of the shift, epoch ms UTC (inclusive)' }),
    to: epochMs.openapi({ description: `End, epoch ms UTC (exclusive): 1 minute to ${SHIFT_REPORT_MAX_DAYS} days after from` }),
  })
  .superRefine(checkSpan(MINUTE_MS, SHIFT_REPORT_MAX_DAYS * DAY_MS));

const person = z.string().nullable();
const eventBase = { seq: z.number().int(), time: z.number(), alarmId: z.string(), pointId: z.string().nullable(), who: person };

export const ShiftReportSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    raised: z
      .object({ total: z.number().int(), byPriority: z.object({ emergency: z.number().int(), high: z.number().int(), medium: z.number().int(), low: z.number().int() }) })
      .openapi({ description: 'Alarms raised in the range' }),
    acknowledgements: z.array(
      z.object({
        ...eventBase,
        priority: z.string().nullable(),
        comment: z.string().nullable(),
        secondsToAcknowledge: z.number().nullable().openapi({ description: 'From the alarm being raised (its raised event in the range, else its activeSince) to this acknowledgement' }),
      }),
    ),
    handling: z.array(z.object({ ...eventBase, found: z.string(), done: z.string(), result: z.string() })).openapi({ description: 'Handling records (the closed loop)' }),
    modeChanges: z
      .array(z.object({ ...eventBase, kind: z.enum(MODE_CHANGE_KINDS), reason: z.string().nullable(), shelvedUntil: z.number().nullable() }))
      .openapi({ description: 'Shelved, suppressed, out of service and back' }),
    actions: z
      .array(z.object({ ...eventBase, kind: z.string(), actionId: z.string().nullable(), command: z.string().nullable(), reason: z.string().nullable() }))
      .openapi({ description: 'Shut-off actions commanded and released (action_commanded, action_released; alarmId = the trigger) and latched alarms reset (reset)' }),
    upkeep: z.array(UpkeepRecordSchema).openapi({ description: 'Bump tests and calibrations entered in the range' }),
    commsLosses: z.array(z.object({ deviceId: z.string(), disconnections: z.number().int(), offlineHours: z.number() })).openapi({ description: 'Devices in comms loss at some time of the range' }),
    points: z
      .array(z.object({ pointId: z.string(), min: z.number().nullable(), avg: z.number().nullable(), max: z.number().nullable(), count: z.number().int(), completeness: z.number() }))
      .openapi({ description: `Each monitored point over the whole minutes covering the range (good readings), at most ${MAX_REPORT_POINTS}` }),
    pointsTruncated: z.boolean(),
    standing: z
      .array(z.object({ alarmId: z.string(), pointId: z.string().nullable(), priority: z.string().nullable(), state: z.string(), mode: z.string(), activeSince: z.number() }))
      .openapi({ description: 'Alarms active at the end of the range (each alarm by its latest state before to), shelved and out-of-service ones with their mode' }),
  })
  .openapi('ShiftReport');

export function registerShiftReportRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/shift-report',
      summary: `The data of a shift report for a range of up to ${SHIFT_REPORT_MAX_DAYS} days`,
      description: `Roles: ${ROLES.read.join(', ')}. From the alarm events, comms history and aggregates stored.`,
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { query: ShiftReportQuery },
      responses: { 200: { description: 'The report data', content: json(ShiftReportSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api } = contextOf();
      const query = c.req.valid('query');
      const from = Number(query.from);
      const to = Number(query.to);
      const stored = new Set(api.config.readingPoints);
      const monitored = api.config.engine.points.map((point) => point.id).filter((id) => stored.has(id));
      const listed = monitored.slice(0, MAX_REPORT_POINTS);
      const minuteFrom = Math.floor(from / MINUTE_MS) * MINUTE_MS;
      const minuteTo = Math.ceil(to / MINUTE_MS) * MINUTE_MS;
      const [events, latestStates, comms, aggregates] = await Promise.all([
        eventsInRange(api.reader, from, to),
        api.reader.latestAlarmStates(to),
        api.reader.ruleHistory('comms_loss', from, to),
        listed.length === 0 ? [] : api.reader.aggregates({ pointIds: listed, from: minuteFrom, to: minuteTo, intervalMs: minuteTo - minuteFrom }),
      ]);
      const commsLosses = [...commsScores(comms, from, to)]
        .filter(([, score]) => score.disconnections > 0 || score.offlineMs > 0)
        .map(([deviceId, score]) => ({ deviceId, disconnections: score.disconnections, offlineHours: score.offlineMs / HOUR_MS }));
      const byPoint = new Map(aggregates.map((row) => [row.pointId, row]));
      const points = listed.map((pointId) => {
        const row = byPoint.get(pointId);
        return { pointId, min: row?.min ?? null, avg: row?.avg ?? null, max: row?.max ?? null, count: row?.count ?? 0, completeness: row?.completeness ?? 0 };
      });
      return c.json(
        { from, to, ...shiftEvents(events), upkeep: upkeepRecords(events), commsLosses, points, pointsTruncated: monitored.length > listed.length, standing: standingAt(latestStates) },
        200,
      );
    },
  );
}
