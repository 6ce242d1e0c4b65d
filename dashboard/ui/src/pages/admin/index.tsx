/**
 * Admin: the users and what each role may do (from the config: changed only there), and the regulator tokens: issue
 * one (its secret shown once, in a dialog), list them without secrets, revoke one after a confirmation.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { ApiError, api, CAN, type Role, session } from '../../api/client.ts';
import { type MessageKey, t } from '../../i18n/index.ts';
import { Time } from '../../shell/Time.tsx';
import './admin.css';
import { Dialog } from './Dialog.tsx';
import type { RegulatorToken, TokenCreated, UserList } from './types.ts';
import { errorText } from '../../api/error-text.ts';

const ROLES: readonly Role[] = ['viewer', 'operator', 'supervisor', 'admin'];
const DUTY_KEYS = ['read', 'handleAlarms', 'recordUpkeep', 'serviceAlarms', 'supervise', 'resetAction', 'manageTokens', 'changeThresholds', 'listUsers'] as const;

/** The duty in the reader's language when the catalog knows it, else the server's words. */
function dutyLabel(key: string, duty: string): string {
  return (DUTY_KEYS as readonly string[]).includes(key) ? t(`admin.duty.${key as (typeof DUTY_KEYS)[number]}`) : duty;
}

function Users() {
  const list = useSignal<UserList | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    api.get<UserList>('/api/v1/users').then(
      (answer) => (list.value = answer),
      (failure) => (error.value = errorText(failure)),
    );
  }, []);
  if (error.value)
    return (
      <p class="form-error" role="alert">
        {t('admin.failed', { message: error.value })}
      </p>
    );
  if (!list.value) return <p>{t('overview.loading')}</p>;
  return (
    <>
      <section aria-labelledby="users-title">
        <h2 id="users-title">{t('admin.users')}</h2>
        <p class="muted">{t('admin.usersHint')}</p>
        <table data-testid="users">
          <thead>
            <tr>
              <th scope="col">{t('admin.userName')}</th>
              <th scope="col">{t('admin.role')}</th>
            </tr>
          </thead>
          <tbody>
            {list.value.users.map((user) => (
              <tr key={user.name}>
                <td>{user.name}</td>
                <td>{t(`role.${user.role}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="permissions-title">
        <h2 id="permissions-title">{t('admin.permissions')}</h2>
        <table data-testid="permissions">
          <thead>
            <tr>
              <th scope="col">{t('admin.duty.title')}</th>
              {ROLES.map((role) => (
                <th key={role} scope="col">
                  {t(`role.${role}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list.value.permissions.map((permission) => (
              <tr key={permission.key}>
                <td>{dutyLabel(permission.key, permission.duty)}</td>
                {ROLES.map((role) => (
                  <td key={role}>{permission.roles.includes(role) ? <span class="mark allowed">✓ {t('admin.allowed')}</span> : <span class="muted">— {t('admin.notAllowed')}</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

const MAX_EXPIRY_DAYS = 3650;

/** The expiry field: empty is no expiry; else whole days 1..3650. Null when it is not that. */
function expiryDays(text: string): number | undefined | null {
  if (text.trim() === '') return undefined;
  const days = Number(text);
  return Number.isInteger(days) && days >= 1 && days <= MAX_EXPIRY_DAYS ? days : null;
}

function SecretDialog({ created, onClose }: { readonly created: TokenCreated; readonly onClose: () => void }) {
  const copied = useSignal<boolean | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(created.secret).then(
      () => (copied.value = true),
      () => (copied.value = false),
    );
  return (
    <Dialog title={t('admin.secretTitle', { name: created.token.name })} testId="token-secret-dialog" onClose={onClose}>
      <p class="warning" role="alert">
        <span aria-hidden="true">⚠ </span>
        {t('admin.secretWarning')}
      </p>
      <label class="field">
        <span>{t('admin.secret')}</span>
        <input readOnly class="secret" data-testid="token-secret" value={created.secret} onFocus={(event) => event.currentTarget.select()} />
      </label>
      <p class="muted">{t('admin.secretUse')}</p>
      <div class="actions">
        <button type="button" class="primary" data-testid="copy-secret" onClick={() => void copy()}>
          {t('admin.copy')}
        </button>
        {copied.value !== null && <span role="status">{copied.value ? t('admin.copied') : t('admin.copyFailed')}</span>}
        <button type="button" data-testid="close-secret" onClick={onClose}>
          {t('admin.secretDone')}
        </button>
      </div>
    </Dialog>
  );
}

function tokenStatus(token: RegulatorToken, now: number): { readonly key: MessageKey; readonly className: string } {
  if (token.revokedAt !== null) return { key: 'admin.revoked', className: 'token-revoked' };
  if (token.expiresAt !== null && token.expiresAt <= now) return { key: 'admin.expired', className: 'token-revoked' };
  return { key: 'admin.active', className: 'token-active' };
}

function Tokens() {
  const tokens = useSignal<readonly RegulatorToken[] | null>(null);
  const name = useSignal('');
  const days = useSignal('');
  const formError = useSignal<{ readonly field: string | null; readonly message: string } | null>(null);
  const created = useSignal<TokenCreated | null>(null);
  const revoking = useSignal<RegulatorToken | null>(null);
  const listError = useSignal<string | null>(null);

  const reload = () =>
    api.get<{ tokens: RegulatorToken[] }>('/api/v1/tokens').then(
      (answer) => {
        tokens.value = answer.tokens;
        listError.value = null;
      },
      (failure) => {
        listError.value = errorText(failure);
      },
    );
  useEffect(() => void reload(), []);

  const create = async (event: Event) => {
    event.preventDefault();
    const trimmed = name.value.trim();
    const expiresInDays = expiryDays(days.value);
    if (trimmed === '') return (formError.value = { field: 'name', message: t('admin.nameRequired') });
    if (expiresInDays === null) return (formError.value = { field: 'expiresInDays', message: t('admin.expiryInvalid', { max: MAX_EXPIRY_DAYS }) });
    try {
      created.value = await api.post<TokenCreated>('/api/v1/tokens', expiresInDays === undefined ? { name: trimmed } : { name: trimmed, expiresInDays });
      formError.value = null;
      name.value = '';
      days.value = '';
      await reload();
    } catch (failure) {
      formError.value = { field: failure instanceof ApiError ? failure.field : null, message: errorText(failure) };
    }
  };

  const revoke = async (token: RegulatorToken) => {
    try {
      await api.delete(`/api/v1/tokens/${encodeURIComponent(token.id)}`);
      revoking.value = null;
      await reload();
    } catch (failure) {
      revoking.value = null;
      listError.value = errorText(failure);
    }
  };

  const now = Date.now();
  const errorFor = (field: string) =>
    formError.value?.field === field && (
      <span class="form-error" role="alert" data-testid={`error-${field}`}>
        {formError.value.message}
      </span>
    );
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t('admin.tokens')}</h2>
      <p class="muted">{t('admin.tokensHint')}</p>
      <form class="form-row" onSubmit={create} noValidate data-testid="token-form">
        <label class="field">
          <span>{t('admin.tokenName')}</span>
          <input name="name" maxLength={100} placeholder={t('admin.tokenNameExample')} value={name.value} onInput={(event) => (name.value = event.currentTarget.value)} />
          {errorFor('name')}
        </label>
        <label class="field">
          <span>{t('admin.expiresInDays')}</span>
          <input name="expiresInDays" inputMode="numeric" placeholder={t('admin.noExpiry')} value={days.value} onInput={(event) => (days.value = event.currentTarget.value)} />
          {errorFor('expiresInDays')}
        </label>
        <button type="submit" class="primary" data-testid="create-token">
          {t('admin.create')}
        </button>
        {formError.value && formError.value.field !== 'name' && formError.value.field !== 'expiresInDays' && (
          <span class="form-error" role="alert">
            {formError.value.message}
          </span>
        )}
      </form>
      {listError.value && (
        <p class="form-error" role="alert">
          {t('admin.failed', { message: listError.value })}
        </p>
      )}
      {tokens.value === null ? (
        <p>{t('overview.loading')}</p>
      ) : tokens.value.length === 0 ? (
        <p>{t('admin.noTokens')}</p>
      ) : (
        <table data-testid="tokens">
          <thead>
            <tr>
              <th scope="col">{t('admin.tokenName')}</th>
              <th scope="col">{t('admin.status')}</th>
              <th scope="col">{t('admin.createdBy')}</th>
              <th scope="col">{t('admin.lastUsed')}</th>
              <th scope="col">{t('admin.expires')}</th>
              <th scope="col">{t('admin.action')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.value.map((token) => {
              const status = tokenStatus(token, now);
              return (
                <tr key={token.id} data-testid={`token-${token.id}`}>
                  <td>{token.name}</td>
                  <td>
                    <span class={`mark ${status.className}`} data-testid="token-status">
                      {t(status.key)}
                    </span>
                    {token.revokedAt !== null && (
                      <div class="muted">
                        {token.revokedBy} <Time ms={token.revokedAt} />
                      </div>
                    )}
                  </td>
                  <td>
                    {token.createdBy}
                    <div class="muted">
                      <Time ms={token.createdAt} />
                    </div>
                  </td>
                  <td>{token.lastUsedAt === null ? t('admin.never') : <Time ms={token.lastUsedAt} />}</td>
                  <td>{token.expiresAt === null ? t('admin.noExpiry') : <Time ms={token.expiresAt} />}</td>
                  <td>
                    {token.revokedAt === null && (
                      <button type="button" data-testid="revoke" onClick={() => (revoking.value = token)}>
                        {t('admin.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {created.value && <SecretDialog created={created.value} onClose={() => (created.value = null)} />}
      {revoking.value && (
        <Dialog title={t('admin.revokeTitle', { name: revoking.value.name })} testId="revoke-dialog" onClose={() => (revoking.value = null)}>
          <p>{t('admin.revokeWarning')}</p>
          <div class="actions">
            <button type="button" class="danger" data-testid="confirm-revoke" onClick={() => void revoke(revoking.value!)}>
              {t('admin.revokeConfirm')}
            </button>
            <button type="button" data-testid="cancel-revoke" onClick={() => (revoking.value = null)}>
              {t('admin.cancel')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

export default function AdminPage() {
  const role = session.value?.role;
  return (
    <section class="page admin-page">
      <h1>{t('nav.admin')}</h1>
      {role !== undefined && CAN.admin(role) ? (
        <>
          <Tokens />
          <Users />
        </>
      ) : (
        <p role="alert">{t('admin.adminOnly')}</p>
      )}
    </section>
  );
}
