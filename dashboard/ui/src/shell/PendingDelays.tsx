/**
 * Running delays as a person on shift reads them: "delay running 12 s" counting down to the due time, the point (a
 * link to its trend), the rule, the value that started it against the limit. In words inside a dashed outline of the
 * text colour, never an active alarm's colour: it is no alarm (yet), or one not yet cleared.
 */
import type { PendingDelay } from '../api/types.ts';
import { formatValue } from '../format.ts';
import { t } from '../i18n/index.ts';
import { countdownClock, pendingDelays, secondsLeft } from '../live/pending-delays.ts';
import { points } from '../live/store.ts';
import { PointLink } from './PointLink.tsx';
import { PriorityMark } from './marks.tsx';

function Countdown({ delay }: { readonly delay: PendingDelay }) {
  const seconds = secondsLeft(delay, countdownClock.value);
  return (
    <strong class="pending-countdown" data-testid="pending-countdown">
      {t(delay.kind === 'on' ? 'pending.onRunning' : 'pending.offRunning', { seconds })}
    </strong>
  );
}

function limitText(delay: PendingDelay): string {
  const point = points.value.get(delay.pointId);
  const unit = point?.unit ? ` ${point.unit}` : '';
  const at = (value: number) => `${formatValue(value, point?.resolution)}${unit}`;
  return t('pending.valueVsLimit', { rule: delay.rule, value: at(delay.value), limit: at(delay.limit) });
}

/** In the alarm banner: each running delay in one line. */
export function PendingBannerItems() {
  return (
    <>
      {pendingDelays.value.map((delay) => (
        <span key={delay.alarmId} class="pending-delay" role="status" data-testid={`pending-${delay.alarmId}`}>
          <Countdown delay={delay} /> <PointLink pointId={delay.pointId} /> {limitText(delay)}
        </span>
      ))}
    </>
  );
}

/** On the alarm list: a table of the running delays, above the alarms; nothing while none runs. */
export function PendingTable() {
  const delays = pendingDelays.value;
  if (delays.length === 0) return null;
  return (
    <>
      <h2>
        {t('pending.title')} <span class="muted">({delays.length})</span>
      </h2>
      <table class="alarm-table pending-table" data-testid="pending-table">
        <thead>
          <tr>
            <th scope="col">{t('pending.remaining')}</th>
            <th scope="col">{t('pending.alarm')}</th>
            <th scope="col">{t('pending.condition')}</th>
            <th scope="col">{t('pending.priority')}</th>
          </tr>
        </thead>
        <tbody>
          {delays.map((delay) => (
            <tr key={delay.alarmId} data-testid={`pending-row-${delay.alarmId}`}>
              <td>
                <Countdown delay={delay} />
                <div class="muted">{t('pending.delayOf', { seconds: Math.round(delay.delayMs / 1000) })}</div>
              </td>
              <td>
                <PointLink pointId={delay.pointId} /> / {delay.rule}
              </td>
              <td>{limitText(delay)}</td>
              <td>
                <PriorityMark priority={delay.priority} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
