import { formatTime, utcTooltip } from '../format.ts';
import { t } from '../i18n/index.ts';
import { now, useTicking } from './clock.ts';
import { zoneLabel } from './site-time.ts';

/** The site's time now with its zone: the zone every time on the pages is shown in, and a clock that shows the page is alive. */
export function SiteClock() {
  useTicking();
  const at = now.value;
  return (
    <span class="site-clock" data-testid="site-clock">
      <time dateTime={new Date(at).toISOString()} title={utcTooltip(at)}>
        {formatTime(at)}
      </time>{' '}
      <span class="muted" data-testid="site-zone" title={t('header.siteTime')}>
        {zoneLabel(at)}
      </span>
    </span>
  );
}
