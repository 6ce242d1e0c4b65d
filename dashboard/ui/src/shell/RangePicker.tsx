/**
 * A time range: preset buttons ("last 24 h" ...) and a custom range typed in the site's time zone. The page owns the
 * range; this only proposes new ones.
 */
import { useSignal } from '@preact/signals';
import { type MessageKey, t } from '../i18n/index.ts';
import { fromSiteInput, toSiteInput } from './site-time.ts';

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
  const from = useSignal(toSiteInput(range.from));
  const to = useSignal(toSiteInput(range.to));
  const error = useSignal<string | null>(null);
  const applyCustom = (event: Event) => {
    event.preventDefault();
    const start = fromSiteInput(from.value);
    const end = fromSiteInput(to.value);
    if (start === null || end === null) error.value = t('range.invalid');
    else if (end <= start) error.value = t('range.endBeforeStart');
    else {
      error.value = null;
      onChange({ from: start, to: end }, 'custom');
    }
  };
  return (
    <form class="range-picker" onSubmit={applyCustom} data-testid="range-picker">
      <div class="range-presets" role="group" aria-label={t('range.presets')}>
        {presets.map((preset) => (
          <button
            key={preset.key}
            type="button"
            aria-pressed={chosen === preset.key}
            data-testid={`range-${preset.key}`}
            onClick={() => {
              const next = preset.range();
              from.value = toSiteInput(next.from);
              to.value = toSiteInput(next.to);
              error.value = null;
              onChange(next, preset.key);
            }}
          >
            {t(preset.label)}
          </button>
        ))}
      </div>
      <label>
        {t('range.from')}
        <input type="datetime-local" data-testid="range-from" value={from.value} onInput={(event) => (from.value = event.currentTarget.value)} />
      </label>
      <label>
        {t('range.to')}
        <input type="datetime-local" data-testid="range-to" value={to.value} onInput={(event) => (to.value = event.currentTarget.value)} />
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
