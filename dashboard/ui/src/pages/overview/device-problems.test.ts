/** What the overview's device health says is wrong with a device (dashboard/ui/src/pages/overview/DeviceHealth.tsx), without a browser. */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubBrowserGlobals } from '../../browser-globals.test-support.ts';
import type { Device } from '../../api/types.ts';

let problemsOf: typeof import('./DeviceHealth.tsx')['problemsOf'];
let setLanguage: typeof import('../../i18n/index.ts')['setLanguage'];
let t: typeof import('../../i18n/index.ts')['t'];

beforeAll(async () => {
  stubBrowserGlobals('zh-CN');
  ({ problemsOf } = await import('./DeviceHealth.tsx'));
  ({ setLanguage, t } = await import('../../i18n/index.ts'));
});

const NOW = Date.UTC(2026, 11, 7, 18, 0);
const DAY = 86_400_000;
const detector = (upkeep: Device['upkeep'], fields: Partial<Device> = {}): Device => ({
  id: 'GD-T05',
  kind: 'modbus',
  comms: 'ok',
  lastGoodReadingAt: NOW,
  disconnections: 0,
  offlineHours: 0,
  faults: [],
  sensorLifeHours: null,
  upkeep,
  ...fields,
});

describe("a device's problems on the overview", () => {
  it('says which upkeep is overdue: the bump test, the calibration or both; unsaid only when nothing was ever recorded', () => {
    setLanguage('zh-CN');
    expect(problemsOf(detector({ bumpTestDue: NOW - 11 * DAY, calibrationDue: NOW + 90 * DAY, overdue: true }), NOW)).toEqual(['泵吸测试已超期']);
    expect(problemsOf(detector({ bumpTestDue: NOW + DAY, calibrationDue: NOW - 7 * DAY, overdue: true }), NOW)).toEqual(['标定已超期']);
    expect(problemsOf(detector({ bumpTestDue: NOW - DAY, calibrationDue: NOW, overdue: true }), NOW)).toEqual(['泵吸测试和标定均已超期']);
    expect(problemsOf(detector({ bumpTestDue: null, calibrationDue: null, overdue: true }), NOW)).toEqual(['已超期']);
    expect(problemsOf(detector({ bumpTestDue: NOW + DAY, calibrationDue: NOW + DAY, overdue: false }), NOW)).toEqual([]);
  });

  it('counts in English with the singular for one, not "(s)"', () => {
    setLanguage('en');
    const fault = { pointId: 'GD-T05.concentration', quality: 'bad', reason: 'device_fault', message: null };
    expect(problemsOf(detector(null, { faults: [fault] }), NOW)).toEqual(['1 point faulty']);
    expect(problemsOf(detector(null, { faults: [fault, fault] }), NOW)).toEqual(['2 points faulty']);
    expect(t('overview.devices.attention', { count: 1 })).toBe('1 device needs attention');
    expect(t('overview.devices.attention', { count: 2 })).toBe('2 devices need attention');
  });
});
