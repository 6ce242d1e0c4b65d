/**
 * The regulator API as the page reads it: a bureau user signs in with a name and password (POST /api/v1/login) and
 * the hub's HttpOnly SameSite=Strict cookie goes with every request; the page never holds a secret. Regulator tokens
 * stay for tools, not for this page. A 401 signs out with the reason shown on the sign-in screen.
 */
import { signal } from '@preact/signals';
import type { GatewayCompleteness, HubPoint, HubSite } from './api-types.ts';

export interface HubSession {
  readonly name: string;
  readonly role: string;
  readonly expiresAt: number;
}

/** Who is signed in; undefined while the page asks the hub (GET /api/v1/session) on opening. */
export const session = signal<HubSession | null | undefined>(undefined);
/** Why the sign-in screen is shown again, when a session ended. */
export const signedOutBecause = signal<'expired' | null>(null);

/** The API's own sentence of a failed answer. */
async function failure(response: Response): Promise<HubApiError> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return new HubApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
}

/** Asks the hub whether this browser's cookie is a live session (on opening the page). */
export async function loadSession(): Promise<void> {
  const response = await fetch('/api/v1/session').catch(() => null);
  session.value = response?.ok ? ((await response.json()) as HubSession) : null;
}

export async function signIn(name: string, password: string): Promise<void> {
  const response = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
  if (!response.ok) throw await failure(response);
  signedOutBecause.value = null;
  session.value = (await response.json()) as HubSession;
}

export async function signOut(reason: 'expired' | null = null): Promise<void> {
  if (reason === null) await fetch('/api/v1/logout', { method: 'POST' }).catch(() => undefined);
  signedOutBecause.value = reason;
  session.value = null;
}

export class HubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GET a regulator route with the session cookie; the API's own sentence on failure. */
export async function get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])));
  const url = `/api/v1/${path}${query.size > 0 ? `?${query}` : ''}`;
  const response = await fetch(url);
  if (response.ok) return (await response.json()) as T;
  if (response.status === 401) void signOut('expired');
  throw await failure(response);
}

/** Every point of one gateway, page after page by the API's cursor. */
export async function loadPoints(gateway: string): Promise<HubPoint[]> {
  const points: HubPoint[] = [];
  for (let after: string | undefined; ; ) {
    const page = await get<{ points: HubPoint[]; next: string | null }>('points', { gateway, after, limit: 10_000 });
    points.push(...page.points);
    if (page.next === null) return points;
    after = page.next;
  }
}

/** A point as people name it: its id, the indicator's name (else its code) and unit beside it. */
export function pointLabel(point: HubPoint): string {
  const name = point.description ?? point.indicatorCode;
  return `${point.id}${name === null ? '' : ` · ${name}`}${point.unit === null ? '' : ` (${point.unit})`}`;
}

/** The sites (graded order, from the API) and each one's completeness over the last 24 hours. */
export async function loadSites(region: string | undefined, now: number): Promise<{ sites: HubSite[]; completeness: Map<string, GatewayCompleteness> }> {
  const [{ sites }, { gateways }] = await Promise.all([
    get<{ sites: HubSite[] }>('sites', { region }),
    get<{ gateways: GatewayCompleteness[] }>('completeness', { from: now - 86_400_000, to: now, region }),
  ]);
  return { sites, completeness: new Map(gateways.map((entry) => [entry.gateway, entry])) };
}
