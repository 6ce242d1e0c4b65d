/**
 * Wall-clock times in the site's time zone for range pickers and shift boundaries: a person types "08:00" meaning
 * 08:00 at the plant, whatever zone the browser is in. Epoch ms UTC goes to the API.
 */
import { formatTime, siteClock, timeZone } from '../format.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The site's wall clock at `ms`, written as if it were UTC (so plain arithmetic on days and hours works). */
export function siteWallClock(ms: number): number {
  const clock = siteClock(ms);
  return Date.UTC(Number(clock.year), Number(clock.month) - 1, Number(clock.day), Number(clock.hour), Number(clock.minute), Number(clock.second));
}

/** The site's zone and its offset at `ms`, e.g. `Asia/Shanghai UTC+08:00`: what every time on the pages is read in. */
export function zoneLabel(ms: number): string {
  const offsetMinutes = Math.round((siteWallClock(ms) - (ms - (ms % 1000))) / MINUTE_MS);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
  return `${timeZone.value} UTC${sign}${hours}:${minutes}`;
}

/** The instant whose site wall clock is `wall` (a second pass settles a guess made across a daylight-saving change). */
export function fromSiteWallClock(wall: number): number {
  const first = wall - (siteWallClock(wall) - wall);
  return wall - (siteWallClock(first) - first);
}

/** `YYYY-MM-DD HH:mm` in the site's zone, for a time typed in a SiteTimeField or a range picker. */
export function toSiteInput(ms: number): string {
  return formatTime(ms).slice(0, 16);
}

/** A typed `YYYY-MM-DD HH:mm` (or with a T) read in the site's zone; null when it is not a time (a 31 February, a 24:10 included). */
export function fromSiteInput(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute));
  // Date.UTC rolls 31 February over into March: a date that does not come back as typed is no date.
  if (wall.getUTCFullYear() !== year || wall.getUTCMonth() !== month - 1 || wall.getUTCDate() !== day || wall.getUTCHours() !== hour || wall.getUTCMinutes() !== minute) return null;
  return fromSiteWallClock(wall.getTime());
}

/** The placeholder and format of every typed time: as formatTime shows times, 24-hour, whatever the browser's locale. */
export const SITE_TIME_PATTERN = 'YYYY-MM-DD HH:mm';
