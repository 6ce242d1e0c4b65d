/**
 * The demo plant's site plan in Chromium at 1024 px (the README's demo command, port 0, a temp dir): 198 placed points,
 * tens of plan units apart. The browser's own boxes of every label shown are checked: none covers another label or a
 * marker, in zh-CN and in English, with the T-101 overfill (from about 3 s) in alarm and labelled. Screenshots
 * `.tmp/screenshots/demo-plan-<lang>.png` and the high-contrast one.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';
import { type DemoProcess, startDemo } from './demo-process.ts';

const POLL = { timeout: 60_000, interval: 500 } as const;

let demo: DemoProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

interface Rect {
  readonly id: string;
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** The screen boxes of every label line shown and of every marker shape. */
function boxes(page: Page): Promise<{ labels: Rect[]; markers: Rect[] }> {
  return page.locator('[data-testid="plan"]').evaluate((svg) => {
    const rect = (id: string, element: { getBoundingClientRect(): { left: number; top: number; right: number; bottom: number } }) => {
      const { left, top, right, bottom } = element.getBoundingClientRect();
      return { id, left, top, right, bottom };
    };
    const markers = [...svg.querySelectorAll('a.marker')];
    return {
      labels: markers.flatMap((marker) => [...marker.querySelectorAll('text')].map((text) => rect(`${marker.getAttribute('data-testid')} "${text.textContent}"`, text))),
      markers: markers.map((marker) => rect(marker.getAttribute('data-testid')!, marker.querySelector('.marker-shape')!)),
    };
  });
}

/** Pairs that cover each other by more than a pixel (antialiasing), label over label or label over marker. */
function overlapsIn({ labels, markers }: { labels: Rect[]; markers: Rect[] }): string[] {
  const cover = (a: Rect, b: Rect) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const found: string[] = [];
  labels.forEach((label, i) => {
    for (const other of labels.slice(i + 1)) if (cover(label, other) && label.id.split(' ')[0] !== other.id.split(' ')[0]) found.push(`${label.id} over ${other.id}`);
    for (const marker of markers) if (cover(label, marker)) found.push(`${label.id} over ${marker.id}`);
  });
  return found;
}

/** The tablet's screen, scrolled to the top (the tank farm) and to the plan's end (the process area). */
async function shootPlan(page: Page, name: string): Promise<void> {
  await page.locator('body').evaluate((body) => body.scrollIntoView({ block: 'start' }));
  await screenshot(page, name, { viewportOnly: true });
  await page.locator('[data-testid="plan-legend"]').evaluate((legend) => legend.scrollIntoView({ block: 'end' }));
  await screenshot(page, `${name}-end`, { viewportOnly: true });
}

it('lays out the demo plan at 1024 px with no label over another label or a marker, the overfill in words', async () => {
  demo = await startDemo(240);
  const base = demo.base;
  browser = await launchChromium();
  const page = await newPage(browser);
  await signIn(page, base, { name: 'supervisor', password: 'demo-supervisor' });
  await page.locator('nav a[href="/plan"]').click();
  const overfill = page.locator('[data-testid="marker-T-101.level"]');
  await expect.poll(() => overfill.getAttribute('data-state'), POLL).toMatch(/^priority-/);
  // The marker always carries its words; its label is shown where there is room (alarms first, the highest priority
  // first; at a crowded moment, such as many alarms of the same priority at start, one may be left off and counted).
  expect(await overfill.getAttribute('aria-label')).toMatch(/^T-101\.level \d+ mm .+优先级 · /);
  if ((await overfill.getAttribute('data-label')) === 'shown') expect(await overfill.locator('[data-testid="marker-word"]').textContent()).toMatch(/优先级/);
  else expect(await page.locator('[data-testid="plan-legend"]').textContent()).toMatch(/另有 \d+ 个测点/);
  expect(await page.locator('a.marker').count()).toBe(198);
  expect(await page.locator('a.marker[data-label="shown"]').count()).toBeGreaterThan(30);
  expect(overlapsIn(await boxes(page))).toEqual([]);
  await shootPlan(page, 'demo-plan');
  await page.locator('[data-testid="high-contrast"]').click();
  await shootPlan(page, 'demo-plan-high-contrast');
  await page.locator('[data-testid="high-contrast"]').click();

  await page.locator('[data-testid="language"]').selectOption('en');
  await expect.poll(() => overfill.getAttribute('aria-label'), POLL).toMatch(/priority · /);
  expect(overlapsIn(await boxes(page))).toEqual([]);
  await shootPlan(page, 'demo-plan');
}, 240_000);
