/**
 * A threshold changed at run time, seen on the trends page in Chromium against the real agent on the simulated plant:
 * the limit line steps at the change (the tooltip's limits in force differ on either side of it), the change's mark
 * names who, when and why, and the list below the chart has it; a limit a reload of the edited config file moved is
 * listed with the config file as who, on the trend and in the alarm-limits page's history beside the supervisor's
 * change. Screenshots in zh-CN and en.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgentConfig } from '@hazmon/agent';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentCheck, startWebPlant, USERS, WebClient, type WebPlant, webConfigYaml } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

const GAS = 'GD-1.concentration';
const POLL = { timeout: 30_000 } as const;
const WHY = 'detector moved nearer the compressor seal';

let web: WebPlant;
let browser: Browser;
/** When the supervisor's change took effect (the record's time). */
let changedAt: number;

beforeAll(async () => {
  web = await startWebPlant();
  browser = await launchChromium();
  const supervisor = new WebClient(web.base, await DocumentCheck.load(web.base));
  expect((await supervisor.login(USERS.supervisor)).status).toBe(200);
  const answer = await supervisor.request('PUT', `/api/v1/points/${encodeURIComponent(GAS)}/thresholds`, { body: { hi: 30, reason: WHY } });
  expect(answer.status).toBe(200);
  changedAt = web.agent.thresholdOverview().history.at(-1)!.time;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const tooltip = (page: Page) => page.locator('[data-testid="trend-tooltip"]');

/** Moves the mouse over the plot at `time` (the chart's x axis runs from the answer's from to its to) and gives the tooltip's text. */
async function tooltipAt(page: Page, time: number, shown: RegExp): Promise<string> {
  const chart = page.locator('[data-testid="trend-chart"]');
  const [from, to] = [Number(await chart.getAttribute('data-from')), Number(await chart.getAttribute('data-to'))];
  // The mouse moves within the viewport only: the chart sits lower when the banner wraps (in English it does).
  await chart.locator('.u-over').scrollIntoViewIfNeeded();
  const box = (await chart.locator('.u-over').boundingBox())!;
  // From outside the plot: a move to where the mouse already is (the same spot after a re-render) sends no event.
  await page.mouse.move(0, 0);
  await page.mouse.move(box.x + ((time - from) / (to - from)) * box.width, box.y + box.height / 2);
  await expect.poll(async () => (await tooltip(page).textContent()) ?? '', POLL).toMatch(shown);
  return (await tooltip(page).textContent()) ?? '';
}

describe('a threshold changed at run time on the trend', () => {
  it('steps the limit line at the change and names who and why at its mark and in the list, in zh-CN and English', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.viewer);
    // A fixed window with the change in its middle: what an officer reading back sees.
    await page.goto(`${web.base}/trends?points=${GAS}&from=${changedAt - 90_000}&to=${changedAt + 90_000}`);
    const chart = page.locator('[data-testid="trend-chart"]');
    await expect.poll(() => chart.getAttribute('data-state'), POLL).toBe('loaded');
    await expect.poll(() => chart.locator('canvas').count(), POLL).toBeGreaterThan(0);

    // Before the change H was 20, after it 30: the line steps, HH and L stay.
    expect(await tooltipAt(page, changedAt - 30_000, /当时的限值/)).toContain(`${GAS}: 当时的限值：L 10  H 20  HH 40`);
    expect(await tooltipAt(page, changedAt + 30_000, /当时的限值/)).toContain(`${GAS}: 当时的限值：L 10  H 30  HH 40`);
    // At the change's mark: what moved, who and why.
    expect(await tooltipAt(page, changedAt, /修改人/)).toContain(`H 20 → 30，修改人 sup：${WHY}`);

    const row = page.locator('[data-testid="limit-change"]');
    await expect.poll(() => row.count(), POLL).toBe(1);
    expect(await row.getAttribute('data-limit')).toBe('hi');
    expect(await row.textContent()).toContain('H 20 → 30');
    expect(await row.textContent()).toContain('sup');
    expect(await row.textContent()).toContain(WHY);
    await tooltipAt(page, changedAt, /修改人/);
    await screenshot(page, 'trend-limit-change');

    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Trends and point detail');
    await expect.poll(() => chart.locator('canvas').count(), POLL).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="limit-changes"] h2').textContent()).toBe('Limit changes in this range');
    expect(await tooltipAt(page, changedAt, /by sup/)).toContain(`H 20 → 30 by sup: ${WHY}`);
    await screenshot(page, 'trend-limit-change');
    await page.locator('[data-testid="language"]').selectOption('zh-CN');
    await page.context().close();
  }, 90_000);

  it('lists a limit the config file moved (hihi 40 -> 45, reloaded on SIGHUP) as the config file edited, in zh-CN and English', async () => {
    const file = join(web.plant.dir, 'site.yaml');
    const edited = (await webConfigYaml(web.plant.yaml)).replace('limits: { lo: 10, hi: 20, hihi: 40 }', 'limits: { lo: 10, hi: 20, hihi: 45 }');
    expect(edited).toContain('hihi: 45');
    writeFileSync(file, edited);
    await web.agent.reload(parseAgentConfig(edited, file), 'SIGHUP');
    const reloadedAt = web.agent.configLimitChanges().changes.at(-1)!.time;
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.viewer);
    await page.goto(`${web.base}/trends?points=${GAS}&from=${reloadedAt - 90_000}&to=${reloadedAt + 90_000}`);
    const row = page.locator('[data-testid="limit-change"][data-kind="config_file"]');
    await expect.poll(() => row.count(), POLL).toBe(1);
    expect(await row.getAttribute('data-limit')).toBe('hihi');
    expect(await row.textContent()).toContain('HH 40 → 45 (配置文件已修改)');
    expect(await row.textContent()).toContain('config file');
    expect(await row.textContent()).toContain('config reload (SIGHUP)');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(async () => (await row.textContent()) ?? '', POLL).toContain('HH 40 → 45 (config file edited)');
    await page.locator('[data-testid="language"]').selectOption('zh-CN');
    await page.context().close();
  }, 90_000);

  it("lists the config file's change in the alarm-limits page's history, newest first above the supervisor's, in zh-CN and English", async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.supervisor);
    await page.goto(`${web.base}/thresholds?point=${encodeURIComponent(GAS)}`);
    const rows = page.locator('[data-testid="history-row"]');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    // The reload of the previous test (hihi 40 -> 45), after the supervisor's hi 20 -> 30.
    const [fromFile, byPerson] = [rows.nth(0), rows.nth(1)];
    expect(await fromFile.getAttribute('data-kind')).toBe('config_file');
    for (const part of ['高高限', '40', '45', 'config file', '配置文件已修改', 'config reload (SIGHUP)']) expect(await fromFile.textContent()).toContain(part);
    expect(await byPerson.getAttribute('data-kind')).toBe('changed');
    for (const part of ['高限', '20', '30', 'sup', WHY]) expect(await byPerson.textContent()).toContain(part);
    await screenshot(page, 'thresholds-config-file-change');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(async () => (await fromFile.textContent()) ?? '', POLL).toContain('config file edited');
    expect(await fromFile.textContent()).toContain('High-high');
    await screenshot(page, 'thresholds-config-file-change');
    await page.locator('[data-testid="language"]').selectOption('zh-CN');
    await page.context().close();
  }, 90_000);
});
