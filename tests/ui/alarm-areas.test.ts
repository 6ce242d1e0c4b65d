/**
 * The alarm list narrowed to an area in Chromium, against the real agent on the simulated plant: the close-gas valve
 * tripped by a vote of the house's detector (tests/dashboard/web-fixture.ts, withVoteTrip) and stuck open. The vote,
 * the latch and the shut-off discrepancy are tied to no one point; each stays listed under the house, where the
 * detectors and the valve are, and none under the other area (the demo kitchen's `vote/kitchen` vanished from its
 * area's list while the banner sounded it).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { startWebPlant, USERS, VOTE_ALARM, type WebPlant, withVoteTrip } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

let web: WebPlant;
let browser: Browser;

const NOT_ONE_POINT = [VOTE_ALARM, 'close-gas/latched', 'XV-1/shutoff_discrepancy'];
const POLL = { timeout: 20_000 } as const;

const alarmRow = (page: Page, alarmId: string) => page.locator(`[data-testid="alarm-${alarmId}"]`);
const historyRows = (page: Page) => page.locator('[data-testid="history-table"] tbody tr');

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withVoteTrip);
  browser = await launchChromium();
  web.plant.site.device('XV-1').set('stuckOpen', 1);
  web.plant.site.device('GD-1').set('concentration', 45);
  await waitFor(
    'the vote, the latch and the discrepancy standing',
    () => {
      const { engine, runtime } = web.agent.alarms();
      const standing = new Set([...engine, ...runtime].map((alarm) => alarm.id));
      return NOT_ONE_POINT.every((id) => standing.has(id));
    },
    { timeoutMs: 30_000 },
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('the alarm list by area', () => {
  it("keeps the vote, the latch and the discrepancy under their detectors' area, with its name, and drops them under another", async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.supervisor);
    await page.locator('nav a[href="/alarms"]').click();
    const filters = page.locator('[data-testid="filters"]');
    await expect.poll(() => filters.count(), POLL).toBe(1);

    await filters.locator('select[name="area"]').selectOption('house');
    for (const alarmId of NOT_ONE_POINT) await expect.poll(() => alarmRow(page, alarmId).count(), { ...POLL, message: alarmId }).toBe(1);
    expect(await alarmRow(page, VOTE_ALARM).locator('[data-testid="alarm-areas"]').textContent()).toBe('Compressor house');
    // Their history too: the vote's raise and the valve's close command are stored events of the house.
    await expect.poll(() => historyRows(page).filter({ hasText: VOTE_ALARM }).count(), POLL).toBeGreaterThan(0);
    await expect.poll(() => historyRows(page).filter({ hasText: 'XV-1' }).count(), POLL).toBeGreaterThan(0);
    await screenshot(page, 'alarms-area-vote');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe('en');
    await screenshot(page, 'alarms-area-vote');
    await page.locator('[data-testid="language"]').selectOption('zh-CN');

    await filters.locator('select[name="area"]').selectOption('yard');
    await expect.poll(() => page.locator('[data-testid="active-empty"]').count(), POLL).toBe(1);
    expect(await historyRows(page).filter({ hasText: VOTE_ALARM }).count()).toBe(0);
  }, 60_000);
});
