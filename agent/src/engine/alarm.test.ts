/** Alarm life-cycle tests: every ISA-18.2 transition, shelving, suppression, out of service, refusals, health figures. */
import { describe, expect, it } from 'vitest';
import { AlarmEngine } from './engine.ts';
import type { AlarmEvent, EngineEvent, OperatorCommand } from './events.ts';

const T0 = 1_700_000_000_000;

function setup(latch = false) {
  const events: EngineEvent[] = [];
  const engine = new AlarmEngine({ points: [{ id: 'P', limits: { hi: { value: 10, priority: 'emergency', latch } } }] }, (e) => events.push(e));
  const value = (seconds: number, v: number) => engine.processReading(0, T0 + seconds * 1000, v, 0, 0, 0);
  const command = (kind: OperatorCommand['kind'], seconds: number, extra: Partial<OperatorCommand> = {}) =>
    engine.command({ kind, target: 'P/hi', time: T0 + seconds * 1000, person: 'Wang Fang', ...extra });
  const last = () => events.filter((e): e is AlarmEvent => e.type === 'alarm').at(-1);
  const state = () => engine.alarm('P/hi')!.state;
  return { engine, events, value, command, last, state };
}

describe('alarm states', () => {
  it('normal -> unacknowledged active -> acknowledged active -> normal, each an event with time, who, why', () => {
    const { value, command, last, state } = setup();
    value(0, 20);
    expect(last()).toMatchObject({ fromState: 'normal', toState: 'unacknowledged_active', who: 'engine', priority: 'emergency', colour: 'red', time: T0 });
    expect(command('ack', 1, { reason: 'seen' })).toEqual({ ok: true });
    expect(last()).toMatchObject({ fromState: 'unacknowledged_active', toState: 'acknowledged_active', who: 'Wang Fang', why: 'seen' });
    value(2, 5);
    expect(state()).toBe('normal');
    expect(last()).toMatchObject({ fromState: 'acknowledged_active', toState: 'normal', conditionActive: false });
  });

  it("keeps a command's reason empty when none was given, not the command's name as if someone had written it", () => {
    const { value, command, last } = setup();
    value(0, 20);
    expect(command('ack', 1)).toEqual({ ok: true });
    expect(last()).toMatchObject({ toState: 'acknowledged_active', who: 'Wang Fang', why: '' });
    expect(command('shelve', 2, { reason: 'sensor swap', until: T0 + 60_000 })).toEqual({ ok: true });
    expect(command('unshelve', 3)).toEqual({ ok: true });
    expect(last()).toMatchObject({ toMode: 'in_service', why: '' });
  });

  it('active again before an acknowledgement keeps its first start; after one, a new activation starts anew', () => {
    const { engine, value, command } = setup();
    value(0, 20);
    value(1, 5);
    value(2, 20);
    expect(engine.alarm('P/hi')).toMatchObject({ state: 'unacknowledged_active', activeSince: T0 });
    expect(command('ack', 3)).toEqual({ ok: true });
    value(4, 5);
    value(5, 20);
    expect(engine.alarm('P/hi')).toMatchObject({ state: 'unacknowledged_active', activeSince: T0 + 5000 });
  });

  it('unacknowledged returned: clears unacknowledged, ack returns it to normal; re-activation goes back to unacknowledged active', () => {
    const { value, command, state } = setup();
    value(0, 20);
    value(1, 5);
    expect(state()).toBe('unacknowledged_returned');
    value(2, 20);
    expect(state()).toBe('unacknowledged_active');
    value(3, 5);
    command('ack', 4);
    expect(state()).toBe('normal');
  });

  it('latched alarms stay until reset; reset is refused while the condition is active', () => {
    const { value, command, state, events } = setup(true);
    value(0, 20);
    expect(command('reset', 1)).toEqual({ ok: false, reason: 'alarm P/hi: condition still active, reset refused', code: 'condition_active', params: { target: 'P/hi', active: 'P/hi' } });
    expect(events.at(-1)).toMatchObject({ type: 'command_refused', command: 'reset', who: 'Wang Fang' });
    value(2, 5);
    expect(state()).toBe('unacknowledged_active');
    command('ack', 3);
    expect(state()).toBe('acknowledged_active');
    expect(command('reset', 4)).toEqual({ ok: true });
    expect(state()).toBe('normal');
  });

  it('refuses ack of a normal alarm, reset of an unlatched one, commands without a person, unknown targets', () => {
    const { engine, command } = setup();
    expect(command('ack', 0).ok).toBe(false);
    expect(command('reset', 0)).toMatchObject({ ok: false, reason: expect.stringContaining('not latched') });
    expect(command('ack', 0, { person: ' ' })).toMatchObject({ ok: false, reason: expect.stringContaining('person') });
    expect(engine.command({ kind: 'ack', target: 'X/hi', time: T0, person: 'a' })).toMatchObject({ ok: false, reason: expect.stringContaining('"X/hi"') });
  });
});

