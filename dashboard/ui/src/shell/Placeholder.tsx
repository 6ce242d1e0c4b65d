import { type MessageKey, t } from '../i18n/index.ts';

/** What a page shows until its helper builds it. */
export function Placeholder({ title }: { readonly title: MessageKey }) {
  return (
    <section class="page">
      <h1>{t(title)}</h1>
      <p>{t('page.placeholder')}</p>
    </section>
  );
}
