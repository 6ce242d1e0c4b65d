/**
 * The overview, the site plan and the valves page in Chromium against the real agent on the simulated plant
 * (tests/dashboard/web-fixture.ts), its config given a site plan (fixtures/plan.svg) with the gas point placed on it,
 * the house a process area, and a major-hazard inventory. The plant starts with `lo` standing (gas 0); a leak (gas 30)
 * raises `hi`; gas 45 raises `hihi`, which latches close-gas and closes XV-1. The tests run in order on one plant.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { ALARMS, startWebPlant, USERS, type WebPlant } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

const PLAN = join(import.meta.dirname, 'fixtures', 'plan.svg');
const POINT = 'GD-1.concentration';
const ACTION = 'close-gas';
const POLL = { timeout: 30_000 } as const;

/** The site with a plan, a time zone and an inventory; the house a process area; the gas point placed on the plan. */
function withPlan(yaml: string): string {
  const site = 'site:\n  id: test-plant\n  name: Test plant\n';
  const area = 'areas: [{ id: house, name: Compressor house }]';
  expect(yaml).toContain(site);
  expect(yaml).toContain(area);
  return yaml
    .replace(
      site,
      `${site}  timeZone: Asia/Shanghai\n  plan: { image: ${JSON.stringify(PLAN)}, width: 800, height: 500 }\n  majorHazard:\n    alpha: 2\n    substances:\n      - { name: chlorine, casNumber: 7782-50-5, quantityT: 40, criticalQuantityT: 5, beta: 4 }\n`,
    )
    .replace(area, 'areas: [{ id: house, name: Compressor house, kind: process }]')
    .replace('    area: house\n', '    area: house\n    position: { x: 250, y: 200 }\n');
}

const GRADE_OF_PRIORITY = { emergency: 'red', high: 'orange', medium: 'yellow', low: 'blue' } as const;

let web: WebPlant;
let browser: Browser;

const setGas = (value: number) => web.plant.site.device('GD-1').set('concentration', value);
const alarm = (alarmId: string) => web.agent.alarms().engine.find((candidate) => candidate.id === alarmId);
const gradeOf = (alarmId: string) => GRADE_OF_PRIORITY[alarm(alarmId)!.priority];

async function openAs(user: (typeof USERS)[keyof typeof USERS], path = '/', language: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
  const page = await newPage(browser);
  await signIn(page, web.base, user);
  if (language === 'en') await page.locator('[data-testid="language"]').selectOption('en');
  if (path !== '/') await page.goto(`${web.base}${path}`);
  return page;
}

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withPlan);
  browser = await launchChromium();
  await waitFor('lo raised at gas 0', () => alarm(ALARMS.lo)?.state === 'unacknowledged_active');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('the overview', () => {
  it('shows the area with its grade word, its kind, the major-hazard grade, and the point with value and unit linked to its trend', async () => {
    for (const language of ['zh-CN', 'en'] as const) {
      const page = await openAs(USERS.operator, '/', language);
      const area = page.locator('[data-testid="area-house"]');
      const grade =
        language === 'en'
          ? { blue: 'Blue warning', yellow: 'Yellow warning', orange: 'Orange warning', red: 'Red warning' }
          : { blue: '蓝色预警', yellow: '黄色预警', orange: '橙色预警', red: '红色预警' };
      await expect.poll(() => area.locator('[data-testid="grade"]').first().textContent(), POLL).toBe(grade[gradeOf(ALARMS.lo)]);
      expect(await area.locator('[data-testid="area-kind"]').textContent()).toBe(language === 'en' ? 'Process area' : '生产装置区');
      // R = 2 * 4 * 40 / 5 = 64: grade 2.
      expect(await page.locator('[data-testid="major-hazard"]').textContent()).toContain(language === 'en' ? 'grade 2 (R = 64.0)' : '二级（R = 64.0）');
      const row = page.locator(`[data-testid="point-${POINT}"]`);
      await expect.poll(() => row.locator('[data-testid="value"]').textContent(), POLL).toMatch(/^\d+(\.\d{1,2})?$/);
      expect(await row.locator('[data-testid="unit"]').textContent()).toMatch(/\S/);
      expect(await row.locator('a.value-link').getAttribute('href')).toBe(`/trends?points=${encodeURIComponent(POINT)}`);
      expect(await row.locator('[data-testid="alarm-state"]').textContent()).toContain(language === 'en' ? 'Active, unacknowledged' : '报警未确认');
      expect(await row.locator('[data-testid="stale"]').count()).toBe(0);
      // The header names the zone every time is shown in (the site's, not the browser's UTC) and its clock runs.
      const clock = page.locator('[data-testid="site-clock"] time');
      expect(await page.locator('[data-testid="site-zone"]').textContent()).toBe('Asia/Shanghai UTC+08:00');
      const shown = await clock.textContent();
      const at = Date.parse((await clock.getAttribute('datetime'))!);
      expect(shown).toBe(new Date(at + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' '));
      await expect.poll(() => clock.textContent(), POLL).not.toBe(shown);
      await expect.poll(() => page.locator('[data-testid="device-GD-1"]').count(), POLL).toBe(1);
      await screenshot(page, 'overview-page');
      await page.context().close();
    }
  }, 90_000);
});

