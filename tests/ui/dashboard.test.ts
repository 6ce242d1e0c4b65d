/**
 * The dashboard in Chromium against the real agent on the simulated plant (tests/dashboard/web-fixture.ts), through a
 * relay that can cut the connection. The plant starts with `lo` standing unacknowledged (gas 0); a leak (gas 30)
 * raises `hi`. The tests run in order on one plant.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { ALARMS, startWebPlant, USERS, type WebPlant } from '../dashboard/web-fixture.ts';
import { audible, launchChromium, newPage, type Relay, screenshot, signIn, signInWithoutGesture, startRelay } from './browser.ts';

let web: WebPlant;
let relay: Relay;
let browser: Browser;

const setGas = (value: number) => web.plant.site.device('GD-1').set('concentration', value);
const priorityOf = (alarmId: string) => web.agent.alarms().engine.find((alarm) => alarm.id === alarmId)?.priority;
const PRIORITIES = ['emergency', 'high', 'medium', 'low'] as const;
/**
 * The agent's unacknowledged alarms, each as its activation (id and start: the engine starts an alarm anew each
 * time it becomes active), with its priority.
 */
function unacknowledgedActivations(): Map<string, string> {
  const { engine, runtime } = web.agent.alarms();
  const activations = [...engine.map((alarm) => ({ ...alarm, since: alarm.activeSince })), ...runtime].filter((alarm) => alarm.state.startsWith('unacknowledged'));
  return new Map(activations.map((alarm) => [`${alarm.id}@${alarm.since}`, alarm.priority]));
}
/** What the page should sound for these alarms: their highest priority, `silenced` when all stood silenced, else `off`. */
function calledFor(priorities: readonly string[], silencedLeft: boolean): string {
  return PRIORITIES.find((priority) => priorities.includes(priority)) ?? (silencedLeft ? 'silenced' : 'off');
}
/**
 * Whether the page sounds what the agent's unacknowledged alarms call for (their highest priority; `off` with none):
 * a comms loss the loaded machine caused on the simulated detector is an alarm to sound too. With `alarmId`, a new
 * alarm: the page sounds at least its priority and at most what the agent calls for (a higher alarm that was standing
 * when the page was silenced, such as a bad reading on the loaded machine, stays silenced). `silencedAt`: the
 * activations that stood when the page was silenced; those still standing may stay silent.
 */
async function soundsFor(page: Page, alarmId: string | null, silencedAt: ReadonlyMap<string, string> = new Map()): Promise<string> {
  const standing = unacknowledgedActivations();
  const wanted = calledFor([...standing.values()], false);
  const notSilenced = [...standing].filter(([activation]) => !silencedAt.has(activation)).map(([, priority]) => priority);
  const wantedAfterSilence = calledFor(notSilenced, notSilenced.length < standing.size);
  const sounding = (await audible(page)) ?? 'none';
  const rank = (priority: string) => PRIORITIES.indexOf(priority as (typeof PRIORITIES)[number]);
  const asCalledFor =
    alarmId === null
      ? sounding === wanted || sounding === wantedAfterSilence
      : wanted !== 'off' && rank(sounding) >= rank(wanted) && rank(sounding) !== -1 && rank(sounding) <= rank(priorityOf(alarmId) ?? 'low');
  return asCalledFor ? 'as the agent calls for' : `${sounding}, the agent calls for ${wanted} (${alarmId}: ${alarmId && priorityOf(alarmId)}; ${wantedAfterSilence} after the silence)`;
}
const alarmRow = (page: Page, alarmId: string) => page.locator(`[data-testid="alarm-${alarmId}"]`);
const POLL = { timeout: 20_000 } as const;

/** Runs `look` with the page switched to English by its language switch (no reload: the page may be offline), then back to Chinese. */
async function inEnglish(page: Page, look: () => Promise<void>): Promise<void> {
  await page.locator('[data-testid="language"]').selectOption('en');
  await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe('en');
  await look();
  await page.locator('[data-testid="language"]').selectOption('zh-CN');
  await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe('zh-CN');
}

