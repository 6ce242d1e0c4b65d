/** Times in the site's time zone (UTC in the tooltip) and values at the point's resolution, in the chosen language. */
import { signal } from '@preact/signals';
import { language, t } from './i18n/index.ts';

/** The site's IANA time zone from GET /api/v1/site when it says one; the browser's until then. */
export const timeZone = signal<string>(Intl.DateTimeFormat().resolvedOptions().timeZone);

type ClockField = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

/** The site's wall clock at `ms`, field by field (zero-padded, 24-hour). */
export function siteClock(ms: number): Record<ClockField, string> {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timeZone.value,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const part = (type: ClockField) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** YYYY-MM-DD HH:mm:ss in both languages: "12/6/26" means different days to different readers. */
export function formatTime(ms: number): string {
  const clock = siteClock(ms);
  return `${clock.year}-${clock.month}-${clock.day} ${clock.hour}:${clock.minute}:${clock.second}`;
}

export function utcTooltip(ms: number): string {
  return `UTC ${new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')}`;
}

/** Decimal places at most when the point does not say its resolution: enough for 0.01 steps, no float noise. */
const DEFAULT_MAX_DECIMALS = 2;

const MAX_DECIMALS = 6;

/** Decimal places that show every multiple of a resolution step: 0.1 -> 1, 0.25 -> 2, 1 or 10 -> 0. */
function decimalsOf(step: number): number {
  for (let decimals = 0; decimals < MAX_DECIMALS; decimals += 1) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * scaled) return decimals;
  }
  return MAX_DECIMALS;
}

/**
 * Rounded to the point's resolution (the step values are stored at, from GET /api/v1/points) when known, else to two
 * decimals; without trailing zeros, as the source's default step (0.001) would print "0.000 ppm" for a plain zero.
 */
export function formatValue(value: number | boolean | null, resolution?: number | null): string {
  if (value === null) return t('value.none');
  if (typeof value === 'boolean') return value ? t('value.on') : t('value.off');
  const decimals = resolution == null || !(resolution > 0) ? null : decimalsOf(resolution);
  return new Intl.NumberFormat(language.value, { minimumFractionDigits: 0, maximumFractionDigits: decimals ?? DEFAULT_MAX_DECIMALS, useGrouping: false }).format(value);
}
