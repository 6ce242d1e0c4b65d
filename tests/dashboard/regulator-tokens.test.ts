/**
 * Regulator tokens on the real server in the real agent: an admin issues one (the secret shown once, only its hash on
 * disk), lists them without secrets and revokes one, each audited; a token reaches the regulator routes and nothing
 * else; a bad, revoked or expired token is a 401; tokens survive a restart.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALARMS, auditRowsAfter, DocumentCheck, lastAuditSeq, ROLE_NAMES, startWebPlant, USERS, WebClient, type Role, type WebPlant } from './web-fixture.ts';

interface Token {
  id: string;
  name: string;
  createdBy: string;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

let web: WebPlant;
let document: DocumentCheck;
const sessions = {} as Record<Role, WebClient>;

async function signIn(): Promise<void> {
  document = await DocumentCheck.load(web.base);
  for (const role of ROLE_NAMES) {
    sessions[role] = new WebClient(web.base, document);
    expect((await sessions[role].login(USERS[role])).status).toBe(200);
  }
}

/** A client that sends only `Authorization: Bearer <secret>`: no cookie, no CSRF token. */
function bearer(secret: string) {
  const client = new WebClient(web.base, document);
  return (method: string, path: string, body?: unknown) => client.request(method, path, { headers: { Authorization: `Bearer ${secret}` }, ...(body === undefined ? {} : { body }) });
}

