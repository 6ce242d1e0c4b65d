/** Query params the history routes share: epoch-ms times, a time range with its span checked, a page size. */
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
