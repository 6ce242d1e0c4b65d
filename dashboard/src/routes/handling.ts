/**
 * The handling record regulators keep per alarm (the closed loop: handling time, person, result, record): what the
 * person found, what they did, how it ended. Stored by the agent as an `alarm_events` row of kind `handled`, so it
 * is listed with the alarm's events and in the regulator's feed, and audited.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { refusedError, unknownTargetError } from '../errors.ts';
import { AlarmIdParams, CommandAccepted } from '../schemas.ts';
import { errorResponses, json, STATE_CHANGE_SECURITY } from './openapi.ts';

const handlingText = z.string().trim().min(1).max(2000);

const HandlingBody = z
  .strictObject({
    found: handlingText.openapi({ description: 'What the person found on site', example: 'flange leak at valve XV-1, 30 %LEL at the flange' }),
    done: handlingText.openapi({ description: 'What was done', example: 'isolated the header, replaced the gasket, ventilated the house' }),
    result: handlingText.openapi({ description: 'How it ended', example: 'gas back to 0 %LEL, header in service again' }),
  })
  .openapi('AlarmHandling');

export function registerHandlingRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/alarms/{alarmId}/handling',
      summary: 'Record how an alarm was handled: what was found, what was done, the result',
      description: `Roles: ${ROLES.handleAlarms.join(', ')}. Stored as an alarm event of kind \`handled\` (who, when, the three texts) before the answer; audited as \`alarm_handling\`.`,
      middleware: [allow(ROLES.handleAlarms, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      request: { params: AlarmIdParams, body: { required: true, content: json(HandlingBody) } },
      responses: { 200: { description: 'Stored', content: json(CommandAccepted) }, ...errorResponses(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { api } = contextOf();
      const { alarmId } = c.req.valid('param');
      if (api.alarm(alarmId) === undefined) throw unknownTargetError(`no alarm ${alarmId}`, 'alarmId', alarmId, 'handling');
      const result = await api.recordHandling(alarmId, c.req.valid('json'), { authenticated: c.get('session').user });
      if (!result.ok) throw refusedError(result);
      return c.json({ ok: true as const }, 200);
    },
  );
}
