/**
 * The trends / point detail page in Chromium against the real agent on the simulated plant: the chart with its
 * legend, limits and details; alarm markers after a leak; a sensor fault shaded; zoom, presets and pan re-query
 * the server and follow in the URL; two points of two units on one chart; an unknown point and an empty range said
 * in words. Screenshots in zh-CN, en and high contrast.
 */
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { ALARMS, startWebPlant, USERS, type WebPlant } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

const GAS = 'GD-1.concentration';
const VALVE = 'XV-1.closed';
const POLL = { timeout: 30_000 } as const;

let web: WebPlant;
let browser: Browser;

const setGas = (value: number) => web.plant.site.device('GD-1').set('concentration', value);
const chart = (page: Page) => page.locator('[data-testid="trend-chart"]');
const legend = (page: Page, pointId: string) => page.locator(`[data-testid="legend-${pointId}"]`);

/** The from/to of every GET /api/v1/trends the page sends, in order. */
function trendQueries(page: Page): { from: number; to: number; points: string; buckets: number }[] {
  const seen: { from: number; to: number; points: string; buckets: number }[] = [];
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname !== '/api/v1/trends') return;
    seen.push({ from: Number(url.searchParams.get('from')), to: Number(url.searchParams.get('to')), points: url.searchParams.get('points') ?? '', buckets: Number(url.searchParams.get('buckets')) });
  });
  return seen;
}

async function openTrend(query: string, user: { readonly name: string; readonly password: string } = USERS.viewer): Promise<{ page: Page; queries: ReturnType<typeof trendQueries> }> {
  const page = await newPage(browser);
  const queries = trendQueries(page);
  await signIn(page, web.base, user);
  await page.goto(`${web.base}/trends?${query}`);
  return { page, queries };
}

async function chartDrawn(page: Page): Promise<void> {
  await expect.poll(() => chart(page).getAttribute('data-state'), POLL).toBe('loaded');
  await expect.poll(() => chart(page).locator('canvas').count(), POLL).toBeGreaterThan(0);
}

