/**
 * Sign-in of a bureau user of the hub config (`users:`) with a name and password; the hub keeps the session in an
 * HttpOnly cookie, so the page holds no secret. The language switch is here too: a person who reads only one of the
 * two languages must be able to sign in.
 */
import { LanguageSelect } from '@hazmon/dashboard/ui/language-select';
import { useState } from 'preact/hooks';
import { HubApiError, signedOutBecause, signIn } from '../api.ts';
import { t } from '../i18n.ts';

function reasonOf(failure: unknown): string {
  if (failure instanceof HubApiError && failure.status === 401) return t('signIn.refused');
  if (failure instanceof HubApiError && failure.status === 429) return t('signIn.throttled');
  return t('signIn.failed', { message: failure instanceof Error ? failure.message : String(failure) });
}

export function SignInPage() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(signedOutBecause.value === 'expired' ? t('signIn.expired') : null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="login">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          signIn(name.trim(), password)
            .catch((failure: unknown) => setError(reasonOf(failure)))
            .finally(() => setBusy(false));
        }}
      >
        <div class="login-head">
          <h1>{t('signIn.title')}</h1>
          <LanguageSelect />
        </div>
        <label>
          {t('signIn.name')}
          <input name="name" autocomplete="username" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label>
          {t('signIn.password')}
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
        </label>
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
