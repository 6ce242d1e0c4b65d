/** State words with their colour: state is never shown by colour alone. */
import type { AlarmState, Priority, Quality, WarningGrade } from '../api/types.ts';
import { t } from '../i18n/index.ts';

export function PriorityMark({ priority }: { readonly priority: Priority }) {
  return <span class={`mark priority-${priority}`}>{t(`priority.${priority}`)}</span>;
}

export function GradeMark({ grade }: { readonly grade: WarningGrade }) {
  return (
    <span class={`mark grade-${grade}`} data-testid="grade">
      {t(`grade.${grade}`)}
    </span>
  );
}

export function QualityMark({ quality, reason }: { readonly quality: Quality | null; readonly reason: string | null }) {
  return (
    <span class={`mark quality-${quality ?? 'none'}`} title={reason ?? undefined}>
      {t(`quality.${quality ?? 'none'}`)}
      {reason && quality !== 'good' ? `: ${reason}` : ''}
    </span>
  );
}

export function StateMark({ state }: { readonly state: AlarmState }) {
  return <span class={`mark state-${state}`}>{t(`state.${state}`)}</span>;
}
