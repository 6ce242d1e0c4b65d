/**
 * The audit log query on the real server in the real agent, real DuckDB file: paged by seq with the who / action
 * filters (neither gaps nor repeats), the hash chain status, the time range; supervisor and up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRoleMatrix, expectUnauthenticated, type SignedIn, startSignedIn } from './history-fixture.ts';
import { ALARMS } from './web-fixture.ts';

let signedIn: SignedIn;

beforeAll(async () => {
  signedIn = await startSignedIn();
  const ack = await signedIn.sessions.operator.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.lo)}/ack`, { body: { comment: 'crew sent' } });
  expect(ack.status).toBe(200);
}, 90_000);

afterAll(async () => {
  await signedIn?.web.close();
});

interface AuditPage {
  rows: { seq: number; who: string; action: string; time: number }[];
  next: number;
  complete: boolean;
  chain: { ok: boolean; rowsChecked: number; problems: unknown[] };
}

describe('GET /api/v1/audit', () => {
  it('pages by seq with the who / action filters, neither gaps nor repeats, and gives the chain status', async () => {
    const { web, sessions } = signedIn;
    const logins = (await web.agent.reader.auditRows({ limit: 10_000 })).filter((row) => row.action === 'session_login');
    expect(logins.length).toBeGreaterThanOrEqual(4);
    const paged: number[] = [];
    let after = 0;
    for (;;) {
      const page = await sessions.supervisor.request<AuditPage>('GET', `/api/v1/audit?action=session_login&after=${after}&limit=2`);
      expect(page.status).toBe(200);
      expect(page.body.chain).toMatchObject({ ok: true, problems: [] });
      expect(page.body.chain.rowsChecked).toBeGreaterThanOrEqual(logins.length);
      paged.push(...page.body.rows.map((row) => row.seq));
      after = page.body.next;
      if (page.body.complete) break;
    }
    expect(paged).toEqual(logins.map((row) => row.seq));
    const op = await sessions.admin.request<AuditPage>('GET', '/api/v1/audit?who=op&action=alarm_command');
    expect(op.body.rows.map((row) => [row.who, row.action])).toEqual([['op', 'alarm_command']]);
    expect(op.body.complete).toBe(true);
  });

  it('keeps to the time range', async () => {
    const { web, sessions } = signedIn;
    const rows = await web.agent.reader.auditRows({ limit: 10_000 });
    const middle = rows[Math.floor(rows.length / 2)]!.time;
    const page = await sessions.supervisor.request<AuditPage>('GET', `/api/v1/audit?from=${middle}&to=${Date.now() + 1000}&limit=1000`);
    expect(page.body.rows.length).toBeGreaterThan(0);
    expect(page.body.rows.map((row) => row.seq)).toEqual(rows.filter((row) => row.time >= middle).map((row) => row.seq));
  });
});

describe('the route x role matrix', () => {
  const routes = [{ method: 'GET', path: '/api/v1/audit?limit=1', roles: ['supervisor', 'admin'] }] as const;

  it('answers 401 without a session, 403 to viewer and operator, 200 to supervisor and admin, writing no audit row', async () => {
    await expectUnauthenticated(signedIn, routes);
    await expectRoleMatrix(signedIn, routes);
  });
});
