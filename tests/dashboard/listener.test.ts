/**
 * Where and how the web server listens: HTTPS with api.tls (Secure __Host- cookie, HSTS), a warning for plain HTTP off
 * loopback, and `hazmon run` starting it beside the agent in the gateway process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '@hazmon/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHazmon, startPlant, waitFor } from '../agent/fixture.ts';
import { startWebPlant, USERS, webConfigYaml } from './web-fixture.ts';

let tlsDir: string;
let cert: string;

beforeAll(() => {
  tlsDir = mkdtempSync(join(tmpdir(), 'hazmon-tls-'));
  cert = selfSignedCertificate(tlsDir).cert;
});

afterAll(() => rmSync(tlsDir, { recursive: true, force: true }));

/** A request over HTTPS that trusts only the test's certificate. */
function httpsRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, ca: readFileSync(cert) }, (incoming) => {
      let text = '';
      incoming.on('data', (chunk: Buffer) => (text += chunk.toString()));
      incoming.on('end', () => resolve({ status: incoming.statusCode!, headers: incoming.headers, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the listener', () => {
  it('serves HTTPS with api.tls: the session cookie is Secure and __Host- prefixed, HSTS is sent', async () => {
    const web = await startWebPlant({}, `{ host: 127.0.0.1, port: 0, tls: { cert: ${JSON.stringify(cert)}, key: ${JSON.stringify(join(tlsDir, 'key.pem'))} } }`);
    try {
      expect(web.base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = JSON.stringify({ name: USERS.viewer.name, password: USERS.viewer.password });
      const login = await httpsRequest(`${web.base}/api/v1/session`, 'POST', { Origin: web.base, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, body);
      expect(login.status, login.body).toBe(200);
      const cookie = String(login.headers['set-cookie']);
      expect(cookie).toMatch(/^__Host-hazmon_session=[A-Za-z0-9_-]+;/);
      expect(cookie).toContain('Secure');
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(login.headers['strict-transport-security']).toBe('max-age=31536000');
      const me = await httpsRequest(`${web.base}/api/v1/session`, 'GET', { Cookie: cookie.split(';')[0]! });
      expect(JSON.parse(me.body)).toMatchObject({ name: 'view', role: 'viewer' });
    } finally {
      await web.close();
    }
  });

  it('refuses to start when a TLS file cannot be read, naming the field', async () => {
    await expect(startWebPlant({}, `{ port: 0, tls: { cert: ${JSON.stringify(join(tlsDir, 'missing.pem'))}, key: ${JSON.stringify(join(tlsDir, 'key.pem'))} } }`)).rejects.toThrow(
      /api\.tls\.cert: cannot read/,
    );
  });

  it('warns at start when api.allowPlainHttp serves plain HTTP off loopback', async () => {
    const web = await startWebPlant({}, '{ host: 0.0.0.0, port: 0, allowPlainHttp: true }');
    try {
      expect(web.logs.join('\n')).toMatch(/WARNING plain HTTP on 0\.0\.0\.0 \(api\.allowPlainHttp\)/);
    } finally {
      await web.close();
    }
  });

  it('is started by `hazmon run` beside the agent and stops with it', async () => {
    const plant = await startPlant({ speed: 4 });
    try {
      const file = join(plant.dir, 'web.yaml');
      writeFileSync(file, await webConfigYaml(plant.yaml));
      const run = runHazmon(['run', file]);
      try {
        const base = await waitFor('web server address', () => /hazmon run: web server at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output.stdout)?.[1], { timeoutMs: 30_000 });
        const document = await fetch(`${base}/api/v1/openapi.json`);
        expect(document.status).toBe(200);
        expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');
        const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { Origin: base, 'Content-Type': 'application/json' }, body: JSON.stringify(USERS.operator) });
        expect(login.status).toBe(200);
      } finally {
        run.child.kill('SIGTERM');
      }
      expect(await run.exited, run.output.stderr).toBe(0);
    } finally {
      await plant.close();
    }
  }, 60_000);
});
