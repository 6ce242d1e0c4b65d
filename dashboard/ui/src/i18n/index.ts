/**
 * Every visible string goes through t(). i18next (maintained, small, plural and interpolation rules per language)
 * holds the catalogs; the language is a signal, so a component that calls t() re-renders when it changes. The choice
 * is kept in localStorage; without one the browser's language decides, and Chinese is the default.
 */
import { signal } from '@preact/signals';
import i18next from 'i18next';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'hazmon.language';

function initialLanguage(): Language {
  const chosen = localStorage.getItem(STORAGE_KEY);
  if (chosen === 'zh-CN' || chosen === 'en') return chosen;
  const browser = navigator.languages.find((tag) => tag.startsWith('zh') || tag.startsWith('en'));
  return browser?.startsWith('en') ? 'en' : 'zh-CN';
}

export const language = signal<Language>(initialLanguage());

const i18n = i18next.createInstance();
void i18n.init({
  lng: language.value,
  fallbackLng: 'zh-CN',
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = language.value;

export function setLanguage(next: Language): void {
  localStorage.setItem(STORAGE_KEY, next);
  void i18n.changeLanguage(next);
  document.documentElement.lang = next;
  language.value = next;
}

/** Dotted catalog keys, so a misspelt key is a type error. */
type Keys<T, Prefix extends string = ''> = { [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Keys<T[K], `${Prefix}${K}.`> }[keyof T & string];
export type MessageKey = Keys<typeof zhCN>;

export function t(key: MessageKey, values?: Record<string, string | number>): string {
  // Reading the signal subscribes the calling component to language changes.
  return i18n.t(key, { lng: language.value, ...values });
}

/** Catalog sections whose keys are codes the server sends (refusals, error codes, quality reasons, runtime alarm rules). */
type CodeSection = 'error.refusal' | 'error.api' | 'error.command' | 'error.latchSince' | 'valves.discrepancyCode' | 'qualityReason' | 'engineRule' | 'runtimeRule' | 'state' | 'mode';

/** The entry of a code from the server, or null when the catalog has none (a newer server): the caller shows the server's own text. */
export function tCode(section: CodeSection, code: string, values?: Record<string, string | number>): string | null {
  const key = `${section}.${code}`;
  return i18n.exists(key, { lng: language.value }) ? i18n.t(key, { lng: language.value, ...values }) : null;
}
