import { describe, expect, it } from 'vitest';
import type { PointSpec } from './point.ts';
import { checkPoint, findOverlap, registerLabel } from './point.ts';

const point = (fields: Partial<PointSpec>): PointSpec => ({ id: 'p', table: 'holding', address: 0, type: 'uint16', ...fields });

describe('registerLabel', () => {
  it('uses the five-digit reference while there is one and the protocol address beyond', () => {
    expect(registerLabel('holding', 2)).toBe('@40003');
    expect(registerLabel('input', 3000)).toBe('@33001');
    expect(registerLabel('coil', 18)).toBe('@00019');
    expect(registerLabel('discrete_input', 1)).toBe('@10002');
    expect(registerLabel('holding', 9998)).toBe('@49999');
    expect(registerLabel('holding', 40201)).toBe('address 40201');
  });
});

describe('findOverlap', () => {
  it('allows bits over a word, and a word read as both int16 and uint16', () => {
    const points = [point({ id: 'a', type: 'float32' }), point({ id: 'b', type: 'bit', bit: 3, address: 1 }), point({ id: 'c', address: 5 }), point({ id: 'd', address: 5, type: 'int16' })];
    expect(findOverlap(points)).toBeUndefined();
  });

  it('refuses the same bit twice, the same coil twice, and a word inside a float', () => {
    expect(findOverlap([point({ id: 'a', type: 'bit', bit: 3 }), point({ id: 'b', type: 'bit', bit: 3 })])).toEqual({ index: 1, other: 0 });
    expect(findOverlap([point({ id: 'a', table: 'coil', type: 'bool' }), point({ id: 'b', table: 'coil', type: 'bool' })])).toBeDefined();
    expect(findOverlap([point({ id: 'a', type: 'float64' }), point({ id: 'b', address: 3 })])).toEqual({ index: 1, other: 0 });
  });

  it('keeps tables apart', () => {
    expect(findOverlap([point({ id: 'a' }), point({ id: 'b', table: 'input' })])).toBeUndefined();
  });
});

describe('checkPoint', () => {
  it('accepts a sound point and names the field of an unsound one', () => {
    expect(checkPoint(point({ type: 'float32', rawRange: [0, 1], range: [0, 100] }))).toBeUndefined();
    expect(checkPoint(point({ type: 'bit' }))?.path).toEqual(['bit']);
    expect(checkPoint(point({ type: 'bit', bit: 2, scale: 2 }))?.path).toEqual(['type']);
    expect(checkPoint(point({ type: 'bit', bit: 2, writable: true }))?.path).toEqual(['writable']);
    expect(checkPoint(point({ rawRange: [5, 5], range: [0, 1] }))?.path).toEqual(['rawRange']);
  });
});
