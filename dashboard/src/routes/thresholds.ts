/**
 * Thresholds changed at run time by a supervisor or admin, through the agent (which checks the role again, applies the
 * change through its reload path, keeps it in its overrides file and audits it), and their history.
 */
import { CONFIG_FILE_WHO, CONFIG_LIMIT_HISTORY_LIMIT, LIMIT_NAMES, THRESHOLD_HISTORY_LIMIT } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { ApiError, refusedError } from '../errors.ts';
import { mergedByTime } from '../limit-history.ts';
import { PointIdParams, reason } from '../schemas.ts';
import { errorResponses, json, SESSION_SECURITY, STATE_CHANGE_SECURITY } from './openapi.ts';

const limitValue = z.number().min(-1e9).max(1e9);
const limitChange = limitValue.nullable().optional().openapi({ description: "The new limit; null: back to the config file's value; left out: unchanged" });

const ThresholdChangeBody = z
  .strictObject({ lolo: limitChange, lo: limitChange, hi: limitChange, hihi: limitChange, reason })
  .refine((body) => LIMIT_NAMES.some((limit) => body[limit] !== undefined), { message: 'give at least one of lolo, lo, hi, hihi' })
  .openapi('ThresholdChange');

const limitsInForce = z.object({ lolo: z.number().nullable(), lo: z.number().nullable(), hi: z.number().nullable(), hihi: z.number().nullable() });
const limitName = z.enum(LIMIT_NAMES);

const ThresholdOverrideSchema = z
  .object({
    pointId: z.string(),
    limit: limitName,
    value: z.number(),
    configValue: z.number().openapi({ description: "The config file's value it replaced; the override holds while the file keeps that value" }),
    by: z.string(),
    at: z.number(),
    reason: z.string(),
  })
  .openapi('ThresholdOverride');

/** One change of a point's limit, as the threshold history lists it; a trend's series carries its own without `pointId`. */
export const ThresholdHistorySchema = z
  .object({
    time: z.number(),
    pointId: z.string(),
    limit: limitName,
    old: z.number().nullable().openapi({ description: 'In force before (null: none)' }),
    new: z.number().nullable().openapi({ description: 'In force after (null: none)' }),
    who: z.string().openapi({ description: `The person; \`hazmon\` for a retirement; \`${CONFIG_FILE_WHO}\` for a change the config file made` }),
    why: z.string().openapi({ description: "The person's reason; for the config file's change its trigger (`config reload (SIGHUP)`) or the start" }),
    kind: z.enum(['changed', 'removed', 'retired', 'config_file']).openapi({
      description:
        "changed or removed by a person; retired by the agent when the config file's value took over; config_file: the config file was edited and reloaded, or the agent started on a file edited while it was down",
    }),
  })
  .openapi('ThresholdHistoryEntry');

const description = `Roles: ${ROLES.changeThresholds.join(', ')}.`;

export function registerThresholdRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/points/{pointId}/thresholds',
      summary: "Move a point's limits at run time (kept over restarts, over the config file's values)",
      description: `${description} Each of lolo, lo, hi, hihi a number, null (back to the config file's value) or left out; a limit the point has; lolo < lo < hi < hihi; within the point's range. Applied through the agent's reload path (alarm states and windows kept), kept in the overrides file and audited (\`threshold_change\`) before the answer; a refusal is a 409, audited.`,
      middleware: [allow(ROLES.changeThresholds, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      request: { params: PointIdParams, body: { required: true, content: json(ThresholdChangeBody) } },
      responses: {
        200: { description: 'Applied', content: json(z.object({ ok: z.literal(true), thresholds: limitsInForce }).openapi('ThresholdChangeApplied')) },
        ...errorResponses(400, 401, 403, 404, 409, 413),
      },
    }),
    async (c) => {
      const { api } = contextOf();
      const { pointId } = c.req.valid('param');
      if (!api.config.readingPoints.includes(pointId)) throw new ApiError('HAZMON_API_NOT_FOUND', `no point ${pointId}`, 'pointId');
      const result = await api.changeThresholds(pointId, c.req.valid('json'), { authenticated: c.get('session').user });
      if (!result.ok) throw refusedError(result);
      return c.json({ ok: true as const, thresholds: result.thresholds }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/threshold-changes',
      summary: 'The threshold overrides in force and the history of limit changes (who, when, old, new, why), newest first',
      description: `${description} The history merges by time the agent's two records of limit changes, as the trend's \`limitChanges\` does: the run-time threshold changes and their retirements (the site's last ${THRESHOLD_HISTORY_LIMIT}; the audit log's \`threshold_change\` and \`threshold_override_retired\` rows keep all) and the config file's own (kind config_file: a reload of the edited file or a start on a file edited while the agent was down; the last ${CONFIG_LIMIT_HISTORY_LIMIT}; the audit log's \`config_reload\` and \`limits_changed_at_start\` rows keep all; those made before the agent recorded their values are not known).`,
      middleware: [allow(ROLES.changeThresholds, contextOf)] as const,
      security: SESSION_SECURITY,
      responses: {
        200: {
          description: 'Overrides and history',
          content: json(z.object({ inForce: z.array(ThresholdOverrideSchema), history: z.array(ThresholdHistorySchema) }).openapi('ThresholdChanges')),
        },
        ...errorResponses(401, 403),
      },
    }),
    (c) => {
      const { api } = contextOf();
      const { inForce, history } = api.thresholdOverview();
      return c.json({ inForce: [...inForce], history: mergedByTime(history, api.configLimitChanges().changes).reverse() }, 200);
    },
  );
}
