/**
 * A running on-delay in Chromium against the real agent on the simulated plant (GB 16808-2025 5.5.1.3: the delay is
 * shown with its time): the gas point's limits wait ON_DELAY_S before their alarm. A leak (gas 25) shows "延时中 N s"
 * counting down in the alarm banner and on the alarm list, with the point and the limit, in no alarm colour and with
 * no alarm; at the due time the alarm comes instead.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { ALARMS, startWebPlant, USERS, type WebPlant } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

const ON_DELAY_S = 15;
const withOnDelay = (yaml: string) => yaml.replace('limits: { lo: 10, hi: 20, hihi: 40 }, deadband: 1', `limits: { lo: 10, hi: 20, hihi: 40 }, deadband: 1, onDelayS: ${ON_DELAY_S}`);
const POLL = { timeout: 30_000 } as const;

let web: WebPlant;
let browser: Browser;

const bannerEntry = (page: Page) => page.locator(`[data-testid="alarm-banner"] [data-testid="pending-${ALARMS.hi}"]`);
const tableRow = (page: Page) => page.locator(`[data-testid="pending-row-${ALARMS.hi}"]`);
const alarmRow = (page: Page) => page.locator(`[data-testid="alarm-${ALARMS.hi}"]`);
const secondsShown = async (page: Page) => Number(/(\d+) s/.exec((await bannerEntry(page).locator('[data-testid="pending-countdown"]').textContent()) ?? '')?.[1]);

async function openAlarms(language: 'zh-CN' | 'en'): Promise<Page> {
  const page = await newPage(browser);
  await signIn(page, web.base, USERS.operator);
  if (language === 'en') {
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe('en');
  }
  await page.goto(`${web.base}/alarms`);
  await expect.poll(() => page.locator(`[data-testid="alarm-${ALARMS.lo}"]`).count(), POLL).toBe(1);
  return page;
}

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withOnDelay);
  browser = await launchChromium();
  await waitFor('lo raised at gas 0 after its on-delay', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.lo && alarm.conditionActive), { timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

it('shows a running on-delay counting down, with the point and the limit, in no alarm colour; then the alarm at its due time', async () => {
  const zh = await openAlarms('zh-CN');
  const en = await openAlarms('en');
  web.plant.site.device('GD-1').set('concentration', 25);

  await expect.poll(() => bannerEntry(zh).count(), POLL).toBe(1);
  const shown = await zh.locator(`[data-testid="pending-${ALARMS.hi}"], [data-testid="alarm-${ALARMS.hi}"]`).evaluateAll((elements) => elements.map((element) => element.getAttribute('data-testid')));
  // One render of one alarm list: while hi waits out its delay, it is no alarm.
  expect(shown).toEqual([`pending-${ALARMS.hi}`]);
  const banner = (await bannerEntry(zh).textContent()) ?? '';
  expect(banner).toMatch(/延时中 \d+ s/);
  expect(banner).toContain('GD-1.concentration');
  expect(banner).toMatch(/hi 25(\.0+)?.*，限值 20/);
  expect(await bannerEntry(zh).getAttribute('class')).not.toMatch(/priority-/);
  expect(await tableRow(zh).textContent()).toMatch(new RegExp(`延时中 \\d+ s.*延时 ${ON_DELAY_S} s`));

  const first = await secondsShown(zh);
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThanOrEqual(ON_DELAY_S);
  await expect.poll(() => secondsShown(zh), POLL).toBeLessThan(first);

  await expect.poll(() => bannerEntry(en).textContent(), POLL).toMatch(/delay running \d+ s/);
  expect(await tableRow(en).textContent()).toMatch(/vs limit 20/);
  await screenshot(zh, 'pending-delay');
  await screenshot(en, 'pending-delay');

  await expect.poll(() => alarmRow(zh).count(), { timeout: (ON_DELAY_S + 30) * 1000 }).toBe(1);
  await expect.poll(() => bannerEntry(zh).count(), POLL).toBe(0);
  expect(await tableRow(zh).count()).toBe(0);
  const raised = web.agent.alarms().engine.find((alarm) => alarm.id === ALARMS.hi);
  expect(raised).toMatchObject({ state: 'unacknowledged_active', conditionActive: true });
  await screenshot(zh, 'pending-delay-raised');
}, 120_000);
