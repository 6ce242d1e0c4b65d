/**
 * What a person is told about a failed request or a refusal, in the language shown: the agent's refusal code with its
 * params from the catalog, else the error code's entry, else the server's own (English) sentence, so a code this page
 * does not know yet still says something true.
 */
import { t, tCode } from '../i18n/index.ts';
import { ApiError } from './client.ts';
import type { Refusal, RefusalParams } from './types.ts';

/** Params that are words of the agent's vocabulary (an alarm state or mode, a command), said in the language shown. */
function paramsInWords(params: RefusalParams): Record<string, string | number> {
  const word = (section: Parameters<typeof tCode>[0], value: string | number | undefined) => (value === undefined ? undefined : (tCode(section, String(value)) ?? value));
  const words: Record<string, string | number | undefined> = {
    ...params,
    state: word('state', params['state']),
    mode: word('mode', params['mode']),
    expected: word('mode', params['expected']),
    command: word('error.command', params['command']),
    since: word('error.latchSince', params['since']),
  };
  return Object.fromEntries(Object.entries(words).filter((entry): entry is [string, string | number] => entry[1] !== undefined));
}

/** A refusal in the language shown; `fallback` (the agent's sentence) for a code the catalog does not have. */
export function refusalText(refusal: Refusal, fallback: string): string {
  return tCode('error.refusal', refusal.code, paramsInWords(refusal.params)) ?? fallback;
}

/** A failed request in words: a refusal, an error code the catalog says alone, the server's message, or the network. */
export function errorText(error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.network');
  if (error.refusal !== null) return refusalText(error.refusal, error.message);
  if (error.code === 'HAZMON_API_THROTTLED') return error.retryAfterS === null ? error.message : t('error.api.HAZMON_API_THROTTLED', { seconds: error.retryAfterS });
  // The server's check of a field says why in English, naming the field (the page's own checks come first): said as an input error around it.
  if (error.code === 'HAZMON_API_INVALID') return t('error.api.HAZMON_API_INVALID', { message: error.message });
  // Busy without Retry-After: a read stopped at the store's time limit, which asked again would stop again.
  if (error.code === 'HAZMON_API_BUSY' && error.retryAfterS === null) return t('error.api.readTimeout');
  return tCode('error.api', error.code) ?? error.message;
}