describe('alarm modes', () => {
  it('shelving needs a reason and a future expiry; shelved alarms are recorded, not annunciated; a tick past expiry unshelves', () => {
    const { engine, value, command, last } = setup();
    expect(command('shelve', 0, { until: T0 + 60_000 }).ok).toBe(false);
    expect(command('shelve', 0, { reason: 'sensor swap', until: T0 }).ok).toBe(false);
    expect(command('shelve', 0, { reason: 'sensor swap', until: T0 + 60_000 })).toEqual({ ok: true });
    expect(last()).toMatchObject({ fromMode: 'in_service', toMode: 'shelved', who: 'Wang Fang', why: 'sensor swap' });
    value(1, 20);
    expect(last()).toMatchObject({ toState: 'unacknowledged_active', annunciated: false });
    engine.tick(T0 + 59_999);
    expect(engine.alarm('P/hi')?.mode).toBe('shelved');
    engine.tick(T0 + 60_000);
    expect(last()).toMatchObject({ fromMode: 'shelved', toMode: 'in_service', who: 'engine', why: 'shelve expired' });
  });

  it('unshelve by a person; unshelving an alarm that is not shelved is refused', () => {
    const { command, last } = setup();
    command('shelve', 0, { reason: 'r', until: T0 + 60_000 });
    expect(command('unshelve', 1)).toEqual({ ok: true });
    expect(last()).toMatchObject({ toMode: 'in_service', who: 'Wang Fang' });
    expect(command('unshelve', 2).ok).toBe(false);
  });

  it('suppress / unsuppress and out of service / return to service, with refusals', () => {
    const { command, engine } = setup();
    expect(command('suppress', 0).ok).toBe(false);
    expect(command('suppress', 0, { reason: 'tank empty, by design' })).toEqual({ ok: true });
    expect(engine.alarm('P/hi')?.mode).toBe('suppressed');
    expect(command('shelve', 1, { reason: 'x', until: T0 + 9e6 }).ok).toBe(false);
    expect(command('unsuppress', 2)).toEqual({ ok: true });
    expect(command('remove_from_service', 3, { reason: 'detector removed for calibration' })).toEqual({ ok: true });
    expect(command('suppress', 4, { reason: 'x' }).ok).toBe(false);
    expect(command('unsuppress', 4).ok).toBe(false);
    expect(command('return_to_service', 5)).toEqual({ ok: true });
    expect(engine.alarm('P/hi')?.mode).toBe('in_service');
  });
});

