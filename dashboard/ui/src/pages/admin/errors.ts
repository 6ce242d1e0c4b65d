import { ApiError } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';

/** The server's own message for a refusal; a plain word when the server could not be reached. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : t('error.network');
}
