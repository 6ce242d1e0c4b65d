/**
 * Every visible string goes through t(). i18next (maintained, small, plural and interpolation rules per language)
 * holds the catalogs; the language is a signal, so a component that calls t() re-renders when it changes. The choice
 * is kept in localStorage; without one the browser's language decides, and Chinese is the default.
 */
import { signal } from '@preact/signals';
import i18next from 'i18next';
import type { CatalogOf, MessageKeys } from './catalog.ts';
export type { CatalogOf, MessageKeys } from './catalog.ts';
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

/**
 * A translator over a zh-CN catalog and its English twin that follows `language`: the dashboard's own, and the
 * regulator hub's page, which shares the language choice (and borrows the dashboard's words for grades and events).
 */
export function createTranslator<Catalog extends object>(zhCN: Catalog, en: CatalogOf<Catalog>) {
  const instance = i18next.createInstance();
  void instance.init({
    lng: language.value,
    fallbackLng: 'zh-CN',
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  // Reading the signal subscribes the calling component to language changes. The key's type is checked by
  // MessageKeys; i18next's own typing of generic keys cannot follow it.
  const t = (key: MessageKeys<Catalog>, values?: Record<string, string | number>): string => instance.t(key as string, { lng: language.value, ...values });
  return { instance, t };
}

export type MessageKey = MessageKeys<typeof zhCN>;

const dashboardTranslator = createTranslator(zhCN, en);
const i18n = dashboardTranslator.instance;
export const t = dashboardTranslator.t;
document.documentElement.lang = language.value;

export function setLanguage(next: Language): void {
  localStorage.setItem(STORAGE_KEY, next);
  void i18n.changeLanguage(next);
  document.documentElement.lang = next;
  language.value = next;
}

/** Catalog sections whose keys are codes the server sends (refusals, error codes, quality reasons, runtime alarm rules). */
type CodeSection = 'error.refusal' | 'error.api' | 'error.command' | 'error.latchSince' | 'valves.discrepancyCode' | 'qualityReason' | 'engineRule' | 'runtimeRule' | 'state' | 'mode';

/** The entry of a code from the server, or null when the catalog has none (a newer server): the caller shows the server's own text. */
export function tCode(section: CodeSection, code: string, values?: Record<string, string | number>): string | null {
  const key = `${section}.${code}`;
  return i18n.exists(key, { lng: language.value }) ? i18n.t(key, { lng: language.value, ...values }) : null;
}
