import { describe, expect, it } from 'vitest';
import { supervisionRank, warningGrade } from './grades.ts';

describe('warningGrade', () => {
  it('is the colour of the highest priority with an active alarm, normal with none, null before any health', () => {
    expect(warningGrade({ low: 3, emergency: 1 })).toBe('red');
    expect(warningGrade({ medium: 1, low: 2 })).toBe('yellow');
    expect(warningGrade({ high: 0, low: 1 })).toBe('blue');
    expect(warningGrade({})).toBe('normal');
    expect(warningGrade(null)).toBeNull();
  });
});

describe('supervisionRank', () => {
  it('orders red, orange, yellow, blue, then silent gateways, then normal ones: an offline alarm keeps its colour', () => {
    const gateways = [
      ['normal online', 'normal', true],
      ['never heard', null, false],
      ['blue', 'blue', true],
      ['normal offline', 'normal', false],
      ['red offline', 'red', false],
      ['orange', 'orange', true],
      ['yellow', 'yellow', true],
    ] as const;
    const ordered = [...gateways].sort((a, b) => supervisionRank(a[1], a[2]) - supervisionRank(b[1], b[2])).map(([name]) => name);
    expect(ordered).toEqual(['red offline', 'orange', 'yellow', 'blue', 'never heard', 'normal offline', 'normal online']);
  });
});
