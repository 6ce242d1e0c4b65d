/**
 * A date and time typed as `YYYY-MM-DD HH:mm` in the site's time zone: the browser's datetime-local widget shows its
 * own locale's format (AM/PM, day before month) and reads the browser's zone, which need not be the plant's. The
 * field says the format and the zone; a problem is shown under it, in words (the caller checks with siteTimeProblem).
 */
import { timeZone } from '../format.ts';
import { type MessageKey, t } from '../i18n/index.ts';
import { fromSiteInput, SITE_TIME_PATTERN } from './site-time.ts';

/** Why a typed time is not one, in words; null when it is one, or when it is empty and may be. */
export function siteTimeProblem(text: string, { required }: { readonly required: boolean }): string | null {
  if (text.trim() === '') return required ? t('siteTime.required', { pattern: SITE_TIME_PATTERN }) : null;
  return fromSiteInput(text) === null ? t('siteTime.invalid', { pattern: SITE_TIME_PATTERN, text: text.trim() }) : null;
}

export function SiteTimeField({
  name,
  label,
  value,
  error,
  errorTestId,
  onInput,
}: {
  readonly name: string;
  readonly label: MessageKey;
  readonly value: string;
  /** What is wrong with it, shown under it; null when nothing. */
  readonly error: string | null | undefined;
  readonly errorTestId: string;
  readonly onInput: (value: string) => void;
}) {
  const hintId = `${name}-time-hint`;
  const errorId = `${name}-time-error`;
  return (
    <label class="field site-time-field">
      <span>{t(label)}</span>
      <input
        name={name}
        class="range-time"
        placeholder={SITE_TIME_PATTERN}
        autocomplete="off"
        value={value}
        aria-invalid={error ? 'true' : 'false'}
        aria-describedby={error ? `${hintId} ${errorId}` : hintId}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
      <span class="muted field-hint" id={hintId}>
        {t('siteTime.hint', { pattern: SITE_TIME_PATTERN, zone: timeZone.value })}
      </span>
      {error && (
        <span class="form-error" role="alert" id={errorId} data-testid={errorTestId}>
          {error}
        </span>
      )}
    </label>
  );
}
