/**
 * The trends page's URL, the contract other pages link to: `/trends?points=<id>[,<id>...]` with either `from` and
 * `to` (epoch ms UTC: a fixed window, as a zoom leaves it, so a view can be shared) or `range` (a preset ending now,
 * followed live; 1h when neither is given).
 */
export const RANGES = { '10m': 10 * 60_000, '1h': 3_600_000, '8h': 8 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '1y': 365 * 86_400_000 } as const;
export type RangeName = keyof typeof RANGES;
const DEFAULT_RANGE: RangeName = '1h';
/** The server's span limits (GET /api/v1/trends): 1 minute to 366 days. */
const MIN_SPAN_MS = 60_000;
const MAX_SPAN_MS = 366 * 86_400_000;

export type Window = { readonly kind: 'live'; readonly range: RangeName } | { readonly kind: 'fixed'; readonly from: number; readonly to: number };

export interface TrendView {
  readonly pointIds: readonly string[];
  readonly window: Window;
}

const isRange = (text: string | undefined): text is RangeName => text !== undefined && Object.hasOwn(RANGES, text);
const epochMs = (text: string | undefined) => (text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : null);

export function parseView(query: Readonly<Record<string, string>>): TrendView {
  const pointIds = [...new Set((query['points'] ?? '').split(',').filter((id) => id !== ''))];
  const from = epochMs(query['from']);
  const to = epochMs(query['to']);
  if (from !== null && to !== null && to - from >= MIN_SPAN_MS && to - from <= MAX_SPAN_MS) return { pointIds, window: { kind: 'fixed', from, to } };
  const range = query['range'];
  return { pointIds, window: { kind: 'live', range: isRange(range) ? range : DEFAULT_RANGE } };
}

export function viewUrl({ pointIds, window }: TrendView): string {
  const params = new URLSearchParams();
  if (pointIds.length > 0) params.set('points', pointIds.join(','));
  if (window.kind === 'live') params.set('range', window.range);
  else {
    params.set('from', String(Math.round(window.from)));
    params.set('to', String(Math.round(window.to)));
  }
  // Commas in point lists stay readable: ids never hold one.
  return `/trends?${params.toString().replaceAll('%2C', ',')}`;
}

/** The window's from/to now: a live one ends at `now`. */
export function spanOf(window: Window, now: number): { readonly from: number; readonly to: number } {
  return window.kind === 'live' ? { from: now - RANGES[window.range], to: now } : window;
}

/** A zoom or pan result held inside the server's span limits. */
export function clampedWindow(from: number, to: number): Window {
  const span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, to - from));
  const middle = (from + to) / 2;
  return { kind: 'fixed', from: Math.round(middle - span / 2), to: Math.round(middle + span / 2) };
}