describe('the site plan', () => {
  it('draws the plan with the point at its position; a leak turns the area grade and the marker, in words too', async () => {
    const page = await openAs(USERS.operator, '/plan');
    const marker = page.locator(`[data-testid="marker-${POINT}"]`);
    await expect.poll(() => marker.count(), POLL).toBe(1);
    expect(await page.locator('[data-testid="plan"] image').getAttribute('href')).toBe('/api/v1/site/plan');
    expect(await page.locator('[data-testid="plan"]').getAttribute('viewBox')).toBe('0 0 800 500');
    expect(
      await marker
        .locator('circle, rect')
        .first()
        .evaluate((shape) => shape.getAttribute('cx') ?? shape.getAttribute('transform')),
    ).toMatch(/250/);
    await expect.poll(() => marker.getAttribute('data-state'), POLL).toBe(`priority-${alarm(ALARMS.lo)!.priority}`);

    setGas(30);
    await waitFor('hi raised', () => alarm(ALARMS.hi)?.state === 'unacknowledged_active');
    const hi = alarm(ALARMS.hi)!.priority;
    await expect.poll(() => marker.getAttribute('data-state'), POLL).toBe(`priority-${hi}`);
    await expect.poll(() => marker.locator('[data-testid="marker-word"]').textContent(), POLL).toBe(`${{ emergency: '紧急', high: '高', medium: '中', low: '低' }[hi]}优先级 · 报警未确认`);
    await expect.poll(() => page.locator('h1 [data-testid="grade"]').getAttribute('class'), POLL).toContain(`grade-${GRADE_OF_PRIORITY[hi]}`);
    await screenshot(page, 'plan');
    await page.locator('[data-testid="high-contrast"]').click();
    await screenshot(page, 'plan-high-contrast');
    await page.locator('[data-testid="high-contrast"]').click();

    // The overview's area grade turned with it.
    await page.locator('nav a[href="/"]').click();
    await expect.poll(() => page.locator('[data-testid="area-house"] [data-testid="grade"]').first().getAttribute('class'), POLL).toContain(`grade-${GRADE_OF_PRIORITY[hi]}`);

    await page.locator('[data-testid="language"]').selectOption('en');
    await page.locator('nav a[href="/plan"]').click();
    await expect
      .poll(() => marker.locator('[data-testid="marker-word"]').textContent(), POLL)
      .toBe(`${{ emergency: 'Emergency', high: 'High', medium: 'Medium', low: 'Low' }[hi]} priority · Active, unacknowledged`);
    await screenshot(page, 'plan');
    await page.context().close();
  });

  it('opens the point in its trend when its marker is clicked', async () => {
    const page = await openAs(USERS.viewer, '/plan');
    const marker = page.locator(`[data-testid="marker-${POINT}"]`);
    await expect.poll(() => marker.count(), POLL).toBe(1);
    await marker.click();
    await expect.poll(() => new URL(page.url()).pathname + new URL(page.url()).search, POLL).toBe(`/trends?points=${encodeURIComponent(POINT)}`);
    await page.context().close();
  });
});

describe('device health', () => {
  it('lists a device in comms loss on top, in words, and its row says so', async () => {
    const page = await openAs(USERS.operator);
    await expect.poll(() => page.locator('[data-testid="device-GD-1"] [data-testid="comms"]').textContent(), POLL).toContain('通信正常');
    web.plant.site.setCommsFault('GD-1', 'garbled');
    try {
      await expect.poll(() => page.locator('[data-testid="device-alert"]').textContent(), POLL).toContain('GD-1: 通信中断');
      expect(await page.locator('[data-testid="device-GD-1"] [data-testid="comms"]').textContent()).toContain('通信中断');
      // None of GD-1's values reads as current and good: one read since the loss is bad, one read before (the points
      // read every 10 or 60 s, well within their freshness) is stale.
      await expect.poll(() => page.locator('[data-testid^="point-GD-1."] .mark.quality-good').count(), POLL).toBe(0);
      expect(await page.locator('[data-testid^="point-GD-1."] [data-testid="stale"]').count()).toBeGreaterThan(0);
      // The concentration's own reading failed: it keeps its reason rather than turning stale.
      expect(await page.locator(`[data-testid="point-${POINT}"] .mark.quality-bad`).textContent()).toContain('报文错误');
      await screenshot(page, 'overview-comms-loss');
    } finally {
      web.plant.site.setCommsFault('GD-1', 'none');
    }
    await expect.poll(() => page.locator('[data-testid="device-GD-1"] [data-testid="comms"]').textContent(), { timeout: 60_000 }).toContain('通信正常');
    await page.context().close();
  }, 120_000);
});

