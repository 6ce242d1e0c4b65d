/**
 * The supervision pages in Chromium against the real agent on the simulated plant (tests/dashboard/web-fixture.ts):
 * after a leak, an acknowledgement and a handling record (through the API, as the alarms page would send them), the
 * alarm-system health shows the activations and the worst point, the audit log shows the acknowledgement with who and
 * the chain intact, and the shift report shows both and prints to an A4 PDF. Operators and viewers are not offered
 * the supervisor's pages. The tests run in order on one plant.
 */
import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { ALARMS, DocumentCheck, startWebPlant, USERS, type WebPlant, WebClient } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

let web: WebPlant;
let browser: Browser;
let startedAt: number;

const POINT = 'GD-1.concentration';
const COMMENT = 'leak at flange F-3 checked';
const HANDLING = { found: 'flange F-3 weeping', done: 'tightened the flange, area ventilated', result: 'gas back to zero' };
const POLL = { timeout: 20_000 } as const;

const setGas = (value: number) => web.plant.site.device('GD-1').set('concentration', value);

async function inEnglish(page: Page): Promise<void> {
  await page.locator('[data-testid="language"]').selectOption('en');
  await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe('en');
}

beforeAll(async () => {
  startedAt = Date.now();
  web = await startWebPlant();
  browser = await launchChromium();
  await waitFor('lo raised at gas 0', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.lo && alarm.state === 'unacknowledged_active'));
  setGas(30);
  await waitFor('hi raised by the leak', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.hi && alarm.state === 'unacknowledged_active'), { timeoutMs: 30_000 });
  const supervisor = new WebClient(web.base, await DocumentCheck.load(web.base));
  expect((await supervisor.login(USERS.supervisor)).status).toBe(200);
  const alarmPath = `/api/v1/alarms/${encodeURIComponent(ALARMS.hi)}`;
  expect((await supervisor.request('POST', `${alarmPath}/ack`, { body: { comment: COMMENT } })).status).toBe(200);
  expect((await supervisor.request('POST', `${alarmPath}/handling`, { body: HANDLING })).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('the supervision pages in Chromium', () => {
  it('shows the alarm-system health: activations against the benchmark and the worst point linking to its trend', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.supervisor);
    await page.locator('nav a[href="/health"]').click();
    const activations = page.locator('[data-testid="figure-activations"] .figure-value');
    await expect.poll(async () => Number(await activations.textContent()), POLL).toBeGreaterThanOrEqual(2);
    const worst = page.locator(`[data-testid="worst-${POINT}"] a`);
    await expect.poll(() => worst.count(), POLL).toBe(1);
    expect(await worst.getAttribute('href')).toMatch(new RegExp(`^/trends\\?points=${POINT.replace('.', '\\.')}&from=\\d+&to=\\d+$`));
    expect(await page.locator('[data-testid="chart-per-hour"] .benchmark').count()).toBe(1);
    expect(await page.locator('[data-testid="chart-per-hour"] rect.bar').count()).toBeGreaterThanOrEqual(1);
    // The verdicts are words, not colour alone.
    expect(await page.locator('[data-testid="figure-per-10-min"] .mark').textContent()).toMatch(/^(达标|超标)$/);
    await expect.poll(() => page.locator('[data-testid="standing"]').textContent(), POLL).toContain(ALARMS.hi);
    await screenshot(page, 'health');

    await page.locator('[data-testid="range-7d"]').click();
    await expect.poll(() => page.locator('[data-testid="chart-per-day"]').count(), POLL).toBe(1);
    await inEnglish(page);
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Alarm-system health');
    await screenshot(page, 'health');
    await page.locator('[data-testid="high-contrast"]').click();
    await screenshot(page, 'health-high-contrast');
    await page.context().close();
  });

  it('shows the audit log with the acknowledgement, who gave it and the chain intact; filters by person and action', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.supervisor);
    await page.locator('nav a[href="/audit"]').click();
    await expect.poll(() => page.locator('[data-testid="chain-ok"]').count(), POLL).toBe(1);
    expect(await page.locator('[data-testid="chain-ok"]').textContent()).toMatch(/审计链完整.*已校验 \d+ 条/);
    const ackRow = page.locator('tr[data-action="alarm_command"]', { hasText: COMMENT });
    await expect.poll(() => ackRow.count(), POLL).toBe(1);
    const cells = await ackRow.locator('td').allTextContents();
    expect(cells[1]).toContain(USERS.supervisor.name);
    expect(cells[2]).toBe('报警操作确认');
    expect(cells[3]).toBe(ALARMS.hi);
    expect(cells[4]).toBe('已执行');
    await screenshot(page, 'audit');

    await page.locator('[data-testid="filter-who"]').fill(USERS.supervisor.name);
    await page.locator('[data-testid="filter-action"]').selectOption('alarm_handling');
    await page.locator('[data-testid="filter-apply"]').click();
    await expect.poll(() => page.locator('tr[data-action]').count(), POLL).toBe(1);
    expect(await page.locator('tr[data-action="alarm_handling"]').textContent()).toContain(HANDLING.result);

    // A custom range is typed in the site's time, 24-hour; an end before the start is refused in words.
    const from = page.locator('[data-testid="range-from"]');
    const to = page.locator('[data-testid="range-to"]');
    expect(await from.inputValue()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const [start, end] = [await from.inputValue(), await to.inputValue()];
    await to.fill(start);
    await page.locator('[data-testid="range-apply"]').click();
    expect(await page.locator('.range-picker [role="alert"]').textContent()).toBe('结束时间必须晚于开始时间');
    // A year ahead: the end the preset showed is cut to the minute and could fall before the rows of this minute.
    await to.fill(`${Number(end.slice(0, 4)) + 1}${end.slice(4)}`);
    await page.locator('[data-testid="range-apply"]').click();
    await expect.poll(() => page.locator('[data-testid="range-apply"]').getAttribute('aria-pressed'), POLL).toBe('true');
    expect(await page.locator('.range-picker [role="alert"]').count()).toBe(0);
    await expect.poll(() => page.locator('tr[data-action="alarm_handling"]').count(), POLL).toBe(1);
    await inEnglish(page);
    await expect.poll(() => page.locator('[data-testid="chain-ok"]').textContent(), POLL).toMatch(/Audit chain intact/);
    await screenshot(page, 'audit');
    await page.context().close();
  });

  it('pages the audit log newest first with Load older, from where the last page stopped; oldest first on asking', async () => {
    const page = await newPage(browser);
    // Pages of 2 rows instead of 100, so the plant's few rows make several pages.
    await page.route('**/api/v1/audit?*', (route) =>
      route.continue({
        url: route
          .request()
          .url()
          .replace(/limit=\d+/, 'limit=2'),
      }),
    );
    await signIn(page, web.base, USERS.supervisor);
    const newestBefore = (await web.agent.reader.auditRows({ beforeSeq: Number.MAX_SAFE_INTEGER, limit: 1 }))[0]!.seq;
    await page.goto(`${web.base}/audit`);
    const rows = page.locator('tr[data-action]');
    const seqsShown = () => rows.evaluateAll((cells) => cells.map((row) => Number(row.getAttribute('data-testid')!.replace('audit-', ''))));
    await expect.poll(() => rows.count(), POLL).toBe(2);
    // The first rows are the latest: this sign-in's (or later), not the plant's first.
    expect((await seqsShown())[0]).toBeGreaterThanOrEqual(newestBefore);
    const total = (await web.agent.reader.auditRows({ limit: 10_000 })).filter((row) => row.time >= Date.now() - 24 * 3_600_000).length;
    expect(total).toBeGreaterThan(4);
    expect(await page.locator('[data-testid="filter-order"]').inputValue()).toBe('newest');
    expect(await page.locator('[data-testid="load-more"]').textContent()).toBe('加载更早的记录');
    await page.locator('[data-testid="load-more"]').click();
    await expect.poll(() => rows.count(), POLL).toBe(4);
    const newestFirst = await seqsShown();
    expect(newestFirst).toEqual([...newestFirst].sort((a, b) => b - a));
    expect(new Set(newestFirst).size).toBe(4);
    await inEnglish(page);
    await expect.poll(() => page.locator('[data-testid="load-more"]').textContent(), POLL).toBe('Load older');
    await screenshot(page, 'audit-newest-first');

    await page.locator('[data-testid="filter-order"]').selectOption('oldest');
    await expect.poll(() => new URL(page.url()).searchParams.get('order'), POLL).toBe('oldest');
    await expect.poll(async () => (await seqsShown())[0], POLL).toBeLessThan(newestFirst.at(-1)!);
    await page.locator('[data-testid="load-more"]').click();
    await expect.poll(() => rows.count(), POLL).toBe(4);
    const oldestFirst = await seqsShown();
    expect(oldestFirst).toEqual([...oldestFirst].sort((a, b) => a - b));
    expect(new Set(oldestFirst).size).toBe(4);
    await page.context().close();
  });

  it('keeps the audit filters in the URL: a reload or a link shows the same rows, Back leaves the page', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.supervisor);
    await page.locator('nav a[href="/audit"]').click();
    await expect.poll(() => page.locator('[data-testid="chain-ok"]').count(), POLL).toBe(1);
    const steps = await page.evaluate<number>('history.length');
    await page.locator('[data-testid="range-7d"]').click();
    await page.locator('[data-testid="filter-who"]').fill(USERS.supervisor.name);
    await page.locator('[data-testid="filter-action"]').selectOption('alarm_handling');
    await page.locator('[data-testid="filter-apply"]').click();
    await page.locator('[data-testid="filter-order"]').selectOption('oldest');
    const url = () => Object.fromEntries(new URL(page.url()).searchParams);
    const asked = { range: '7d', who: USERS.supervisor.name, action: 'alarm_handling', order: 'oldest' };
    await expect.poll(url, POLL).toEqual(asked);
    expect(await page.evaluate<number>('history.length')).toBe(steps);
    const expectSameRows = async (shown: Page) => {
      await expect.poll(() => shown.locator('tr[data-action]').count(), POLL).toBe(1);
      expect(await shown.locator('tr[data-action="alarm_handling"]').textContent()).toContain(HANDLING.result);
      expect(await shown.locator('[data-testid="filter-who"]').inputValue()).toBe(USERS.supervisor.name);
      expect(await shown.locator('[data-testid="filter-action"]').inputValue()).toBe('alarm_handling');
      expect(await shown.locator('[data-testid="filter-order"]').inputValue()).toBe('oldest');
      expect(await shown.locator('[data-testid="range-7d"]').getAttribute('aria-pressed')).toBe('true');
      expect(await shown.locator('[data-testid="chain-ok"]').count()).toBe(1);
    };
    await page.reload();
    await expectSameRows(page);
    await screenshot(page, 'audit-filters-from-url');
    const colleague = await newPage(browser);
    await signIn(colleague, web.base, USERS.admin);
    await colleague.goto(page.url());
    await expectSameRows(colleague);
    await colleague.context().close();

    // A custom range is kept as its two times.
    const [start, end] = [await page.locator('[data-testid="range-from"]').inputValue(), await page.locator('[data-testid="range-to"]').inputValue()];
    await page.locator('[data-testid="range-to"]').fill(`${Number(end.slice(0, 4)) + 1}${end.slice(4)}`);
    await page.locator('[data-testid="range-from"]').fill(start);
    await page.locator('[data-testid="range-apply"]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('range'), POLL).toBeNull();
    const { from, to } = url();
    expect(Number(to)).toBeGreaterThan(Number(from));
    await page.reload();
    await expect.poll(() => page.locator('[data-testid="range-apply"]').getAttribute('aria-pressed'), POLL).toBe('true');
    // Shown in the site's zone once the site's answer says which it is.
    await expect.poll(() => page.locator('[data-testid="range-from"]').inputValue(), POLL).toBe(start);
    await expect.poll(() => page.locator('tr[data-action]').count(), POLL).toBe(1);

    await page.goBack();
    await expect.poll(() => new URL(page.url()).pathname, POLL).toBe('/');
    await page.context().close();
  });

  it('shows a broken chain as a red banner naming each row', async () => {
    const page = await newPage(browser);
    // The store's chain cannot be broken under a running agent; the page's part is showing what the server says.
    await page.route('**/api/v1/audit?*', async (route) => {
      const answer = await route.fetch();
      const body = (await answer.json()) as { chain: unknown };
      body.chain = { ok: false, rowsChecked: 12, problems: [{ seq: 7, problem: 'content_changed', message: 'row 7: hash does not match its content' }] };
      await route.fulfill({ response: answer, json: body });
    });
    await signIn(page, web.base, USERS.supervisor);
    await page.goto(`${web.base}/audit`);
    const banner = page.locator('[data-testid="chain-broken"]');
    await expect.poll(() => banner.count(), POLL).toBe(1);
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toMatch(/审计链被破坏.*第 7 条：内容被修改.*hash does not match/);
    await screenshot(page, 'audit-chain-broken');
    await page.context().close();
  });

  it('shows the shift report with the acknowledgement and the handling record, and prints it to an A4 PDF', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.operator);
    await page.goto(`${web.base}/shift-report?from=${startedAt - 60_000}&to=${Date.now() + 60_000}`);
    const acks = page.locator('[data-testid="part-acks"]');
    await expect.poll(() => acks.textContent(), POLL).toContain(COMMENT);
    expect(await acks.textContent()).toContain(USERS.supervisor.name);
    const handling = await page.locator('[data-testid="part-handling"]').textContent();
    for (const text of Object.values(HANDLING)) expect(handling).toContain(text);
    expect(Number(await page.locator('[data-testid="raised-total"]').textContent())).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="report-range"]').textContent()).toMatch(/班次：.+至.+UTC：/);
    expect(await page.locator('[data-testid="signatures"]').textContent()).toMatch(/交班人.*接班人/);
    await screenshot(page, 'shift-report');

    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.header').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="alarm-banner"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="print"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="report-header"]').isVisible()).toBe(true);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    writeFileSync((await screenshot(page, 'shift-report-print')).replace(/\.png$/, '.pdf'), pdf);

    await page.emulateMedia({ media: 'screen' });
    await inEnglish(page);
    await expect.poll(() => page.locator('[data-testid="part-acks"] h2').textContent(), POLL).toBe('Acknowledgements');
    await screenshot(page, 'shift-report');
    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'shift-report-print');

    // The shift presets start on the site's shift changes in the site's zone (the default Asia/Shanghai; the machine runs
    // on UTC): 8 h at 00, 08, 16; 12 h at 08, 20.
    await page.emulateMedia({ media: 'screen' });
    const range = page.locator('[data-testid="report-range"]');
    for (const [preset, hours] of [
      ['previous8h', '(00|08|16)'],
      ['previous12h', '(08|20)'],
    ] as const) {
      await page.locator(`[data-testid="range-${preset}"]`).click();
      await expect.poll(() => range.textContent(), POLL).toMatch(new RegExp(`^Shift: \\S+ ${hours}:00:00 to \\S+ ${hours}:00:00 \\(Asia/Shanghai\\)`));
    }
    await page.locator('[data-testid="range-current8h"]').click();
    await expect.poll(() => range.textContent(), POLL).toMatch(/^Shift: \S+ (00|08|16):00:00 to /);
    await page.context().close();
  });

  it("lists a shut-off the engine commanded in the shift report's language: its command and the alarm that tripped it", async () => {
    setGas(45);
    await waitFor('hihi active, commanding close-gas', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.hihi && alarm.conditionActive), { timeoutMs: 30_000 });
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.operator);
    await page.goto(`${web.base}/shift-report?from=${startedAt - 60_000}&to=${Date.now() + 60_000}`);
    const actions = page.locator('[data-testid="part-actions"] tbody tr');
    await expect.poll(() => actions.allTextContents(), POLL).toEqual([expect.stringContaining('联锁动作关闭')]);
    expect(await actions.first().textContent()).toContain(`由 ${ALARMS.hihi} 触发联锁动作`);
    await page.context().close();
  });

  it('offers the health and audit pages to supervisors and admins only; the shift report to everyone', async () => {
    for (const [role, sees] of [
      ['viewer', false],
      ['operator', false],
      ['admin', true],
    ] as const) {
      const page = await newPage(browser);
      await signIn(page, web.base, USERS[role]);
      expect(await page.locator('nav a[href="/shift-report"]').count(), role).toBe(1);
      expect(await page.locator('nav a[href="/health"]').count(), role).toBe(sees ? 1 : 0);
      expect(await page.locator('nav a[href="/audit"]').count(), role).toBe(sees ? 1 : 0);
      if (!sees) {
        // Typed in by hand, the page says what the server refused instead of showing nothing.
        await page.goto(`${web.base}/audit`);
        await expect.poll(() => page.locator('[role="alert"]').textContent(), POLL).toMatch(/无法读取审计日志：.+/);
      }
      await page.context().close();
    }
  });
});
