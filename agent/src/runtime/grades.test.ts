/** The warning-grade rule (dashboard.md) and the major-hazard grade bounds (README.md) on hand-made alarm lists. */
import type { AlarmView } from '../engine/index.ts';
import type { AlarmList, PublicConfig } from './api.ts';
import type { RuntimeAlarmView } from './runtime-alarms.ts';
import { describe, expect, it } from 'vitest';
import { majorHazardGrade, warningGrades } from './grades.ts';

const config = {
  site: { id: 's', name: 'S', areas: [{ id: 'tank-farm' }, { id: 'kitchen' }] },
  engine: {
    points: [
      { id: 'GD-1', area: 'tank-farm' },
      { id: 'GD-2', area: 'kitchen' },
      { id: 'GD-3', area: 'kitchen' },
    ],
    votingGroups: [{ id: 'farm-vote', area: 'tank-farm', points: ['GD-1'] }],
    actions: [
      { id: 'close', kind: 'shutoff_valve', output: 'V-1', when: ['vote/farm-vote'] },
      { id: 'cut', kind: 'power_cut', output: 'P-1', when: ['GD-1/hi'] },
      { id: 'vent', kind: 'fan', output: 'F-1', when: ['GD-2/hi'] },
      { id: 'horn', kind: 'siren', output: 'S-1', when: ['GD-3/hi'] },
    ],
  },
  outputs: [
    { id: 'V-1', command: 'V-1.command' },
    { id: 'P-1', command: 'P-1.command' },
    { id: 'F-1', command: 'F-1.command' },
    { id: 'S-1', command: 'S-1.command' },
  ],
  devices: [],
  opcua: [],
} as unknown as PublicConfig;

function alarm(pointId: string, priority: AlarmView['priority'], state: AlarmView['state'] = 'unacknowledged_active', mode: AlarmView['mode'] = 'in_service'): AlarmView {
  return { id: `${pointId}/hi`, pointId, site: 's', rule: 'hi', state, mode, priority, conditionActive: true, activeSince: 0, shelvedUntil: null };
}

const list = (...engine: AlarmView[]): AlarmList => ({ engine, runtime: [], pending: [] });
const notLatched = () => false;

describe('warningGrades', () => {
  it('is normal everywhere without an active alarm; a returned alarm does not count', () => {
    const grades = warningGrades(config, list(alarm('GD-1', 'emergency', 'unacknowledged_returned')), notLatched);
    expect(grades.site).toBe('normal');
    expect([...grades.areas]).toEqual([
      ['tank-farm', 'normal'],
      ['kitchen', 'normal'],
    ]);
  });

  it("does not look at the config's points while nothing stands (a site of 10k points is asked several times a second)", () => {
    const untouchable = {
      ...config,
      engine: {
        ...config.engine,
        get points(): never {
          throw new Error('points read');
        },
      },
    } as unknown as PublicConfig;
    expect(warningGrades(untouchable, list(alarm('GD-1', 'emergency', 'normal')), notLatched).site).toBe('normal');
    expect(() => warningGrades(untouchable, list(alarm('GD-1', 'low')), notLatched)).toThrow('points read');
  });

  it("gives each area its highest active alarm's colour, acknowledged or not, and the site its areas' highest", () => {
    const grades = warningGrades(config, list(alarm('GD-1', 'low'), alarm('GD-2', 'medium', 'acknowledged_active'), alarm('GD-3', 'high')), notLatched);
    expect(grades.areas.get('tank-farm')).toBe('blue');
    expect(grades.areas.get('kitchen')).toBe('orange');
    expect(grades.site).toBe('orange');
  });

  it('leaves out shelved, suppressed and out-of-service alarms', () => {
    const grades = warningGrades(
      config,
      list(
        alarm('GD-1', 'emergency', 'unacknowledged_active', 'shelved'),
        alarm('GD-2', 'emergency', 'acknowledged_active', 'out_of_service'),
        alarm('GD-3', 'high', 'unacknowledged_active', 'suppressed'),
      ),
      notLatched,
    );
    expect(grades.site).toBe('normal');
  });

  it('counts a latched shut-off as emergency in the area of its trigger (a voting group here)', () => {
    const grades = warningGrades(config, list(alarm('GD-2', 'low')), (id) => id === 'close');
    expect(grades.areas.get('tank-farm')).toBe('red');
    expect(grades.areas.get('kitchen')).toBe('blue');
    expect(grades.site).toBe('red');
  });

  it('counts a latched power cut as a shut-off; a fan or siren still latched after the gas cleared leaves the area as its alarms say', () => {
    expect(warningGrades(config, list(), (id) => id === 'cut').areas.get('tank-farm')).toBe('red');
    const ventilated = warningGrades(config, list(), (id) => id === 'vent' || id === 'horn');
    expect(ventilated.areas.get('kitchen')).toBe('normal');
    expect(ventilated.site).toBe('normal');
  });

  it("gives a device's comms loss its priority's colour in its points' areas, an agent alarm the site's only", () => {
    const runtime = (id: string, source: string, rule: string, priority: RuntimeAlarmView['priority'], state: RuntimeAlarmView['state'] = 'unacknowledged_active'): RuntimeAlarmView => ({
      id,
      source,
      rule,
      priority,
      state,
      conditionActive: state.endsWith('active'),
      occurrences: 1,
      since: 0,
      why: rule,
    });
    const silent = warningGrades(config, { engine: [], runtime: [runtime('GD-2/comms_loss', 'GD-2', 'comms_loss', 'high')], pending: [] }, notLatched);
    expect([silent.areas.get('kitchen'), silent.areas.get('tank-farm'), silent.site]).toEqual(['orange', 'normal', 'orange']);
    const store = warningGrades(config, { engine: [], runtime: [runtime('store/flush_failed', 'store', 'flush_failed', 'high')], pending: [] }, notLatched);
    expect([store.areas.get('kitchen'), store.areas.get('tank-farm'), store.site]).toEqual(['normal', 'normal', 'orange']);
    const back = warningGrades(config, { engine: [], runtime: [runtime('GD-2/comms_loss', 'GD-2', 'comms_loss', 'high', 'unacknowledged_returned')], pending: [] }, notLatched);
    expect(back.site).toBe('normal');
  });

  it("gives a vote's colour to its group's area, and a shut-off discrepancy's red to the area of what trips the valve", () => {
    const vote: AlarmView = { ...alarm('farm-vote', 'high'), id: 'vote/farm-vote', rule: 'vote' };
    expect(warningGrades(config, list(vote), notLatched).areas.get('tank-farm')).toBe('orange');
    const discrepancy: RuntimeAlarmView = {
      id: 'V-1/shutoff_discrepancy',
      source: 'V-1',
      rule: 'shutoff_discrepancy',
      priority: 'emergency',
      state: 'unacknowledged_active',
      conditionActive: true,
      occurrences: 1,
      since: 0,
      why: 'stuck open',
    };
    const grades = warningGrades(config, { engine: [], runtime: [discrepancy], pending: [] }, notLatched);
    expect(grades.areas.get('tank-farm')).toBe('red');
    expect(grades.areas.get('kitchen')).toBe('normal');
    expect(grades.site).toBe('red');
  });
});

