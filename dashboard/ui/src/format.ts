/** Times in the site's time zone (UTC in the tooltip) and values at the point's resolution, in the chosen language. */
import { signal } from '@preact/signals';
import { language, t } from './i18n/index.ts';

/** The site's IANA time zone from GET /api/v1/site when it says one; the browser's until then. */
export const timeZone = signal<string>(Intl.DateTimeFormat().resolvedOptions().timeZone);

export function formatTime(ms: number): string {
  return new Intl.DateTimeFormat(language.value, { timeZone: timeZone.value, dateStyle: 'short', timeStyle: 'medium', hour12: false }).format(ms);
}

export function utcTooltip(ms: number): string {
  return `UTC ${new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')}`;
}

/** Decimal places at most when the point does not say its resolution: enough for 0.01 steps, no float noise. */
const DEFAULT_MAX_DECIMALS = 2;

/** At the point's resolution (decimal places) when known, fixed; otherwise rounded, without trailing zeros. */
export function formatValue(value: number | boolean | null, resolution?: number | null): string {
  if (value === null) return t('value.none');
  if (typeof value === 'boolean') return value ? t('value.on') : t('value.off');
  const digits = resolution == null ? { minimumFractionDigits: 0, maximumFractionDigits: DEFAULT_MAX_DECIMALS } : { minimumFractionDigits: resolution, maximumFractionDigits: resolution };
  return new Intl.NumberFormat(language.value, { ...digits, useGrouping: false }).format(value);
}
