/** For the UI's unit tests without a browser: the globals the catalogs' and session modules read at import. */
import { vi } from 'vitest';

/** The language as a browser keeps it (the saved choice, then the browser's list); import the UI's modules after. */
export function stubBrowserGlobals(language: 'zh-CN' | 'en'): void {
  vi.stubGlobal('localStorage', { getItem: () => language, setItem: () => undefined });
  vi.stubGlobal('navigator', { languages: [language] });
  vi.stubGlobal('document', { documentElement: { dataset: {} } });
}
