/** The region filter (a prefix of the enterprise code, which is keyed by the administrative code), kept in the address as `?region=`. */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { t } from './i18n.ts';

const REGION = /^[0-9]{2,12}$/;

/** The region in the address when it is one; anything else shows every site (the form says why it refused it). */
export function useRegion(): string | undefined {
  const { query } = useLocation();
  const region = query['region'];
  return region !== undefined && REGION.test(region) ? region : undefined;
}

export function RegionFilter() {
  const { path, route } = useLocation();
  const region = useRegion();
  const [text, setText] = useState(region ?? '');
  const [invalid, setInvalid] = useState(false);
  const go = (next: string) => route(next === '' ? path : `${path}?region=${next}`);
  return (
    <form
      class="filters region-filter"
      onSubmit={(event) => {
        event.preventDefault();
        const next = text.trim();
        setInvalid(next !== '' && !REGION.test(next));
        if (next === '' || REGION.test(next)) go(next);
      }}
    >
      <label>
        {t('list.region')}
        <input name="region" inputMode="numeric" value={text} aria-invalid={invalid} aria-describedby="region-hint" onInput={(event) => setText(event.currentTarget.value)} />
      </label>
      <button type="submit">{t('list.apply')}</button>
      <button
        type="button"
        onClick={() => {
          setText('');
          setInvalid(false);
          go('');
        }}
      >
        {t('list.clear')}
      </button>
      <span id="region-hint" class={invalid ? 'form-error' : 'muted'}>
        {invalid ? t('list.regionInvalid') : t('list.regionHint')}
      </span>
    </form>
  );
}
