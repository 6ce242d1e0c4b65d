import { describe, expect, it } from 'vitest';
import { bySupervision, supervisionRank, warningGradeOfAlarms } from './grades.ts';

describe('warningGradeOfAlarms', () => {
  it('is the colour of the highest priority with an active alarm, normal with none, null before any health', () => {
    expect(warningGradeOfAlarms({ low: 3, emergency: 1 })).toBe('red');
    expect(warningGradeOfAlarms({ medium: 1, low: 2 })).toBe('yellow');
    expect(warningGradeOfAlarms({ high: 0, low: 1 })).toBe('blue');
    expect(warningGradeOfAlarms({})).toBe('normal');
    expect(warningGradeOfAlarms(null)).toBeNull();
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

describe('bySupervision', () => {
  it('orders by colour, then by major-hazard grade (1 first, none last), then by gateway code', () => {
    const site = (gateway: string, warningGrade: 'red' | 'normal', grade: number | null) => ({ gateway, warningGrade, online: true, majorHazardGrade: grade === null ? null : { grade } });
    const sites = [site('A', 'normal', 1), site('B', 'red', null), site('C', 'red', 3), site('D', 'red', 1), site('E', 'red', 3), site('F', 'normal', null)];
    expect([...sites].sort(bySupervision).map((entry) => entry.gateway)).toEqual(['D', 'C', 'E', 'B', 'A', 'F']);
  });
});
