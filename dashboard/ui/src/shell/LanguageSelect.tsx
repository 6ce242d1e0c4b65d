/** The language switch (中文 / English), in the header and on the sign-in page: a person who reads only one of them must be able to sign in. */
import { type Language, language, setLanguage, t } from '../i18n/index.ts';

export function LanguageSelect() {
  return (
    <label class="language">
      <span class="visually-hidden">{t('header.language')}</span>
      <select data-testid="language" value={language.value} onChange={(event) => setLanguage(event.currentTarget.value as Language)}>
        <option value="zh-CN">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}
