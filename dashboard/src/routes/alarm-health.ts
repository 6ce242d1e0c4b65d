/** Alarm-system health for supervisors: the EEMUA 191 / ISA-18.2 figures of a time range, from the stored alarm events. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { alarmHealth, HEALTH_FIGURES } from '../alarm-health.ts';
import { checkSpan, DAY_MS, epochMs, MINUTE_MS } from '../query-params.ts';
import { eventsInRange } from '../range-events.ts';
import { errorResponses, json, SESSION_SECURITY } from './openapi.ts';

const AlarmHealthQuery = z
  .strictObject({
    from: epochMs.openapi({ description: 'Start, epoch ms UTC (inclusive)' }),
    to: epochMs.openapi({ description: 'End, epoch ms UTC (exclusive): 1 minute to 366 days after from' }),
  })
  .superRefine(checkSpan(MINUTE_MS, 366 * DAY_MS));

const count = z.object({ start: z.number(), count: z.number().int() });
const standing = z.object({ alarmId: z.string(), pointId: z.string().nullable(), priority: z.string().nullable(), state: z.string(), activeSince: z.number() });

export const AlarmHealthSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    activations: z.number().int().openapi({ description: 'Alarms raised in the range' }),
    averagePer10Min: z.number().openapi({ description: 'Manageable: about 1 per 10 minutes per operator' }),
    perHour: z.array(count).openapi({ description: 'Activations per UTC hour, hours with none left out' }),
    perDay: z.array(count).openapi({ description: 'Activations per UTC day, days with none left out' }),
    floods: z
      .array(
        z.object({
          start: z.number(),
          end: z.number().openapi({ description: 'The last activation of the episode so far' }),
          alarms: z.number().int(),
          ongoing: z.boolean().openapi({ description: "Still at flood level at the range's end: the episode is not over" }),
        }),
      )
      .openapi({ description: `Episodes of >= ${HEALTH_FIGURES.floodAlarms} activations within 10 minutes: first to last activation` }),
    chattering: z
      .array(z.object({ alarmId: z.string(), pointId: z.string().nullable(), activations: z.number().int(), maxIn1Min: z.number().int() }))
      .openapi({ description: `Alarms raised >= ${HEALTH_FIGURES.chatterAlarms} times within 1 minute` }),
    standing: z.array(standing).openapi({ description: 'Alarms active at the end of the range (by their last stored state in it)' }),
    stale: z.array(standing).openapi({ description: 'Standing alarms active for more than 24 h at the end of the range' }),
    worstPoints: z.array(z.object({ pointId: z.string(), activations: z.number().int() })).openapi({ description: 'The ten points with the most activations' }),
  })
  .openapi('AlarmHealth');

export function registerAlarmHealthRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alarm-health',
      summary: 'Alarm-system health of a time range: rates, floods, chattering, standing and stale alarms, the worst points',
      description: `Roles: ${ROLES.supervise.join(', ')}. From the alarm events stored in the range.`,
      middleware: [allow(ROLES.supervise, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { query: AlarmHealthQuery },
      responses: { 200: { description: 'The figures', content: json(AlarmHealthSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api } = contextOf();
      const query = c.req.valid('query');
      const from = Number(query.from);
      const to = Number(query.to);
      const events = await eventsInRange(api.reader, from, to);
      return c.json({ from, to, ...alarmHealth(events, from, to) }, 200);
    },
  );
}
