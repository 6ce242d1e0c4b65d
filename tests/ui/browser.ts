/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (never a downloaded browser), a sign-in
 * helper, screenshots per language under .tmp/screenshots, and a TCP relay between the browser and the web server
 * that a test can cut and restore, as a network drop or a server going away looks to the page.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(import.meta.dirname, '..', '..', '.tmp', 'screenshots');
/** The 1024 px tablet the issue names, landscape. */
const VIEWPORT = { width: 1024, height: 768 } as const;

/** Chromium with sound allowed without a click (headless Chromium allows it anyway; the flag says so for a headed run). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--autoplay-policy=no-user-gesture-required'] });
}

/**
 * Headless Chromium never enforces the autoplay policy (an AudioContext runs without a gesture whatever the flag), so
 * a page that must meet it gets a desktop browser's rule from this init script: every AudioContext stays suspended
 * until resume() is called while a real (trusted) click is being handled. navigator.userActivation cannot tell:
 * playwright's own evaluate() calls count as user gestures.
 */
const AUTOPLAY_POLICY_SCRIPT = `{
  let inClick = false;
  addEventListener('click', (event) => {
    if (!event.isTrusted) return;
    inClick = true;
    setTimeout(() => (inClick = false));
  }, true);
  const Native = window.AudioContext;
  window.AudioContext = class extends Native {
    #allowed = false;
    constructor(...args) { super(...args); void super.suspend(); }
    get state() { return this.#allowed ? super.state : 'suspended'; }
    resume() {
      if (!inClick) return Promise.resolve();
      this.#allowed = true;
      return super.resume();
    }
  };
}`;

/** A fresh page in its own context (cookies, localStorage); `autoplayPolicy`: sound only after a click, as on a desktop. */
export async function newPage(browser: Browser, { autoplayPolicy = false }: { readonly autoplayPolicy?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
  if (autoplayPolicy) await context.addInitScript(AUTOPLAY_POLICY_SCRIPT);
  return context.newPage();
}

/**
 * Writes .tmp/screenshots/<name>-<lang>.png, the language being the page's own (<html lang>): the whole page, or with
 * `viewportOnly` what the tablet's screen shows now (the README's pictures: a 500-point page is 14000 px tall).
 */
export async function screenshot(page: Page, name: string, { viewportOnly = false }: { readonly viewportOnly?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const lang = await page.locator('html').getAttribute('lang');
  const path = join(SCREENSHOTS, `${name}-${lang}.png`);
  await page.screenshot({ path, fullPage: !viewportOnly });
  return path;
}

/** Opens the dashboard and signs in through its form; resolves once the shell (the alarm banner) is shown. */
export async function signIn(page: Page, base: string, user: { readonly name: string; readonly password: string }): Promise<void> {
  await page.goto(base);
  await page.locator('input[name="name"]').fill(user.name);
  await page.locator('input[name="password"]').fill(user.password);
  await page.locator('button[type="submit"]').click();
  await expect.poll(() => page.locator('[data-testid="alarm-banner"]').count(), { timeout: 20_000 }).toBe(1);
}

/**
 * Signs in through the API in the page's context (its cookie jar) and opens the dashboard: no click or key press, so
 * the browser's autoplay policy sees a page nobody has touched (Chromium lets an origin play once the user interacted with it).
 */
export async function signInWithoutGesture(page: Page, base: string, user: { readonly name: string; readonly password: string }): Promise<void> {
  const answer = await page.context().request.post(`${base}/api/v1/session`, { data: { name: user.name, password: user.password }, headers: { Origin: base } });
  expect(answer.status()).toBe(200);
  await page.goto(base);
  await expect.poll(() => page.locator('[data-testid="alarm-banner"]').count(), { timeout: 20_000 }).toBe(1);
}

/** The page's audio state (<html data-audible>): "off", a priority, "silenced" or "blocked". */
export function audible(page: Page): Promise<string | null> {
  return page.locator('html').getAttribute('data-audible');
}

export interface Relay {
  /** The address the browser uses instead of the server's. */
  readonly url: string;
  /** Drops every connection and stops listening: the page sees the server gone. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** New connections go to this server from now on (a restarted agent on another port); the page's address stays. */
  retarget(target: string): void;
  close(): Promise<void>;
}

/** A TCP relay to `target` (http://host:port) on a free loopback port. */
export async function startRelay(target: string): Promise<Relay> {
  let upstreamAt = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = (atPort: number) =>
    new Promise<number>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(Number(upstreamAt.port), upstreamAt.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      next.once('error', reject);
      next.listen(atPort, '127.0.0.1', () => {
        server = next;
        resolve((next.address() as { port: number }).port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (server === null) return resolve();
      server.close(() => resolve());
      server = null;
    });
  const relayPort = await listen(0);
  return {
    url: `http://127.0.0.1:${relayPort}`,
    cut: stop,
    restore: () => listen(relayPort).then(() => undefined),
    retarget: (next) => {
      upstreamAt = new URL(next);
    },
    close: stop,
  };
}
