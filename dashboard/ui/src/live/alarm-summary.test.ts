/** The banner's unacknowledged alarms and first out (dashboard/ui/src/live/alarm-summary.ts), without a browser. */
import { beforeAll, expect, it } from 'vitest';
import { stubBrowserGlobals } from '../browser-globals.test-support.ts';
import type { AlarmList } from '../api/types.ts';
import { engineAlarm } from './engine-alarm.test-support.ts';

type SummaryModule = typeof import('./alarm-summary.ts');
type StoreModule = typeof import('./store.ts');
let summary: SummaryModule;
let store: StoreModule;

beforeAll(async () => {
  stubBrowserGlobals('en');
  summary = await import('./alarm-summary.ts');
  store = await import('./store.ts');
});

it('names the earliest start first out, an alarm whose start is unknown after every known one', () => {
  const list: AlarmList = {
    engine: [engineAlarm('P1/lo', null, 'unacknowledged_returned'), engineAlarm('P2/hi', 2_000), engineAlarm('P3/hihi', 1_000), engineAlarm('P4/hi', 500, 'acknowledged_active')],
    runtime: [
      {
        id: 'agent/audit_chain_broken',
        source: 'agent',
        rule: 'audit_chain_broken',
        priority: 'high',
        state: 'unacknowledged_active',
        conditionActive: true,
        since: 1_500,
        why: '',
        help: null,
        areas: [],
      },
    ],
    pending: [],
  };
  store.alarms.value = list;
  expect(summary.unacknowledged.value.map((alarm) => [alarm.id, alarm.since])).toEqual([
    ['P3/hihi', 1_000],
    ['agent/audit_chain_broken', 1_500],
    ['P2/hi', 2_000],
    ['P1/lo', null],
  ]);
  expect(summary.firstOut.value).toMatchObject({ id: 'P3/hihi', since: 1_000 });

  store.alarms.value = { ...list, engine: [engineAlarm('P1/lo', null, 'unacknowledged_returned')], runtime: [] };
  expect(summary.firstOut.value).toMatchObject({ id: 'P1/lo', since: null });
});

it('names the worst of alarms that started together first out: one reading past hi and hihi at once', () => {
  store.alarms.value = {
    engine: [engineAlarm('T-101.level/hi', 1_000, 'unacknowledged_active', 'medium'), engineAlarm('T-101.level/hihi', 1_000, 'unacknowledged_active', 'high')],
    runtime: [],
    pending: [],
  };
  expect(summary.firstOut.value).toMatchObject({ id: 'T-101.level/hihi', priority: 'high' });
  expect(summary.unacknowledged.value.map((alarm) => alarm.id)).toEqual(['T-101.level/hihi', 'T-101.level/hi']);
});
