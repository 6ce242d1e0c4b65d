import { describe, expect, it } from 'vitest';
import { hubPointOf, pointCursor, pointCursorOf } from './points.ts';

const row = (metadata: Record<string, unknown>) => ({ gateway: 'GW-1', pointId: 'GD-1', configHash: 'h', configTime: 5, metadata });

describe("a hub point from its gateway's metadata", () => {
  it('takes each field only with its type: anything else is null, never a wrong value', () => {
    const point = hubPointOf(row({ unit: 7, high: '20', highHigh: Number.NaN, rangeLow: 0, longitude: 116.3, disabled: { by: 'root', at: '2026-01-01', reason: 'x' }, description: ['x'] }));
    expect(point).toMatchObject({ unit: null, thresholds: { lolo: null, lo: null, hi: null, hihi: null }, range: null, longitude: 116.3, disabled: null, description: null });
    expect(hubPointOf(row({ rangeLow: -5, rangeHigh: 5, disabled: { by: 'root', at: 1, reason: 'replaced' } }))).toMatchObject({ range: [-5, 5], disabled: { by: 'root', at: 1, reason: 'replaced' } });
  });

  it('pages by a cursor that keeps a point id holding colons whole', () => {
    const cursor = pointCursor({ gateway: 'GW-1', id: 'opc:ns=2;s=Tank:Level' });
    expect(cursor).toBe('GW-1:opc:ns=2;s=Tank:Level');
    expect(pointCursorOf(cursor)).toEqual(['GW-1', 'opc:ns=2;s=Tank:Level']);
  });
});
