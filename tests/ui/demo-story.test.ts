/**
 * The demo's story end to end in Chromium (issue 20): the README's demo command (scripts/demo.ts, port 0, a temp dir)
 * and its first round followed as the demo's supervisor. Each event is caught and shown (the alarm list and banner,
 * the overview's area grade, the plan's marker, the valves page, the trend) and handled where the story allows
 * (acknowledged with a comment, its handling recorded, a latch reset once its condition cleared). The screenshots,
 * named story-<step>, feed the README's walkthrough (docs/screenshots/story-*.png).
 * Timeline (simulators/sites/demo-plant.yaml): T-101 overfill 3-18 s, NH3 leak 40-120 s, kitchen leak from 70 s with
 * KV-1 stuck open until 130 s, dust spark 120-123 s.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, expect, it, onTestFailed } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';
import { type DemoProcess, startDemo } from './demo-process.ts';

/** Generous: the demo runs 71 simulated devices beside Chromium on a shared machine. */
const POLL = { timeout: 60_000, interval: 500 } as const;
const OVERFILL = 'T-101.level/hihi';
const NH3 = 'NH3-02.concentration/hi';
const ACK_COMMENT = 'T-101 进料已由联锁切断，现场确认液位';
const HANDLING = { found: 'T-101 液位超高联锁，进料阀已关闭', done: '停止卸车，核对液位计', result: '液位回落，待复位' };

let demo: DemoProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const action = (page: Page, actionId: string) => page.locator(`[data-testid="action-${actionId}"]`);
const alarmRow = (page: Page, alarmId: string) => page.locator(`[data-testid="alarm-${alarmId}"]`);

async function go(page: Page, path: string): Promise<void> {
  await page.locator(`nav a[href="${path}"]`).click();
}

async function language(page: Page, lang: 'en' | 'zh-CN'): Promise<void> {
  await page.locator('[data-testid="language"]').selectOption(lang);
  await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe(lang);
}

/** What the tablet's screen shows now: the README's pictures. */
const shoot = (page: Page, name: string) => screenshot(page, name, { viewportOnly: true });

/** zh-CN, then English, then back: the README shows the overview and the plan in both. */
async function inBothLanguages(page: Page, name: string): Promise<void> {
  await shoot(page, name);
  await language(page, 'en');
  await shoot(page, name);
  await language(page, 'zh-CN');
}

/**
 * 3. The kitchen leak (two detectors) closes KV-1, which sticks open: a discrepancy, then closed and confirmed. KV-1
 * sticks only from 60 to 130 s, which steps 1 and 2 can outlast under CI's load, so a page of its own watches it from
 * the start while the supervisor's page goes through them.
 */
async function kitchenValveStory(page: Page, base: string): Promise<void> {
  // Straight to the valves page: the overview of the demo's 500 points, live, is the heavy page, and two of them beside
  // each other left CI's loaded machine unable to click a link within 30 s.
  await page.goto(`${base}/valves`);
  const kitchenValve = action(page, 'kitchen.KV-1');
  await expect.poll(() => kitchenValve.locator('[data-testid="discrepancy"]').count(), { ...POLL, timeout: 150_000 }).toBe(1);
  expect(await kitchenValve.locator('[data-testid="action-state"]').textContent()).toBe('动作不一致');
  // Said from its code in Chinese; the gateway's own sentence in the tooltip.
  expect(await kitchenValve.locator('[data-testid="discrepancy"]').textContent()).toContain('疑似卡阀');
  expect(await kitchenValve.locator('[data-testid="discrepancy"]').getAttribute('title')).toContain('stuck open');
  await kitchenValve.scrollIntoViewIfNeeded();
  await shoot(page, 'story-3-discrepancy');
  await expect.poll(() => kitchenValve.locator('[data-testid="action-state"]').textContent(), { ...POLL, timeout: 90_000 }).toBe('已关闭（反馈确认）');
  expect(await kitchenValve.locator('[data-testid="discrepancy"]').count()).toBe(0);
  await kitchenValve.scrollIntoViewIfNeeded();
  await shoot(page, 'story-3-confirmed');
}

