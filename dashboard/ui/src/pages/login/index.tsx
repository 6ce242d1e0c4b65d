import { useSignal } from '@preact/signals';
import { signIn } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { LanguageSelect } from '../../shell/LanguageSelect.tsx';
import { errorText } from '../../api/error-text.ts';

/** Shown while nobody is signed in; the server's own message is shown when it refuses. */
export function LoginPage() {
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    busy.value = true;
    error.value = null;
    try {
      await signIn(String(form.get('name') ?? ''), String(form.get('password') ?? ''));
    } catch (caught) {
      error.value = t('login.failed', { message: errorText(caught) });
    } finally {
      busy.value = false;
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit}>
        <div class="login-head">
          <h1>{t('login.title')}</h1>
          <LanguageSelect />
        </div>
        <label>
          {t('login.name')}
          <input name="name" autocomplete="username" required />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        {error.value && (
          <p class="form-error" role="alert" data-testid="login-error">
            {error.value}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy.value}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
