import { describe, expect, it } from 'vitest';
import { PointRoutes } from './point-routes.ts';

describe('PointRoutes', () => {
  it('gives each point one route for good, resolved at once and again on refresh (a reload)', () => {
    let engine = new Map([['GD-1.gas', 0]]);
    let latest = ['GD-1.gas', 'ZS-1.closed'];
    const routes = new PointRoutes({
      engineIndex: (pointId) => engine.get(pointId) ?? -1,
      storeIndex: (pointId) => (pointId === 'unregistered' ? -1 : pointId.length),
      latestSlot: (pointId) => latest.indexOf(pointId),
      isFeedback: (pointId) => pointId.startsWith('ZS-'),
    });
    const gas = routes.indexOf('GD-1.gas');
    const limitSwitch = routes.indexOf('ZS-1.closed');
    expect(routes.indexOf('GD-1.gas')).toBe(gas);
    expect([routes.engine[gas], routes.store[gas], routes.latest[gas], routes.feedback[gas]]).toEqual([0, 8, 0, 0]);
    expect([routes.engine[limitSwitch], routes.latest[limitSwitch], routes.feedback[limitSwitch]]).toEqual([-1, 1, 1]);
    const extra = Array.from({ length: 100 }, (_, i) => routes.indexOf(`P${i}`));
    expect(routes.store[routes.indexOf('unregistered')]).toBe(-1);
    engine = new Map([['ZS-1.closed', 3]]);
    latest = ['P99', 'ZS-1.closed'];
    routes.refresh();
    expect([routes.engine[gas], routes.latest[gas], routes.engine[limitSwitch], routes.latest[limitSwitch], routes.latest[extra[99]!]]).toEqual([-1, -1, 3, 1, 0]);
  });
});
