/** What the audit log says of each row the agent writes (dashboard/ui/src/pages/audit/notes.ts), in zh-CN, without a browser. */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubBrowserGlobals } from '../../browser-globals.test-support.ts';
import type { AuditRow } from '../../api/types.ts';

type NotesModule = typeof import('./notes.ts');
let actionName: NotesModule['actionName'];
let auditNotes: NotesModule['auditNotes'];

beforeAll(async () => {
  stubBrowserGlobals('zh-CN');
  ({ actionName, auditNotes } = await import('./notes.ts'));
  const { timeZone } = await import('../../format.ts');
  timeZone.value = 'Asia/Shanghai';
});

let seq = 0;
const row = (action: string, target: string, details: Record<string, unknown>): AuditRow => ({ seq: ++seq, time: 0, who: 'hazmon', action, target, details });

describe('the audit log in zh-CN', () => {
  it('names the commands the agent writes to fans, sirens and power cuts and the latches it restores, not their codes', () => {
    for (const action of ['fan_command', 'siren_command', 'power_cut_command', 'latch_restored', 'latch_restore_skipped']) expect(actionName(action)).not.toBe(action);
  });

  it('says which limits a threshold change moved, from what to what, beside the reason', () => {
    const changed = row('threshold_change', 'GD-T01.concentration', {
      changes: [
        { limit: 'hi', new: 150, old: 25 },
        { limit: 'hihi', new: 160, old: 50 },
      ],
      reason: '动火作业',
      result: 'accepted',
      role: 'supervisor',
    });
    expect(auditNotes(changed)).toEqual(['高限 (hi)：25 → 150', '高高限 (hihi)：50 → 160', '动火作业']);
    expect(auditNotes(row('threshold_change', 'GC-T1.detector1', { asked: { hihi: 200, hi: null }, reason: 'refused: off range', result: 'refused' }))).toEqual([
      '申请：高高限 (hihi) 200，高限 (hi) 恢复配置值',
      'refused: off range',
    ]);
  });

  it('says each limit a config reload or a start on an edited file moved, and what moved it where that was not the file', () => {
    const limitChanges = [
      { pointId: 'GD-1.concentration', limit: 'hi', old: 20, new: 25, cause: 'config_file' },
      { pointId: 'GD-2.concentration', limit: 'hihi', old: 45, new: null, cause: 'override_retired' },
    ];
    expect(auditNotes(row('config_reload', '/etc/hazmon/site.yaml', { trigger: 'SIGHUP', limitChanges }))).toEqual([
      'GD-1.concentration 高限 (hi)：20 → 25',
      'GD-2.concentration 高高限 (hihi)：45 → — (配置文件的值取代了临时阈值)',
    ]);
    expect(actionName('limits_changed_at_start')).toBe('启动时限值变更（停机期间配置文件已修改）');
    expect(auditNotes(row('limits_changed_at_start', '/etc/hazmon/site.yaml', { trigger: 'start', limitChanges: limitChanges.slice(0, 1) }))).toEqual(['GD-1.concentration 高限 (hi)：20 → 25']);
    expect(auditNotes(row('config_reload', '/etc/hazmon/site.yaml', { trigger: 'threshold change by sup', limitChanges: [{ ...limitChanges[0], cause: 'threshold_change' }] }))).toEqual([
      'GD-1.concentration 高限 (hi)：20 → 25 (阈值修改)',
    ]);
  });

  it("says a retired override's value and the one in force after it, not the file's old value the override replaced", () => {
    const why = "the config file's hihi changed from 40 to 50: the file's value is in force";
    const retired = { limit: 'hihi', value: 45, configValue: 40, by: 'sup', why, trigger: 'SIGHUP' };
    expect(auditNotes(row('threshold_override_retired', 'GD-1.concentration', { ...retired, valueInForce: 50 }))).toEqual(['高高限 (hihi)：45 → 50', why]);
    expect(auditNotes(row('threshold_override_retired', 'GD-1.concentration', { ...retired, configValue: 45, valueInForce: null }))).toEqual(['高高限 (hihi)：45 → —', why]);
    // Written before the value in force was recorded: its why alone, which names the file's values.
    expect(auditNotes(row('threshold_override_retired', 'GD-1.concentration', retired))).toEqual([why]);
  });

  it("says why the agent refused from the refusal's code in the language shown, the stored English sentence where the row has no code", () => {
    const sentence = "GC-T1.detector1: hihi (200) is outside the point's range -10..110";
    const refusal = { code: 'limit_out_of_range', params: { target: 'GC-T1.detector1', limit: 'hihi', value: 200, low: -10, high: 110 } };
    expect(auditNotes(row('threshold_change', 'GC-T1.detector1', { asked: { hihi: 200 }, reason: sentence, refusal, result: 'refused' }))).toEqual([
      '申请：高高限 (hihi) 200',
      'GC-T1.detector1：hihi（200）超出测点量程 -10..110',
    ]);
    const notShelved = { code: 'not_in_mode', params: { target: 'T-101.level/hi', mode: 'in_service', expected: 'shelved' } };
    expect(auditNotes(row('alarm_command', 'T-101.level/hi', { command: 'unshelve', reason: 'T-101.level/hi is not shelved', refusal: notShelved, result: 'refused' }))).toEqual([
      'T-101.level/hi 当前为「投用」，不是「搁置」',
    ]);
    expect(auditNotes(row('reset_action', 'close-gas', { reason: 'close-gas is not latched', result: 'refused' }))).toEqual(['close-gas is not latched']);
  });

  it("says a shut-off's trigger and a discrepancy's cause in words, not the stored list or code", () => {
    expect(auditNotes(row('shutoff_command', 'T-101-inlet', { attempt: 1, command: 'T-101.inlet', result: 'written', value: false, why: ['T-101.level/hihi'] }))).toEqual([
      '触发报警：T-101.level/hihi',
    ]);
    expect(auditNotes(row('fan_command', 'EF-01', { command: 'EF-01.command', result: 'failed', error: 'timeout', value: true, why: ['NH3-02.concentration/hi'] }))).toEqual([
      '触发报警：NH3-02.concentration/hi',
      '写入失败：timeout',
    ]);
    expect(auditNotes(row('shutoff_discrepancy', 'KV-1', { attempt: 1, reason: 'stuck_open', retriesLeft: 2, why: ['vote/kitchen'] }))).toEqual([
      '阀门仍处于打开位置：疑似卡阀',
      '触发报警：vote/kitchen',
    ]);
    expect(auditNotes(row('latch_restored', 'kitchen.KV-1', { output: 'KV-1', why: 'vote/kitchen active', trippedBy: ['vote/kitchen'] }))).toEqual(['触发报警：vote/kitchen']);
  });

  it("says an upkeep record's kind, result, time and notes, a token's holder and expiry, and a shelf's end", () => {
    const at = Date.UTC(2026, 11, 6, 15, 56, 36);
    expect(auditNotes(row('device_upkeep', 'GD-T01', { record: { at, kind: 'bump_test', notes: '通标准气', result: 'pass' }, result: 'accepted' }))).toEqual([
      '泵吸测试：合格（2026-12-06 23:56:36）',
      '通标准气',
    ]);
    expect(auditNotes(row('regulator_token_created', 'e748', { expiresAt: at, name: '某区应急管理局', result: 'accepted' }))).toEqual(['持有单位：某区应急管理局', '到期时间：2026-12-06 23:56:36']);
    expect(auditNotes(row('regulator_token_revoked', 'e748', { name: '某区应急管理局', result: 'accepted' }))).toEqual(['持有单位：某区应急管理局']);
    expect(auditNotes(row('alarm_command', 'PD-03.gas1/bad_quality', { command: 'shelve', reason: '检修作业', result: 'accepted', until: at }))).toEqual(['检修作业', '搁置至 2026-12-06 23:56:36']);
  });
});
