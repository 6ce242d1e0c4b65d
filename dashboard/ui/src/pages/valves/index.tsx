/**
 * Shut-off valves and interlocks (GET /api/v1/actions): each action's state as a coloured label with its word, since
 * when it is latched and by which alarms, the valve's limit switches as last read, the alarms that trip it, and whether
 * a reset would be accepted now (else why not). Re-read every few seconds and whenever the alarm list changes (an alarm
 * event of a trigger). A supervisor or admin resets through a confirmation that shows the condition, the feedback and
 * who is resetting; a reset releases the latch and never opens the valve.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, CAN, session } from '../../api/client.ts';
import { errorText } from '../../api/error-text.ts';
import type { Action } from '../../api/types.ts';
import { t } from '../../i18n/index.ts';
import { alarms } from '../../live/store.ts';
import { ActionFeedback, ActionTriggers, discrepancyText, resetVerdict } from '../../shell/action-parts.tsx';
import { ResetDialog } from '../../shell/ResetDialog.tsx';
import { Time } from '../../shell/Time.tsx';
import './valves.css';

const REFRESH_MS = 3000;

function ActionStateMark({ state }: { readonly state: Action['state'] }) {
  return (
    <span class={`mark action-${state}`} data-testid="action-state">
      {t(`valves.state.${state}`)}
    </span>
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
            <dd class="form-error" data-testid="discrepancy" title={action.discrepancy}>
              {discrepancyText(action)}
            </dd>
          </>
        )}
      </dl>
      <h3>{t('valves.feedback')}</h3>
      <ActionFeedback feedback={action.feedback} />
      <h3>{t('valves.triggers')}</h3>
      <ActionTriggers action={action} />
      {action.latched && (
        <p data-testid="reset-status" class={action.resetAllowed ? undefined : 'muted'}>
          {resetVerdict(action)}
        </p>
      )}
      {canReset && action.latched && (
        <button type="button" data-testid="reset" onClick={() => setConfirming(true)}>
          {t('valves.reset')}
        </button>
      )}
      {confirming && <ResetDialog action={action} onClose={() => setConfirming(false)} onDone={() => onReset(action.id)} />}
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
