/**
 * The bureau's page at the hub in Debian's Chromium, on real servers (nats-server, VictoriaMetrics, PostgreSQL) with
 * the hub started as `hazmon-hub run` does: seven gateways publish straight to JetStream, in every warning grade, one
 * gone offline with a last word of normal, one without coordinates. Sign-in by a bureau user, the list in graded order with
 * the region filter, the map, and one site's statistics chart and events, in Chinese and English, with screenshots
 * at 1024 px (.tmp/screenshots/hub-*.png).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@hazmon/agent/password';
import { EXIT, loadHubConfig, startHub, type RunningHub } from '@hazmon/hub';
import { auditRowHash, GENESIS_HASH, UPLINK_VERSION } from '@hazmon/uplink/contract';
import { connect } from '@nats-io/transport-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import { launchChromium, newPage, screenshot } from '../ui/browser.ts';
import {
  type GatewayPublisher,
  gatewayPublisher,
  gatewayUserName,
  hubCli,
  startNats,
  startPostgres,
  startVictoriaMetrics,
  streamState,
  type NatsServer,
  type Postgres,
  type VictoriaMetrics,
} from './servers.ts';

const UI_BUILT = join(import.meta.dirname, '..', '..', 'hub', 'ui', 'dist', 'index.html');

interface Fixture {
  readonly gateway: string;
  readonly code: string;
  readonly name: string;
  readonly activeAlarms: Record<string, number>;
  /** Each point's longitude/latitude; none: the site has no location. */
  readonly at: readonly (readonly [number, number])[] | null;
  /** The gateway's own grades as its health message carries them; none: an older gateway, graded by its alarms. */
  readonly grades?: { readonly warning: string; readonly areas: Record<string, string>; readonly majorHazard: { readonly r: number; readonly grade: number } | null };
}

const SITES: readonly Fixture[] = [
  {
    gateway: 'GW-RED',
    code: '1101050001AA',
    name: '朝阳燃气储配站',
    activeAlarms: { emergency: 1, high: 1 },
    grades: { warning: 'red', areas: { 储罐区: 'red' }, majorHazard: { r: 62.5, grade: 2 } },
    at: [
      [116.45, 39.92],
      [116.47, 39.94],
    ],
  },
  { gateway: 'GW-ORANGE', code: '1101080002BB', name: '海淀化工仓库', activeAlarms: { high: 2 }, at: [[116.3, 39.98]] },
  { gateway: 'GW-YELLOW', code: '1101140003CC', name: '昌平液氨冷库', activeAlarms: { medium: 1 }, at: [[116.23, 40.22]] },
  { gateway: 'GW-BLUE', code: '1101150004DD', name: '顺义加油站', activeAlarms: { low: 3 }, at: [[116.65, 40.13]] },
  { gateway: 'GW-OFFLINE', code: '1101120005EE', name: '通州餐饮燃气', activeAlarms: {}, at: [[116.66, 39.9]] },
  { gateway: 'GW-NORMAL', code: '1101060006FF', name: '丰台罐区', activeAlarms: {}, at: [[116.28, 39.86]] },
  { gateway: 'GW-NOPOS', code: '3205000007GG', name: '苏州燃气调压站', activeAlarms: {}, at: null },
];
/** The API's graded order: red, orange, yellow, blue, the silent (offline), then normal by gateway code. */
const GRADED_ORDER = ['GW-RED', 'GW-ORANGE', 'GW-YELLOW', 'GW-BLUE', 'GW-OFFLINE', 'GW-NOPOS', 'GW-NORMAL'];
const POINTS = ['GD-101.concentration', 'GD-102.concentration'] as const;
/** The indicator metadata of each point: GD-101's name, GD-102's code only (a name is not required). */
const INDICATORS = [{ description: '1号储罐可燃气体' }, { indicatorCode: 'IND-102' }] as const;
/** How the page names them, in the chart's point chooser and over the chart. */
const POINT_LABELS = ['GD-101.concentration · 1号储罐可燃气体 (%LEL)', 'GD-102.concentration · IND-102 (%LEL)'];
const RED_EVENTS = 25;
const HOUR0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const MINUTES = 150;

