/**
 * The page's own words in zh-CN and English. The language is the dashboard's (`language`, `setLanguage`, its
 * LanguageSelect), so the grade, priority and event words the page borrows from the dashboard's catalogs switch with
 * these. Every visible string goes through t().
 */
import { language } from '@hazmon/dashboard/ui/i18n';
import i18next from 'i18next';
import { en } from './i18n/en.ts';
import { zhCN } from './i18n/zh-CN.ts';

const i18n = i18next.createInstance();
void i18n.init({
  lng: language.value,
  fallbackLng: 'zh-CN',
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

type Keys<T, Prefix extends string = ''> = { [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Keys<T[K], `${Prefix}${K}.`> }[keyof T & string];
export type HubMessageKey = Keys<typeof zhCN>;

export function t(key: HubMessageKey, values?: Record<string, string | number>): string {
  // Reading the signal subscribes the calling component to language changes.
  return i18n.t(key, { lng: language.value, ...values });
}
