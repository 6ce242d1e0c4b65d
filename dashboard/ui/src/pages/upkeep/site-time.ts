/**
 * The form's date-and-time fields are read in the site's time zone (the one every time on the dashboard is shown in),
 * not the browser's: `<input type="datetime-local">` gives a wall time without a zone.
 */
import { timeZone } from '../../format.ts';

/** The offset of `zone` from UTC at `ms`, in ms (east positive). */
function offsetAt(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((candidate) => candidate.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - Math.floor(ms / 1000) * 1000;
}

/** "YYYY-MM-DDTHH:mm" as a wall time in the site's zone -> epoch ms UTC; null when it is not one. */
export function parseSiteTime(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offset at the guess, then at the corrected instant: right on both sides of a daylight-saving change.
  const first = wall - offsetAt(wall, timeZone.value);
  return wall - offsetAt(first, timeZone.value);
}

/** Epoch ms -> "YYYY-MM-DDTHH:mm" in the site's zone, for a field's value. */
export function siteTimeInput(ms: number): string {
  const shifted = new Date(ms + offsetAt(ms, timeZone.value));
  return shifted.toISOString().slice(0, 16);
}
