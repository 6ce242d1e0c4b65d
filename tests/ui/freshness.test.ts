/**
 * Stale values in Chromium by the agent's rule, against the real agent on the simulated plant with an OPC UA tank farm
 * whose tanks never move (tests/dashboard/web-fixture.ts): the subscription reports changes only, so the steady
 * pressure (sampled every 100 ms) is restated once per 1 s keep-alive period and stays current for 3 s. It is neither
 * marked stale on the overview nor hatched as "no readings" in its trend; once its link falls silent it is both.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { startSteadyTank, startWebPlant, TANK, USERS, type WebPlant, withSteadyTank } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

const GAS = 'GD-1.concentration';
const POLL = { timeout: 30_000 } as const;
/** Far longer than the 100 ms sampling interval (a "3 polls" rule would have called the pressure stale 40 times over). */
const WATCH_MS = 12_000;

let tank: Awaited<ReturnType<typeof startSteadyTank>>;
let web: WebPlant;
let browser: Browser;
/** A minute's trend window starting at the pressure's first reading: nothing before it to be hatched. */
let trendWindow: { from: number; to: number };

const receiveTimeOf = (pointId: string) => web.agent.latestValues([pointId])[0]?.receiveTime ?? null;
const row = (page: Page, pointId: string) => page.locator(`[data-testid="point-${pointId}"]`);
const isStale = async (page: Page, pointId: string) => (await row(page, pointId).locator('[data-testid="stale"]').count()) > 0;

async function openOverview(language: 'zh-CN' | 'en'): Promise<Page> {
  const page = await newPage(browser);
  await signIn(page, web.base, USERS.operator);
  if (language === 'en') await page.locator('[data-testid="language"]').selectOption('en');
  await expect.poll(() => row(page, TANK.pressure).locator('[data-testid="value"]').textContent(), POLL).toMatch(/^\d/);
  return page;
}

/** Opens the pressure's trend over `trendWindow`: how many periods it hatches as no readings, whether its detail says stale. */
async function trendOfPressure(page: Page): Promise<{ noReadings: string | null; detailStale: boolean }> {
  await page.goto(`${web.base}/trends?points=${encodeURIComponent(TANK.pressure)}&from=${trendWindow.from}&to=${trendWindow.to}`);
  const chart = page.locator('[data-testid="trend-chart"]');
  await expect.poll(() => chart.getAttribute('data-state'), POLL).toBe('loaded');
  const value = page.locator(`[data-testid="detail-${TANK.pressure}"] p.value`);
  return { noReadings: await chart.getAttribute('data-no-readings'), detailStale: (await value.getAttribute('class'))!.includes('is-stale') };
}

beforeAll(async () => {
  tank = await startSteadyTank();
  web = await startWebPlant({}, undefined, withSteadyTank(tank.endpointUrl));
  browser = await launchChromium();
  const first = await waitFor('the pressure read', () => receiveTimeOf(TANK.pressure), { timeoutMs: 30_000 });
  trendWindow = { from: first, to: first + 120_000 };
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await tank?.close();
});

describe('stale values by the agent rule', () => {
  it('a steady OPC UA value, restated once per keep-alive period, is not marked stale after many poll intervals, nor hatched in its trend', async () => {
    const page = await openOverview('zh-CN');
    const firstSeen = receiveTimeOf(TANK.pressure)!;
    const watchUntil = Date.now() + WATCH_MS;
    while (Date.now() < watchUntil) {
      expect(await isStale(page, TANK.pressure), 'the steady pressure marked stale').toBe(false);
      expect(await isStale(page, GAS), 'the polled gas marked stale').toBe(false);
      await page.waitForTimeout(200);
    }
    // It was restated meanwhile (a value that never changed), not merely shown once.
    expect(receiveTimeOf(TANK.pressure)!).toBeGreaterThan(firstSeen);
    await screenshot(page, 'overview-opcua-steady');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe('en');
    expect(await isStale(page, TANK.pressure)).toBe(false);
    await screenshot(page, 'overview-opcua-steady');

    // Restatements a second apart, buckets of ~0.1 s: the value holds between them, no gap.
    expect(await trendOfPressure(page)).toEqual({ noReadings: '0', detailStale: false });
    await screenshot(page, 'trend-opcua-steady');
    await page.context().close();
  }, 120_000);

  it('once its source falls silent, the value is marked stale since its last reading, and its trend hatches the silence', async () => {
    const page = await openOverview('zh-CN');
    tank.relay.silence(true);
    try {
      await expect.poll(() => isStale(page, TANK.pressure), POLL).toBe(true);
      expect(await row(page, TANK.pressure).locator('[data-testid="stale-since"]').textContent()).toContain('无新数据，自');
      // The polled gas point is current all the while.
      expect(await isStale(page, GAS)).toBe(false);
      await screenshot(page, 'overview-opcua-silent');
      await page.locator('[data-testid="language"]').selectOption('en');
      await expect.poll(() => row(page, TANK.pressure).locator('[data-testid="stale-since"]').textContent(), POLL).toContain('No new reading since');
      await screenshot(page, 'overview-opcua-silent');
      expect(await trendOfPressure(page)).toEqual({ noReadings: '1', detailStale: true });
      await screenshot(page, 'trend-opcua-silent');
    } finally {
      tank.relay.silence(false);
    }
    await page.context().close();
  }, 120_000);
});