beforeAll(async () => {
  web = await startWebPlant();
  relay = await startRelay(web.base);
  browser = await launchChromium();
  await waitFor('lo raised at gas 0', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.lo && alarm.state === 'unacknowledged_active'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await web?.close();
});

describe('the dashboard in Chromium', () => {
  it('is served by the web server under its CSP: no inline script or style, hashed assets cached for a year', async () => {
    const index = await fetch(`${web.base}/alarms`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const asset = await fetch(`${web.base}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await fetch(`${web.base}/api/v1/nothing`)).status).toBe(404);
  });

  it("shows the server's message for a refused sign-in, then the overview with the plant's point", async () => {
    const page = await newPage(browser);
    const refusedByCsp: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) refusedByCsp.push(message.text());
    });
    await page.goto(relay.url);
    await screenshot(page, 'login');
    // The sign-in page has the language switch too: someone who reads only English must be able to sign in.
    await inEnglish(page, async () => {
      expect(await page.locator('button[type="submit"]').textContent()).toBe('Sign in');
      await screenshot(page, 'login');
    });
    await page.locator('input[name="name"]').fill(USERS.operator.name);
    await page.locator('input[name="password"]').fill('wrong');
    await page.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('[data-testid="login-error"]').textContent(), POLL).toMatch(/登录失败：.+/);
    await signIn(page, relay.url, USERS.operator);
    const point = page.locator('[data-testid="point-GD-1.concentration"]');
    await expect.poll(() => point.count(), POLL).toBe(1);
    await expect.poll(() => point.locator('[data-testid="value"]').textContent(), POLL).toMatch(/^\d+(\.\d{1,2})?$/);
    // The area's grade in words beside its colour: `lo` (in service, active) gives its priority's colour.
    expect(await page.locator('[data-testid="area-house"] [data-testid="grade"]').textContent()).toMatch(/预警|正常/);
    await expect.poll(() => soundsFor(page, ALARMS.lo), POLL).toBe('as the agent calls for');
    await screenshot(page, 'overview');
    expect(refusedByCsp).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('asks for a click where the browser blocks sound, and sounds after it', async () => {
    const page = await newPage(browser, { autoplayPolicy: true });
    await signInWithoutGesture(page, relay.url, USERS.operator);
    await expect.poll(() => audible(page), POLL).toBe('blocked');
    await screenshot(page, 'sound-blocked');
    await inEnglish(page, async () => {
      expect(await page.locator('[data-testid="enable-sound"]').textContent()).toContain('The browser blocks the alarm sound');
      expect(await audible(page)).toBe('blocked');
      await screenshot(page, 'sound-blocked');
    });
    await page.locator('[data-testid="enable-sound"]').click();
    await expect.poll(() => soundsFor(page, ALARMS.lo), POLL).toBe('as the agent calls for');
    await page.context().close();
  }, 60_000);

  it('silences without acknowledging; a leak raises a new alarm that shows and sounds again; acknowledging with a comment stops the sound', async () => {
    const page = await newPage(browser);
    await signIn(page, relay.url, USERS.operator);
    await page.locator('nav a[href="/alarms"]').click();
    await expect.poll(() => alarmRow(page, ALARMS.lo).count(), POLL).toBe(1);
    await expect.poll(() => soundsFor(page, ALARMS.lo), POLL).toBe('as the agent calls for');
    await page.locator('[data-testid="silence"]').click();
    await expect.poll(() => audible(page), POLL).toBe('silenced');
    const silencedAt = unacknowledgedActivations();
    expect(web.agent.alarms().engine.find((alarm) => alarm.id === ALARMS.lo)?.state).toBe('unacknowledged_active');

    setGas(30);
    await expect.poll(() => alarmRow(page, ALARMS.hi).count(), POLL).toBe(1);
    await expect.poll(() => soundsFor(page, ALARMS.hi), POLL).toBe('as the agent calls for');
    await expect.poll(() => page.locator('[data-testid="first-out"]').textContent(), POLL).toContain(ALARMS.lo);
    await screenshot(page, 'alarms');

    for (const alarmId of [ALARMS.hi, ALARMS.lo]) {
      const row = alarmRow(page, alarmId);
      await row.locator('input').fill(`checked ${alarmId} on site`);
      await row.locator('[data-testid="acknowledge"]').click();
      await expect.poll(() => row.locator('[data-testid="acknowledge"]').count(), POLL).toBe(0);
    }
    // Acknowledged, they stop sounding (the sound goes off unless another alarm, as a comms loss, still wants it or
    // stays silenced).
    await expect.poll(() => soundsFor(page, null, silencedAt), POLL).toBe('as the agent calls for');
    expect(['off', 'silenced', 'high', 'emergency']).toContain(await audible(page));
    const acks = (await web.agent.reader.alarmEventsAfter(0, 10_000)).filter((row) => row.who === USERS.operator.name);
    expect(JSON.stringify(acks)).toContain(`checked ${ALARMS.hi} on site`);
    await page.context().close();
  });

  it('shows a viewer the alarms without an Acknowledge button', async () => {
    setGas(0);
    await waitFor('lo raised again', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.lo && alarm.state.startsWith('unacknowledged')));
    const page = await newPage(browser);
    await signIn(page, relay.url, USERS.viewer);
    await page.goto(`${relay.url}/alarms`);
    await expect.poll(() => alarmRow(page, ALARMS.lo).count(), POLL).toBe(1);
    expect(await page.locator('[data-testid="acknowledge"]').count()).toBe(0);
    await page.context().close();
  });

  it('switches to English and back, and keeps the choice over a reload', async () => {
    const page = await newPage(browser);
    await signIn(page, relay.url, USERS.supervisor);
    expect(await page.locator('nav a[href="/alarms"]').textContent()).toBe('报警');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => page.locator('nav a[href="/alarms"]').textContent(), POLL).toBe('Alarms');
    await screenshot(page, 'overview');
    await page.reload();
    await expect.poll(() => page.locator('nav a[href="/alarms"]').textContent(), POLL).toBe('Alarms');
    await page.locator('nav a[href="/alarms"]').click();
    await expect.poll(() => alarmRow(page, ALARMS.lo).count(), POLL).toBe(1);
    await screenshot(page, 'alarms');
    await page.locator('[data-testid="language"]').selectOption('zh-CN');
    await expect.poll(() => page.locator('nav a[href="/alarms"]').textContent(), POLL).toBe('报警');
    await page.locator('[data-testid="high-contrast"]').click();
    expect(await page.locator('html').getAttribute('class')).toContain('high-contrast');
    await screenshot(page, 'alarms-high-contrast');
    await page.context().close();
  });

  it('marks every value stale with a red banner when the connection drops, and recovers by itself', async () => {
    const page = await newPage(browser);
    await signIn(page, relay.url, USERS.operator);
    const point = page.locator('[data-testid="point-GD-1.concentration"]');
    await expect.poll(() => point.count(), POLL).toBe(1);
    await expect.poll(() => page.locator('[data-testid="stale"]').count(), POLL).toBe(0);

    await relay.cut();
    await expect.poll(() => page.locator('[data-testid="connection-lost"]').count(), POLL).toBe(1);
    expect(await point.locator('[data-testid="stale"]').count()).toBe(1);
    expect(await page.locator('[data-testid="connection-lost"]').textContent()).toContain('实时连接中断');
    await screenshot(page, 'connection-lost');
    await inEnglish(page, async () => {
      expect(await page.locator('[data-testid="connection-lost"]').textContent()).toContain('Live connection lost');
      await screenshot(page, 'connection-lost');
    });

    // While away, a leak: the page must show it after reconnecting, not only new events.
    setGas(30);
    await waitFor('hi raised while the page was away', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.hi && alarm.state === 'unacknowledged_active'));
    await relay.restore();
    await expect.poll(() => page.locator('[data-testid="connection-lost"]').count(), POLL).toBe(0);
    // Fresh again with the stream's first readings after the reconnect.
    await expect.poll(() => page.locator('[data-testid="stale"]').count(), POLL).toBe(0);
    await expect.poll(() => soundsFor(page, ALARMS.hi), POLL).toBe('as the agent calls for');
    await page.context().close();
  }, 60_000);
});
