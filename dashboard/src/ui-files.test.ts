import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEnv } from './context.ts';
import { registerUiRoutes } from './ui-files.ts';

const built = mkdtempSync(join(tmpdir(), 'hazmon-ui-'));
mkdirSync(join(built, 'assets'));
writeFileSync(join(built, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc.js"></script>');
writeFileSync(join(built, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(built, 'secret.txt'), 'not an asset');
afterAll(() => rmSync(built, { recursive: true, force: true }));

function appWith(uiDir: string | null) {
  const app = new OpenAPIHono<AppEnv>();
  app.get('/api/v1/known', (c) => c.json({ ok: true }));
  registerUiRoutes(app, uiDir);
  app.notFound((c) => c.json({ error: { code: 'HAZMON_API_NOT_FOUND', message: 'no such route', field: 'path' } }, 404));
  return app;
}

describe('the built UI', () => {
  const app = appWith(built);

  it('answers index.html (no-cache) for / and any page path, hashed assets for a year', async () => {
    for (const path of ['/', '/alarms', '/trends/GD-1']) {
      const page = await app.request(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(await page.text()).toContain('/assets/index-abc.js');
    }
    const asset = await app.request('/assets/index-abc.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('leaves API paths and missing assets to the JSON 404, and serves nothing outside the build', async () => {
    expect(await (await app.request('/api/v1/known')).json()).toEqual({ ok: true });
    for (const path of ['/api/v1/unknown', '/assets/missing.js']) {
      const answer = await app.request(path);
      expect(answer.status, path).toBe(404);
      expect(await answer.json()).toMatchObject({ error: { code: 'HAZMON_API_NOT_FOUND' } });
    }
    for (const path of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt', '/secret.txt']) {
      expect(await (await app.request(path)).text(), path).not.toContain('not an asset');
    }
  });

  it('answers a 503 page saying how to build when the UI is not built, and the API still works', async () => {
    const unbuilt = appWith(null);
    const page = await unbuilt.request('/');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('pnpm run build:ui');
    expect((await unbuilt.request('/api/v1/known')).status).toBe(200);
  });
});
