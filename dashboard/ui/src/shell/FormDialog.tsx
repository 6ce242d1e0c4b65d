/**
 * A modal form (the native <dialog>: focus moves in and stays, Escape closes, Enter submits, focus returns to the
 * button that opened it). Each field is checked before sending; the server's refusal is shown beside the field it
 * names, or above the buttons when it names none of them. The body scrolls and the buttons stay in view (a reset's
 * context can be taller than a 768-px tablet); while the server's answer is shown the form is `answered`, so a
 * prediction of that answer in the body (`.before-answer`) steps aside instead of saying it twice.
 */
import type { ComponentChildren } from 'preact';
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { type MessageKey, t } from '../i18n/index.ts';
import { errorText } from '../api/error-text.ts';
import './form-dialog.css';

export interface FieldSpec {
  readonly name: string;
  readonly label: MessageKey;
  readonly kind: 'text' | 'textarea' | 'minutes';
  readonly required: boolean;
  /** Characters for text, minutes for `minutes`. */
  readonly max: number;
}

export type Values = Readonly<Record<string, string>>;

function problemOf(field: FieldSpec, raw: string): string | null {
  const text = raw.trim();
  if (text === '') return field.required ? t('alarms.form.required') : null;
  if (field.kind === 'minutes') {
    const minutes = Number(text);
    return /^\d+$/.test(text) && minutes >= 1 && minutes <= field.max ? null : t('alarms.form.minutesRange', { max: field.max });
  }
  return text.length <= field.max ? null : t('alarms.form.tooLong', { max: field.max });
}

export function FormDialog(props: {
  readonly title: string;
  readonly testId: string;
  readonly fields: readonly FieldSpec[];
  readonly initial?: Values;
  readonly submitLabel: string;
  readonly danger?: boolean;
  /** When this changes, a refusal shown is outdated (a reset refused while the gas was there, now cleared): it goes. */
  readonly refusalOutdatedBy?: unknown;
  readonly children?: ComponentChildren;
  readonly onSubmit: (values: Values) => Promise<void>;
  readonly onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const values = useSignal<Values>(props.initial ?? {});
  const problems = useSignal<Readonly<Record<string, string>>>({});
  const general = useSignal<string | null>(null);
  const busy = useSignal(false);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    general.value = null;
  }, [props.refusalOutdatedBy]);
  // A field's problem or the agent's refusal is written in the scrolling body, at its end for a refusal: on a 768-px
  // tablet a reset's dialog (its conditions and valve feedback) put it below the buttons, and the click seemed to do nothing.
  const problemShown = general.value !== null || Object.keys(problems.value).length > 0;
  useEffect(() => {
    if (problemShown) dialog.current?.querySelector('.dialog-body [role="alert"]')?.scrollIntoView({ block: 'nearest' });
  }, [problems.value, general.value]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    for (const field of props.fields) {
      const problem = problemOf(field, values.value[field.name] ?? '');
      if (problem) found[field.name] = problem;
    }
    problems.value = found;
    general.value = null;
    const firstBad = props.fields.find((field) => found[field.name] !== undefined);
    if (firstBad) {
      dialog.current?.querySelector<HTMLElement>(`[name="${firstBad.name}"]`)?.focus();
      return;
    }
    busy.value = true;
    try {
      await props.onSubmit(Object.fromEntries(props.fields.map((field) => [field.name, (values.value[field.name] ?? '').trim()])));
      dialog.current?.close();
    } catch (error) {
      const message = errorText(error);
      const field = error instanceof ApiError ? props.fields.find((candidate) => candidate.name === error.field) : undefined;
      if (field) problems.value = { [field.name]: message };
      else general.value = t('alarms.failed', { message });
    } finally {
      busy.value = false;
    }
  };

  return (
    <dialog ref={dialog} class="form-dialog" data-testid={props.testId} aria-labelledby={`${props.testId}-title`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate class={general.value ? 'answered' : undefined}>
        <h2 id={`${props.testId}-title`}>{props.title}</h2>
        <div class="dialog-body">
          {props.children}
          {props.fields.map((field) => {
            const problem = problems.value[field.name];
            const common = {
              id: `${props.testId}-${field.name}`,
              name: field.name,
              value: values.value[field.name] ?? '',
              'aria-invalid': problem ? ('true' as const) : ('false' as const),
              'aria-describedby': problem ? `${props.testId}-${field.name}-error` : undefined,
              onInput: (event: Event) => {
                values.value = { ...values.value, [field.name]: (event.currentTarget as HTMLInputElement).value };
              },
            };
            return (
              <label key={field.name} for={common.id}>
                <span>
                  {t(field.label)}
                  {field.required ? ' *' : ''}
                </span>
                {field.kind === 'textarea' ? <textarea rows={3} {...common} /> : <input type="text" inputMode={field.kind === 'minutes' ? 'numeric' : undefined} {...common} />}
                {problem && (
                  <span class="form-error" id={`${props.testId}-${field.name}-error`} data-testid={`error-${field.name}`} role="alert">
                    {problem}
                  </span>
                )}
              </label>
            );
          })}
          {general.value && (
            <p class="form-error" role="alert" data-testid="form-error">
              {general.value}
            </p>
          )}
        </div>
        <div class="dialog-buttons">
          <button type="button" onClick={() => dialog.current?.close()}>
            {t('alarms.form.cancel')}
          </button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={busy.value} data-testid="submit">
            {props.submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
