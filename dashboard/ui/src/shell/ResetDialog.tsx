/**
 * The one confirmation of a latched shut-off's reset, opened from the alarm list and from the valves page: the
 * action and since when it is latched, its trigger conditions, the valve's limit switches, who is resetting, whether
 * the agent would refuse now (and why), and a reason for the audit log. The action is read again every 2 s while it is
 * open (switches and conditions change without an alarm event); a reset releases the latch and never opens the valve.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, session } from '../api/client.ts';
import type { Action } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { ActionFeedback, ActionTriggers, discrepancyText, resetVerdict } from './action-parts.tsx';
import { type FieldSpec, FormDialog } from './FormDialog.tsx';
import { Time } from './Time.tsx';

const REFRESH_MS = 2000;
const REASON: readonly FieldSpec[] = [{ name: 'reason', label: 'alarms.form.reason', kind: 'text', required: true, max: 500 }];

export function ResetDialog({ action: opened, onDone, onClose }: { readonly action: Action; readonly onDone: () => Promise<void> | void; readonly onClose: () => void }) {
  const action = useSignal(opened);
  useEffect(() => {
    const read = () =>
      api.get<{ actions: Action[] }>('/api/v1/actions').then(
        (answer) => {
          const now = answer.actions.find((candidate) => candidate.id === opened.id);
          if (now) action.value = now;
        },
        () => undefined,
      );
    const timer = setInterval(read, REFRESH_MS);
    return () => clearInterval(timer);
  }, [opened.id]);
  const current = action.value;
  const user = session.value;
  return (
    <FormDialog
      title={t('valves.confirmTitle', { name: current.name ?? current.id })}
      testId="dialog-reset"
      fields={REASON}
      submitLabel={t('valves.confirm')}
      danger
      refusalOutdatedBy={current.resetAllowed}
      onClose={onClose}
      onSubmit={async (values) => {
        await api.post(`/api/v1/actions/${encodeURIComponent(current.id)}/reset`, { reason: values['reason'] });
        await onDone();
      }}
    >
      <div class="reset-confirm" data-testid="reset-context">
        <p>
          <strong>{current.name ?? current.id}</strong> ({current.id}) — {t(`valves.state.${current.state}`)}
          {current.latchedSince !== null && (
            <>
              , {t('valves.latchedSince')} <Time ms={current.latchedSince} />
            </>
          )}
        </p>
        <p class="muted">{t('valves.resetNote')}</p>
        <h3>{t('valves.condition')}</h3>
        <div data-testid="reset-triggers">
          <ActionTriggers action={current} />
        </div>
        <h3>{t('valves.feedback')}</h3>
        <div data-testid="reset-feedback">
          <ActionFeedback feedback={current.feedback} />
        </div>
        {current.discrepancy && (
          <p class="form-error" title={current.discrepancy}>
            {t('valves.discrepancyWhy', { reason: discrepancyText(current) ?? '' })}
          </p>
        )}
        <p data-testid="reset-who">{user ? t('valves.who', { name: user.name, role: t(`role.${user.role}`) }) : '—'}</p>
        <p data-testid="reset-verdict" class={current.resetAllowed ? 'mark quality-good' : 'form-error before-answer'}>
          {current.resetAllowed ? resetVerdict(current) : <span data-testid="reset-refusal">{resetVerdict(current)}</span>}
        </p>
      </div>
    </FormDialog>
  );
}
