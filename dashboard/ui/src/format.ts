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

/** Decimal places when the point does not say its resolution: the gas detectors' usual 0.1. */
const DEFAULT_DECIMALS = 1;

export function formatValue(value: number | boolean | null, resolution?: number | null): string {
  if (value === null) return t('value.none');
  if (typeof value === 'boolean') return value ? t('value.on') : t('value.off');
  const decimals = resolution ?? DEFAULT_DECIMALS;
  return new Intl.NumberFormat(language.value, { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: false }).format(value);
}
