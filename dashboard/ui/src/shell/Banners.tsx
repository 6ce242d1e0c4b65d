/** Always on screen: the connection state, the sound being blocked, and the unacknowledged alarms with the first out. */
import { PRIORITIES } from '../api/types.ts';
import { audible, enableSound, silence } from '../audio/alarm-sound.ts';
import { formatTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import { countsByPriority, firstOut, unacknowledged } from '../live/alarm-summary.ts';
import { connection } from '../live/store.ts';
import { PendingBannerItems } from './PendingDelays.tsx';
import { Time } from './Time.tsx';

export function ConnectionBanner() {
  const state = connection.value;
  if (state.state === 'live') return null;
  if (state.state === 'connecting')
    return (
      <div class="banner banner-warning" role="status">
        {t('connection.connecting')}
      </div>
    );
  return (
    <div class="banner banner-lost" role="alert" data-testid="connection-lost">
      <span aria-hidden="true">⚠ </span>
      {t('connection.lost', { since: formatTime(state.since) })}
    </div>
  );
}

export function SoundBlockedBanner() {
  if (audible.value !== 'blocked') return null;
  return (
    <button type="button" class="banner banner-warning banner-button" data-testid="enable-sound" onClick={enableSound}>
      {t('sound.blocked')}
    </button>
  );
}

export function AlarmBanner() {
  const counts = countsByPriority.value;
  const first = firstOut.value;
  const state = audible.value;
  return (
    <section class="alarm-banner" aria-label={t('banner.unacknowledged')} data-testid="alarm-banner">
      <span class="alarm-banner-title">{unacknowledged.value.length === 0 ? t('banner.none') : t('banner.unacknowledged')}</span>
      {PRIORITIES.map((priority) => (
        <span key={priority} class={`count priority-${priority}${counts[priority] > 0 ? ' count-on' : ''}`} data-testid={`count-${priority}`}>
          {t(`priority.${priority}`)} <strong>{counts[priority]}</strong>
        </span>
      ))}
      {first && (
        <span class={`first-out priority-${first.priority}`} data-testid="first-out">
          {t('banner.firstOut')}: {first.label} <Time ms={first.since} />
        </span>
      )}
      <PendingBannerItems />
      {state === 'silenced' ? (
        <span class="silenced">{t('banner.silenced')}</span>
      ) : (
        unacknowledged.value.length > 0 && (
          <button type="button" class="silence" data-testid="silence" onClick={silence}>
            {t('banner.silence')}
          </button>
        )
      )}
    </section>
  );
}
