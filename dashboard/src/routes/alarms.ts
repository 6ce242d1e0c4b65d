/** The alarm list and the commands a person gives an alarm or a latched action; the agent checks, applies and audits each. */
import { type AlarmCommandRequest, alarmAreas, alarmHelpOf, type UserRole } from '@hazmon/agent';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { HonoRequest } from 'hono';
import type { z } from 'zod';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { refusedError, unknownTargetError } from '../errors.ts';
import { JSON_TYPE } from '../json-bytes.ts';
import { AckBody, ActionIdParams, ActionListSchema, AlarmIdParams, AlarmListSchema, CommandAccepted, NoQuery, OptionalReasonBody, ReasonBody, ShelveBody } from '../schemas.ts';
import { errorResponses, json, SESSION_SECURITY, STATE_CHANGE_SECURITY } from './openapi.ts';

const MINUTE_MS = 60_000;

/** One alarm command route: its path word, the agent's command, who may, its body and how the body becomes the command. */
interface AlarmCommand<Body extends z.ZodType> {
  readonly path: string;
  readonly kind: AlarmCommandRequest['kind'];
  readonly roles: readonly UserRole[];
  readonly summary: string;
  readonly body: Body;
  readonly fields: (body: z.output<Body>, now: number) => Pick<AlarmCommandRequest, 'reason' | 'until'>;
}

const reasonOnly = (body: { reason?: string | undefined }) => (body.reason === undefined ? {} : { reason: body.reason });

const ACK: AlarmCommand<typeof AckBody> = {
  path: 'ack',
  kind: 'ack',
  roles: ROLES.handleAlarms,
  summary: 'Acknowledge an alarm, with an optional comment',
  body: AckBody,
  fields: (body) => (body.comment === undefined ? {} : { reason: body.comment }),
};
const SHELVE: AlarmCommand<typeof ShelveBody> = {
  path: 'shelve',
  kind: 'shelve',
  roles: ROLES.handleAlarms,
  summary: 'Shelve an alarm for 1..1440 minutes, with the reason',
  body: ShelveBody,
  fields: (body, now) => ({ reason: body.reason, until: now + body.minutes * MINUTE_MS }),
};
const UNSHELVE: AlarmCommand<typeof OptionalReasonBody> = { path: 'unshelve', kind: 'unshelve', roles: ROLES.handleAlarms, summary: 'Unshelve an alarm', body: OptionalReasonBody, fields: reasonOnly };
const OUT_OF_SERVICE: AlarmCommand<typeof ReasonBody> = {
  path: 'out-of-service',
  kind: 'remove_from_service',
  roles: ROLES.serviceAlarms,
  summary: 'Take an alarm out of service, with the reason',
  body: ReasonBody,
  fields: reasonOnly,
};
const RETURN_TO_SERVICE: AlarmCommand<typeof OptionalReasonBody> = {
  path: 'return-to-service',
  kind: 'return_to_service',
  roles: ROLES.serviceAlarms,
  summary: 'Return an alarm to service',
  body: OptionalReasonBody,
  fields: reasonOnly,
};

function rolesText(roles: readonly UserRole[]): string {
  return `Roles: ${roles.join(', ')}.`;
}

