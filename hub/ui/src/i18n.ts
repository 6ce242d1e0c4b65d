/**
 * The page's own words in zh-CN and English. The language is the dashboard's (`language`, `setLanguage`, its
 * LanguageSelect), so the grade, priority and event words the page borrows from the dashboard's catalogs switch with
 * these. Every visible string goes through t().
 */
import { createTranslator, type MessageKeys } from '@hazmon/dashboard/ui/i18n';
import { en } from './i18n/en.ts';
import { zhCN } from './i18n/zh-CN.ts';

export type HubMessageKey = MessageKeys<typeof zhCN>;

export const { t } = createTranslator(zhCN, en);