beforeAll(async () => {
  web = await startWebPlant();
  browser = await launchChromium();
  await waitFor('lo raised at gas 0', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.lo && alarm.state === 'unacknowledged_active'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('the trends page', () => {
  it('draws a point with its unit and limits in the legend and shows its details', async () => {
    const { page, queries } = await openTrend(`points=${GAS}`);
    await chartDrawn(page);
    expect(await legend(page, GAS).getAttribute('data-limits')).toBe('lo:10,hi:20,hihi:40');
    expect(await legend(page, GAS).locator('[data-testid="legend-unit"]').textContent()).toBe('ppm');
    // The default window is the last hour, asked at the chart's width in buckets.
    const [first] = queries;
    expect(first!.points).toBe(GAS);
    expect(first!.to - first!.from).toBe(3_600_000);
    expect(first!.buckets).toBeGreaterThan(500);
    expect(first!.buckets).toBeLessThanOrEqual(1024);
    expect(await page.locator('[data-testid="range-1h"]').getAttribute('aria-pressed')).toBe('true');
    // The tooltip's times are the site's and UTC: "本地" (local) read as the browser's own zone.
    expect(await page.locator('[data-testid="drag-hint"]').textContent()).toContain('时间（厂区时间和 UTC）');
    const detail = page.locator(`[data-testid="detail-${GAS}"]`);
    await expect.poll(() => detail.textContent(), POLL).toContain('GD-1');
    expect(await detail.textContent()).toContain('Compressor house');
    await expect.poll(() => detail.locator('[data-testid="current-value"]').textContent(), POLL).toMatch(/^\d+(\.\d{1,2})?$/);
    // A viewer may not take an alarm out of service: no such buttons.
    expect(await detail.locator('[data-testid="alarm-service"]').count()).toBe(0);
    await page.context().close();
  });

  it('marks the alarm events of a leak on the chart and lists them with who; the live tail queries again by itself', async () => {
    const { page, queries } = await openTrend(`points=${GAS}&range=10m`);
    await chartDrawn(page);
    const before = queries.length;
    setGas(30);
    await waitFor('hi raised', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.hi && alarm.state === 'unacknowledged_active'));
    // No reload: the live window asks again every few seconds and the new event comes with it.
    const raised = page.locator('[data-testid="trend-event"][data-kind="raised"]');
    await expect.poll(() => raised.allTextContents(), POLL).toEqual(expect.arrayContaining([expect.stringContaining(ALARMS.hi)]));
    expect(Number(await chart(page).getAttribute('data-events'))).toBeGreaterThan(0);
    expect(queries.length).toBeGreaterThan(before);
    expect(queries.at(-1)!.to).toBeGreaterThan(queries[0]!.to);
    await expect.poll(() => page.locator('[data-testid="live"]').count(), POLL).toBe(1);
    // The tooltip over the chart: site time and UTC.
    const over = chart(page).locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
    await expect.poll(() => page.locator('[data-testid="trend-tooltip"]').textContent(), POLL).toMatch(/UTC \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await screenshot(page, 'trends');
    setGas(0);
    await page.context().close();
  });

  it('says no reading in the tooltip over a time with none, not the value of the nearest reading after it', async () => {
    // The last hour of a plant started a minute ago: its first 55 minutes are shaded "no readings".
    const { page } = await openTrend(`points=${GAS}`);
    await chartDrawn(page);
    const box = (await chart(page).locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    const tooltip = page.locator('[data-testid="trend-tooltip"]');
    await expect.poll(() => tooltip.textContent(), POLL).toMatch(/UTC /);
    expect(await tooltip.textContent()).toContain(`${GAS}: 此处无读数`);
    await page.context().close();
  });

  it('shades the readings a sensor fault made bad', async () => {
    const detector = web.plant.site.device('GD-1');
    const { page } = await openTrend(`points=${GAS}&range=10m`);
    await chartDrawn(page);
    detector.set('sensorFault', 1);
    try {
      await expect.poll(async () => Number(await chart(page).getAttribute('data-not-good')), POLL).toBeGreaterThan(0);
    } finally {
      detector.set('sensorFault', 0);
    }
    await page.context().close();
  });

  it('queries again with the new from/to on a drag zoom, keeps them in the URL, and on a preset and a pan', async () => {
    const { page, queries } = await openTrend(`points=${GAS}&range=1h`);
    await chartDrawn(page);
    const first = queries.at(-1)!;
    const over = chart(page).locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('from'), POLL).not.toBeNull();
    const url = new URL(page.url());
    const zoomed = { from: Number(url.searchParams.get('from')), to: Number(url.searchParams.get('to')) };
    expect(zoomed.from).toBeGreaterThan(first.from);
    expect(zoomed.to - zoomed.from).toBeLessThan(first.to - first.from);
    await expect.poll(() => queries.at(-1)!.from, POLL).toBe(zoomed.from);
    expect(queries.at(-1)!.to).toBe(zoomed.to);
    await chartDrawn(page);
    expect(await page.locator('[data-testid="live"]').count()).toBe(0);

    // The shared URL opens the same window.
    const shared = await openTrend(url.search.slice(1));
    await expect.poll(() => shared.queries.at(-1)?.from, POLL).toBe(zoomed.from);
    await shared.page.context().close();

    await page.locator('[data-testid="pan-earlier"]').click();
    await expect.poll(() => queries.at(-1)!.from, POLL).toBe(zoomed.from - Math.round((zoomed.to - zoomed.from) / 2));

    await page.locator('[data-testid="range-24h"]').click();
    await expect.poll(() => queries.at(-1)!.to - queries.at(-1)!.from, POLL).toBe(24 * 3_600_000);
    expect(new URL(page.url()).searchParams.get('range')).toBe('24h');
    await page.context().close();
  });

  it('draws two points of two units on one chart, in English and in high contrast', async () => {
    const { page, queries } = await openTrend(`points=${GAS},${VALVE}&range=10m`, USERS.supervisor);
    await chartDrawn(page);
    expect(queries.at(-1)!.points).toBe(`${GAS},${VALVE}`);
    expect(await legend(page, GAS).count()).toBe(1);
    expect(await legend(page, VALVE).count()).toBe(1);
    expect(await page.locator(`[data-testid="detail-${VALVE}"]`).count()).toBe(1);
    await screenshot(page, 'trends-two-points');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Trends and point detail');
    await chartDrawn(page);
    await screenshot(page, 'trends-two-points');
    await page.locator('[data-testid="high-contrast"]').click();
    await chartDrawn(page);
    await screenshot(page, 'trends-high-contrast');
    await page.locator('[data-testid="high-contrast"]').click();
    await page.locator('[data-testid="language"]').selectOption('zh-CN');
    await page.context().close();
  });

  it('says so in words for an unknown point and for a range without readings, never an empty chart alone', async () => {
    const unknown = await openTrend('points=GD-9.none');
    await expect.poll(() => unknown.page.locator('[data-testid="trend-error"]').textContent(), POLL).toContain('no point GD-9.none');
    await unknown.page.context().close();

    const to = Date.now() - 300 * 86_400_000;
    const empty = await openTrend(`points=${GAS}&from=${to - 3_600_000}&to=${to}`);
    await expect.poll(() => empty.page.locator('[data-testid="trend-empty"]').textContent(), POLL).toContain('没有读数');
    await screenshot(empty.page, 'trends-empty');
    await empty.page.context().close();

    const none = await openTrend('');
    await expect.poll(() => none.page.locator('[data-testid="trend-message"]').count(), POLL).toBe(1);
    await none.page.locator(`[data-testid="pick-${GAS}"]`).check();
    await expect.poll(() => none.queries.at(-1)?.points, POLL).toBe(GAS);
    await none.page.context().close();
  });

  it("takes a supervisor's detector alarm out of service with a reason before it alarms, says so under the trend, and puts it back", async () => {
    expect(web.agent.alarms().engine.find((alarm) => alarm.id === ALARMS.hi)?.mode ?? 'in_service').toBe('in_service');
    const { page } = await openTrend(`points=${GAS}&range=10m`, USERS.supervisor);
    const detail = page.locator(`[data-testid="detail-${GAS}"]`);
    await detail.locator('[data-testid="service-hi"]').click();
    const takeOut = page.locator('[data-testid="dialog-outOfService"]');
    await takeOut.locator('[data-testid="submit"]').click();
    expect(await takeOut.locator('[data-testid="error-reason"]').count()).toBe(1);
    await takeOut.locator('input[name="reason"]').fill('探头更换，待标定');
    await takeOut.locator('[data-testid="submit"]').click();
    await expect.poll(() => web.agent.alarms().engine.find((alarm) => alarm.id === ALARMS.hi)?.mode, POLL).toBe('out_of_service');
    await expect.poll(() => detail.locator('[data-testid="alarms-not-in-service"]').textContent(), POLL).toContain('高限：停用');
    expect(await detail.locator('[data-testid="service-hi"]').textContent()).toBe('恢复高限报警投用');
    // The audit row may reach the store's reader after the mode shows (it failed so on a loaded machine): waited for.
    const lastCommand = async () => (await web.agent.reader.auditRows({ limit: 10_000 })).filter((row) => row.action === 'alarm_command').at(-1);
    await expect.poll(lastCommand, POLL).toMatchObject({ target: ALARMS.hi, who: USERS.supervisor.name, details: { command: 'remove_from_service', reason: '探头更换，待标定', result: 'accepted' } });
    await screenshot(page, 'trends-out-of-service');

    // The overview's row says so too: a detector out for a bump test raises nothing, and its row read "no alarm".
    await page.locator('nav a[href="/"]').click();
    await expect.poll(() => page.locator(`[data-testid="point-${GAS}"] [data-testid="alarm-off"]`).allTextContents(), POLL).toEqual(['停用 高限（hi）']);
    await screenshot(page, 'overview-out-of-service');
    await page.goBack();

    await detail.locator('[data-testid="service-hi"]').click();
    await page.locator('[data-testid="dialog-returnToService"] [data-testid="submit"]').click();
    await expect.poll(() => web.agent.alarms().engine.find((alarm) => alarm.id === ALARMS.hi)?.mode ?? 'in_service', POLL).toBe('in_service');
    await expect.poll(() => detail.locator('[data-testid="service-hi"]').textContent(), POLL).toBe('停用高限报警');
    await page.context().close();
  }, 90_000);
});