describe('majorHazardGrade', () => {
  const grade = (r: number) => majorHazardGrade({ alpha: 1, substances: [{ name: 'x', quantityT: r, criticalQuantityT: 1, beta: 1 }] }).grade;

  it('is grade 1 from R 100, 2 from 50, 3 from 10, else 4', () => {
    expect([grade(150), grade(100), grade(99.9), grade(50), grade(49.9), grade(10), grade(9.9), grade(0)]).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('is alpha times the sum of beta q / Q', () => {
    const result = majorHazardGrade({
      alpha: 2,
      substances: [
        { name: 'chlorine', quantityT: 40, criticalQuantityT: 5, beta: 4 },
        { name: 'methane', quantityT: 30, criticalQuantityT: 50, beta: 1.5 },
      ],
    });
    expect(result.r).toBeCloseTo(65.8, 6);
    expect(result.grade).toBe(2);
  });

  it('grades an R exactly on a boundary by the boundary, whatever the float sum lands on (R 100 is grade 1, R 50 grade 2)', () => {
    const onHundred = majorHazardGrade({
      alpha: 2,
      substances: [
        { name: 'chlorine', quantityT: 172, criticalQuantityT: 50, beta: 4 },
        { name: 'ammonia', quantityT: 181.2, criticalQuantityT: 10, beta: 2 },
      ],
    });
    expect(onHundred).toEqual({ r: 100, grade: 1 });
    const onFifty = majorHazardGrade({
      alpha: 1,
      substances: [
        { name: 'a', quantityT: 114.8, criticalQuantityT: 10, beta: 1.5 },
        { name: 'b', quantityT: 107.6, criticalQuantityT: 5, beta: 1.5 },
        { name: 'c', quantityT: 2.5, criticalQuantityT: 5, beta: 1 },
      ],
    });
    expect(onFifty).toEqual({ r: 50, grade: 2 });
    // The demo plant's 1.5 * 17.6, as a regulator reads it.
    expect(
      majorHazardGrade({
        alpha: 1.5,
        substances: [
          { name: 'lpg', quantityT: 300, criticalQuantityT: 50, beta: 2 },
          { name: 'methanol', quantityT: 800, criticalQuantityT: 500, beta: 1 },
          { name: 'ammonia', quantityT: 20, criticalQuantityT: 10, beta: 2 },
        ],
      }).r,
    ).toBe(26.4);
  });
});
