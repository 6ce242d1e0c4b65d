/**
 * The audit log query on the real server in the real agent, real DuckDB file: paged by seq with the who / action
 * filters (neither gaps nor repeats), oldest first and newest first, the hash chain status, the time range; supervisor and up.
 */
import type { FaultDrillDatabase } from '@hazmon/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRoleMatrix, expectUnauthenticated, type SignedIn, startSignedIn } from './history-fixture.ts';
import { ALARMS, USERS } from './web-fixture.ts';

let signedIn: SignedIn;
/** Added to the server's clock: a chain check older than 30 s is made again at the next page. */
let clockAheadMs = 0;
let drill: FaultDrillDatabase | undefined;

beforeAll(async () => {
  signedIn = await startSignedIn(undefined, {
    server: { now: () => Date.now() + clockAheadMs },
    agent: { store: { flushIntervalMs: 200, faults: { opened: (database) => (drill = database) } } },
  });
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
  chain: { ok: boolean; rowsChecked: number; problems: unknown[]; checkedAt: number };
}

/** A page as sent, its text beside it (the client's request() gives it parsed). */
async function auditPage(path: string): Promise<{ text: string; page: AuditPage }> {
  const answer = await fetch(`${signedIn.web.base}${path}`, { headers: { Cookie: signedIn.sessions.supervisor.sessionCookie! } });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('application/json');
  const text = await answer.text();
  return { text, page: JSON.parse(text) as AuditPage };
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

  it('pages newest first before a cursor with the filters, neither gaps nor repeats, back to the first row', async () => {
    const { web, sessions } = signedIn;
    const stored = await web.agent.reader.auditRows({ limit: 10_000 });
    const logins = stored.filter((row) => row.action === 'session_login');
    const paged: number[] = [];
    let cursor = '';
    for (;;) {
      const page = await sessions.supervisor.request<AuditPage>('GET', `/api/v1/audit?order=newest&action=session_login&limit=2${cursor}`);
      expect(page.status).toBe(200);
      expect(page.body.chain).toMatchObject({ ok: true, problems: [] });
      paged.push(...page.body.rows.map((row) => row.seq));
      cursor = `&before=${page.body.next}`;
      if (page.body.complete) break;
    }
    expect(paged).toEqual(logins.map((row) => row.seq).reverse());
    // The newest page of the whole log starts at its last row.
    const newest = await sessions.supervisor.request<AuditPage>('GET', '/api/v1/audit?order=newest&limit=1');
    expect(newest.body.rows.map((row) => row.seq)).toEqual([(await web.agent.reader.auditRows({ limit: 10_000 })).at(-1)!.seq]);
  });

  it('refuses a cursor of the other order, naming it', async () => {
    const { sessions } = signedIn;
    for (const [query, field] of [
      ['order=newest&after=3', 'after'],
      ['before=3', 'before'],
      ['order=oldest&before=3', 'before'],
      ['order=desc', 'order'],
    ] as const) {
      const answer = await sessions.supervisor.request('GET', `/api/v1/audit?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toMatchObject({ error: { code: 'HAZMON_API_INVALID', field } });
    }
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

describe('GET /api/v1/audit, the answer', () => {
  it('is what JSON.stringify wrote of the stored rows, the cursor and the chain, to the byte', async () => {
    const { web } = signedIn;
    for (const [query, asked] of [
      ['after=1&limit=3', { afterSeq: 1, limit: 3 }],
      ['who=sup&limit=2', { who: 'sup', limit: 2 }],
      ['action=session_login&after=2&limit=1000', { action: 'session_login', afterSeq: 2, limit: 1000 }],
      ['after=999999&limit=10', { afterSeq: 999_999, limit: 10 }],
    ] as const) {
      const { text, page } = await auditPage(`/api/v1/audit?${query}`);
      const rows = await web.agent.reader.auditRows(asked);
      const { ok, rowsChecked, problems, checkedAt } = page.chain;
      const next = rows.at(-1)?.seq ?? asked.afterSeq ?? 0;
      expect(text, query).toBe(JSON.stringify({ rows, next, complete: rows.length < asked.limit, chain: { ok, rowsChecked, problems, checkedAt } }));
    }
    const last = (await web.agent.reader.auditRows({ limit: 10_000 })).at(-1)!.seq;
    for (const [query, asked, cursor] of [
      ['order=newest&limit=3', { beforeSeq: Number.MAX_SAFE_INTEGER, limit: 3 }, 0],
      ['order=newest&before=3&limit=1000', { beforeSeq: 3, limit: 1000 }, 3],
      [`order=newest&who=sup&before=${last}&limit=2`, { who: 'sup', beforeSeq: last, limit: 2 }, last],
      ['order=newest&before=1&limit=10', { beforeSeq: 1, limit: 10 }, 1],
    ] as const) {
      const { text, page } = await auditPage(`/api/v1/audit?${query}`);
      const rows = await web.agent.reader.auditRows(asked);
      expect(rows.length, query).toBeLessThan(1000);
      const { ok, rowsChecked, problems, checkedAt } = page.chain;
      const next = rows.at(-1)?.seq ?? cursor;
      expect(text, query).toBe(JSON.stringify({ rows, next, complete: rows.length < asked.limit, chain: { ok, rowsChecked, problems, checkedAt } }));
    }
  });
});

describe('the chain status of pages asked one after another', () => {
  it('is that of a check at most 30 s old, counts a row appended at the next check, and names a row deleted since', async () => {
    const { web, sessions } = signedIn;
    const first = (await auditPage('/api/v1/audit?limit=1')).page.chain;
    expect(first).toMatchObject({ ok: true, problems: [] });
    // A sign-in appends a row: a page within 30 s of the check gives that check, which did not count it, with its time.
    expect((await sessions.viewer.login(USERS.viewer)).status).toBe(200);
    const appended = (await web.agent.reader.auditRows({ limit: 10_000 })).at(-1)!.seq;
    expect(appended).toBeGreaterThan(first.rowsChecked);
    expect((await auditPage('/api/v1/audit?limit=1')).page.chain).toEqual(first);
    clockAheadMs += 31_000;
    const next = (await auditPage('/api/v1/audit?limit=1')).page.chain;
    expect(next).toMatchObject({ ok: true, problems: [] });
    expect(next.rowsChecked).toBeGreaterThanOrEqual(appended);
    expect(next.checkedAt).toBeGreaterThanOrEqual(first.checkedAt + 31_000);
    await drill!.run('DELETE FROM audit_log WHERE seq = 2');
    clockAheadMs += 31_000;
    const broken = await auditPage('/api/v1/audit?limit=3');
    expect(broken.page.chain.ok).toBe(false);
    expect(broken.page.chain.problems).toContainEqual(expect.objectContaining({ seq: 2, problem: 'missing' }));
    expect(broken.page.rows.map((row) => row.seq)).toEqual([1, 3, 4]);
  });
});

describe('the route x role matrix', () => {
  const routes = [{ method: 'GET', path: '/api/v1/audit?limit=1', roles: ['supervisor', 'admin'] }] as const;

  it('answers 401 without a session, 403 to viewer and operator, 200 to supervisor and admin, writing no audit row', async () => {
    await expectUnauthenticated(signedIn, routes);
    await expectRoleMatrix(signedIn, routes);
  });
});
