/**
 * A shut-off's limit switches and the alarms that trip it, as the valves page's cards and the reset confirmation show
 * them, and whether a reset would pass now in the language shown (the agent's refusal code from the catalog).
 */
import './action-parts.css';
import type { Action, LimitSwitch } from '../api/types.ts';
import { refusalText } from '../api/error-text.ts';
import { t, tCode } from '../i18n/index.ts';
import { StateMark } from './marks.tsx';
import { Time } from './Time.tsx';

function SwitchRow({ label, limit }: { readonly label: string; readonly limit: LimitSwitch }) {
  const reading = limit.value === null ? t('valves.switchUnknown') : limit.value ? t('valves.switchMade') : t('valves.switchNotMade');
  return (
    <tr data-testid={`switch-${limit.pointId}`}>
      <th scope="row">
        {label}
        <div class="muted">{limit.pointId}</div>
      </th>
      <td data-testid="switch-value">
        <a href={`/trends?points=${encodeURIComponent(limit.pointId)}`}>{reading}</a>
      </td>
      <td>
        <span class={`mark quality-${limit.quality ?? 'none'}`}>{t(`quality.${limit.quality ?? 'none'}`)}</span>
      </td>
      <td>
        <Time ms={limit.receiveTime} />
        {limit.sourceTime !== null && limit.sourceTime !== limit.receiveTime && (
          <div class="muted">
            {t('valves.sourceTime')} <Time ms={limit.sourceTime} />
          </div>
        )}
      </td>
    </tr>
  );
}

/** The valve's limit switches as last read: each switch's word, quality and time (the gateway's and the source's). */
export function ActionFeedback({ feedback }: { readonly feedback: Action['feedback'] }) {
  if (!feedback) return <p class="muted">{t('valves.noFeedback')}</p>;
  return (
    <table class="feedback" data-testid="feedback">
      <tbody>
        <SwitchRow label={t('valves.closedSwitch')} limit={feedback.closed} />
        {feedback.open && <SwitchRow label={t('valves.openSwitch')} limit={feedback.open} />}
      </tbody>
    </table>
  );
}

/** Each alarm that trips the action: its state, whether its condition still holds, whether it tripped this latch. */
export function ActionTriggers({ action }: { readonly action: Action }) {
  return (
    <ul class="triggers" data-testid="triggers">
      {action.triggers.map((trigger) => (
        <li key={trigger.alarmId} data-testid={`trigger-${trigger.alarmId}`}>
          {trigger.alarmId} {trigger.state && <StateMark state={trigger.state} />}{' '}
          <span class={`mark ${trigger.conditionActive ? 'quality-bad' : 'quality-good'}`}>{trigger.conditionActive ? t('valves.conditionActive') : t('valves.conditionClear')}</span>
          {action.trippedBy.includes(trigger.alarmId) && <span class="mark tripped">{t('valves.tripped')}</span>}
        </li>
      ))}
    </ul>
  );
}

/** "A reset would pass now", or why the agent would refuse it. */
export function resetVerdict(action: Action): string {
  if (action.resetAllowed) return t('valves.resetAllowed');
  const reason = action.resetRefusalCode === null ? (action.resetRefusal ?? '') : refusalText({ code: action.resetRefusalCode, params: action.resetRefusalParams ?? {} }, action.resetRefusal ?? '');
  return t('valves.resetRefused', { reason });
}

/** Why the action is in discrepancy, in the language shown (its code from the catalog), else the gateway's sentence; null when it is not. */
export function discrepancyText(action: Action): string | null {
  if (action.discrepancy === null) return null;
  return (action.discrepancyCode === null ? null : tCode('valves.discrepancyCode', action.discrepancyCode)) ?? action.discrepancy;
}