describe('the valves page', () => {
  it('shows the latched valve with confirmed feedback after a trip; a viewer sees no reset button', async () => {
    setGas(45);
    await waitFor('close-gas confirmed', () => web.agent.actions().some((action) => action.id === ACTION && action.state === 'confirmed'), { timeoutMs: 30_000 });
    const page = await openAs(USERS.viewer, '/valves');
    const card = page.locator(`[data-testid="action-${ACTION}"]`);
    await expect.poll(() => card.locator('[data-testid="action-state"]').textContent(), POLL).toBe('已关闭（反馈确认）');
    expect(await card.locator('[data-testid="tripped-by"]').textContent()).toContain(ALARMS.hihi);
    expect(await card.locator('[data-testid="switch-XV-1.closed"] [data-testid="switch-value"]').textContent()).toBe('到位');
    expect(await card.locator('[data-testid="switch-XV-1.open"] [data-testid="switch-value"]').textContent()).toBe('未到位');
    expect(await card.locator(`[data-testid="trigger-${ALARMS.hihi}"]`).textContent()).toContain('条件仍存在');
    expect(await card.locator('[data-testid="reset-status"]').textContent()).toContain('现在不能复位');
    expect(await page.locator('[data-testid="reset"]').count()).toBe(0);
    await screenshot(page, 'valves-latched');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => card.locator('[data-testid="action-state"]').textContent(), POLL).toBe('Closed, confirmed');
    await screenshot(page, 'valves-latched');
    await page.context().close();
  }, 60_000);

  it('lets a supervisor reset through a confirmation showing the condition, the feedback and who resets, once the gas is gone', async () => {
    const page = await openAs(USERS.supervisor, '/valves');
    const card = page.locator(`[data-testid="action-${ACTION}"]`);
    await card.locator('[data-testid="reset"]').click();
    const dialog = card.locator('[data-testid="dialog-reset"]');
    expect(await dialog.locator('[data-testid="reset-who"]').textContent()).toBe('复位人：sup（主管）');
    expect(await dialog.locator('[data-testid="reset-feedback"]').textContent()).toContain('到位');
    expect(await dialog.locator('[data-testid="reset-triggers"]').textContent()).toContain('条件仍存在');
    await expect.poll(() => dialog.locator('[data-testid="reset-verdict"]').textContent(), POLL).toContain('现在不能复位');
    await screenshot(page, 'valves');

    setGas(0);
    await expect.poll(() => dialog.locator('[data-testid="reset-verdict"]').textContent(), POLL).toBe('可以复位。');
    // Without a reason the dialog says so where it can be seen: inside the scrolling body's visible part, not below the buttons.
    await dialog.locator('[data-testid="submit"]').click();
    const problem = dialog.locator('[data-testid="error-reason"]');
    await expect.poll(() => problem.textContent(), POLL).toBe('必填');
    const inView = () =>
      problem.evaluate((shown) => {
        const body = shown.closest('.dialog-body')!.getBoundingClientRect();
        const at = shown.getBoundingClientRect();
        // A pixel for the sub-pixel rounding of the scroll; a hidden one was 26 px below.
        return at.top >= body.top - 1 && at.bottom <= body.bottom + 1;
      });
    await expect.poll(inView, POLL).toBe(true);
    await dialog.locator('input[name="reason"]').fill('leak fixed, checked on site');
    await dialog.locator('[data-testid="submit"]').click();
    await expect.poll(() => dialog.count(), POLL).toBe(0);
    await expect.poll(() => card.locator('[data-testid="action-state"]').textContent(), POLL).toBe('正常');
    const rows = await web.agent.reader.auditRows({ limit: 10_000 });
    expect(rows.some((row) => row.who === USERS.supervisor.name && JSON.stringify(row).includes('leak fixed, checked on site'))).toBe(true);

    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => card.locator('[data-testid="action-state"]').textContent(), POLL).toBe('Normal');
    expect(await page.locator('[data-testid="valves-message"]').textContent()).toContain(`Reset ${ACTION}`);
    await screenshot(page, 'valves');
    await page.context().close();
  }, 90_000);
});

describe('a plant without a plan, its detector never bump-tested', () => {
  const DEVICE = '  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1 }\n';
  let bare: WebPlant;

  beforeAll(async () => {
    bare = await startWebPlant({}, undefined, (yaml) => {
      expect(yaml).toContain(DEVICE);
      return yaml.replace(DEVICE, '  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1, upkeep: { bumpTestDays: 30 } }\n');
    });
  }, 60_000);

  afterAll(async () => {
    await bare?.close();
  });

  it('says no plan is configured, and lists the overdue detector on top of the overview', async () => {
    const page = await newPage(browser);
    await signIn(page, bare.base, USERS.viewer);
    await expect.poll(() => page.locator('[data-testid="device-alert"]').textContent(), POLL).toContain('GD-1: 已超期');
    expect(await page.locator('[data-testid="device-GD-1"]').textContent()).toContain('已超期');
    await screenshot(page, 'overview-overdue');
    await page.locator('nav a[href="/plan"]').click();
    await expect.poll(() => page.locator('[data-testid="plan-none"]').textContent(), POLL).toBe('未配置厂区平面图（配置文件中的 site.plan）。');
    await page.context().close();
  }, 60_000);
});
