/** A point's alarms not in service as its trend's detail says them (dashboard/ui/src/pages/trends/alarm-modes.ts), in zh-CN. */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubBrowserGlobals } from '../../browser-globals.test-support.ts';
import type { EngineAlarm } from '../../api/types.ts';

let alarmsNotInService: typeof import('./alarm-modes.ts')['alarmsNotInService'];

beforeAll(async () => {
  stubBrowserGlobals('zh-CN');
  ({ alarmsNotInService } = await import('./alarm-modes.ts'));
  const { timeZone } = await import('../../format.ts');
  timeZone.value = 'Asia/Shanghai';
});

const POINT = 'GD-T03.concentration';
const at = Date.UTC(2026, 11, 7, 18, 0, 57);
const alarm = (rule: string, fields: Partial<Omit<EngineAlarm, 'areas'>>): EngineAlarm => ({
  id: `${POINT}/${rule}`,
  pointId: POINT,
  rule,
  state: 'normal',
  mode: 'in_service',
  conditionActive: false,
  priority: 'medium',
  activeSince: null,
  shelvedUntil: null,
  help: null,
  areas: ['tank-farm'],
  ...fields,
});

describe("a point's alarms not in service", () => {
  it('names who took an alarm out of service, when and why, and a shelf with its end; alarms in service and of other points are left out', () => {
    const engine = [
      alarm('hi', { mode: 'out_of_service' }),
      alarm('hihi', { mode: 'shelved', shelvedUntil: at }),
      alarm('bad_quality', {}),
      { ...alarm('hi', { mode: 'out_of_service' }), id: 'GD-T04.concentration/hi', pointId: 'GD-T04.concentration' },
    ];
    const records = [{ alarmId: `${POINT}/hi`, by: 'supervisor', at, reason: '更换传感器，待标定' }];
    expect(alarmsNotInService(POINT, engine, records)).toEqual(['高限：停用（supervisor，2026-12-08 02:00:57：更换传感器，待标定）', '高高限：搁置至 2026-12-08 02:00:57']);
  });

  it('says the mode alone when the disable record was not read yet (taken out after the points were)', () => {
    expect(alarmsNotInService(POINT, [alarm('hi', { mode: 'out_of_service' })])).toEqual(['高限：停用']);
  });
});