let nats: NatsServer;
let victoria: VictoriaMetrics;
let postgres: Postgres;
let hub: RunningHub | undefined;
let browser: Browser | undefined;
let dir: string;
/** A regulator token, as a tool uses it: the test's own reads of the API. */
let token: string;
const USER = { name: 'duty.officer', password: 'correct horse battery' } as const;
let heartbeat: ReturnType<typeof setInterval> | undefined;
const publishers = new Map<string, GatewayPublisher>();
const cspViolations: string[] = [];
/** The hub's log lines with their time: printed when a test fails (a page that did not load for minutes under CI's load left no trace). */
const hubLog: string[] = [];
/** Each browser step's own limit, under the tests' own: a step that never ends fails naming its locator, not as a bare test timeout. */
const STEP_TIMEOUT_MS = 20_000;

function health(fixture: Fixture) {
  return {
    v: UPLINK_VERSION,
    gateway: fixture.gateway,
    time: Date.now(),
    healthy: true,
    alive: true,
    reasons: [],
    activeAlarms: fixture.activeAlarms,
    ...(fixture.grades && { grades: fixture.grades }),
  };
}

async function publishSite(fixture: Fixture): Promise<void> {
  const send = publishers.get(fixture.gateway)!.send;
  const points = POINTS.map((pointId, index) => ({
    pointId,
    unit: '%LEL',
    pollIntervalMs: 1000,
    ...INDICATORS[index],
    ...(fixture.at && { longitude: fixture.at[index % fixture.at.length]![0], latitude: fixture.at[index % fixture.at.length]![1] }),
  }));
  const site = { id: fixture.gateway.toLowerCase(), name: fixture.name, timeZone: 'Asia/Shanghai', enterprise: { code: fixture.code, name: fixture.name } };
  await send('site', 'h1.0', { v: UPLINK_VERSION, gateway: fixture.gateway, time: Date.now(), configHash: 'h1', part: 0, parts: 1, site, points });
  await send('health', Date.now(), health(fixture));
}

/** GW-RED: alarm events (raised, acknowledged, a handling record last) and two and a half hours of minutes. */
async function publishRedHistory(): Promise<void> {
  const send = publishers.get('GW-RED')!.send;
  for (let seq = 1; seq <= RED_EVENTS; seq++) {
    const kind = seq === RED_EVENTS ? 'handled' : seq % 2 === 1 ? 'raised' : 'acknowledged';
    await send('events', seq, {
      v: UPLINK_VERSION,
      gateway: 'GW-RED',
      seq,
      time: HOUR0 + seq * 60_000,
      writtenAt: HOUR0 + seq * 60_000 + 5,
      pointId: POINTS[0],
      ruleId: seq % 4 < 2 ? 'hi' : 'hihi',
      kind,
      stateAfter: kind === 'raised' ? 'unacknowledged_active' : 'acknowledged_active',
      priority: seq % 4 < 2 ? 'high' : 'emergency',
      who: kind === 'raised' ? null : '值班员张工',
      why: kind === 'handled' ? '关闭进气阀，通风后复测正常' : null,
      details: null,
    });
  }
  for (let index = 0; index < MINUTES; index++) {
    const rows = POINTS.map((pointId, point) => {
      const avg = 8 + point * 4 + 5 * Math.sin(index / 12);
      return { pointId, min: avg - 1.5, avg, max: avg + 2 + (index === 70 ? 20 : 0), count: 60, goodCount: 60, completeness: 1 };
    });
    await send('aggregates', `${HOUR0 + index * 60_000}.0`, { v: UPLINK_VERSION, gateway: 'GW-RED', minute: HOUR0 + index * 60_000, part: 0, parts: 1, rows });
  }
}

interface SiteAnswer {
  gateway: string;
  online: boolean;
}

async function sites(): Promise<SiteAnswer[]> {
  const response = await fetch(`${hub!.url}/api/v1/sites`, { headers: { Authorization: `Bearer ${token}` } });
  return ((await response.json()) as { sites: SiteAnswer[] }).sites;
}

