/**
 * The one way pages talk to the server: JSON both ways, the session cookie (same origin), and on every state change
 * the CSRF token from the session answer plus the Origin header. Any 4xx/5xx becomes an ApiError carrying the server's
 * `{error: {code, message, field, refusal?}}`, which the pages say through errorText (error-text.ts).
 */
import { signal } from '@preact/signals';
import type { Refusal } from './types.ts';

export type Role = 'viewer' | 'operator' | 'supervisor' | 'admin';

export interface Session {
  readonly name: string;
  readonly role: Role;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
    /** The agent's refusal as a code with params, for the catalogs (the message is its English sentence). */
    readonly refusal: Refusal | null = null,
    /** Retry-After of a 429 or 503, in seconds. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

/** The signed-in person, or null: the shell shows the login page while it is null. */
export const session = signal<Session | null>(null);

/** Roles that may use a command (the server's ACK_ROLES and RESET_ROLES; it refuses anyway). */
export const CAN = {
  acknowledge: (role: Role) => role !== 'viewer',
  shelve: (role: Role) => role !== 'viewer',
  outOfService: (role: Role) => role === 'supervisor' || role === 'admin',
  reset: (role: Role) => role === 'supervisor' || role === 'admin',
  /** The audit log and the alarm-system health (the server's ROLES.supervise). */
  supervise: (role: Role) => role === 'supervisor' || role === 'admin',
  admin: (role: Role) => role === 'admin',
  changeThresholds: (role: Role) => role === 'supervisor' || role === 'admin',
  recordUpkeep: (role: Role) => role !== 'viewer',
} as const;

function retryAfterOf(response: Response): number | null {
  const seconds = Number(response.headers.get('Retry-After') ?? Number.NaN);
  return Number.isFinite(seconds) ? seconds : null;
}

async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; field?: string; refusal?: Refusal } } | null;
  const error = body?.error;
  return new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, error?.field ?? null, error?.refusal ?? null, retryAfterOf(response));
}

async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Origin'] = location.origin;
    const token = session.value?.csrfToken;
    if (token) headers['X-CSRF-Token'] = token;
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && path !== '/api/v1/session') session.value = null;
    throw error;
  }
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

export async function signIn(name: string, password: string): Promise<void> {
  session.value = await api.post<Session>('/api/v1/session', { name, password });
}

/** Restores a session kept in the cookie (a reload); null when there is none. */
export async function restoreSession(): Promise<void> {
  session.value = await api.get<Session>('/api/v1/session').catch(() => null);
}

export async function signOut(): Promise<void> {
  await api.delete('/api/v1/session').catch(() => undefined);
  session.value = null;
}
