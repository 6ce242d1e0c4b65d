/** State words with their colour: state is never shown by colour alone. */
import { type AlarmState, PRIORITIES, type Priority, type Quality, type WarningGrade } from '../api/types.ts';
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

/** A priority the API gives as a plain string (history rows): its mark when it is one of the four, else the word as stored. */
export function PriorityOf({ priority }: { readonly priority: string | null }) {
  const known = PRIORITIES.find((candidate) => candidate === priority);
  return known ? <PriorityMark priority={known} /> : <span>{priority ?? '—'}</span>;
}
