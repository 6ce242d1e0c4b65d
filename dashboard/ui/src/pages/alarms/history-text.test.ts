/** What the alarm history says of the gateway's own rows (dashboard/ui/src/pages/alarms/HistoryTable.tsx), in zh-CN, without a browser. */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubBrowserGlobals } from '../../browser-globals.test-support.ts';
import type { AlarmEvent } from '../../api/types.ts';

type HistoryModule = typeof import('./HistoryTable.tsx');
type KindModule = typeof import('../../shell/event-kind.ts');
let eventText: HistoryModule['eventText'];
let kindWord: KindModule['kindWord'];

beforeAll(async () => {
  stubBrowserGlobals('zh-CN');
  ({ eventText } = await import('./HistoryTable.tsx'));
  ({ kindWord } = await import('../../shell/event-kind.ts'));
});

let seq = 0;
const row = (fields: Partial<AlarmEvent>): AlarmEvent =>
  ({ seq: ++seq, time: 0, pointId: null, ruleId: '', kind: 'raised', stateAfter: 'unacknowledged_active', priority: null, who: 'engine', why: null, details: null, ...fields }) as AlarmEvent;

describe('the alarm history in zh-CN', () => {
  it('names every kind of row the gateway writes about the alarm system in words, not its stored code', () => {
    for (const kind of ['flood_start', 'flood_end', 'vote_ignored']) expect(kindWord(kind)).not.toBe(kind);
  });

  it("says the agent's flood, chattering and voting rows in the language shown", () => {
    expect(
      eventText(row({ pointId: 'KD-1.concentration', ruleId: 'kitchen', kind: 'vote_ignored', stateAfter: 'ignored', who: 'hazmon', why: 'bad quality or stale: vote ignored as configured' })),
    ).toBe('读数故障或停更：按配置不参与表决');
    expect(
      eventText(
        row({
          pointId: 'KD-1.concentration',
          ruleId: 'kitchen',
          kind: 'vote_ignored',
          stateAfter: 'ignored',
          who: 'hazmon',
          why: 'out of service: left out of the vote',
          details: { outOfService: true },
        }),
      ),
    ).toBe('已停用：不参与表决（按配置降级表决，如 2oo3 降为 1oo2）');
    expect(eventText(row({ ruleId: 'alarm_flood', kind: 'flood_start', stateAfter: 'start', who: 'hazmon', why: '10 alarms in 10 minutes at demo-plant' }))).toBe('报警泛滥（10 分钟内 ≥ 10 条报警）');
    expect(eventText(row({ ruleId: 'GD-1.concentration/hi', kind: 'chattering', stateAfter: 'chattering', who: 'hazmon', why: '3 activations in 1 minute' }))).toBe('颤振报警（1 分钟内 ≥ 3 次）');
  });

  it("says a detector vote's row by how many of its detectors trip", () => {
    expect(eventText(row({ pointId: 'kitchen', ruleId: 'vote', priority: 'emergency', why: '2 of 2 detectors vote trip (2oo2)', details: { alarmId: 'vote/kitchen', value: 2 } }))).toBe(
      '多检测器表决：2 个检测器表决动作',
    );
  });

  it("says an engine row without a deciding value (a device gone silent has none) by its rule's word", () => {
    const why = 'comms loss (timeout: device PD-05 (unit 5) FC03 address 40201 x8: timeout after 300 ms)';
    expect(eventText(row({ pointId: 'PD-05.gas1', ruleId: 'comms_loss', priority: 'high', why, details: { value: null } }))).toBe('通信中断');
  });
});