it('follows the first round of the demo story as the supervisor: each event caught, shown and handled', async () => {
  const startedAt = Date.now();
  demo = await startDemo(400);
  const { base } = demo;
  // A step that waited in vain under CI's load left nothing to read: the demo's own log and the page as it was then.
  onTestFailed(() => {
    console.error(`failed ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the test began; the demo's last output:\n${demo?.output().slice(-6000)}`);
  });
  const password = await waitFor('the supervisor login', () => /^ {2}supervisor +password (\S+)$/m.exec(demo!.output())?.[1], { timeoutMs: 10_000, state: () => demo!.output().slice(-3000) });
  browser = await launchChromium();
  const page = await newPage(browser);
  onTestFailed(async () => {
    console.error(`the page as it was: ${await screenshot(page, 'story-failed', { viewportOnly: true }).catch((error: unknown) => String(error))}`);
  });
  await signIn(page, base, { name: 'supervisor', password });
  const kitchenPage = await newPage(browser);
  const session = await kitchenPage.context().request.post(`${base}/api/v1/session`, { data: { name: 'supervisor', password }, headers: { Origin: base } });
  expect(session.status()).toBe(200);
  const kitchenStory = kitchenValveStory(kitchenPage, base);
  // Awaited at step 3; a failure before then is reported there, not as an unhandled rejection.
  kitchenStory.catch(() => undefined);
  onTestFailed(async () => {
    console.error(`the kitchen's page as it was: ${await screenshot(kitchenPage, 'story-failed-kitchen', { viewportOnly: true }).catch((error: unknown) => String(error))}`);
  });

  // 1. T-101 overfills: hi-hi in the alarm list and the banner; acknowledged with a comment, its handling recorded.
  await go(page, '/alarms');
  const overfill = alarmRow(page, OVERFILL);
  await expect.poll(() => overfill.count(), POLL).toBe(1);
  await expect
    .poll(
      async () =>
        Number(
          await page
            .locator('[data-testid="count-high"]')
            .textContent()
            .then((text) => /\d+/.exec(text ?? '')?.[0]),
        ),
      POLL,
    )
    .toBeGreaterThanOrEqual(1);
  await overfill.scrollIntoViewIfNeeded();
  await shoot(page, 'story-1-alarms');
  await overfill.locator('input').fill(ACK_COMMENT);
  await overfill.locator('[data-testid="acknowledge"]').click();
  await expect.poll(() => overfill.locator('[data-testid="acknowledge"]').count(), POLL).toBe(0);
  await overfill.locator('[data-testid="details"]').click();
  await expect.poll(() => page.locator('[data-testid="alarm-detail"] h2').textContent(), POLL).toBe(OVERFILL);
  await page.locator('[data-testid="open-handling"]').click();
  const handling = page.locator('[data-testid="dialog-handling"]');
  for (const [field, text] of Object.entries(HANDLING)) await handling.locator(`textarea[name="${field}"]`).fill(text);
  await handling.locator('[data-testid="submit"]').click();
  await expect.poll(() => handling.count(), POLL).toBe(0);
  await expect.poll(() => page.locator('[data-testid="alarm-detail"] tr[data-kind="handled"]').count(), POLL).toBe(1);
  expect(await page.locator('[data-testid="alarm-detail"]').textContent()).toContain(ACK_COMMENT);
  await shoot(page, 'story-1-handled');
  await page.locator('[data-testid="close-detail"]').click();

  // The inlet closed, confirmed by its limit switches, and latched: no reset while the level is still over hi-hi.
  await go(page, '/valves');
  const inlet = action(page, 'tank-farm.T-101-inlet');
  await expect.poll(() => inlet.locator('[data-testid="action-state"]').textContent(), POLL).toBe('已关闭（反馈确认）');
  expect(await inlet.locator('[data-testid="tripped-by"]').textContent()).toContain(OVERFILL);
  expect(await inlet.locator('[data-testid="reset-status"]').textContent()).toContain(OVERFILL);
  expect(await inlet.locator('[data-testid="switch-T-101.inlet-closed"]').count()).toBe(1);
  await shoot(page, 'story-1-valves');

  // The tank farm's area is graded on the overview, the site's major-hazard grade beside it.
  await go(page, '/');
  const tankFarmGrade = page.locator('[data-testid="area-tank-farm"] h2 [data-testid="grade"]');
  await expect.poll(() => tankFarmGrade.textContent(), POLL).toMatch(/^(红色|橙色|黄色|蓝色)预警$/);
  expect(await page.locator('[data-testid="major-hazard"]').textContent()).toContain('26.4');
  await expect.poll(() => page.locator('[data-testid="point-T-101.level"] [data-testid="alarm-state"]').textContent(), POLL).toContain('hihi');
  await inBothLanguages(page, 'story-1-overview');
  await page.locator('[data-testid="point-T-101.level"]').evaluate((row) => row.scrollIntoView({ block: 'center' }));
  await shoot(page, 'story-1-overview-tank');

  // The plan's T-101 marker is an alarm diamond with its words.
  await go(page, '/plan');
  const marker = page.locator('[data-testid="marker-T-101.level"]');
  await expect.poll(() => marker.getAttribute('data-state'), POLL).toMatch(/^priority-/);
  // Its words are its accessible name always, and its label where the plan has room (dashboard/README.md, Site plan).
  expect(await marker.getAttribute('aria-label')).toMatch(/优先级 · /);
  await inBothLanguages(page, 'story-1-plan');

  // 2. NH3 at NH3-02 passes 150 ppm: the alarm, and both emergency fans started and latched.
  await go(page, '/alarms');
  await expect.poll(() => alarmRow(page, NH3).count(), POLL).toBe(1);
  await go(page, '/valves');
  for (const fan of ['EF-01', 'EF-02']) await expect.poll(() => action(page, `nh3-machine-room.${fan}`).locator('[data-testid="tripped-by"]').textContent(), POLL).toContain(NH3);
  await action(page, 'nh3-machine-room.EF-01').scrollIntoViewIfNeeded();
  await shoot(page, 'story-2-fans');

  // 3. The kitchen's valve, watched on its own page since the start.
  await kitchenStory;
  await kitchenPage.context().close();

  // 1, in the trend: T-101's level since the demo started, its limits (hi-hi 9500 mm) and the alarm events under the chart.
  await page.goto(`${base}/trends?points=T-101.level&from=${startedAt}&to=${Math.max(Date.now(), startedAt + 61_000)}`);
  await expect.poll(() => page.locator('[data-testid="trend-chart"] canvas').count(), POLL).toBeGreaterThan(0);
  expect(await page.locator('[data-testid="legend-T-101.level"]').getAttribute('data-limits')).toContain('9500');
  await expect.poll(() => page.locator('[data-testid="trend-event"]').filter({ hasText: 'hihi' }).count(), POLL).toBeGreaterThan(0);
  await page.locator('[data-testid="trend-chart"]').evaluate((chart) => chart.scrollIntoView({ block: 'center' }));
  await shoot(page, 'story-1-trend');
  await go(page, '/valves');

  // 2, handled: the NH3 has cleared, so the supervisor resets the first fan's latch (with a reason; the audit keeps it).
  const fan = action(page, 'nh3-machine-room.EF-01');
  await expect.poll(() => fan.locator('[data-testid="reset-status"]').textContent(), { ...POLL, timeout: 90_000 }).toBe('可以复位。');
  await fan.locator('[data-testid="reset"]').click();
  // The shared reset confirmation (shell/ResetDialog.tsx), as on the alarm list.
  const confirmation = fan.locator('[data-testid="dialog-reset"]');
  await confirmation.locator('input[name="reason"]').fill('氨浓度已回落，现场确认无泄漏');
  await confirmation.locator('[data-testid="submit"]').click();
  await expect.poll(() => page.locator('[data-testid="valves-message"]').textContent(), POLL).toContain('nh3-machine-room.EF-01');
  await expect.poll(() => fan.locator('[data-testid="latched-since"]').count(), POLL).toBe(0);
  const audit = await page.context().request.get(`${base}/api/v1/audit?action=reset_action`);
  expect(((await audit.json()) as { rows: { target: string; who: string }[] }).rows).toEqual(
    expect.arrayContaining([expect.objectContaining({ target: 'nh3-machine-room.EF-01', who: 'supervisor' })]),
  );
  await fan.scrollIntoViewIfNeeded();
  await shoot(page, 'story-2-reset');

  // 4. The spark at the dust collector: its fan stopped and its isolation valve closed, both latched.
  for (const output of ['DF-1', 'DV-1']) await expect.poll(() => action(page, `dust-point.${output}`).locator('[data-testid="latched-since"]').count(), { ...POLL, timeout: 90_000 }).toBe(1);
  await action(page, 'dust-point.DF-1').scrollIntoViewIfNeeded();
  await shoot(page, 'story-4-dust');
  await go(page, '/');
  await expect.poll(() => page.locator('[data-testid="area-dust-point"] h2 [data-testid="grade"]').textContent(), POLL).not.toBe('正常');
  await shoot(page, 'story-4-overview');
  await page.context().close();
}, 330_000);
