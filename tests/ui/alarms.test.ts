/**
 * The alarm list in Chromium against the real agent on the simulated plant (tests/dashboard/web-fixture.ts, with the
 * alarm help configured). The plant starts with `lo` standing (gas 0); a leak (gas 30) raises `hi`; gas 45 raises
 * `hihi`, which latches the shut-off `close-gas` (valve XV-1). The tests run in order on one plant.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { ALARMS, DocumentCheck, startWebPlant, USERS, WebClient, type WebPlant, withAlarmHelp } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

let web: WebPlant;
let browser: Browser;

const LATCH = 'close-gas/latched';
const ACK_COMMENT = 'checked hi, valve "XV-1" ok';
const HANDLING = { found: '压缩机房法兰泄漏，现场 28 %LEL', done: '关闭上游手阀，开启排风', result: '泄漏消除，浓度回零' };
const POLL = { timeout: 20_000 } as const;

const setGas = (value: number) => web.plant.site.device('GD-1').set('concentration', value);
const engineAlarm = (alarmId: string) => web.agent.alarms().engine.find((alarm) => alarm.id === alarmId);
const alarmRow = (page: Page, alarmId: string) => page.locator(`[data-testid="alarm-${alarmId}"]`);
const historyRows = (page: Page) => page.locator('[data-testid="history-table"] tbody tr');
const peoplesEvents = async () => (await web.agent.reader.alarmEventsAfter(0, 10_000)).filter((row) => row.who !== 'engine' && row.who !== 'hazmon');

async function openAlarms(page: Page, user: (typeof USERS)[keyof typeof USERS]): Promise<void> {
  await signIn(page, web.base, user);
  await page.locator('nav a[href="/alarms"]').click();
  await expect.poll(() => page.locator('[data-testid="filters"]').count(), POLL).toBe(1);
}

async function openDetail(page: Page, alarmId: string): Promise<void> {
  await alarmRow(page, alarmId).locator('[data-testid="details"]').click();
  await expect.poll(() => page.locator('[data-testid="alarm-detail"] h2').textContent(), POLL).toBe(alarmId);
}

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withAlarmHelp);
  browser = await launchChromium();
  await waitFor('lo raised at gas 0', () => engineAlarm(ALARMS.lo)?.state === 'unacknowledged_active');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('the alarm list', () => {
  it('shelves lo for 1 minute; a leak raises hi, acknowledged with a comment and its handling recorded; lo comes back at expiry', async () => {
    const page = await newPage(browser);
    await openAlarms(page, USERS.operator);
    await expect.poll(() => alarmRow(page, ALARMS.lo).count(), POLL).toBe(1);

    // The help from the config, and only the commands an operator may use.
    await openDetail(page, ALARMS.lo);
    const help = page.locator('[data-testid="alarm-help"]');
    expect(await help.textContent()).toContain('量程下限漂移');
    expect(await help.textContent()).toContain('60 分钟内');
    expect(await help.textContent()).toContain('通知值班长');
    expect(await page.locator('[data-testid="open-shelve"]').count()).toBe(1);
    expect(await page.locator('[data-testid="open-outOfService"]').count()).toBe(0);

    // The shelve form checks before sending: no reason, 0 minutes.
    await page.locator('[data-testid="open-shelve"]').click();
    const shelve = page.locator('[data-testid="dialog-shelve"]');
    await shelve.locator('input[name="minutes"]').fill('0');
    await shelve.locator('input[name="minutes"]').press('Enter');
    expect(await shelve.locator('[data-testid="error-reason"]').textContent()).toBe('必填');
    expect(await shelve.locator('[data-testid="error-minutes"]').textContent()).toContain('1 到 1440');
    const focused = async () => (await page.locator(':focus').getAttribute('name')) ?? (await page.locator(':focus').getAttribute('data-testid'));
    expect(await focused()).toBe('reason');
    await screenshot(page, 'alarms-shelve-invalid');
    // Escape closes without sending, focus back on the button that opened it; the dialog opens again, Enter sends.
    await page.keyboard.press('Escape');
    await expect.poll(() => shelve.count(), POLL).toBe(0);
    expect(await focused()).toBe('open-shelve');
    expect(engineAlarm(ALARMS.lo)?.mode).toBe('in_service');
    await page.locator('[data-testid="open-shelve"]').click();
    await shelve.locator('input[name="reason"]').fill('探头更换');
    await shelve.locator('input[name="minutes"]').fill('1');
    await shelve.locator('input[name="minutes"]').press('Enter');
    await expect.poll(() => shelve.count(), POLL).toBe(0);
    await expect.poll(() => alarmRow(page, ALARMS.lo).locator('.mode-shelved').count(), POLL).toBe(1);
    expect(engineAlarm(ALARMS.lo)).toMatchObject({ mode: 'shelved', shelvedUntil: expect.any(Number) });
    await page.locator('[data-testid="close-detail"]').click();

    setGas(30);
    const hiRow = alarmRow(page, ALARMS.hi);
    await expect.poll(() => hiRow.count(), POLL).toBe(1);
    await screenshot(page, 'alarms-list');
    await hiRow.locator('input').fill(ACK_COMMENT);
    await hiRow.locator('[data-testid="acknowledge"]').click();
    await expect.poll(() => hiRow.locator('[data-testid="acknowledge"]').count(), POLL).toBe(0);

    await openDetail(page, ALARMS.hi);
    await page.locator('[data-testid="open-handling"]').click();
    const handling = page.locator('[data-testid="dialog-handling"]');
    await handling.locator('textarea[name="found"]').fill(HANDLING.found);
    await handling.locator('[data-testid="submit"]').click();
    expect(await handling.locator('[data-testid="error-done"]').textContent()).toBe('必填');
    expect(await handling.locator('[data-testid="error-result"]').textContent()).toBe('必填');
    await handling.locator('textarea[name="done"]').fill(HANDLING.done);
    await handling.locator('textarea[name="result"]').fill(HANDLING.result);
    await screenshot(page, 'alarms-handling');
    await handling.locator('[data-testid="submit"]').click();
    await expect.poll(() => handling.count(), POLL).toBe(0);

    // Both in the history on screen (the list and the alarm's own events) and stored.
    await expect.poll(() => historyRows(page).filter({ hasText: HANDLING.result }).count(), POLL).toBeGreaterThan(0);
    expect(await historyRows(page).filter({ hasText: ACK_COMMENT }).count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="alarm-detail"] tr[data-kind="handled"]').count()).toBe(1);
    await screenshot(page, 'alarms-detail');
    const stored = await peoplesEvents();
    expect(stored).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'acknowledged', who: USERS.operator.name, why: ACK_COMMENT }),
        expect.objectContaining({ kind: 'handled', who: USERS.operator.name, details: expect.objectContaining({ alarmId: ALARMS.hi, ...HANDLING }) }),
        expect.objectContaining({ kind: 'shelved', who: USERS.operator.name, why: '探头更换' }),
      ]),
    );

    // The engine ends the shelf; the page shows lo back in service.
    await expect.poll(() => engineAlarm(ALARMS.lo)?.mode ?? 'gone', { timeout: 90_000, interval: 1000 }).not.toBe('shelved');
    await expect.poll(() => alarmRow(page, ALARMS.lo).locator('.mode-shelved').count(), POLL).toBe(0);
    await page.context().close();
  }, 180_000);

  it('narrows the list by priority, area, state and text, and exports the filtered list as CSV', async () => {
    const page = await newPage(browser);
    await openAlarms(page, USERS.operator);
    await expect.poll(() => historyRows(page).count(), POLL).toBeGreaterThan(3);
    const all = await historyRows(page).count();
    const filters = page.locator('[data-testid="filters"]');

    await filters.locator('input[name="text"]').fill('"XV-1"');
    await expect.poll(() => historyRows(page).count(), POLL).toBe(1);
    expect(await page.locator('[data-testid="active-empty"]').count()).toBe(1);

    const download = page.waitForEvent('download');
    await page.locator('[data-testid="export-csv"]').click();
    const file = readFileSync((await (await download).path())!, 'utf8');
    const lines = file.split('\r\n');
    expect(file.startsWith('\uFEFF')).toBe(true);
    expect(lines[0]).toMatch(/^\uFEFFlist,time_utc,time_site \(.+\),alarm,point,area,priority,state_or_event,mode,who,text$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^报警历史,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,GD-1\.concentration\/hi,GD-1\.concentration,house,/);
    expect(lines[1]).toContain(`,已确认,,op,"checked hi, valve ""XV-1"" ok"`);

    await filters.locator('input[name="text"]').fill('');
    // Every alarm of the plant so far is of one priority: another one empties both lists, its own keeps them.
    const hiPriority = engineAlarm(ALARMS.hi)!.priority;
    const other = (['emergency', 'high', 'medium', 'low'] as const).find((priority) => priority !== hiPriority)!;
    await filters.locator('select[name="priority"]').selectOption(other);
    await expect.poll(() => page.locator('[data-testid="active-empty"]').count(), POLL).toBe(1);
    expect(await historyRows(page).filter({ hasText: 'GD-1.concentration' }).count()).toBe(0);
    await filters.locator('select[name="priority"]').selectOption(hiPriority);
    await expect.poll(() => alarmRow(page, ALARMS.hi).count(), POLL).toBe(1);
    const priorities = await page.locator('[data-testid="active-table"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('class')));
    expect(new Set(priorities)).toEqual(new Set([`priority-row-${hiPriority}`]));

    // The area: the plant's system alarms (no area) leave, the house's alarms stay.
    await filters.locator('select[name="priority"]').selectOption('');
    await filters.locator('select[name="area"]').selectOption('house');
    await expect.poll(() => historyRows(page).filter({ hasNotText: 'GD-1.concentration' }).count(), POLL).toBe(0);
    expect(await alarmRow(page, ALARMS.lo).count()).toBe(1);
    await filters.locator('select[name="area"]').selectOption('');

    await filters.locator('select[name="priority"]').selectOption('');
    await filters.locator('select[name="state"]').selectOption('acknowledged_active');
    await expect.poll(() => page.locator('[data-testid="active-table"] tbody tr').count(), POLL).toBe(1);
    expect(await alarmRow(page, ALARMS.hi).count()).toBe(1);

    await filters.locator('input[name="point"]').fill('no-such-point');
    await expect.poll(() => page.locator('[data-testid="active-empty"]').count(), POLL).toBe(1);
    expect(await historyRows(page).count()).toBe(0);
    await page.locator('[data-testid="clear-filters"]').click();
    await expect.poll(() => historyRows(page).count(), POLL).toBeGreaterThanOrEqual(all);

    // The time filter is typed as YYYY-MM-DD HH:mm in the site's zone: a bad time is said under its field and narrows nothing.
    await filters.locator('input[name="from"]').fill('2026-02-31 08:00');
    await expect.poll(() => filters.locator('[data-testid="filter-error-from"]').textContent(), POLL).toBe('“2026-02-31 08:00”不是有效时间：请按 YYYY-MM-DD HH:mm 填写，如 2026-03-08 14:30');
    expect(await historyRows(page).count()).toBeGreaterThanOrEqual(all);
    await screenshot(page, 'alarms-time-invalid');
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => filters.locator('[data-testid="filter-error-from"]').textContent(), POLL).toContain('is not a time: type it as YYYY-MM-DD HH:mm');
    await screenshot(page, 'alarms-time-invalid');
    await page.locator('[data-testid="language"]').selectOption('zh-CN');
    const dayAfterTomorrow = await page.evaluate(() => new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10));
    await filters.locator('input[name="from"]').fill(`${dayAfterTomorrow} 00:00`);
    await expect.poll(() => historyRows(page).count(), POLL).toBe(0);
    expect(await filters.locator('[data-testid="filter-error-from"]').count()).toBe(0);
    await filters.locator('input[name="to"]').fill(`${dayAfterTomorrow} 00:00`);
    await expect.poll(() => filters.locator('[data-testid="filter-error-to"]').textContent(), POLL).toBe('结束时间必须晚于开始时间');
    await filters.locator('input[name="from"]').fill('2000-01-01 00:00');
    await expect.poll(() => historyRows(page).count(), POLL).toBeGreaterThanOrEqual(all);
    await page.locator('[data-testid="clear-filters"]').click();

    // Any with handling: the handling result found by its Chinese text, and in the CSV as UTF-8.
    await filters.locator('input[name="text"]').fill('浓度回零');
    await expect.poll(() => historyRows(page).count(), POLL).toBe(1);
    const second = page.waitForEvent('download');
    await page.locator('[data-testid="export-csv"]').click();
    expect(readFileSync((await (await second).path())!, 'utf8')).toContain(HANDLING.result);
    await page.context().close();
  }, 90_000);

  it("keeps the filters and the sort in the URL: a reload or the link in a colleague's browser shows the same list, and typing adds no history step", async () => {
    const page = await newPage(browser);
    await openAlarms(page, USERS.operator);
    await expect.poll(() => historyRows(page).count(), POLL).toBeGreaterThan(3);
    const steps = await page.evaluate<number>('history.length');
    const filters = page.locator('[data-testid="filters"]');
    const hiPriority = engineAlarm(ALARMS.hi)!.priority;
    await filters.locator('select[name="priority"]').selectOption(hiPriority);
    await filters.locator('select[name="area"]').selectOption('house');
    await filters.locator('select[name="sort"]').selectOption('oldest');
    await filters.locator('input[name="text"]').pressSequentially('"XV-1"');
    await filters.locator('input[name="from"]').fill('2000-01-01 00:00');
    await expect.poll(() => historyRows(page).count(), POLL).toBe(1);
    const asked = { priority: hiPriority, area: 'house', sort: 'oldest', text: '"XV-1"', from: '2000-01-01 00:00' };
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual(asked);
    // Each change replaced the entry: one Back leaves the list, not one keystroke.
    expect(await page.evaluate<number>('history.length')).toBe(steps);

    const expectSameList = async (shown: Page) => {
      await expect.poll(() => historyRows(shown).count(), POLL).toBe(1);
      expect(await historyRows(shown).first().textContent()).toContain('XV-1');
      const bar = shown.locator('[data-testid="filters"]');
      expect(await bar.locator('input[name="text"]').inputValue()).toBe('"XV-1"');
      expect(await bar.locator('input[name="from"]').inputValue()).toBe('2000-01-01 00:00');
      for (const name of ['priority', 'area', 'sort'] as const) expect(await bar.locator(`select[name="${name}"]`).inputValue(), name).toBe(asked[name]);
    };
    await page.reload();
    await expectSameList(page);
    await screenshot(page, 'alarms-filters-from-url');
    const link = page.url();
    const colleague = await newPage(browser);
    await signIn(colleague, web.base, USERS.supervisor);
    await colleague.goto(link);
    await expectSameList(colleague);
    await colleague.context().close();

    // A filter that is none of the page's is left at its default, never a blank list.
    await page.goto(`${web.base}/alarms?priority=urgent&sort=sideways&state=bogus`);
    await expect.poll(() => historyRows(page).count(), POLL).toBeGreaterThan(3);
    expect(await filters.locator('select[name="priority"]').inputValue()).toBe('');
    expect(await filters.locator('select[name="sort"]').inputValue()).toBe('newest');

    await page.locator('[data-testid="clear-filters"]').click();
    await expect.poll(() => new URL(page.url()).search, POLL).toBe('');
    await page.context().close();
  }, 90_000);

  it('shows the newest stored events from the first page it reads of the history', async () => {
    const newestBefore = (await web.agent.reader.alarmEventsBefore(Number.MAX_SAFE_INTEGER, 1))[0]!.seq;
    const page = await newPage(browser);
    // Pages of 2 events, and only the first read answered: what the list shows is that first answer.
    const reads: { events: { seq: number }[] }[] = [];
    await page.route('**/api/v1/alarm-events?*', async (route) => {
      if (reads.length > 0) return;
      const answer = await route.fetch({
        url: route
          .request()
          .url()
          .replace(/limit=\d+/, 'limit=2'),
      });
      reads.push((await answer.json()) as { events: { seq: number }[] });
      await route.fulfill({ response: answer });
    });
    await openAlarms(page, USERS.operator);
    await expect.poll(() => historyRows(page).count(), POLL).toBe(2);
    const answered = reads[0]!.events.map((event) => event.seq);
    expect(answered[0]).toBeGreaterThanOrEqual(newestBefore);
    expect(answered).toEqual([...answered].sort((a, b) => b - a));
    const shown = await historyRows(page).evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-testid')!.replace('event-', ''))));
    expect(shown.sort((a, b) => a - b)).toEqual([...answered].sort((a, b) => a - b));
    await page.context().close();
  });

  it('prints the list on A4 without navigation or filters', async () => {
    const page = await newPage(browser);
    await openAlarms(page, USERS.supervisor);
    await expect.poll(() => historyRows(page).count(), POLL).toBeGreaterThan(0);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="filters"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="export-csv"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="history-table"]').isVisible()).toBe(true);
    expect(await page.locator('.print-only').isVisible()).toBe(true);
    await screenshot(page, 'alarms-print');
    await page.context().close();
  });

  it('a shut-off trips; a viewer sees the alarms without a command button', async () => {
    setGas(45);
    await waitFor('close-gas latched', () => web.agent.actionLatched('close-gas'), { timeoutMs: 30_000 });
    const page = await newPage(browser);
    await openAlarms(page, USERS.viewer);
    await expect.poll(() => alarmRow(page, LATCH).count(), POLL).toBe(1);
    await expect.poll(() => alarmRow(page, ALARMS.hihi).count(), POLL).toBe(1);
    expect(await page.locator('[data-testid="acknowledge"]').count()).toBe(0);
    for (const alarmId of [LATCH, ALARMS.hihi]) {
      await openDetail(page, alarmId);
      expect(await page.locator('[data-testid="alarm-detail"] [data-testid^="open-"]').count()).toBe(0);
    }
    await page.context().close();
  }, 60_000);

  it('refuses the reset while the gas is present (the dialog shows why), then resets after it cleared; the audit says who', async () => {
    const page = await newPage(browser);
    await openAlarms(page, USERS.supervisor);
    await expect.poll(() => alarmRow(page, LATCH).count(), POLL).toBe(1);
    await openDetail(page, LATCH);
    await page.locator('[data-testid="open-reset"]').click();
    const dialog = page.locator('[data-testid="dialog-reset"]');
    await expect.poll(() => dialog.locator('[data-testid="reset-triggers"]').textContent(), POLL).toMatch(new RegExp(`${ALARMS.hihi.replaceAll('.', '\\.')}.*条件仍存在`));
    await expect.poll(() => dialog.locator('[data-testid="reset-feedback"]').textContent(), POLL).toContain('XV-1.closed');
    expect(await dialog.locator('[data-testid="reset-who"]').textContent()).toBe('复位人：sup（主管）');
    // The agent's refusal said from the catalog (its code and params), not its English sentence.
    expect(await dialog.locator('[data-testid="reset-refusal"]').textContent()).toBe(`现在不能复位：close-gas 的触发条件仍然存在（${ALARMS.hihi}）`);

    await dialog.locator('input[name="reason"]').fill('泄漏已处理');
    await dialog.locator('[data-testid="submit"]').click();
    // The server's refusal, under the field it names or above the buttons.
    await expect.poll(() => dialog.locator('[data-testid="form-error"], [data-testid="error-reason"]').textContent(), POLL).toBe(`操作失败：close-gas 的触发条件仍然存在（${ALARMS.hihi}）`);
    expect(web.agent.actionLatched('close-gas')).toBe(true);
    // Said once: the prediction steps aside for the answer, and the buttons stay on a 768-px screen.
    expect(await dialog.locator('[data-testid="reset-verdict"]').isVisible()).toBe(false);
    const submitBox = await dialog.locator('[data-testid="submit"]').boundingBox();
    expect(submitBox && submitBox.y + submitBox.height).toBeLessThanOrEqual(page.viewportSize()?.height ?? 0);
    // The stored refusal in the history, said from its code too.
    const refusedRow = page.locator('[data-testid="history-table"] tr[data-kind="command_refused"]').first();
    await expect.poll(() => refusedRow.locator('.event-text').textContent(), POLL).toBe(`close-gas 的触发条件仍然存在（${ALARMS.hihi}）`);
    // The engine's own transitions said from their rule and deciding value; the gateway's sentence is the tooltip.
    const raisedRow = page.locator('[data-testid="history-table"] tr[data-kind="raised"]').filter({ hasText: ALARMS.hihi }).filter({ hasText: 'engine' }).first();
    await expect.poll(() => raisedRow.locator('.event-text').textContent(), POLL).toMatch(/^高高限，判定值 \d/);
    expect(await raisedRow.locator('.event-text').getAttribute('title')).toMatch(/^hihi reached: /);
    const confirmedRow = page.locator('[data-testid="history-table"] tr[data-kind="notice"]').filter({ hasText: 'shutoff_confirmed' }).first();
    expect(await confirmedRow.locator('.event-text').textContent()).toBe('切断阀已确认关闭');
    const trippedRow = page.locator('[data-testid="history-table"] tr[data-kind="action_commanded"]').first();
    expect(await trippedRow.locator('.event-text').textContent()).toBe(`由 ${ALARMS.hihi} 触发联锁动作`);
    await screenshot(page, 'alarms-reset-refused', { viewportOnly: true });

    setGas(0);
    await expect.poll(() => dialog.locator('[data-testid="reset-triggers"]').textContent(), { timeout: 30_000 }).toContain('已消除');
    expect(await dialog.locator('[data-testid="reset-refusal"]').count()).toBe(0);
    expect(await dialog.locator('[data-testid="form-error"]').count()).toBe(0);
    await screenshot(page, 'alarms-reset-confirm');
    await dialog.locator('[data-testid="submit"]').click();
    await expect.poll(() => dialog.count(), POLL).toBe(0);
    expect(web.agent.actionLatched('close-gas')).toBe(false);

    const supervisor = new WebClient(web.base, await DocumentCheck.load(web.base));
    expect((await supervisor.login(USERS.supervisor)).status).toBe(200);
    const audit = await supervisor.request<{ rows: { action: string; target: string; who: string; details: Record<string, unknown> | null }[] }>('GET', '/api/v1/audit?action=reset_action');
    expect(audit.body.rows.map((row) => [row.target, row.who, row.details?.['role'], row.details?.['result'], row.details?.['reason']])).toEqual([
      ['close-gas', 'sup', 'supervisor', 'refused', expect.stringContaining(ALARMS.hihi)],
      ['close-gas', 'sup', 'supervisor', 'accepted', '泄漏已处理'],
    ]);
    await page.context().close();
  }, 90_000);

  it('reads in English too; a supervisor takes an alarm out of service and back (screenshots: list, help, high contrast, print)', async () => {
    const page = await newPage(browser);
    await openAlarms(page, USERS.supervisor);
    await page.locator('[data-testid="language"]').selectOption('en');
    await expect.poll(() => page.locator('h1').first().textContent(), POLL).toBe('Alarms');
    await expect.poll(() => alarmRow(page, ALARMS.lo).count(), POLL).toBe(1);
    await screenshot(page, 'alarms-list');
    await openDetail(page, ALARMS.lo);
    expect(await page.locator('[data-testid="alarm-help"]').textContent()).toContain('Respond within60 min');
    await screenshot(page, 'alarms-detail');
    await page.locator('[data-testid="open-shelve"]').click();
    await page.locator('[data-testid="dialog-shelve"] [data-testid="submit"]').click();
    expect(await page.locator('[data-testid="dialog-shelve"] [data-testid="error-reason"]').textContent()).toBe('Required');
    await screenshot(page, 'alarms-shelve-invalid');
    await page.keyboard.press('Escape');

    // A supervisor takes lo out of service with a reason, and back.
    await page.locator('[data-testid="open-outOfService"]').click();
    await page.locator('[data-testid="dialog-outOfService"] input[name="reason"]').fill('detector removed for calibration');
    await page.locator('[data-testid="dialog-outOfService"] input[name="reason"]').press('Enter');
    await expect.poll(() => alarmRow(page, ALARMS.lo).locator('.mode-out_of_service').count(), POLL).toBe(1);
    expect(engineAlarm(ALARMS.lo)?.mode).toBe('out_of_service');
    await page.locator('[data-testid="high-contrast"]').click();
    await screenshot(page, 'alarms-high-contrast');
    await page.locator('[data-testid="open-returnToService"]').click();
    await page.locator('[data-testid="dialog-returnToService"] [data-testid="submit"]').click();
    await expect.poll(() => alarmRow(page, ALARMS.lo).locator('.mode-out_of_service').count(), POLL).toBe(0);
    expect(engineAlarm(ALARMS.lo)?.mode).toBe('in_service');
    expect(await peoplesEvents()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'out_of_service', who: USERS.supervisor.name, why: 'detector removed for calibration' }),
        expect.objectContaining({ kind: 'returned_to_service', who: USERS.supervisor.name }),
      ]),
    );
    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'alarms-print');
    await page.context().close();
  }, 60_000);
});
