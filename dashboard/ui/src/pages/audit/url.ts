/**
 * The audit page's URL: its filters in the query string, so a reload or a link sent to a colleague shows the same
 * rows. `/audit` with `range=24h|7d|30d` (a window ending when the page opens; 24h when absent) or `from` and `to`
 * (epoch ms UTC, a custom range), `who`, `action`, and `order=oldest` (newest first when absent).
 */
const PRESET_KEYS = ['24h', '7d', '30d'] as const;
export type PresetKey = (typeof PRESET_KEYS)[number];
const DEFAULT_PRESET: PresetKey = '24h';
export type AuditOrder = 'newest' | 'oldest';

export type AuditRangeChoice = { readonly kind: 'preset'; readonly key: PresetKey } | { readonly kind: 'custom'; readonly from: number; readonly to: number };

export interface AuditView {
  readonly range: AuditRangeChoice;
  readonly who: string;
  readonly action: string;
  readonly order: AuditOrder;
}

const epochMs = (text: string | undefined) => (text !== undefined && /^(0|[1-9][0-9]{0,14})$/.test(text) ? Number(text) : null);
export const isPreset = (text: string | undefined): text is PresetKey => (PRESET_KEYS as readonly (string | undefined)[]).includes(text);

/** The view a query string asks for; what is no filter (an unknown preset, a range that ends before it starts) is left at its default. */
export function parseAuditView(query: Readonly<Record<string, string>>): AuditView {
  const from = epochMs(query['from']);
  const to = epochMs(query['to']);
  const range: AuditRangeChoice = from !== null && to !== null && to > from ? { kind: 'custom', from, to } : { kind: 'preset', key: isPreset(query['range']) ? query['range'] : DEFAULT_PRESET };
  return { range, who: query['who']?.trim() ?? '', action: query['action']?.trim() ?? '', order: query['order'] === 'oldest' ? 'oldest' : 'newest' };
}

/** The URL of a view: defaults left out, so the plain page is `/audit`. */
export function auditUrl(view: AuditView): string {
  const params = new URLSearchParams();
  if (view.range.kind === 'custom') {
    params.set('from', String(view.range.from));
    params.set('to', String(view.range.to));
  } else if (view.range.key !== DEFAULT_PRESET) params.set('range', view.range.key);
  if (view.who !== '') params.set('who', view.who);
  if (view.action !== '') params.set('action', view.action);
  if (view.order === 'oldest') params.set('order', 'oldest');
  const text = params.toString();
  return text === '' ? '/audit' : `/audit?${text}`;
}
