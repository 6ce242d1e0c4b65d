/**
 * The admin, alarm-limits and upkeep pages in Chromium against the real agent on the simulated plant
 * (tests/dashboard/web-fixture.ts). The gas point gets a measuring range (so a limit off it is refused by the agent,
 * not by the page) and its detector an upkeep plan (so it starts overdue). The tests run in order on one plant.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { ALARMS, startWebPlant, USERS, type WebPlant } from '../dashboard/web-fixture.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';

const POINT = 'GD-1.concentration';
const POLL = { timeout: 20_000 } as const;
const DAY_MS = 86_400_000;

const withRangeAndUpkeep = (yaml: string) =>
  yaml
    .replace(`  - id: ${POINT}\n    area: house\n`, `  - id: ${POINT}\n    area: house\n    range: [0, 100]\n`)
    .replace('{ id: GD-1, profile: honeywell-midas, line: plant, unitId: 1 }', '{ id: GD-1, profile: honeywell-midas, line: plant, unitId: 1, upkeep: { bumpTestDays: 30, calibrationDays: 180 } }');

let web: WebPlant;
let browser: Browser;

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withRangeAndUpkeep);
  browser = await launchChromium();
  await waitFor('lo raised at gas 0', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.lo));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const navLinks = (page: Page) => page.locator('nav a').evaluateAll((links) => links.map((link) => link.getAttribute('href')));

/** Screenshots of the page as it is, in Chinese and then in English, back to Chinese after. */
async function screenshotsInBothLanguages(page: Page, name: string, ready: () => Promise<unknown>): Promise<void> {
  await screenshot(page, name);
  await page.locator('[data-testid="language"]').selectOption('en');
  await expect.poll(() => page.locator('html').getAttribute('lang'), POLL).toBe('en');
  await ready();
  await screenshot(page, name);
  await page.locator('[data-testid="language"]').selectOption('zh-CN');
}

async function pointsApi(page: Page, base: string): Promise<{ id: string; unit: string | null; thresholds: Record<string, number | null> }[]> {
  const answer = await page.context().request.get(`${base}/api/v1/points`);
  expect(answer.status()).toBe(200);
  return ((await answer.json()) as { points: { id: string; unit: string | null; thresholds: Record<string, number | null> }[] }).points;
}