function registerAlarmCommand<Body extends z.ZodType>(app: OpenAPIHono<AppEnv>, contextOf: ContextOf, command: AlarmCommand<Body>): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: `/api/v1/alarms/{alarmId}/${command.path}`,
      summary: command.summary,
      description: `${rolesText(command.roles)} Audited, accepted or refused.`,
      middleware: [allow(command.roles, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      request: { params: AlarmIdParams, body: { required: true, content: json(command.body) } },
      responses: { 200: { description: 'Applied', content: json(CommandAccepted) }, ...errorResponses(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { api, now } = contextOf();
      // Hono's types cannot follow a route declared over a generic body; the validators ran on AlarmIdParams and command.body.
      const request = c.req as HonoRequest<string, { param: z.output<typeof AlarmIdParams>; json: z.output<Body> }>;
      const { alarmId } = request.valid('param');
      if (api.alarm(alarmId) === undefined) throw unknownTargetError(`no alarm ${alarmId}`, 'alarmId', alarmId, command.kind);
      const body = request.valid('json');
      const result = await api.commandAlarm({ kind: command.kind, target: alarmId, ...command.fields(body, now()) }, { authenticated: c.get('session').user });
      if (!result.ok) throw refusedError(result);
      return c.json({ ok: true as const }, 200);
    },
  );
}

/** An engine alarm (its point or voting group) or a runtime alarm (its source). */
type ListedAlarm = Parameters<typeof alarmHelpOf>[1] & { readonly id: string };

/**
 * An alarm's JSON with its help and its areas after its own fields: the text `{ ...alarm, help, areas }` serializes
 * to, without that copy of every alarm. With dashboards open the list is asked for ~20 times a second, and the copies
 * were promoted to V8's old space (3.8 MB in the 4 s of 20 dashboards' first loads): garbage that only a full GC frees.
 */
export function alarmJson(alarm: ListedAlarm, help: ReturnType<typeof alarmHelpOf>, areas: readonly string[]): string {
  const own = JSON.stringify(alarm);
  return `${own === '{}' ? '{' : `${own.slice(0, -1)},`}"help":${JSON.stringify(help)},"areas":${JSON.stringify(areas)}}`;
}

export function registerAlarmRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alarms',
      summary: 'Every alarm a person has to know of: engine alarms not normal or not in service, runtime alarms not normal, and the running on-/off-delays',
      description: rolesText(ROLES.read),
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: SESSION_SECURITY,
      responses: { 200: { description: 'The alarms', content: json(AlarmListSchema) }, ...errorResponses(401, 403) },
    }),
    (c) => {
      const { api } = contextOf();
      const { engine, runtime, pending } = api.alarms();
      const config = api.config;
      const areas = alarmAreas(config);
      const entries = (alarms: readonly ListedAlarm[]) =>
        alarms.map((alarm) => alarmJson(alarm, alarmHelpOf(config, alarm), areas.ofAlarm(alarm.id, 'pointId' in alarm ? alarm.pointId : alarm.source))).join(',');
      return c.body(`{"engine":[${entries(engine)}],"runtime":[${entries(runtime)}],"pending":${JSON.stringify(pending)}}`, 200, JSON_TYPE) as never;
    },
  );
  registerAlarmCommand(app, contextOf, ACK);
  registerAlarmCommand(app, contextOf, SHELVE);
  registerAlarmCommand(app, contextOf, UNSHELVE);
  registerAlarmCommand(app, contextOf, OUT_OF_SERVICE);
  registerAlarmCommand(app, contextOf, RETURN_TO_SERVICE);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/actions',
      summary: "Each configured action (shut-off valve, fan, siren, power cut): its output, state, the valve's limit switches, the alarms that trip it, whether a reset would be accepted now",
      description: rolesText(ROLES.read),
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { query: NoQuery },
      responses: { 200: { description: 'The actions', content: json(ActionListSchema) }, ...errorResponses(400, 401, 403) },
    }),
    (c) =>
      c.json(
        {
          actions: contextOf()
            .api.actions()
            .map((action) => ({ ...action, trippedBy: [...action.trippedBy], triggers: [...action.triggers] })),
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/actions/{actionId}/reset',
      summary: 'Release a latched action (a shut-off) once its trigger conditions cleared; never reopens a valve',
      description: `${rolesText(ROLES.resetAction)} Audited, accepted or refused.`,
      middleware: [allow(ROLES.resetAction, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      request: { params: ActionIdParams, body: { required: true, content: json(ReasonBody) } },
      responses: { 200: { description: 'Released', content: json(CommandAccepted) }, ...errorResponses(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { api } = contextOf();
      const { actionId } = c.req.valid('param');
      if (!api.config.engine.actions.some((action) => action.id === actionId)) throw unknownTargetError(`no action ${actionId}`, 'actionId', actionId, 'reset');
      const result = await api.resetAction(actionId, { authenticated: c.get('session').user }, c.req.valid('json').reason);
      if (!result.ok) throw refusedError(result);
      return c.json({ ok: true as const }, 200);
    },
  );
}
