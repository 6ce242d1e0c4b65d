/**
 * Sign-in with a regulator token (made at the hub by `hazmon-hub token create NAME`): tried on GET /api/v1/sites
 * before it is kept (this tab's sessionStorage only). The language switch is here too: a person who reads only one of
 * the two languages must be able to sign in.
 */
import { LanguageSelect } from '@hazmon/dashboard/ui/language-select';
import { useState } from 'preact/hooks';
import { get, HubApiError, signedOutBecause, signIn } from '../api.ts';
import { t } from '../i18n.ts';

export function SignInPage() {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(signedOutBecause.value === 'expired' ? t('signIn.expired') : null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="login">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const tried = secret.trim();
          setBusy(true);
          get('sites', {}, tried)
            .then(() => signIn(tried))
            .catch((failure: unknown) => setError(failure instanceof HubApiError && failure.status === 401 ? t('signIn.refused') : t('signIn.failed', { message: String(failure) })))
            .finally(() => setBusy(false));
        }}
      >
        <div class="login-head">
          <h1>{t('signIn.title')}</h1>
          <LanguageSelect />
        </div>
        <label>
          {t('signIn.token')}
          <input name="token" type="password" autocomplete="off" required value={secret} onInput={(event) => setSecret(event.currentTarget.value)} aria-describedby="token-hint" />
        </label>
        <span id="token-hint" class="muted">
          {t('signIn.tokenHint')}
        </span>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
    </div>
  );
}
