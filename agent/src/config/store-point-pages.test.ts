import { describe, expect, it } from 'vitest';
import type { StorePointDefinition } from '../store/index.ts';
import { StorePointPages } from './store-point-pages.ts';

/** Every field set on some points (texts JSON must escape, fractions, a disable record), left out or null on others. */
function definitions(count: number): StorePointDefinition[] {
  return Array.from({ length: count }, (_, i): StorePointDefinition => {
    const pointId = `D${Math.floor(i / 125)}.p${i % 125}`;
    if (i % 3 === 0) return { pointId, unit: 'ppm', resolution: 0.01, pollIntervalMs: 100 };
    return {
      pointId,
      unit: '%LEL',
      resolution: 1 / 3,
      pollIntervalMs: 1000 + i,
      valueKind: i % 5 === 0 ? 'boolean' : 'number',
      description: ['甲烷 "探头"\n', 'back\\slash \u2028 \u001f', null][i % 3]!,
      indicatorCode: `IC${i}`,
      equipmentCode: null,
      gatewayCode: 'GW-0001',
      tagNumber: `GT-${i}`,
      lowLow: null,
      low: -0.5,
      high: 1e21,
      highHigh: Number.MAX_VALUE,
      rangeLow: 0,
      rangeHigh: 100,
      longitude: 118.78,
      latitude: 1 / 7,
      hazardSourceCode: 'HS-01',
      casNumber: '74-82-8',
      disabled: i % 7 === 0 ? { by: 'zhang', at: Date.UTC(2026, 0, 5), reason: 'sensor replaced' } : null,
    };
  });
}

describe('StorePointPages', () => {
  it('gives back every definition as it was, in order, a page of 1,000 at a time', () => {
    const points = definitions(2500);
    const pages = new StorePointPages(points);
    expect([pages.size, pages.pageCount]).toEqual([2500, 3]);
    const read = Array.from({ length: pages.pageCount }, (_, page) => pages.page(page));
    expect(read.map((page) => page.length)).toEqual([1000, 1000, 500]);
    expect(read.flat()).toEqual(points);
  });

  it('makes each page afresh: a caller changing what it got changes nothing kept', () => {
    const pages = new StorePointPages(definitions(10));
    const first = pages.page(0);
    first.splice(0, 5);
    expect(pages.page(0)).toEqual(definitions(10));
  });

  it('has no pages for no points, and names a page it does not have', () => {
    expect(new StorePointPages([]).pageCount).toBe(0);
    expect(() => new StorePointPages(definitions(1000)).page(1)).toThrow('store point page 1 of 1');
  });
});
