/**
 * Shift presets in the site's time zone: 8-hour shifts start at 00:00, 08:00 and 16:00, 12-hour ones at 08:00 and
 * 20:00 (the usual patterns at Chinese chemical plants). The current shift runs up to now; the previous one is whole.
 */
import type { RangePreset } from '../../shell/RangePicker.tsx';
import { DAY_MS, fromSiteWallClock, HOUR_MS, MINUTE_MS, siteWallClock } from '../../shell/site-time.ts';

const SHIFT_STARTS: Readonly<Record<8 | 12, readonly number[]>> = { 8: [0, 8, 16], 12: [8, 20] };

/** The site wall clock at which the shift holding `now` began. */
function shiftStartWall(hours: 8 | 12, now: number): number {
  const wall = siteWallClock(now);
  const today = Math.floor(wall / DAY_MS) * DAY_MS;
  const starts = [today - DAY_MS, today].flatMap((day) => SHIFT_STARTS[hours].map((hour) => day + hour * HOUR_MS));
  return Math.max(...starts.filter((start) => start <= wall));
}

function shiftPreset(hours: 8 | 12, which: 'current' | 'previous'): RangePreset {
  return {
    key: `${which}${hours}h`,
    label: `shiftReport.${which}${hours}h`,
    range: () => {
      const now = Date.now();
      const startWall = shiftStartWall(hours, now);
      const start = fromSiteWallClock(startWall);
      // The API wants at least a minute: a shift that began seconds ago is reported over its first minute.
      if (which === 'current') return { from: start, to: Math.max(now, start + MINUTE_MS) };
      return { from: fromSiteWallClock(startWall - hours * HOUR_MS), to: start };
    },
  };
}

export const SHIFT_PRESETS: readonly RangePreset[] = [shiftPreset(8, 'current'), shiftPreset(8, 'previous'), shiftPreset(12, 'current'), shiftPreset(12, 'previous')];
