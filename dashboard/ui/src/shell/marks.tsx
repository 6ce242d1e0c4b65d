/** State words with their colour: state is never shown by colour alone. */
import { type AlarmMode, type AlarmState, PRIORITIES, type Priority, type Quality, type WarningGrade } from '../api/types.ts';
import { t, tCode } from '../i18n/index.ts';

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

/** Why a reading is not good: the protocol's reason code and the source's own (technical, English) text. */
export interface QualityReason {
  readonly code: string | null;
  readonly message: string | null;
}

/** The reason in words of the language shown (the code from the catalog), the source's text in the tooltip; its text alone for a code the catalog lacks. */
export function qualityReasonText(reason: QualityReason | null): string | null {
  if (reason === null) return null;
  return (reason.code === null ? null : tCode('qualityReason', reason.code)) ?? reason.message ?? reason.code;
}

export function QualityMark({ quality, reason }: { readonly quality: Quality | null; readonly reason: QualityReason | null }) {
  const words = quality === 'good' ? null : qualityReasonText(reason);
  return (
    <span class={`mark quality-${quality ?? 'none'}`} title={reason?.message ?? undefined}>
      {t(`quality.${quality ?? 'none'}`)}
      {words ? `: ${words}` : ''}
    </span>
  );
}

/** An alarm's mode when it is not in service: it raises nothing while so. */
export function ModeMark({ mode }: { readonly mode: AlarmMode }) {
  return <span class={`mark mode-${mode}`}>{t(`mode.${mode}`)}</span>;
}

export function StateMark({ state }: { readonly state: AlarmState }) {
  return <span class={`mark state-${state}`}>{t(`state.${state}`)}</span>;
}

/** A priority the API gives as a plain string (history rows): its mark when it is one of the four, else the word as stored. */
export function PriorityOf({ priority }: { readonly priority: string | null }) {
  const known = PRIORITIES.find((candidate) => candidate === priority);
  return known ? <PriorityMark priority={known} /> : <span>{priority ?? '—'}</span>;
}

/** An engine alarm's rule in words with its config name (`高高限（hihi）`); a rule the config names itself as named. */
export function RuleName({ rule }: { readonly rule: string }) {
  const word = rule === 'named' ? null : tCode('engineRule', rule);
  return <span class="rule-name">{word === null ? rule : t('engineRule.named', { word, rule })}</span>;
}
