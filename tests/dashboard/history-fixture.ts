/**
 * What the history route tests share: the web plant with one signed-in client per role, a short gas spike stored in
 * the real DuckDB file, and the route x role matrix (401 without a session, 403 for a role that may not with nothing
 * stored or audited, 200 for one that may, with the audit row a state change writes).
 */
import type { AgentOptions, AlarmEventRow, AlarmView } from '@hazmon/agent';
import type { DashboardOptions } from '@hazmon/dashboard';
import { expect } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { ALARMS, auditRowsAfter, DocumentCheck, lastAuditSeq, ROLE_NAMES, startWebPlant, USERS, WebClient, type Role, type WebPlant } from './web-fixture.ts';

export const GAS = 'GD-1.concentration';
export const DAY_MS = 86_400_000;

export interface SignedIn {
  readonly web: WebPlant;
  readonly document: DocumentCheck;
  readonly sessions: Record<Role, WebClient>;
  /** Before the agent started: every row of this run is at or after it. */
  readonly startedAt: number;
}

function engineAlarm(web: WebPlant, id: string): AlarmView | undefined {
  return web.agent.alarms().engine.find((alarm) => alarm.id === id);
}

/**
 * The web plant (its config text changed by `edit`; the server's and the agent's options), a client signed in for
 * each role, the `lo` alarm standing (gas 0).
 */
export async function startSignedIn(edit?: (yaml: string) => string, options: { server?: DashboardOptions; agent?: AgentOptions } = {}): Promise<SignedIn> {
  const startedAt = Date.now();
  const web = await startWebPlant(options.server, undefined, edit, options.agent);
  const document = await DocumentCheck.load(web.base);
  const sessions = {} as Record<Role, WebClient>;
  for (const role of ROLE_NAMES) {
    sessions[role] = new WebClient(web.base, document);
    expect((await sessions[role].login(USERS[role])).status).toBe(200);
  }
  await waitFor('lo raised at gas 0', () => engineAlarm(web, ALARMS.lo)?.state === 'unacknowledged_active');
  return { web, document, sessions, startedAt };
}

async function lastStoredGas(web: WebPlant, since: number): Promise<number[]> {
  const stored = await web.agent.reader.readings(GAS, since, Date.now() + 1000);
  return stored.resolution === 'raw' ? stored.rows.flatMap((row) => (row.value === null ? [] : [row.value])) : [];
}

/** One short spike: 45 %LEL until the store holds a reading of it and hihi is raised, then 0 again until stored. */
export async function gasSpike(web: WebPlant, since: number): Promise<void> {
  web.plant.site.device('GD-1').set('concentration', 45);
  await waitFor('hihi raised', () => engineAlarm(web, ALARMS.hihi)?.state === 'unacknowledged_active');
  await waitFor('the spike stored', async () => (await lastStoredGas(web, since)).some((value) => value > 40));
  web.plant.site.device('GD-1').set('concentration', 0);
  await waitFor('a reading of 0 after the spike stored', async () => (await lastStoredGas(web, since)).at(-1) === 0);
}

export async function eventsOfKind(web: WebPlant, kind: string): Promise<AlarmEventRow[]> {
  return (await web.agent.reader.alarmEventsAfter(0, 10_000)).filter((event) => event.kind === kind);
}

/** The rows of alarms going active: raised from normal, or the engine's `changed` (active again before anyone acknowledged). */
export async function activationEvents(web: WebPlant): Promise<AlarmEventRow[]> {
  return (await web.agent.reader.alarmEventsAfter(0, 10_000)).filter((event) => event.kind === 'raised' || (event.kind === 'changed' && event.who === 'engine'));
}

export interface MatrixRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly roles: readonly Role[];
  /** A POST's body for the role sending it. */
  readonly body?: (role: Role) => unknown;
  /** The audit row an allowed call writes (none for reads), and the alarm event kind it stores. */
  readonly audit?: { readonly action: string; readonly target: string; readonly eventKind: string };
}

export async function expectUnauthenticated(signedIn: SignedIn, routes: readonly MatrixRoute[]): Promise<void> {
  const anonymous = new WebClient(signedIn.web.base, signedIn.document);
  for (const route of routes) {
    const answer = await anonymous.request(route.method, route.path, route.body ? { body: route.body('viewer') } : {});
    expect(answer, route.path).toMatchObject({ status: 401, body: { error: { code: 'HAZMON_API_UNAUTHENTICATED', field: 'session' } } });
  }
}

/** Each role on each route: 403 with nothing stored or audited, or 200 with exactly its audit row and stored event. */
export async function expectRoleMatrix({ web, sessions }: SignedIn, routes: readonly MatrixRoute[]): Promise<void> {
  for (const role of ROLE_NAMES) {
    for (const route of routes) {
      const before = await lastAuditSeq(web.agent);
      const eventsBefore = (await web.agent.reader.alarmEventsAfter(0, 10_000)).length;
      const answer = await sessions[role].request(route.method, route.path, route.body ? { body: route.body(role) } : {});
      const rows = await auditRowsAfter(web.agent, before);
      const stored = (await web.agent.reader.alarmEventsAfter(0, 10_000)).slice(eventsBefore).filter((event) => event.who !== 'engine' && event.who !== 'hazmon');
      const what = `${role}: ${route.method} ${route.path}`;
      if (!route.roles.includes(role)) {
        expect(answer, what).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_FORBIDDEN', field: 'role' } } });
        expect(rows, what).toEqual([]);
        expect(stored, what).toEqual([]);
        continue;
      }
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(200);
      if (route.audit === undefined) {
        expect(rows, what).toEqual([]);
        continue;
      }
      const who = USERS[role].name;
      expect(rows, what).toEqual([expect.objectContaining({ action: route.audit.action, target: route.audit.target, who, details: expect.objectContaining({ result: 'accepted', role }) })]);
      expect(stored, what).toEqual([expect.objectContaining({ kind: route.audit.eventKind, who })]);
    }
  }
}