beforeAll(async () => {
  if (!existsSync(UI_BUILT)) throw new Error(`the hub's page is not built (${UI_BUILT}): run \`pnpm run build:ui\` first (the test command does)`);
  const users = SITES.map(({ gateway }) => ({ gateway, password: `${gateway.toLowerCase()}-secret` }));
  [nats, victoria, postgres] = await Promise.all([startNats(users, { system: true }), startVictoriaMetrics(), startPostgres()]);
  dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-ui-'));
  writeFileSync(join(dir, 'nats.password'), `${nats.hubUser.password}\n`);
  writeFileSync(join(dir, 'nats-system.password'), `${nats.systemUser!.password}\n`);
  const configPath = join(dir, 'hub.yaml');
  // The shortest offline threshold: GW-OFFLINE goes quiet at the start and is offline half a minute later.
  writeFileSync(
    configPath,
    `nats:
  servers: [${nats.url}]
  user: ${nats.hubUser.user}
  passwordFile: nats.password
  system: { user: ${nats.systemUser!.user}, passwordFile: nats-system.password, account: ${nats.systemUser!.account} }
postgres: { url: "${postgres.url}" }
victoriaMetrics: { url: "${victoria.url}" }
api: { host: 127.0.0.1, port: 0, offlineAfterS: 30 }
users:
  - { name: ${USER.name}, role: regulator, passwordHash: "${await hashPassword(USER.password, { ln: 10, r: 8, p: 1 })}" }
`,
  );
  const created = await hubCli('token', 'create', configPath, 'duty-officer');
  expect(created.code, created.err).toBe(EXIT.ok);
  token = created.out.trim();
  hub = await startHub(loadHubConfig(configPath), (line) => hubLog.push(`${new Date().toISOString()} ${line}`));
  for (const user of users) publishers.set(user.gateway, await gatewayPublisher(nats, user));
  for (const fixture of SITES) await publishSite(fixture);
  await publishRedHistory();
  // GW-ORANGE's gateway once tried a wrong password: NATS refused it, the page says so.
  await expect(connect({ servers: nats.url, user: gatewayUserName('GW-ORANGE'), pass: 'wrong', reconnect: false })).rejects.toThrow(/Authorization Violation/i);
  // And once sent an event its hub refused (no such priority): the page says its data is missing.
  await publishers.get('GW-ORANGE')!.send('events', 'broken', { gateway: 'GW-ORANGE', priority: 'urgent' });
  // GW-RED's audit log holds; GW-ORANGE's first row is not what its hash covers.
  const login = { seq: 1, time: Date.now(), who: 'zhang', action: 'session_login', target: '10.0.0.5', details: null, prevHash: GENESIS_HASH };
  await publishers.get('GW-RED')!.send('audit', 1, { v: UPLINK_VERSION, gateway: 'GW-RED', ...login, hash: auditRowHash(login) });
  await publishers.get('GW-ORANGE')!.send('audit', 1, { v: UPLINK_VERSION, gateway: 'GW-ORANGE', ...login, who: 'admin', hash: auditRowHash(login) });
  // Every gateway but GW-OFFLINE keeps talking, as a live one does.
  heartbeat = setInterval(() => {
    for (const fixture of SITES) if (fixture.gateway !== 'GW-OFFLINE') void publishers.get(fixture.gateway)!.send('health', Date.now(), health(fixture));
  }, 5_000);
  await waitFor('the fixture ingested', async () => (await streamState(nats)).unfinished === 0 && hub!.ingest.status.events >= RED_EVENTS, { everyMs: 200, timeoutMs: 60_000 });
  await waitFor('GW-OFFLINE offline, the others online', async () => (await sites()).every((site) => site.online === (site.gateway !== 'GW-OFFLINE')), { everyMs: 1_000, timeoutMs: 90_000 });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  clearInterval(heartbeat);
  await browser?.close();
  for (const publisher of publishers.values()) await publisher.close();
  await hub?.close();
  await Promise.all([nats?.close(), victoria?.close(), postgres?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh page at the step limit; if the test fails, its console and the hub's latest log lines go to stderr. */
async function hubPage(): Promise<Page> {
  const page = await newPage(browser!);
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`${new Date().toISOString()} ${message.type()} ${message.text()}`));
  onTestFailed(() => {
    console.error(`failed at ${new Date().toISOString()}; the page's console:\n${consoleLines.join('\n') || '(nothing)'}\nthe hub's last log lines:\n${hubLog.slice(-40).join('\n') || '(nothing)'}`);
  });
  return page;
}

async function openSignedIn(): Promise<Page> {
  const page = await hubPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  await page.goto(hub!.url);
  await page.locator('input[name="name"]').fill(USER.name);
  await page.locator('input[name="password"]').fill(USER.password);
  await page.locator('button[type="submit"]').click();
  await page.locator('[data-testid="site-list"] tbody tr').first().waitFor({ timeout: 20_000 });
  return page;
}

/** The page as shot, and no wider than the 1024 px tablet (nothing to scroll sideways for). */
async function shoot(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await page.evaluate('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(1024);
}

/** Runs `look` in English (the language switch), then switches back to Chinese. */
async function inEnglish(page: Page, look: () => Promise<void>): Promise<void> {
  await page.locator('[data-testid="language"]').selectOption('en');
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
  await look();
  await page.locator('[data-testid="language"]').selectOption('zh-CN');
}

const rowGateways = (page: Page) => page.locator('[data-testid="site-list"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-gateway')));
const rowText = (page: Page, gateway: string) => page.locator(`tr[data-gateway="${gateway}"]`).textContent();

describe("the bureau's page at the hub", () => {
  it('signs in a bureau user: a wrong password is refused in words; the session is an HttpOnly cookie that outlives a reload and ends on sign-out', async () => {
    const page = await hubPage();
    const answer = await page.goto(hub!.url);
    expect(answer?.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(answer?.headers()['x-frame-options']).toBe('DENY');
    await page.locator('input[name="name"]').fill(USER.name);
    await page.locator('input[name="password"]').fill('wrong password');
    await page.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toContain('用户名或密码错误');
    await screenshot(page, 'hub-sign-in');
    await page.locator('input[name="password"]').fill(USER.password);
    await page.locator('button[type="submit"]').click();
    await page.locator('[data-testid="site-list"]').waitFor();
    expect(await page.locator('[data-testid="signed-in-as"]').textContent()).toBe(USER.name);
    // The page holds no secret: the cookie is HttpOnly and nothing is kept in the tab.
    expect(await page.evaluate('[document.cookie, sessionStorage.length]')).toEqual(['', 0]);
    await page.reload();
    await page.locator('[data-testid="site-list"]').waitFor();
    await page.getByRole('button', { name: '退出' }).click();
    await page.locator('input[name="password"]').waitFor();
    await page.reload();
    await page.locator('input[name="password"]').waitFor();
    expect((await page.context().cookies()).map((cookie) => cookie.name)).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('lists the enterprises in graded order, the offline one as its own state, with alarms and completeness; filters by region', async () => {
    const page = await openSignedIn();
    await expect.poll(() => rowGateways(page)).toEqual(GRADED_ORDER);
    expect(await rowText(page, 'GW-RED')).toMatch(/朝阳燃气储配站[\s\S]*红色预警[\s\S]*在线[\s\S]*紧急 1[\s\S]*高 1/);
    expect(await rowText(page, 'GW-YELLOW')).toContain('黄色预警');
    // The gateway's own major-hazard grade; one that reports none says so. The link as provinces score it, and refusals.
    expect(await page.locator('tr[data-gateway="GW-RED"] [data-testid="major-hazard"]').textContent()).toBe('二级（R = 62.5）');
    expect(await rowText(page, 'GW-YELLOW')).toContain('未上报');
    expect(await page.locator('tr[data-gateway="GW-RED"] [data-testid="link-score"]').textContent()).toMatch(/^24 小时：离线 \d+\.\d 小时，断线 0 次$/);
    await expect.poll(() => page.locator('tr[data-gateway="GW-ORANGE"] [data-testid="refusals"]').textContent(), { timeout: 30_000 }).toBe('24 小时内 NATS 拒绝 1 次（凭据或主题不符）');
    expect(await page.locator('tr[data-gateway="GW-ORANGE"] [data-testid="rejected"]').textContent()).toBe('24 小时内中心拒收 1 条（不符合上传协议，数据缺失）');
    expect(await page.locator('tr[data-gateway="GW-RED"] [data-testid="rejected"]').count()).toBe(0);
    expect(await page.locator('tr[data-gateway="GW-ORANGE"] [data-testid="audit-chain-problem"]').textContent()).toBe('审计链第 1 条异常：记录内容被改动');
    expect(await page.locator('tr[data-gateway="GW-RED"] [data-testid="audit-chain-problem"]').count()).toBe(0);
    const offline = await rowText(page, 'GW-OFFLINE');
    expect(offline).toContain('离线');
    expect(await page.locator('tr[data-gateway="GW-OFFLINE"] [data-testid="silent-for"]').textContent()).toMatch(/^无消息( \d+ 分钟|不足 1 分钟)$/);
    // Its last word was normal: never shown as such while it is silent.
    expect(offline).not.toContain('正常');
    expect(await rowText(page, 'GW-NORMAL')).toContain('正常');
    // GW-RED sent 150 of the last 24 hours' 1440 minutes of its two points (1 s polls): about 10 %.
    await expect.poll(() => rowText(page, 'GW-RED')).toMatch(/\d+\.\d %/);
    await shoot(page, 'hub-list');
    await inEnglish(page, async () => {
      expect(await rowText(page, 'GW-RED')).toMatch(/Red warning|red/i);
      expect(await rowText(page, 'GW-OFFLINE')).toContain('Offline');
      // One of each: in the singular.
      expect(await page.locator('tr[data-gateway="GW-ORANGE"] [data-testid="refusals"]').textContent()).toBe('NATS refused it once in 24 h (credential or subject)');
      expect(await page.locator('tr[data-gateway="GW-ORANGE"] [data-testid="rejected"]').textContent()).toBe('Hub refused 1 message in 24 h (outside the uplink contract: data missing)');
      await shoot(page, 'hub-list');
    });

    await page.locator('input[name="region"]').fill('32');
    await page.getByRole('button', { name: '筛选' }).click();
    await expect.poll(() => rowGateways(page)).toEqual(['GW-NOPOS']);
    expect(new URL(page.url()).searchParams.get('region')).toBe('32');
    await page.locator('input[name="region"]').fill('1101x');
    await page.getByRole('button', { name: '筛选' }).click();
    await expect.poll(() => page.locator('#region-hint').textContent()).toContain('2 至 12 位数字');
    await page.getByRole('button', { name: '全部' }).click();
    await expect.poll(() => rowGateways(page)).toEqual(GRADED_ORDER);
    await page.context().close();
  }, 90_000);

  it("draws the region map in SVG: each placed site by its grade's shape and words, the offline one ringed, the unplaced named", async () => {
    const page = await openSignedIn();
    await page.getByRole('link', { name: '区域地图' }).click();
    await page.locator('[data-testid="region-map"]').waitFor();
    const markers = await page.locator('.map-site').evaluateAll((links) => links.map((link) => [link.getAttribute('data-gateway'), link.getAttribute('data-grade'), link.getAttribute('data-online')]));
    expect(Object.fromEntries(markers.map(([gateway, grade, online]) => [gateway, `${grade}/${online}`]))).toEqual({
      'GW-RED': 'red/true',
      'GW-ORANGE': 'orange/true',
      'GW-YELLOW': 'yellow/true',
      'GW-BLUE': 'blue/true',
      'GW-OFFLINE': 'silent/false',
      'GW-NORMAL': 'normal/true',
    });
    expect(await page.locator('.map-site[data-gateway="GW-RED"] .map-label').textContent()).toBe('朝阳燃气储配站 · 红色预警');
    expect(await page.locator('.map-site[data-gateway="GW-OFFLINE"] .map-label').textContent()).toBe('通州餐饮燃气 · 离线');
    expect(await page.locator('.map-site[data-gateway="GW-OFFLINE"] .map-offline-ring').count()).toBe(1);
    // The graticule is labelled in degrees and fits the sites: 116.2..116.7°E, 39.8..40.3°N.
    const labels = await page.locator('.map-graticule text').allTextContents();
    expect(labels.some((label) => /^116\.\d+°E$/.test(label))).toBe(true);
    expect(labels.some((label) => /^40(\.\d+)?°N$/.test(label))).toBe(true);
    expect(await page.locator('[data-testid="map-scale"] text').textContent()).toMatch(/^\d+ 公里$/);
    expect(await page.locator('[data-testid="unplaced"]').textContent()).toContain('苏州燃气调压站');
    await shoot(page, 'hub-map');
    await inEnglish(page, async () => {
      expect(await page.locator('.map-site[data-gateway="GW-OFFLINE"] .map-label').textContent()).toBe('通州餐饮燃气 · Offline');
      expect(await page.locator('[data-testid="map-scale"] text').textContent()).toMatch(/^\d+ km$/);
      await shoot(page, 'hub-map');
    });
    // In bright light: the same map in high contrast.
    await page.locator('[data-testid="high-contrast"]').click();
    await expect.poll(() => page.locator('html').getAttribute('class')).toContain('high-contrast');
    await shoot(page, 'hub-map-high-contrast');
    await page.locator('[data-testid="high-contrast"]').click();
    await page.locator('.map-site[data-gateway="GW-RED"]').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sites/GW-RED');
    await page.context().close();
  }, 90_000);

  it("drills down to one site: identity, grades, link, a point's hourly chart over a chosen range, its events newest first in pages", async () => {
    const page = await openSignedIn();
    await page.locator('tr[data-gateway="GW-RED"] a.site-link').click();
    await page.locator('[data-testid="aggregate-chart"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('h1').textContent()).toMatch(/朝阳燃气储配站\s*红色预警/);
    expect(await page.locator('[data-testid="location"]').textContent()).toBe('116.4600°E，39.9300°N（2 个测点坐标的中心）');
    expect(await page.locator('[data-testid="audit-chain"]').textContent()).toBe('已校验至第 1 条');
    // The points of the gateway's config (GET /api/v1/points), each with its indicator's name or code and unit.
    expect(await page.locator('[data-testid="point"] option').allTextContents()).toEqual(POINT_LABELS);
    expect(await page.locator('[data-testid="chart-point"]').textContent()).toBe(POINT_LABELS[0]);
    expect(await page.locator('[data-testid="chart-unit"]').textContent()).toBe('%LEL');
    // Two and a half hours of minutes: three or four hourly buckets, each drawn as a band and its line.
    await expect.poll(() => page.locator('.chart-line').count()).toBeGreaterThan(0);
    await page.locator('[data-testid="statistics"] summary').click();
    const hours = await page.locator('[data-testid="statistics"] details tbody tr').count();
    expect(hours).toBeGreaterThanOrEqual(3);
    expect(hours).toBeLessThanOrEqual(4);
    await page.locator('[data-testid="point"]').selectOption(POINTS[1]);
    await expect.poll(() => page.locator('[data-testid="chart-point"]').textContent()).toBe(POINT_LABELS[1]);
    await page.locator('button[data-range="30d"]').click();
    await expect.poll(() => page.locator('button[data-range="30d"]').getAttribute('aria-pressed')).toBe('true');
    await page.locator('[data-testid="aggregate-chart"]').waitFor();
    await page.locator('button[data-range="24h"]').click();
    await expect.poll(() => page.locator('button[data-range="24h"]').getAttribute('aria-pressed')).toBe('true');

    const eventIds = () => page.locator('[data-testid="events"] tbody tr').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-event-id'))));
    const first = await eventIds();
    expect(first).toHaveLength(20);
    expect(first).toEqual([...first].sort((a, b) => b - a));
    const newest = page.locator('[data-testid="events"] tbody tr').first();
    expect(await newest.textContent()).toMatch(/处置记录[\s\S]*值班员张工[\s\S]*关闭进气阀/);
    await shoot(page, 'hub-site');
    await page.locator('[data-testid="older"]').click();
    await expect.poll(() => eventIds()).toHaveLength(RED_EVENTS - 20);
    expect(Math.max(...(await eventIds()))).toBeLessThan(Math.min(...first));
    await page.locator('[data-testid="newest"]').click();
    await expect.poll(() => eventIds()).toEqual(first);
    await inEnglish(page, async () => {
      expect(await newest.textContent()).toContain('值班员张工');
      expect(await page.locator('[data-testid="events"] h2').textContent()).toBe('Alarm events (newest first)');
      await shoot(page, 'hub-site');
    });

    await page.goto(`${hub!.url}/sites/GW-OFFLINE`);
    await page.locator('h1').waitFor();
    expect(await page.locator('h1').textContent()).toContain('离线');
    await page.goto(`${hub!.url}/sites/GW-NOPOS`);
    await expect.poll(() => page.locator('[data-testid="location"]').textContent()).toBe('无坐标：测点均未配置经纬度');
    await page.context().close();
    expect(cspViolations).toEqual([]);
  }, 120_000);
});
