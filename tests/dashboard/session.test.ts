/** The server's shape and access over a real socket: the document, headers, the error shape, sign-in, sessions, CSRF, back-off, audit rows. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardServer, openApiDocument } from '@hazmon/dashboard';
import { auditRowsAfter, DocumentCheck, lastAuditSeq, startWebPlant, USERS, WebClient, type WebPlant } from './web-fixture.ts';

let web: WebPlant;
let document: DocumentCheck;
const client = () => new WebClient(web.base, document);

beforeAll(async () => {
  web = await startWebPlant({ throttleLimits: { user: { freeFailures: 3, firstWaitMs: 60_000, maxWaitMs: 60_000 }, address: { freeFailures: 1000, firstWaitMs: 1000, maxWaitMs: 1000 } } });
  document = await DocumentCheck.load(web.base);
}, 60_000);

afterAll(async () => {
  await web?.close();
});

describe('the OpenAPI document', () => {
  it('is served without a session, validates as OpenAPI 3.1, and is the one `hazmon openapi` prints', async () => {
    const validation = await new Validator().validate(document.document as Record<string, unknown>);
    expect(validation.errors).toBeUndefined();
    expect(validation.valid).toBe(true);
    expect((document.document as { openapi?: string }).openapi).toBe('3.1.0');
    expect(JSON.parse(JSON.stringify(openApiDocument()))).toEqual(document.document);
  });
});

describe('every answer', () => {
  it('carries the security headers and the API version, errors included', async () => {
    for (const path of ['/api/v1/openapi.json', '/api/v1/alarms', '/nowhere']) {
      const response = await fetch(`${web.base}${path}`);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-hazmon-api-version')).toBe('1');
      await response.body?.cancel();
    }
  });

  it('gives an unknown route, malformed JSON and an oversized body the one error shape, naming the field', async () => {
    const notFound = await fetch(`${web.base}/api/v1/nowhere`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ error: { code: 'HAZMON_API_NOT_FOUND', message: 'no such route', field: 'path' } });
    const malformed = await client().request('POST', '/api/v1/session', { rawBody: '{"name": ' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field: 'body' } } });
    const huge = await client().request('POST', '/api/v1/session', { body: { name: 'x', password: 'p'.repeat(100_000) } });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'HAZMON_API_TOO_LARGE', field: 'body' } } });
    const unknownField = await client().request('POST', '/api/v1/session', { body: { name: 'sup', password: 'x', remember: true } });
    expect(unknownField).toMatchObject({ status: 400, body: { error: { field: 'remember' } } });
    const noStack = JSON.stringify([malformed.body, huge.body, unknownField.body]);
    expect(noStack).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('sessions', () => {
  it('signs in with an HttpOnly SameSite=Strict cookie, says who is signed in, and signs out: each audited', async () => {
    const before = await lastAuditSeq(web.agent);
    const browser = client();
    const login = await browser.login(USERS.operator);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ name: 'op', role: 'operator', csrfToken: expect.any(String) });
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hazmon_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure');
    const me = await browser.request('GET', '/api/v1/session');
    expect(me).toMatchObject({ status: 200, body: { name: 'op', role: 'operator', csrfToken: login.body.csrfToken } });
    expect((await browser.request('DELETE', '/api/v1/session')).status).toBe(204);
    expect((await browser.request('GET', '/api/v1/session')).status).toBe(401);
    const rows = await auditRowsAfter(web.agent, before);
    expect(rows.map((row) => [row.action, row.who])).toEqual([
      ['session_login', 'op'],
      ['session_logout', 'op'],
    ]);
    expect(rows[0]!.target).toBe('127.0.0.1');
  });

  it('ends a session after 30 idle minutes and 12 h after sign-in, on the server clock', async () => {
    const clock = { now: Date.now() };
    const server = await createDashboardServer({ now: () => clock.now }).start(web.agent, () => undefined);
    try {
      const browser = new WebClient(server.address, document);
      await browser.login(USERS.viewer);
      clock.now += 29 * 60_000;
      expect((await browser.request('GET', '/api/v1/session')).status).toBe(200);
      clock.now += 30 * 60_000;
      expect((await browser.request('GET', '/api/v1/session')).status).toBe(401);
      await browser.login(USERS.viewer);
      for (let minutes = 0; minutes < 12 * 60 - 25; minutes += 25) {
        clock.now += 25 * 60_000;
        expect((await browser.request('GET', '/api/v1/alarms')).status).toBe(200);
      }
      clock.now += 25 * 60_000;
      expect((await browser.request('GET', '/api/v1/alarms')).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('refuses a state change without the Origin of this server or without the session CSRF token', async () => {
    const browser = client();
    await browser.login(USERS.viewer);
    const foreign = await browser.request('DELETE', '/api/v1/session', { headers: { Origin: 'http://evil.example' } });
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_CSRF', field: 'Origin' } } });
    const noToken = await browser.request('DELETE', '/api/v1/session', { headers: { 'X-CSRF-Token': 'forged' } });
    expect(noToken).toMatchObject({ status: 403, body: { error: { code: 'HAZMON_API_CSRF', field: 'X-CSRF-Token' } } });
    const otherSession = client();
    await otherSession.login(USERS.viewer);
    const crossed = await browser.request('DELETE', '/api/v1/session', { headers: { 'X-CSRF-Token': otherSession.csrfToken! } });
    expect(crossed.status).toBe(403);
    expect((await browser.request('GET', '/api/v1/session')).status).toBe(200);
    const loginFromElsewhere = await client().request('POST', '/api/v1/session', { body: USERS.viewer, headers: { Origin: 'http://evil.example' } });
    expect(loginFromElsewhere).toMatchObject({ status: 403, body: { error: { field: 'Origin' } } });
  });

  it('audits failed sign-ins and backs off after a few, before checking the password', async () => {
    const before = await lastAuditSeq(web.agent);
    const browser = client();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const failed = await browser.login({ name: 'root', password: 'guess' });
      expect(failed).toMatchObject({ status: 401, body: { error: { code: 'HAZMON_API_UNAUTHENTICATED', message: 'unknown user or wrong password' } } });
    }
    const throttled = await browser.login(USERS.admin);
    expect(throttled).toMatchObject({ status: 429, body: { error: { code: 'HAZMON_API_THROTTLED', field: 'name' } } });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(browser.sessionCookie).toBeNull();
    const rows = await auditRowsAfter(web.agent, before);
    expect(rows.map((row) => [row.action, row.who, row.target])).toEqual([
      ['session_login_failed', 'root', '127.0.0.1'],
      ['session_login_failed', 'root', '127.0.0.1'],
      ['session_login_failed', 'root', '127.0.0.1'],
      ['session_login_throttled', 'root', '127.0.0.1'],
    ]);
    // Another name from the same address is not held up by root's failures.
    expect((await client().login(USERS.supervisor)).status).toBe(200);
  });
});