describe('the admin, alarm-limit and upkeep pages', () => {
  it('an admin issues a regulator token: the secret shown once, then never; it works with Bearer; revoked it is a 401', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.admin);
    expect(await navLinks(page)).toEqual(expect.arrayContaining(['/admin', '/thresholds', '/upkeep']));
    await page.locator('nav a[href="/admin"]').click();
    await expect.poll(() => page.locator('[data-testid="users"] tbody tr').count(), POLL).toBe(4);
    expect(await page.locator('[data-testid="permissions"]').textContent()).toContain('运行中修改测点报警限值');

    // The page's own check first: no name, then days off the range.
    await page.locator('[data-testid="create-token"]').click();
    await expect.poll(() => page.locator('[data-testid="error-name"]').textContent(), POLL).toContain('请填写持有单位');
    await page.locator('input[name="name"]').fill('某区应急管理局');
    await page.locator('input[name="expiresInDays"]').fill('0');
    await page.locator('[data-testid="create-token"]').click();
    await expect.poll(() => page.locator('[data-testid="error-expiresInDays"]').textContent(), POLL).toContain('1 到 3650');
    expect(web.agent.regulatorTokens()).toEqual([]);

    await page.locator('input[name="expiresInDays"]').fill('365');
    await page.locator('[data-testid="create-token"]').click();
    const dialog = page.locator('[data-testid="token-secret-dialog"]');
    await expect.poll(() => dialog.isVisible(), POLL).toBe(true);
    const secret = await dialog.locator('[data-testid="token-secret"]').inputValue();
    expect(secret).toMatch(/^[\w-]{40,}$/);
    expect(await dialog.textContent()).toContain('只显示这一次');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await dialog.locator('[data-testid="copy-secret"]').click();
    await expect.poll(() => page.evaluate<string>('navigator.clipboard.readText()'), POLL).toBe(secret);
    await screenshotsInBothLanguages(page, 'admin-token-secret', () => expect.poll(() => dialog.textContent(), POLL).toContain('cannot be shown again'));
    await dialog.locator('[data-testid="close-secret"]').click();
    await expect.poll(() => dialog.count(), POLL).toBe(0);
    const [token] = web.agent.regulatorTokens();
    expect(token).toMatchObject({ name: '某区应急管理局', createdBy: USERS.admin.name, revokedAt: null });
    const row = page.locator(`[data-testid="token-${token!.id}"]`);
    expect(await row.locator('[data-testid="token-status"]').textContent()).toBe('有效');
    expect(await page.content()).not.toContain(secret);

    // A second view of the list (a reload): the token listed, its secret nowhere.
    await page.reload();
    await expect.poll(() => row.count(), POLL).toBe(1);
    expect(await page.content()).not.toContain(secret);

    const site = () => fetch(`${web.base}/api/v1/site`, { headers: { Authorization: `Bearer ${secret}` } });
    expect((await site()).status).toBe(200);
    await page.reload();
    await expect.poll(() => row.locator('td').nth(3).textContent(), POLL).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await screenshotsInBothLanguages(page, 'admin', () => expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Admin'));

    await row.locator('[data-testid="revoke"]').click();
    const confirm = page.locator('[data-testid="revoke-dialog"]');
    await expect.poll(() => confirm.isVisible(), POLL).toBe(true);
    await confirm.locator('[data-testid="cancel-revoke"]').click();
    await expect.poll(() => confirm.count(), POLL).toBe(0);
    expect(web.agent.regulatorTokens()[0]!.revokedAt).toBeNull();
    await row.locator('[data-testid="revoke"]').click();
    await screenshot(page, 'admin-revoke');
    await confirm.locator('[data-testid="confirm-revoke"]').click();
    await expect.poll(() => row.locator('[data-testid="token-status"]').textContent(), POLL).toBe('已吊销');
    expect(await row.locator('[data-testid="revoke"]').count()).toBe(0);
    const refused = await site();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { field: 'Authorization' } });
    await page.context().close();
  });

  it('a supervisor sees no Admin, raises the hi limit with a reason: the points API has it, the history lists it', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.supervisor);
    const links = await navLinks(page);
    expect(links).toContain('/thresholds');
    expect(links).not.toContain('/admin');
    await page.locator('nav a[href="/thresholds"]').click();
    const hi = page.locator('[data-testid="limit-hi"]');
    await expect.poll(() => hi.locator('[data-testid="in-force"]').textContent(), POLL).toBe('20');
    expect(await hi.locator('[data-testid="config-value"]').textContent()).toBe('20');
    expect(await page.locator('[data-testid="point"]').inputValue()).toBe(POINT);

    // No reason: the page asks for one and sends nothing.
    await hi.locator('input[name="hi"]').fill('22');
    await page.locator('[data-testid="apply-thresholds"]').click();
    await expect.poll(() => page.locator('[data-testid="threshold-error"]').textContent(), POLL).toContain('请填写修改原因');

    await page.locator('input[name="reason"]').fill('工作浓度上调，试运行');
    await page.locator('[data-testid="apply-thresholds"]').click();
    await expect.poll(() => page.locator('[data-testid="threshold-applied"]').count(), POLL).toBe(1);
    await expect.poll(() => hi.locator('[data-testid="in-force"]').textContent(), POLL).toBe('22');
    expect(await hi.locator('[data-testid="config-value"]').textContent()).toBe('20');
    const point = (await pointsApi(page, web.base)).find((candidate) => candidate.id === POINT);
    expect(point?.thresholds).toEqual({ lolo: null, lo: 10, hi: 22, hihi: 40 });
    // Every value of a limit with its unit: the file's, the override's and the history's old and new.
    expect(point?.unit).toBeTruthy();
    expect(await hi.locator('td:has([data-testid="config-value"])').textContent()).toBe(`20 ${point?.unit}`);
    const history = page.locator('[data-testid="history-row"]');
    await expect.poll(() => history.count(), POLL).toBe(1);
    const entry = (await history.first().textContent()) ?? '';
    for (const part of [POINT, '高限', `20 ${point?.unit}`, `22 ${point?.unit}`, USERS.supervisor.name, '工作浓度上调，试运行']) expect(entry).toContain(part);
    const overrides = (await page.locator('[data-testid="overrides"]').textContent()) ?? '';
    for (const part of ['工作浓度上调，试运行', `22 ${point?.unit}`, `20 ${point?.unit}`]) expect(overrides).toContain(part);
    await screenshotsInBothLanguages(page, 'thresholds', () => expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Alarm limits'));
    await page.context().close();
  });

  it("refuses a broken order on the page, shows the agent's refusal of a limit off the range, and puts a limit back to the file's value", async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.supervisor);
    await page.goto(`${web.base}/thresholds?point=${encodeURIComponent(POINT)}`);
    const hihi = page.locator('[data-testid="limit-hihi"]');
    await expect.poll(() => hihi.locator('[data-testid="in-force"]').textContent(), POLL).toBe('40');
    const changesBefore = web.agent.thresholdOverview().history.length;

    await page.locator('[data-testid="limit-hi"] input[name="hi"]').fill('50');
    await page.locator('input[name="reason"]').fill('顺序错误的尝试');
    await page.locator('[data-testid="apply-thresholds"]').click();
    const error = page.locator('[data-testid="threshold-error"]');
    await expect.poll(() => error.textContent(), POLL).toContain('限值顺序错误：hi (50) 须小于 hihi (40)');
    await screenshot(page, 'thresholds-order-refused');

    await page.locator('[data-testid="limit-hi"] input[name="hi"]').fill('');
    await hihi.locator('input[name="hihi"]').fill('150');
    await page.locator('[data-testid="apply-thresholds"]').click();
    // The agent's refusal said from its code: the Chinese sentence, not the agent's English.
    await expect.poll(() => error.textContent(), POLL).toBe(`服务器拒绝：${POINT}：hihi（150）超出测点量程 0..100`);
    await screenshot(page, 'thresholds-server-refused');
    expect(web.agent.thresholdOverview().history.length).toBe(changesBefore);
    expect((await pointsApi(page, web.base)).find((point) => point.id === POINT)?.thresholds).toEqual({ lolo: null, lo: 10, hi: 22, hihi: 40 });

    // Back to the config file's value: the override goes, the history says so.
    await hihi.locator('input[name="hihi"]').fill('');
    await page.locator('[data-testid="limit-hi"] input[name="hi-restore"]').check();
    await page.locator('input[name="reason"]').fill('试运行结束');
    await page.locator('[data-testid="apply-thresholds"]').click();
    await expect.poll(() => page.locator('[data-testid="limit-hi"] [data-testid="in-force"]').textContent(), POLL).toBe('20');
    expect((await pointsApi(page, web.base)).find((point) => point.id === POINT)?.thresholds).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 40 });
    expect(await page.locator('[data-testid="overrides"]').count()).toBe(0);
    await expect.poll(() => page.locator('[data-testid="history-row"]').first().textContent(), POLL).toContain('恢复配置值');
    expect(await page.locator('[data-testid="history-row"]').first().textContent()).toContain('试运行结束');
    await page.context().close();
  });

  it('an operator enters a bump test: it shows with its next due, the detector no longer overdue for it', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.operator);
    expect(await navLinks(page)).not.toContain('/thresholds');
    await page.locator('nav a[href="/upkeep"]').click();
    const detector = page.locator('[data-testid="detector-GD-1"]');
    await expect.poll(() => detector.locator('[data-testid="upkeep-status"]').textContent(), POLL).toBe('逾期');
    expect(await detector.locator('[data-testid="bump-test"]').textContent()).toContain('从未记录');
    expect(await page.locator('[data-testid="detectors"] tbody tr').count()).toBe(1);

    // The page's own check: next due before the test.
    const form = page.locator('[data-testid="upkeep-form"]');
    const at = await form.locator('input[name="at"]').inputValue();
    // Times are typed as YYYY-MM-DD HH:mm in the site's zone, whatever the browser's locale: a date that does not exist is said under its field.
    await form.locator('input[name="nextDue"]').fill('2026-02-30 08:00');
    await form.locator('[data-testid="record-upkeep"]').click();
    await expect.poll(() => form.locator('[data-testid="upkeep-error-nextDue"]').textContent(), POLL).toContain('“2026-02-30 08:00”不是有效时间');
    expect(at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    await screenshot(page, 'upkeep-time-invalid');
    await form.locator('input[name="nextDue"]').fill('2020-01-01 08:00');
    await form.locator('[data-testid="record-upkeep"]').click();
    await expect.poll(() => form.locator('[data-testid="upkeep-error-nextDue"]').textContent(), POLL).toContain('下次到期须晚于测试时间');
    expect(await web.agent.reader.ruleHistory('upkeep', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);

    await form.locator('input[name="nextDue"]').fill('');
    await form.locator('select[name="kind"]').selectOption('bump_test');
    await form.locator('select[name="result"]').selectOption('pass');
    await form.locator('textarea[name="notes"]').fill('标气 50 %LEL CH4，读数 48 %LEL，报警动作正常');
    await form.locator('[data-testid="record-upkeep"]').click();
    await expect.poll(() => form.locator('[data-testid="upkeep-saved"]').count(), POLL).toBe(1);

    const answer = await page.context().request.get(`${web.base}/api/v1/upkeep`);
    const upkeep = (await answer.json()) as { detectors: { deviceId: string; bumpTest: { nextDue: number | null; overdue: boolean; last: { at: number; who: string } | null } }[] };
    const bump = upkeep.detectors.find((candidate) => candidate.deviceId === 'GD-1')!.bumpTest;
    expect(bump).toMatchObject({ overdue: false, last: { who: USERS.operator.name } });
    expect(bump.nextDue).toBe(bump.last!.at + 30 * DAY_MS);
    // The time entered is the form's minute, read in the site's zone.
    expect(new Date(bump.last!.at).getUTCMinutes()).toBe(Number(at.slice(14, 16)));

    const nextDue = await page.evaluate((ms) => new Date(ms).toISOString(), bump.nextDue!);
    await expect.poll(() => detector.locator('[data-testid="bump-test"] time').last().getAttribute('datetime'), POLL).toBe(nextDue);
    expect(await detector.locator('[data-testid="bump-test"]').textContent()).toContain('合格');
    expect(await detector.locator('[data-testid="bump-test"]').textContent()).not.toContain('逾期');
    // The calibration is still owed: the detector stays overdue, in words.
    expect(await detector.locator('[data-testid="calibration"]').textContent()).toContain('逾期');
    expect(await detector.locator('[data-testid="upkeep-status"]').textContent()).toBe('逾期');

    await detector.locator('[data-testid="show-records"]').click();
    const record = page.locator('[data-testid="upkeep-record"]');
    await expect.poll(() => record.count(), POLL).toBe(1);
    for (const part of ['泵吸测试', '合格', USERS.operator.name, '读数 48 %LEL']) expect(await record.textContent()).toContain(part);
    // The shift report names the record in the upkeep page's words (it said 响应测试 and 已调校 where this page says
    // 泵吸测试 and 已调整), and a next due left to the interval as such, not as a dash that reads "none".
    await page.goto(`${web.base}/shift-report?from=${bump.last!.at - 60_000}&to=${Date.now() + 60_000}`);
    const reported = page.locator('[data-testid="part-upkeep"] tbody tr');
    await expect.poll(() => reported.count(), POLL).toBe(1);
    const reportedCells = await reported.locator('td').allTextContents();
    expect(reportedCells.slice(1, 5)).toEqual(['GD-1', '泵吸测试', '合格', USERS.operator.name]);
    expect(reportedCells[6]).toBe('按周期');
    await page.goBack();
    await screenshotsInBothLanguages(page, 'upkeep', () => expect.poll(() => detector.locator('[data-testid="upkeep-status"]').textContent(), POLL).toBe('OVERDUE'));
    await page.locator('[data-testid="high-contrast"]').click();
    await screenshot(page, 'upkeep-high-contrast');
    await page.context().close();
  });

  it("shows the server's refusal at the field it names: a tablet whose clock runs a day ahead enters a test in the future", async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.operator);
    await page.clock.setSystemTime(Date.now() + DAY_MS);
    await page.goto(`${web.base}/upkeep`);
    const form = page.locator('[data-testid="upkeep-form"]');
    await expect.poll(() => form.count(), POLL).toBe(1);
    await form.locator('[data-testid="record-upkeep"]').click();
    await expect.poll(() => form.locator('[data-testid="upkeep-error-at"]').textContent(), POLL).toBe('服务器拒绝：输入有误：at: is in the future');
    expect(await form.locator('[data-testid="upkeep-saved"]').count()).toBe(0);
    expect(await web.agent.reader.ruleHistory('upkeep', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
    await screenshot(page, 'upkeep-server-refused');
    await page.context().close();
  });

  it('a viewer sees no Admin, no alarm limits and no upkeep form', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.viewer);
    const links = await navLinks(page);
    expect(links).toContain('/upkeep');
    expect(links).not.toContain('/admin');
    expect(links).not.toContain('/thresholds');
    await page.locator('nav a[href="/upkeep"]').click();
    await expect.poll(() => page.locator('[data-testid="detector-GD-1"]').count(), POLL).toBe(1);
    await expect.poll(() => page.locator('[data-testid="upkeep-record"]').count(), POLL).toBe(1);
    expect(await page.locator('[data-testid="upkeep-form"]').count()).toBe(0);
    await screenshot(page, 'upkeep-viewer');
    // Typed in by hand, the admin page says who may use it and loads nothing.
    await page.goto(`${web.base}/admin`);
    await expect.poll(() => page.locator('main [role="alert"]').textContent(), POLL).toContain('只有管理员');
    expect(await page.locator('[data-testid="token-form"]').count()).toBe(0);
    await page.context().close();
  });

  it('marks a calibration due within a week, in days, before it is overdue', async () => {
    const page = await newPage(browser);
    await signIn(page, web.base, USERS.operator);
    await page.locator('nav a[href="/upkeep"]').click();
    const detector = page.locator('[data-testid="detector-GD-1"]');
    await expect.poll(() => detector.locator('[data-testid="upkeep-status"]').textContent(), POLL).toBe('逾期');
    const form = page.locator('[data-testid="upkeep-form"]');
    const at = await form.locator('input[name="at"]').inputValue();
    // The form's time is the site's wall clock now; a due date 3 days less an hour later, typed the same way.
    const due = new Date(Date.parse(`${at.replace(' ', 'T')}:00Z`) + 3 * DAY_MS - 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    await form.locator('select[name="kind"]').selectOption('calibration');
    await form.locator('select[name="result"]').selectOption('pass');
    await form.locator('input[name="nextDue"]').fill(due);
    await form.locator('[data-testid="record-upkeep"]').click();
    await expect.poll(() => detector.locator('[data-testid="upkeep-status"]').textContent(), POLL).toBe('一周内到期');
    expect(await detector.locator('[data-testid="calibration-due-in"]').textContent()).toBe(' (3 天后到期)');
    // The bump test entered earlier is due in 30 days: not marked.
    expect(await detector.locator('[data-testid="bump-test-due-in"]').count()).toBe(0);
    await screenshotsInBothLanguages(page, 'upkeep-due-soon', () => expect.poll(() => detector.locator('[data-testid="upkeep-status"]').textContent(), POLL).toBe('Due within a week'));
    await page.context().close();
  });
});
