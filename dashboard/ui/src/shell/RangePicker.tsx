/**
 * A time range: preset buttons ("last 24 h" ...) and a custom range typed in the site's time zone. The page owns the
 * range; this only proposes new ones.
 */
import { useSignal } from '@preact/signals';
import { type MessageKey, t } from '../i18n/index.ts';
import { fromSiteInput, SITE_TIME_PATTERN, toSiteInput } from './site-time.ts';

export interface Range {
  readonly from: number;
  readonly to: number;
}

export interface RangePreset {
  readonly key: string;
  readonly label: MessageKey;
  /** The range the preset stands for now. */
  readonly range: () => Range;
}

export function RangePicker({
  presets,
  chosen,
  range,
  onChange,
}: {
  readonly presets: readonly RangePreset[];
  /** The preset in use, or 'custom'. */
  readonly chosen: string;
  readonly range: Range;
  readonly onChange: (range: Range, chosen: string) => void;
}) {
  // What the person typed; null shows the range in force (in the site's zone, which may arrive after the first render).
  const from = useSignal<string | null>(null);
  const to = useSignal<string | null>(null);
  const error = useSignal<string | null>(null);
  const applyCustom = (event: Event) => {
    event.preventDefault();
    const start = fromSiteInput(from.value ?? toSiteInput(range.from));
    const end = fromSiteInput(to.value ?? toSiteInput(range.to));
    if (start === null || end === null) error.value = t('range.invalid');
    else if (end <= start) error.value = t('range.endBeforeStart');
    else {
      error.value = null;
      from.value = null;
      to.value = null;
      onChange({ from: start, to: end }, 'custom');
    }
  };
  return (
    <form class="range-picker" onSubmit={applyCustom} data-testid="range-picker">
      <fieldset class="range-presets">
        <legend class="visually-hidden">{t('range.presets')}</legend>
        {presets.map((preset) => (
          <button
            key={preset.key}
            type="button"
            aria-pressed={chosen === preset.key}
            data-testid={`range-${preset.key}`}
            onClick={() => {
              from.value = null;
              to.value = null;
              error.value = null;
              onChange(preset.range(), preset.key);
            }}
          >
            {t(preset.label)}
          </button>
        ))}
      </fieldset>
      <label>
        {t('range.from')}
        <input
          data-testid="range-from"
          class="range-time"
          placeholder={SITE_TIME_PATTERN}
          value={from.value ?? toSiteInput(range.from)}
          onInput={(event) => (from.value = event.currentTarget.value)}
        />
      </label>
      <label>
        {t('range.to')}
        <input data-testid="range-to" class="range-time" placeholder={SITE_TIME_PATTERN} value={to.value ?? toSiteInput(range.to)} onInput={(event) => (to.value = event.currentTarget.value)} />
      </label>
      <button type="submit" aria-pressed={chosen === 'custom'} data-testid="range-apply">
        {t('range.apply')}
      </button>
      {error.value && (
        <span class="form-error" role="alert">
          {error.value}
        </span>
      )}
    </form>
  );
}

/** "The last N ms up to now". */
export function lastPreset(key: string, label: MessageKey, spanMs: number): RangePreset {
  return {
    key,
    label,
    range: () => {
      const to = Date.now();
      return { from: to - spanMs, to };
    },
  };
}
