/**
 * The bureau's staff at the hub, on real servers (nats-server, VictoriaMetrics, PostgreSQL) with the hub started as
 * `hazmon-hub run` does from a YAML config with `users:`: sign-in and its cookie, a wrong password, the back-off, the
 * idle and absolute expiry on the API's clock, sign-out, the Origin check, a regulator token beside the sessions, the
 * cookie's flags under TLS, and the config's problems naming their field.
 */
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@hazmon/agent/password';
import { EXIT, loadHubConfig, startHub, type RunningHub } from '@hazmon/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '@hazmon/test-support';
import { startNats, startPostgres, startVictoriaMetrics, type NatsServer, type Postgres, type VictoriaMetrics, hubCli } from './servers.ts';

const MINUTE = 60_000;
/** The cheapest cost the config accepts: the tests check sessions, not scrypt's strength. */
const TEST_COST = { ln: 10, r: 8, p: 1 } as const;

let nats: NatsServer;
let victoria: VictoriaMetrics;
let postgres: Postgres;
let hub: RunningHub | undefined;
let dir: string;
let usersYaml: string;
let token: string;
/** The API's clock: the tests move it past the idle and absolute limits and the back-off. */
let clock = Date.now();
const hubLog: string[] = [];

function configText(api: string, users: string): string {
  return `nats: { servers: [${nats.url}], user: ${nats.hubUser.user}, passwordFile: nats.password }
postgres: { url: "${postgres.url}" }
victoriaMetrics: { url: "${victoria.url}" }
api: ${api}
${users}`;
}

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  [nats, victoria, postgres] = await Promise.all([startNats([]), startVictoriaMetrics(), startPostgres()]);
  dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-users-'));
  writeFileSync(join(dir, 'nats.password'), `${nats.hubUser.password}\n`);
  usersYaml = `users:
  - { name: wang.li, role: regulator, passwordHash: "${await hashPassword('correct horse', TEST_COST)}" }
  - { name: zhao, role: regulator, passwordHash: "${await hashPassword('battery staple', TEST_COST)}" }
`;
  const configPath = writeConfig('hub.yaml', configText('{ host: 127.0.0.1, port: 0 }', usersYaml));
  const created = await hubCli('token', 'create', configPath, 'bureau-tool');
  expect(created.code, created.err).toBe(EXIT.ok);
  token = created.out.trim();
  hub = await startHub(
    loadHubConfig(configPath),
    (line) => hubLog.push(line),
    () => clock,
  );
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await Promise.all([nats?.close(), victoria?.close(), postgres?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: { readonly error?: { readonly code: string; readonly message: string; readonly field?: string } } & Record<string, unknown>;
  readonly headers: Headers;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  options: { readonly cookie?: string; readonly body?: unknown; readonly origin?: string | null; readonly bearer?: string } = {},
): Promise<Answer> {
  const url = hub!.url;
  const headers: Record<string, string> = {};
  if (options.cookie !== undefined) headers.Cookie = options.cookie;
  if (options.bearer !== undefined) headers.Authorization = `Bearer ${options.bearer}`;
  if (method === 'POST' && options.origin !== null) headers.Origin = options.origin ?? url;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, ...(options.body !== undefined && { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text), headers: response.headers };
}

/** Signs in; the `name=value` of the session cookie to send back. */
async function signIn(name = 'wang.li', password = 'correct horse'): Promise<string> {
  const answer = await call('POST', '/api/v1/login', { body: { name, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.headers.get('Set-Cookie')!.split(';')[0]!;
}

describe('signing in at the hub', () => {
  it('sets an HttpOnly SameSite=Strict cookie that reads every route, and says who is signed in', async () => {
    const answer = await call('POST', '/api/v1/login', { body: { name: 'wang.li', password: 'correct horse' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ name: 'wang.li', role: 'regulator', expiresAt: clock + 30 * MINUTE });
    const setCookie = answer.headers.get('Set-Cookie')!;
    expect(setCookie).toMatch(/^hazmon_hub_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    const cookie = setCookie.split(';')[0]!;
    for (const path of ['/api/v1/sites', '/api/v1/alarm-events', '/api/v1/refusals']) expect((await call('GET', path, { cookie })).status, path).toBe(200);
    expect((await call('GET', '/api/v1/session', { cookie })).body).toMatchObject({ name: 'wang.li', role: 'regulator' });
    expect(hubLog.some((line) => /wang\.li \(regulator\) signed in from 127\.0\.0\.1/.test(line))).toBe(true);
  });

  it('refuses a wrong password or an unknown name with 401 and one sentence, and a request with neither cookie nor token', async () => {
    for (const body of [
      { name: 'zhao', password: 'wrong' },
      { name: 'nobody', password: 'battery staple' },
    ]) {
      const answer = await call('POST', '/api/v1/login', { body });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toEqual({ code: 'HAZMON_API_UNAUTHENTICATED', message: 'unknown user or wrong password', field: 'password' });
      expect(answer.headers.get('Set-Cookie')).toBeNull();
    }
    expect(hubLog.some((line) => line.includes('failed sign-in of "zhao" from 127.0.0.1'))).toBe(true);
    const anonymous = await call('GET', '/api/v1/sites');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error?.message).toMatch(/sign in first \(POST \/api\/v1\/login\) or send Authorization: Bearer/);
    expect((await call('GET', '/api/v1/session')).status).toBe(401);
  });

  it('refuses a body that is not a name and password, and a sign-in without this server as Origin', async () => {
    const missing = await call('POST', '/api/v1/login', { body: { name: 'zhao' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error?.field).toBe('password');
    const noOrigin = await call('POST', '/api/v1/login', { body: { name: 'zhao', password: 'battery staple' }, origin: null });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body.error?.field).toBe('Origin');
    const otherSite = await call('POST', '/api/v1/login', { body: { name: 'zhao', password: 'battery staple' }, origin: 'https://evil.example' });
    expect(otherSite.status).toBe(403);
    expect(otherSite.body.error?.message).toMatch(/Origin https:\/\/evil\.example is not this server's/);
  });

  it('holds back a name after repeated failures (429 with Retry-After, even with the right password) until the wait is over', async () => {
    clock += 2 * 3600_000;
    for (let attempt = 1; attempt <= 5; attempt++) expect((await call('POST', '/api/v1/login', { body: { name: 'zhao', password: `guess ${attempt}` } })).status).toBe(401);
    const held = await call('POST', '/api/v1/login', { body: { name: 'zhao', password: 'battery staple' } });
    expect(held.status).toBe(429);
    expect(held.headers.get('Retry-After')).toBe('1');
    expect(held.body.error?.message).toBe('too many failed sign-ins: try again in 1 s');
    expect(hubLog.some((line) => line.includes('sign-in of "zhao" from 127.0.0.1 held back 1 s'))).toBe(true);
    clock += 1000;
    expect((await call('POST', '/api/v1/login', { body: { name: 'zhao', password: 'battery staple' } })).status).toBe(200);
  });

  it('ends a session 30 min after its last request', async () => {
    const cookie = await signIn();
    clock += 29 * MINUTE;
    expect((await call('GET', '/api/v1/sites', { cookie })).status).toBe(200);
    clock += 29 * MINUTE;
    expect((await call('GET', '/api/v1/sites', { cookie })).status).toBe(200);
    clock += 30 * MINUTE;
    const ended = await call('GET', '/api/v1/sites', { cookie });
    expect(ended.status).toBe(401);
    expect(ended.body.error).toMatchObject({ message: 'the session has ended: sign in again (POST /api/v1/login)', field: 'session' });
  });

  it('ends a session 12 h after sign-in however busy', async () => {
    const cookie = await signIn();
    const signedInAt = clock;
    while (clock + 25 * MINUTE < signedInAt + 12 * 3600_000) {
      clock += 25 * MINUTE;
      expect((await call('GET', '/api/v1/session', { cookie })).status).toBe(200);
    }
    clock = signedInAt + 12 * 3600_000;
    expect((await call('GET', '/api/v1/session', { cookie })).status).toBe(401);
  });

  it('signs out: the cookie is cleared and no longer reads; signing out needs this server as Origin', async () => {
    const cookie = await signIn('zhao', 'battery staple');
    expect((await call('POST', '/api/v1/logout', { cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await call('GET', '/api/v1/sites', { cookie })).status).toBe(200);
    const out = await call('POST', '/api/v1/logout', { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('Set-Cookie')).toMatch(/^hazmon_hub_session=;.*Max-Age=0/);
    expect((await call('GET', '/api/v1/sites', { cookie })).status).toBe(401);
    expect(hubLog.some((line) => line.includes('zhao signed out from 127.0.0.1'))).toBe(true);
    // Signing out again (a second tab) is no error.
    expect((await call('POST', '/api/v1/logout', { cookie })).status).toBe(204);
  });

  it('still reads with a regulator token; a bad token is refused even beside a live cookie', async () => {
    expect((await call('GET', '/api/v1/sites', { bearer: token })).status).toBe(200);
    const cookie = await signIn();
    const bad = await call('GET', '/api/v1/sites', { bearer: 'not-a-token', cookie });
    expect(bad.status).toBe(401);
    expect(bad.body.error?.field).toBe('Authorization');
  });

  it('lists the sign-in routes and both ways in in the OpenAPI document', async () => {
    const document = (await call('GET', '/api/v1/openapi.json')).body as { paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/login', '/api/v1/logout', '/api/v1/session']));
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['regulatorToken', 'session']);
  });
});

/** A sign-in over HTTPS trusting `ca`: the Set-Cookie header. */
function signInOverTls(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ name: 'wang.li', password: 'correct horse' });
    const req = httpsRequest(`${url}/api/v1/login`, { method: 'POST', ca, headers: { 'Content-Type': 'application/json', Origin: url } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve(String(response.headers['set-cookie'])) : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('the session cookie under TLS', () => {
  it('is __Host- prefixed and Secure', async () => {
    // One ingest per hub: the plain one stops first.
    await hub!.close();
    hub = undefined;
    const certificate = selfSignedCertificate(dir);
    const tlsConfig = writeConfig('hub-tls.yaml', configText('{ host: 127.0.0.1, port: 0, tls: { cert: cert.pem, key: key.pem } }', usersYaml));
    hub = await startHub(
      loadHubConfig(tlsConfig),
      (line) => hubLog.push(line),
      () => clock,
    );
    const setCookie = await signInOverTls(hub.url, readFileSync(certificate.cert));
    expect(setCookie).toMatch(/^__Host-hazmon_hub_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
  }, 60_000);
});

describe('hazmon-hub check-config: users', () => {
  it('names the field of each problem', async () => {
    const hash = await hashPassword('x', TEST_COST);
    const problems: [string, RegExp][] = [
      ['users:\n  - { name: li, role: regulator, passwordHash: "correct horse" }\n', /users\.0\.passwordHash: a scrypt hash as `hazmon-hub hash-password` prints it/],
      [`users:\n  - { name: li, role: boss, passwordHash: "${hash}" }\n`, /users\.0\.role: /],
      [`users:\n  - { name: "li li", role: regulator, passwordHash: "${hash}" }\n`, /users\.0\.name: a name of 1 to 64 letters/],
      [`users:\n  - { name: li, role: regulator, passwordHash: "${hash}" }\n  - { name: li, role: regulator, passwordHash: "${hash}" }\n`, /users\.1\.name: user li is named twice/],
      [`users:\n  - { name: li, role: regulator, passwordHash: "${hash}", password: x }\n`, /users\.0\.password: is not a field of the hub config/],
      [`users:\n  - { role: regulator, passwordHash: "${hash}" }\n`, /users\.0\.name: /],
    ];
    for (const [users, message] of problems) {
      const result = await hubCli('check-config', writeConfig('check.yaml', configText('{ host: 127.0.0.1, port: 0 }', users)));
      expect(result.code, users).toBe(EXIT.failure);
      expect(result.err, users).toMatch(message);
    }
    const good = await hubCli('check-config', writeConfig('check.yaml', configText('{ host: 127.0.0.1, port: 0 }', usersYaml)));
    expect(good.code, good.err).toBe(EXIT.ok);
  });
});