async function issue(body: { name: string; expiresInDays?: number }): Promise<{ token: Token; secret: string }> {
  const answer = await sessions.admin.request<{ token: Token; secret: string }>('POST', '/api/v1/tokens', { body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

beforeAll(async () => {
  web = await startWebPlant();
  await signIn();
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('regulator tokens', () => {
  let lasting: { token: Token; secret: string };
  let expiring: { token: Token; secret: string };
  let revoked: { token: Token; secret: string };

  it('an admin issues a token: the secret once, only its SHA-256 on disk, an audit row', async () => {
    const before = await lastAuditSeq(web.agent);
    lasting = await issue({ name: 'District emergency bureau' });
    expect(lasting.token).toMatchObject({ name: 'District emergency bureau', createdBy: 'root', lastUsedAt: null, expiresAt: null, revokedAt: null });
    expect(lasting.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expiring = await issue({ name: 'Inspection team', expiresInDays: 1 });
    expect(expiring.token.expiresAt).toBeGreaterThan(Date.now() + 86_000_000);
    revoked = await issue({ name: 'Former contractor' });
    const onDisk = readFileSync(`${web.plant.config.store.path}.regulator-tokens.json`, 'utf8');
    for (const { secret } of [lasting, expiring, revoked]) {
      expect(onDisk).not.toContain(secret);
      expect(onDisk).toContain(createHash('sha256').update(secret).digest('base64url'));
    }
    const rows = await auditRowsAfter(web.agent, before);
    expect(rows.map((row) => [row.action, row.who, row.target])).toEqual([lasting, expiring, revoked].map(({ token }) => ['regulator_token_created', 'root', token.id]));
    expect(rows[1]!.details).toMatchObject({ result: 'accepted', name: 'Inspection team', expiresAt: expiring.token.expiresAt });
  });

  it('lists the tokens without a secret or a hash', async () => {
    const answer = await sessions.admin.request<{ tokens: Token[] }>('GET', '/api/v1/tokens');
    expect(answer.status).toBe(200);
    expect(answer.body.tokens.map((token) => token.id)).toEqual([lasting.token.id, expiring.token.id, revoked.token.id]);
    const text = JSON.stringify(answer.body);
    for (const { secret } of [lasting, expiring, revoked]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/hash/i);
  });

  it('only an admin manages tokens: other roles 403, no session 401, a token 403; nothing audited', async () => {
    const before = await lastAuditSeq(web.agent);
    for (const role of ['viewer', 'operator', 'supervisor'] as const) {
      for (const [method, path, body] of [
        ['POST', '/api/v1/tokens', { name: 'x' }],
        ['GET', '/api/v1/tokens', undefined],
        ['DELETE', `/api/v1/tokens/${lasting.token.id}`, undefined],
      ] as const) {
        const answer = await sessions[role].request(method, path, body === undefined ? {} : { body });
        expect(answer, `${role} ${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_FORBIDDEN', field: 'role' } } });
      }
    }
    expect((await new WebClient(web.base, document).request('GET', '/api/v1/tokens')).status).toBe(401);
    expect(await bearer(lasting.secret)('GET', '/api/v1/tokens')).toMatchObject({ status: 403, body: { error: { field: 'Authorization' } } });
    expect(await auditRowsAfter(web.agent, before)).toEqual([]);
  });

  it('a token reads the regulator routes and records its last use; it is refused (403) on every other route', async () => {
    const send = bearer(lasting.secret);
    for (const path of ['/api/v1/points', '/api/v1/alarm-events?limit=2']) expect((await send('GET', path)).status, path).toBe(200);
    const lowerCaseScheme = await new WebClient(web.base, document).request('GET', '/api/v1/points', { headers: { Authorization: `bearer ${lasting.secret}` } });
    expect(lowerCaseScheme.status).toBe(200);
    const listed = (await sessions.admin.request<{ tokens: Token[] }>('GET', '/api/v1/tokens')).body.tokens.find((token) => token.id === lasting.token.id);
    expect(listed?.lastUsedAt).toEqual(expect.any(Number));
    const before = await lastAuditSeq(web.agent);
    for (const [method, path, body] of [
      ['GET', '/api/v1/session', undefined],
      ['GET', '/api/v1/alarms', undefined],
      ['GET', '/api/v1/stream', undefined],
      ['POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.lo)}/ack`, {}],
      ['POST', '/api/v1/actions/close-gas/reset', { reason: 'x' }],
      ['DELETE', '/api/v1/session', undefined],
    ] as const) {
      expect(await send(method, path, body), `${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_FORBIDDEN', field: 'Authorization' } } });
    }
    expect(await auditRowsAfter(web.agent, before)).toEqual([]);
  });

  it('a bad token or a malformed Authorization header is a 401 naming Authorization', async () => {
    const anonymous = new WebClient(web.base, document);
    for (const header of [`Bearer ${'A'.repeat(43)}`, `Bearer ${lasting.secret}x`, `Basic ${lasting.secret}`, 'Bearer', `Bearer ${lasting.secret.slice(1)}`, `Bearer ${lasting.secret}=`]) {
      const answer = await anonymous.request('GET', '/api/v1/points', { headers: { Authorization: header } });
      expect(answer, header).toMatchObject({ status: 401, body: { error: { code: 'HAZMON_API_UNAUTHENTICATED', field: 'Authorization' } } });
    }
  });

  it('an admin revokes a token: audited, refused from then on; revoking it again is a 409, an unknown id a 404', async () => {
    const before = await lastAuditSeq(web.agent);
    expect((await bearer(revoked.secret)('GET', '/api/v1/points')).status).toBe(200);
    expect((await sessions.admin.request('DELETE', `/api/v1/tokens/${revoked.token.id}`)).status).toBe(200);
    expect((await bearer(revoked.secret)('GET', '/api/v1/points')).status).toBe(401);
    expect((await sessions.admin.request('DELETE', `/api/v1/tokens/${revoked.token.id}`)).status).toBe(409);
    expect((await sessions.admin.request('DELETE', '/api/v1/tokens/no-such-token')).status).toBe(404);
    const rows = await auditRowsAfter(web.agent, before);
    // With the holder's name: the audit log's reader sees whose token it was, not only its id.
    expect(rows.map((row) => [row.action, row.who, row.target, row.details?.['result'], row.details?.['name']])).toEqual([
      ['regulator_token_revoked', 'root', revoked.token.id, 'accepted', revoked.token.name],
      ['regulator_token_revoked', 'root', revoked.token.id, 'refused', revoked.token.name],
    ]);
    const listed = (await sessions.admin.request<{ tokens: Token[] }>('GET', '/api/v1/tokens')).body.tokens.find((token) => token.id === revoked.token.id);
    expect(listed).toMatchObject({ revokedAt: expect.any(Number), revokedBy: 'root' });
  });

  it('tokens survive a restart; two days on, the one-day token has expired and the revoked one stays revoked', async () => {
    expect((await bearer(expiring.secret)('GET', '/api/v1/points')).status).toBe(200);
    web = await web.restart({ now: () => Date.now() + 2 * 86_400_000 });
    await signIn();
    expect((await bearer(lasting.secret)('GET', '/api/v1/points')).status).toBe(200);
    expect(await bearer(expiring.secret)('GET', '/api/v1/points')).toMatchObject({ status: 401, body: { error: { field: 'Authorization' } } });
    expect((await bearer(revoked.secret)('GET', '/api/v1/points')).status).toBe(401);
    expect((await sessions.admin.request<{ tokens: Token[] }>('GET', '/api/v1/tokens')).body.tokens).toHaveLength(3);
  }, 60_000);

  it('a token file that is no token list is moved aside and logged; the agent starts and refuses every token', async () => {
    const file = `${web.plant.config.store.path}.regulator-tokens.json`;
    writeFileSync(file, '[{"id": 1}]');
    const logs: string[] = [];
    web = await web.restart({ log: (line) => logs.push(line) });
    await signIn();
    expect(logs.some((line) => line.includes('is no regulator token list'))).toBe(true);
    expect(readdirSync(dirname(file)).filter((name) => name.startsWith(`${basename(file)}.unreadable-`))).toHaveLength(1);
    expect((await bearer(lasting.secret)('GET', '/api/v1/points')).status).toBe(401);
    expect((await sessions.admin.request<{ tokens: Token[] }>('GET', '/api/v1/tokens')).body.tokens).toEqual([]);
  }, 60_000);
});
