/**
 * The audit log for supervisors: rows by time, person and action, in pages by seq, with the hash chain's status so
 * a reader knows whether what they see is what was written.
 */
import type { AuditRow } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { checkSpan, epochMs, filterText, pageSize } from '../query-params.ts';
import { errorResponses, json, SESSION_SECURITY } from './openapi.ts';

const AUDIT_PAGE = { default: 100, max: 1000 } as const;
/** Rows the store reads per round while filtering by who / action, and rounds per request: a sparse filter pages on. */
const SCAN_PAGE = 1000;
const SCAN_ROUNDS = 20;

const AuditQuery = z
  .strictObject({
    from: epochMs.optional().openapi({ description: 'Rows at or after, epoch ms UTC' }),
    to: epochMs.optional().openapi({ description: 'Rows before, epoch ms UTC' }),
    who: filterText.optional().openapi({ description: 'Only rows of this person (exact name; `hazmon` for the agent itself)' }),
    action: filterText.optional().openapi({ description: 'Only rows of this action (exact: alarm_command, alarm_handling, reset_action, session_login, ...)' }),
    after: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,14})$/, 'a whole number >= 0 (an audit row seq)')
      .optional()
      .openapi({ description: 'The `next` of the previous page; 0 or none from the start' }),
    limit: pageSize(AUDIT_PAGE.max, AUDIT_PAGE.default),
  })
  .superRefine(checkSpan(1, Number.MAX_SAFE_INTEGER));

const AuditRowSchema = z
  .object({
    seq: z.number().int(),
    time: z.number(),
    who: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditRow');

const AuditPageSchema = z
  .object({
    rows: z.array(AuditRowSchema),
    next: z.number().int().openapi({ description: 'Pass as `after` for the next page: the last seq examined' }),
    complete: z.boolean().openapi({ description: 'No row after `next` matches: the last page' }),
    chain: z
      .object({
        ok: z.boolean(),
        rowsChecked: z.number().int(),
        problems: z.array(z.object({ seq: z.number().int(), problem: z.enum(['content_changed', 'chain_broken', 'missing', 'duplicate']), message: z.string() })),
      })
      .openapi({ description: 'The whole log hash chain, checked now: ok false names each altered, missing or duplicated row' }),
  })
  .openapi('AuditPage');

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Audit log rows by time, person and action, oldest first, in pages by seq; with the hash chain status',
      description: `Roles: ${ROLES.supervise.join(', ')}.`,
      middleware: [allow(ROLES.supervise, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { query: AuditQuery },
      responses: { 200: { description: 'A page of audit rows', content: json(AuditPageSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api } = contextOf();
      const query = c.req.valid('query');
      const limit = Number(query.limit ?? AUDIT_PAGE.default);
      const range = { ...(query.from === undefined ? {} : { fromTime: Number(query.from) }), ...(query.to === undefined ? {} : { toTime: Number(query.to) }) };
      const matches = (row: AuditRow) => (query.who === undefined || row.who === query.who) && (query.action === undefined || row.action === query.action);
      const rows: AuditRow[] = [];
      let next = Number(query.after ?? 0);
      let complete = false;
      for (let round = 0; round < SCAN_ROUNDS && rows.length < limit && !complete; round += 1) {
        const page = await api.reader.auditRows({ ...range, afterSeq: next, limit: SCAN_PAGE });
        complete = page.length < SCAN_PAGE;
        for (const row of page) {
          next = row.seq;
          if (!matches(row)) continue;
          rows.push(row);
          if (rows.length === limit) {
            complete = complete && row === page.at(-1);
            break;
          }
        }
      }
      const chain = await api.reader.verifyAuditChain();
      return c.json({ rows, next, complete, chain: { ...chain, problems: [...chain.problems] } }, 200);
    },
  );
}
