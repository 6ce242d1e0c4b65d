/**
 * Shut-off valves and interlocks (GET /api/v1/actions): each action's state as a coloured label with its word, since
 * when it is latched and by which alarms, the valve's limit switches as last read, the alarms that trip it, and whether
 * a reset would be accepted now (else why not). Re-read every few seconds and whenever the alarm list changes (an alarm
 * event of a trigger). A supervisor or admin resets through a confirmation that shows the condition, the feedback and
 * who is resetting; a reset releases the latch and never opens the valve.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import { api, CAN, session } from '../../api/client.ts';
import type { Action, LimitSwitch } from '../../api/types.ts';
import { t } from '../../i18n/index.ts';
import { alarms } from '../../live/store.ts';
import { StateMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';
import './valves.css';
import { errorText } from '../../api/error-text.ts';

const REFRESH_MS = 3000;

function ActionStateMark({ state }: { readonly state: Action['state'] }) {
  return (
    <span class={`mark action-${state}`} data-testid="action-state">
      {t(`valves.state.${state}`)}
    </span>
  );
}

function SwitchRow({ label, limit }: { readonly label: string; readonly limit: LimitSwitch }) {
  const reading = limit.value === null ? t('valves.switchUnknown') : limit.value ? t('valves.switchMade') : t('valves.switchNotMade');
  return (
    <tr data-testid={`switch-${limit.pointId}`}>
      <th scope="row">{label}</th>
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

function Feedback({ feedback }: { readonly feedback: Action['feedback'] }) {
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

function Triggers({ action }: { readonly action: Action }) {
  return (
    <ul class="triggers">
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

/** The confirmation: the condition, the feedback and who resets, and a reason for the audit log. */
function ResetDialog({ action, onDone, onCancel }: { readonly action: Action; readonly onDone: () => void; readonly onCancel: () => void }) {
  const reason = useSignal('');
  const failure = useSignal<string | null>(null);
  const busy = useSignal(false);
  const user = session.value!;
  const submit = async (event: Event) => {
    event.preventDefault();
    busy.value = true;
    try {
      await api.post(`/api/v1/actions/${encodeURIComponent(action.id)}/reset`, { reason: reason.value.trim() });
      onDone();
    } catch (error) {
      failure.value = t('valves.failed', { message: errorText(error) });
    } finally {
      busy.value = false;
    }
  };
  return (
    <form class="reset-dialog" aria-labelledby={`reset-title-${action.id}`} data-testid="reset-dialog" onSubmit={submit}>
      <h3 id={`reset-title-${action.id}`}>{t('valves.confirmTitle', { name: action.name ?? action.id })}</h3>
      <p class="muted">{t('valves.resetNote')}</p>
      <h4>{t('valves.condition')}</h4>
      <Triggers action={action} />
      <p data-testid="reset-verdict">{action.resetAllowed ? t('valves.resetAllowed') : t('valves.resetRefused', { reason: action.resetRefusal ?? '' })}</p>
      <h4>{t('valves.feedback')}</h4>
      <Feedback feedback={action.feedback} />
      <p data-testid="reset-who">{t('valves.who', { name: user.name, role: t(`role.${user.role}`) })}</p>
      <label>
        {t('valves.reason')}
        <input data-testid="reset-reason" required minLength={1} maxLength={2000} value={reason.value} onInput={(event) => (reason.value = event.currentTarget.value)} />
      </label>
      {failure.value && (
        <p class="form-error" role="alert" data-testid="reset-error">
          {failure.value}
        </p>
      )}
      <div class="dialog-buttons">
        <button type="submit" class="primary" data-testid="reset-confirm" disabled={busy.value || reason.value.trim() === ''}>
          {t('valves.confirm')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('valves.cancel')}
        </button>
      </div>
    </form>
  );
}

function ActionCard({ action, canReset, onReset }: { readonly action: Action; readonly canReset: boolean; readonly onReset: (actionId: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <article class={`action-card action-card-${action.state}`} data-testid={`action-${action.id}`}>
      <h2>
        {action.name ?? action.id} <ActionStateMark state={action.state} />
      </h2>
      <dl class="action-facts">
        <dt>{t('valves.kindTitle')}</dt>
        <dd>{t(`valves.kind.${action.kind}`)}</dd>
        <dt>{t('valves.output')}</dt>
        <dd>
          {action.output.id} ({action.output.command})
        </dd>
        {action.latched && (
          <>
            <dt>{t('valves.latchedSince')}</dt>
            <dd data-testid="latched-since">
              <Time ms={action.latchedSince} />
            </dd>
            <dt>{t('valves.trippedBy')}</dt>
            <dd data-testid="tripped-by">{action.trippedBy.join(', ') || '—'}</dd>
          </>
        )}
        {action.discrepancy && (
          <>
            <dt>{t('valves.discrepancy')}</dt>
            <dd class="form-error" data-testid="discrepancy">
              {action.discrepancy}
            </dd>
          </>
        )}
      </dl>
      <h3>{t('valves.feedback')}</h3>
      <Feedback feedback={action.feedback} />
      <h3>{t('valves.triggers')}</h3>
      <Triggers action={action} />
      {action.latched && (
        <p data-testid="reset-status" class={action.resetAllowed ? undefined : 'muted'}>
          {action.resetAllowed ? t('valves.resetAllowed') : t('valves.resetRefused', { reason: action.resetRefusal ?? '' })}
        </p>
      )}
      {canReset &&
        action.latched &&
        (confirming ? (
          <ResetDialog
            action={action}
            onCancel={() => setConfirming(false)}
            onDone={() => {
              setConfirming(false);
              onReset(action.id);
            }}
          />
        ) : (
          <button type="button" data-testid="reset" onClick={() => setConfirming(true)}>
            {t('valves.reset')}
          </button>
        ))}
    </article>
  );
}

export default function ValvesPage() {
  const [actions, setActions] = useState<readonly Action[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  // The action last reset here: its message is rendered in the language shown now.
  const [resetId, setResetId] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const alarmList = alarms.value;
  const role = session.value?.role;
  useEffect(() => {
    let live = true;
    const load = () =>
      api.get<{ actions: Action[] }>('/api/v1/actions').then(
        (answer) => {
          if (!live) return;
          setActions(answer.actions);
          setFailure(null);
        },
        (error: unknown) => live && setFailure(t('valves.loadFailed', { message: errorText(error) })),
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [alarmList, reloads]);
  return (
    <section class="page">
      <h1>{t('valves.title')}</h1>
      {failure && (
        <p class="form-error" role="alert" data-testid="valves-failed">
          {failure}
        </p>
      )}
      {resetId && (
        <p role="status" data-testid="valves-message">
          {t('valves.resetDone', { id: resetId })}
        </p>
      )}
      {actions === null ? (
        !failure && <p>{t('overview.loading')}</p>
      ) : actions.length === 0 ? (
        <p>{t('valves.empty')}</p>
      ) : (
        <div class="actions">
          {actions.map((action) => (
            <ActionCard
              key={action.id}
              action={action}
              canReset={role !== undefined && CAN.reset(role)}
              onReset={(actionId) => {
                setResetId(actionId);
                setReloads((count) => count + 1);
              }}
            />
          ))}
        </div>
      )}
    </section>
  );
}
