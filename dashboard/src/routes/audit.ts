/**
 * The audit log for supervisors: rows by time, person and action, in pages by seq, with the hash chain's status so
 * a reader knows whether what they see is what was written.
 */
import type { AgentApi, AuditVerification } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { JSON_TYPE } from '../json-bytes.ts';
import { checkCursorOrder, checkSpan, epochMs, filterText, pageSize, seqCursor, seqCursorOf, seqOrder } from '../query-params.ts';
import { errorResponses, json, SESSION_SECURITY } from './openapi.ts';

const AUDIT_PAGE = { default: 100, max: 1000 } as const;
/**
 * How old a chain check may be when a page is served. A check hashes the rows appended since the one before (the whole
 * log at the agent's start and once an hour: ~0.2 s at 100k rows), and people page through the log far more often
 * than rows are appended: one check at a time, shared by every request within this age.
 */
const CHAIN_CHECK_MAX_AGE_MS = 30_000;

interface ChainCheck {
  readonly checkedAt: number;
  readonly verification: AuditVerification;
}

const chainChecks = new WeakMap<AgentApi, { last: ChainCheck | null; running: Promise<ChainCheck> | null }>();

function chainCheck(api: AgentApi, now: () => number): Promise<ChainCheck> {
  let state = chainChecks.get(api);
  if (state === undefined) chainChecks.set(api, (state = { last: null, running: null }));
  const { last } = state;
  if (last !== null && now() - last.checkedAt < CHAIN_CHECK_MAX_AGE_MS) return Promise.resolve(last);
  const shared = state;
  const checkedAt = now();
  shared.running ??= api.reader
    .verifyAuditChain()
    .then((verification) => (shared.last = { checkedAt, verification }))
    .finally(() => (shared.running = null));
  return shared.running;
}

const AuditQuery = z
  .strictObject({
    from: epochMs.optional().openapi({ description: 'Rows at or after, epoch ms UTC' }),
    to: epochMs.optional().openapi({ description: 'Rows before, epoch ms UTC' }),
    who: filterText.optional().openapi({ description: 'Only rows of this person (exact name; `hazmon` for the agent itself)' }),
    action: filterText.optional().openapi({ description: 'Only rows of this action (exact: alarm_command, alarm_handling, reset_action, session_login, ...)' }),
    order: seqOrder,
    after: seqCursor('an audit row').optional().openapi({ description: 'Oldest first: the `next` of the previous page; 0 or none from the start' }),
    before: seqCursor('an audit row').optional().openapi({ description: 'Newest first (`order=newest`): the `next` of the previous page; none from the newest' }),
    limit: pageSize(AUDIT_PAGE.max, AUDIT_PAGE.default),
  })
  .superRefine(checkSpan(1, Number.MAX_SAFE_INTEGER))
  .superRefine(checkCursorOrder);

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

export const AuditPageSchema = z
  .object({
    rows: z.array(AuditRowSchema),
    next: z.number().int().openapi({ description: "Pass as `after` (as `before` newest first) for the next page: the last row's seq (the cursor sent when none; 0 newest first without one)" }),
    complete: z.boolean().openapi({ description: 'Fewer rows than `limit`: no row after `next` (before it, newest first) matched when asked' }),
    chain: z
      .object({
        ok: z.boolean(),
        rowsChecked: z.number().int(),
        problems: z.array(z.object({ seq: z.number().int(), problem: z.enum(['content_changed', 'chain_broken', 'missing', 'duplicate']), message: z.string() })),
        checkedAt: z.number().int().openapi({ description: 'When this check began, epoch ms UTC: at most 30 s before the answer' }),
      })
      .openapi({ description: 'The whole log hash chain, checked at most 30 s ago: ok false names each altered, missing or duplicated row' }),
  })
  .openapi('AuditPage');

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Audit log rows by time, person and action, oldest first (or newest first), in pages by seq; with the hash chain status',
      description: `Roles: ${ROLES.supervise.join(', ')}.`,
      middleware: [allow(ROLES.supervise, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { query: AuditQuery },
      responses: { 200: { description: 'A page of audit rows', content: json(AuditPageSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api, now } = contextOf();
      const query = c.req.valid('query');
      const limit = Number(query.limit ?? AUDIT_PAGE.default);
      const range = { ...(query.from === undefined ? {} : { fromTime: Number(query.from) }), ...(query.to === undefined ? {} : { toTime: Number(query.to) }) };
      const cursor = seqCursorOf(query);
      const filter = { ...(query.who === undefined ? {} : { who: query.who }), ...(query.action === undefined ? {} : { action: query.action }) };
      const paging = cursor.order === 'oldest' ? { afterSeq: cursor.seq } : { beforeSeq: cursor.seq };
      // The page's read and the chain's check (when one is due) queue on the store's read connection together: neither
      // waits for the other's JavaScript. The rows' JSON text is DuckDB's (AuditPageSchema's shape, key for key).
      const [page, { checkedAt, verification }] = await Promise.all([api.reader.auditRowsJson({ ...range, ...filter, ...paging, limit }), chainCheck(api, now)]);
      const chain = JSON.stringify({ ...verification, problems: [...verification.problems], checkedAt });
      const next = page.lastSeq ?? Number(query.before ?? query.after ?? 0);
      return c.body(`{"rows":${page.json},"next":${next},"complete":${page.rows < limit},"chain":${chain}}`, 200, JSON_TYPE) as never;
    },
  );
}
