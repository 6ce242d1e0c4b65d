import { formatTime, utcTooltip } from '../format.ts';

/** A time in the site's zone, UTC in the tooltip. */
export function Time({ ms }: { readonly ms: number | null }) {
  if (ms === null) return <span>—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} title={utcTooltip(ms)}>
      {formatTime(ms)}
    </time>
  );
}
