/**
 * A built browser UI (dashboard/ui, and the hub's hub/ui; `pnpm run build:ui`): index.html for `/` and every other
 * non-API path (the pages route in the browser), hashed files under /assets/ cached for a year. Without a build, `/`
 * is a 503 page that says how to build it; the API works either way. Shared with the hub through the http-kit.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env, Hono } from 'hono';

/**
 * Where the build may be: beside the bundled gateway (gateway/scripts/build.ts copies it to gateway/dist/ui, next to
 * hazmon.mjs), or in the source tree (dashboard/ui/dist, seen from dashboard/src).
 */
const UI_DIR_CANDIDATES = [new URL('./ui/', import.meta.url), new URL('../ui/dist/', import.meta.url)].map((url) => fileURLToPath(url));

/** The first of the folders that holds a build (its index.html), or null. */
export function findUiDir(candidates: readonly string[] = UI_DIR_CANDIDATES): string | null {
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/** What every answer of a server with a browser UI carries: the CSP allows this origin's files only (no inline script or style). */
export const CSP_HEADER = 'Content-Security-Policy';
export const BROWSER_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  [CSP_HEADER]: "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const notBuiltPage = (uiName: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hazmon: UI not built</title></head>
<body><h1>The ${uiName} is not built</h1><p>Run <code>pnpm run build:ui</code> in the hazmon source tree (or <code>bash scripts/demo.sh</code>), then reload. The API under /api/v1/ works without it.</p></body></html>`;

/** Registered after the API routes: a path under /api/ that no route took stays the API's JSON 404. */
export function registerUiRoutes<E extends Env>(app: Hono<E>, uiDir: string | null = findUiDir(), uiName = 'dashboard UI'): void {
  app.get('/assets/*', async (c, next) => {
    if (uiDir === null) return next();
    const assets = join(uiDir, 'assets');
    const file = normalize(join(uiDir, c.req.path));
    if (!file.startsWith(assets + sep)) return next();
    const body = await readFile(file).catch(() => null);
    if (body === null) return next();
    return c.body(body, 200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'public, max-age=31536000, immutable' });
  });
  app.get('*', async (c, next) => {
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/assets/')) return next();
    const index = uiDir === null ? null : await readFile(join(uiDir, 'index.html'), 'utf8').catch(() => null);
    if (index === null) return c.html(notBuiltPage(uiName), 503, { 'Cache-Control': 'no-store' });
    return c.html(index, 200, { 'Cache-Control': 'no-cache' });
  });
}
