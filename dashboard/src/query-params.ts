/** Query params the history routes share: epoch-ms times, a time range with its span checked, a page size, the order of a page by seq. */
import { z } from '@hono/zod-openapi';

/** Epoch ms UTC as a query param: a whole number written plainly (no sign, exponent or leading zeros). */
export const epochMs = z.string().regex(/^(0|[1-9][0-9]{0,14})$/, 'epoch ms UTC (a whole number >= 0)');

/** A page size 1..max as a query param. */
export function pageSize(max: number, defaultSize: number) {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,5}$/, `a whole number 1..${max}`)
    .refine((text) => Number(text) <= max, `at most ${max}`)
    .optional()
    .openapi({ description: `Rows per page, 1..${max}, default ${defaultSize}` });
}

/** A short free-text filter: an exact name (`who`, `action`). */
export const filterText = z.string().min(1).max(100);

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/**
 * A query's `to` must come after its `from`, the span within `minMs..maxMs`: the issue names `to`, so the 400 says
 * which param to change. Either may be absent (the route's own default then applies).
 */
function spanIssue(query: { from?: string | undefined; to?: string | undefined }, minMs: number, maxMs: number): string | null {
  if (query.from === undefined || query.to === undefined) return null;
  const span = Number(query.to) - Number(query.from);
  if (span < minMs) return `must be at least ${minMs / MINUTE_MS} minute(s) after from`;
  if (span > maxMs) return `must be at most ${maxMs / DAY_MS} days after from`;
  return null;
}

/** Adds spanIssue to a query schema's checks, on the path `to`. */
export function checkSpan(minMs: number, maxMs: number) {
  return (query: { from?: string | undefined; to?: string | undefined }, context: z.RefinementCtx) => {
    const issue = spanIssue(query, minMs, maxMs);
    if (issue !== null) context.addIssue({ code: 'custom', path: ['to'], message: issue });
  };
}

/** A store seq as a query param (a page's cursor): a whole number written plainly. */
export function seqCursor(what: string) {
  return z.string().regex(/^(0|[1-9][0-9]{0,14})$/, `a whole number >= 0 (${what} seq)`);
}

export const SEQ_ORDERS = ['oldest', 'newest'] as const;
export type SeqOrder = (typeof SEQ_ORDERS)[number];

/** Which way a page by seq runs: oldest first after `after` (the default, as before this param), newest first before `before`. */
export const seqOrder = z
  .enum(SEQ_ORDERS)
  .optional()
  .openapi({ description: '`oldest` (default): rows after `after`, oldest first; `newest`: rows before `before` (none: from the newest), newest first, for a person reading what happened last' });

/**
 * `after` goes with oldest first, `before` with newest first: a cursor of the other order is a 400 naming it, rather
 * than a page that silently runs the other way.
 */
export function checkCursorOrder(query: { order?: SeqOrder | undefined; after?: string | undefined; before?: string | undefined }, context: z.RefinementCtx): void {
  if (query.order === 'newest' && query.after !== undefined) context.addIssue({ code: 'custom', path: ['after'], message: 'only with order=oldest: newest first pages by before' });
  if (query.order !== 'newest' && query.before !== undefined) context.addIssue({ code: 'custom', path: ['before'], message: 'only with order=newest: oldest first pages by after' });
}

/** The store's cursor of a page: `beforeSeq` newest first (from the newest when none was sent), `afterSeq` oldest first. */
export function seqCursorOf(query: { order?: SeqOrder | undefined; after?: string | undefined; before?: string | undefined }): { order: SeqOrder; seq: number } {
  if (query.order === 'newest') return { order: 'newest', seq: query.before === undefined ? Number.MAX_SAFE_INTEGER : Number(query.before) };
  return { order: 'oldest', seq: Number(query.after ?? 0) };
}