describe('commands taken back (their events could not be stored)', () => {
  const revertible = (engine: AlarmEngine, kind: OperatorCommand['kind'], seconds: number, extra: Partial<OperatorCommand> = {}) =>
    engine.commandRevertible({ kind, target: 'P/hi', time: T0 + seconds * 1000, person: 'Wang Fang', ...extra });

  it('an acknowledgement taken back asks again, also when the alarm cleared meanwhile; a retry is accepted', () => {
    const { engine, value, last, state } = setup();
    value(0, 20);
    const ack = revertible(engine, 'ack', 1);
    expect(ack.result).toEqual({ ok: true });
    ack.revert(T0 + 1500, 'not stored');
    expect(state()).toBe('unacknowledged_active');
    expect(last()).toMatchObject({ fromState: 'acknowledged_active', toState: 'unacknowledged_active', who: 'engine', why: 'not stored', time: T0 + 1500 });
    const retry = revertible(engine, 'ack', 2);
    expect(retry.result).toEqual({ ok: true });
    value(3, 5);
    expect(state()).toBe('normal');
    retry.revert(T0 + 3500, 'not stored');
    expect(state()).toBe('unacknowledged_returned');
    expect(engine.alarm('P/hi')!.activeSince).toBe(T0);
  });

  it('a shelve taken back restores the mode before it; a refused command has nothing to take back', () => {
    const { engine, value, events, state } = setup();
    value(0, 20);
    const shelve = revertible(engine, 'shelve', 1, { reason: 'sensor work', until: T0 + 60_000 });
    expect(engine.alarm('P/hi')!.mode).toBe('shelved');
    shelve.revert(T0 + 1500, 'not stored');
    expect(engine.alarm('P/hi')).toMatchObject({ mode: 'in_service', shelvedUntil: null, state: 'unacknowledged_active' });
    const refused = revertible(engine, 'unshelve', 2);
    expect(refused.result.ok).toBe(false);
    const count = events.length;
    refused.revert(T0 + 2500, 'not stored');
    expect(events.length).toBe(count);
    expect(state()).toBe('unacknowledged_active');
  });

  it('a reset of a latched alarm taken back latches it again, unless it was raised again meanwhile', () => {
    const { engine, value, state } = setup(true);
    value(0, 20);
    value(1, 5);
    const reset = revertible(engine, 'reset', 2);
    expect(reset.result).toEqual({ ok: true });
    expect(state()).toBe('normal');
    reset.revert(T0 + 2500, 'not stored');
    expect(state()).toBe('unacknowledged_active');
    const again = revertible(engine, 'reset', 3);
    value(4, 20);
    again.revert(T0 + 4500, 'not stored');
    expect(state()).toBe('unacknowledged_active');
  });

  it('a released shut-off taken back is latched again and commanded closed again', () => {
    const events: EngineEvent[] = [];
    const engine = new AlarmEngine(
      { points: [{ id: 'P', limits: { hihi: { value: 10, priority: 'emergency' } } }], actions: [{ id: 'SOV-1', kind: 'shutoff_valve', output: 'valve-1', when: ['P/hihi'] }] },
      (e) => events.push(e),
    );
    engine.processReading(0, T0, 20, 0, 0, 0);
    engine.processReading(0, T0 + 1000, 5, 0, 0, 0);
    const release = engine.commandRevertible({ kind: 'reset', target: 'SOV-1', time: T0 + 2000, person: 'Wang Fang' });
    expect(release.result).toEqual({ ok: true });
    expect(engine.actionLatched('SOV-1')).toBe(false);
    release.revert(T0 + 2500, 'release not stored');
    expect(engine.actionLatched('SOV-1')).toBe(true);
    expect(events.filter((e) => e.type === 'action').map((e) => e.type === 'action' && [e.command, e.who, e.why])).toEqual([
      ['close', 'engine', 'P/hihi active (hihi reached: 20 vs limit 10)'],
      ['release', 'Wang Fang', 'reset after the condition cleared'],
      ['close', 'engine', 'release not stored'],
    ]);
  });
});

describe('alarm-system health figures', () => {
  it('counts chattering (3 in 1 min), floods (10 in 10 min), stale (> 24 h) and the average rate per site', () => {
    const events: EngineEvent[] = [];
    const points = Array.from({ length: 12 }, (_, i) => ({ id: `P${i}`, site: 'north', limits: { hi: 10 }, health: { staleS: 200_000 } }));
    const engine = new AlarmEngine({ points }, (e) => events.push(e));
    for (let s = 0; s < 6; s += 1) engine.processReading(0, T0 + s * 10_000, s % 2 === 0 ? 20 : 0, 0, 0, 0);
    expect(events.filter((e) => e.type === 'alarm_chattering')[0]).toMatchObject({ alarmId: 'P0/hi', site: 'north' });
    for (let i = 1; i < 12; i += 1) engine.processReading(i, T0 + 60_000 + i * 1000, 20, 0, 0, 0);
    expect(events.filter((e) => e.type === 'alarm_flood')).toMatchObject([{ phase: 'start', site: 'north' }]);
    engine.tick(T0 + 25 * 3_600_000);
    expect(events.filter((e) => e.type === 'alarm_flood').map((e) => e.type === 'alarm_flood' && e.phase)).toEqual(['start', 'end']);
    const report = engine.alarmSystemHealth('north', T0 + 25 * 3_600_000);
    expect(report).toMatchObject({ activations: 14, floodEpisodes: 1, inFlood: false, chatteringAlarms: ['P0/hi'] });
    expect(report.staleAlarms).toHaveLength(11);
    expect(report.averagePer10Min).toBeCloseTo((14 * 600_000) / (25 * 3_600_000), 9);
  });
});
