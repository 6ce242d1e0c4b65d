/** Rule tests: limits, windows, rate, health, voting, exposure, actions, input edge cases, snapshot/restore. */
import type { Reading } from '@hazmon/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlarmEngine, REASON_CODES } from './engine.ts';
import { FLAG_FAULT } from './layout.ts';
import type { AlarmEvent, EngineEvent } from './events.ts';

const T0 = 1_700_000_000_000;

function setup(config: unknown) {
  const events: EngineEvent[] = [];
  const engine = new AlarmEngine(config, (event) => events.push(event));
  const feed = (pointId: string, seconds: number, value: number, extra: Partial<Reading> = {}) =>
    engine.processReadings([{ pointId, value, unit: '', sourceTime: T0 + seconds * 1000, receiveTime: T0 + seconds * 1000, quality: 'good', ...extra }]);
  const alarmEvents = (alarmId: string) => events.filter((e): e is AlarmEvent => e.type === 'alarm' && e.alarmId === alarmId);
  const activations = (alarmId: string) => alarmEvents(alarmId).filter((e) => e.conditionActive && e.who === 'engine' && e.toState === 'unacknowledged_active');
  return { engine, events, feed, alarmEvents, activations };
}

describe('limits', () => {
  it('hi with deadband: activates at the limit, clears only below limit - deadband', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P', limits: { hi: 50 }, deadband: 5 }] });
    feed('P', 0, 49);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(false);
    feed('P', 1, 50);
    expect(engine.alarm('P/hi')).toMatchObject({ conditionActive: true, state: 'unacknowledged_active' });
    feed('P', 2, 46);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(true);
    feed('P', 3, 44.9);
    expect(engine.alarm('P/hi')).toMatchObject({ conditionActive: false, state: 'unacknowledged_returned' });
    expect(alarmEvents('P/hi').map((e) => e.time)).toEqual([T0 + 1000, T0 + 3000]);
  });

  it('lo and lolo fire below their limits, hihi above', () => {
    const { engine, feed } = setup({ points: [{ id: 'P', limits: { hihi: 90, hi: 60, lo: 20, lolo: 10 } }] });
    feed('P', 0, 15);
    expect([engine.alarm('P/lo')?.conditionActive, engine.alarm('P/lolo')?.conditionActive]).toEqual([true, false]);
    feed('P', 1, 5);
    expect(engine.alarm('P/lolo')?.conditionActive).toBe(true);
    feed('P', 2, 95);
    expect(['hihi', 'hi', 'lo', 'lolo'].map((r) => engine.alarm(`P/${r}`)?.conditionActive)).toEqual([true, true, false, false]);
  });

  it('on-delay: the condition must hold for the delay (ticks complete it); a dip restarts it', () => {
    const { engine, feed, tick = (s: number) => engine.tick(T0 + s * 1000) } = { ...setup({ points: [{ id: 'P', limits: { hi: 50 }, onDelayS: 10 }] }) };
    feed('P', 0, 60);
    feed('P', 5, 40);
    feed('P', 6, 60);
    tick(15);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(false);
    tick(16);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(true);
  });

  it('ticks complete the delays of the points that have them among points without; a restored pending delay completes at a tick', () => {
    const config = {
      points: [
        { id: 'Q', limits: { hi: 50 } },
        { id: 'P', limits: { hi: 50 }, onDelayS: 10 },
        { id: 'R', limits: { hi: 50 }, offDelayS: 5 },
      ],
    };
    const { engine, feed } = setup(config);
    feed('Q', 0, 60);
    feed('P', 0, 60);
    feed('R', 0, 60);
    feed('R', 1, 40);
    engine.tick(T0 + 5_500);
    expect(['Q', 'P', 'R'].map((id) => engine.alarm(`${id}/hi`)?.conditionActive)).toEqual([true, false, true]);
    engine.tick(T0 + 10_500);
    expect(['Q', 'P', 'R'].map((id) => engine.alarm(`${id}/hi`)?.conditionActive)).toEqual([true, true, false]);
    // Restored from a snapshot taken while P's on-delay ran, and one (made up) with a delay pending on Q, which has none:
    // a tick completes both, as it would any pending delay.
    const { engine: before, feed: feedBefore } = setup(config);
    feedBefore('P', 0, 60);
    feedBefore('Q', 0, 40);
    const snapshot = before.snapshot();
    snapshot.points.Q!.conditions[0] = { raw: true, active: false, pendingSince: T0 + 1_000, pendingValue: 60 };
    const { engine: restored } = setup(config);
    restored.restore(snapshot);
    expect([restored.alarm('P/hi')?.conditionActive, restored.alarm('Q/hi')?.conditionActive]).toEqual([false, false]);
    restored.tick(T0 + 10_500);
    expect([restored.alarm('P/hi')?.conditionActive, restored.alarm('Q/hi')?.conditionActive]).toEqual([true, true]);
  });

  it('off-delay: the alarm clears only after the value stayed clear for the delay', () => {
    const { engine, feed } = setup({ points: [{ id: 'P', limits: { hi: 50 }, offDelayS: 5 }] });
    feed('P', 0, 60);
    feed('P', 1, 40);
    feed('P', 4, 40);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(true);
    feed('P', 6, 40);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(false);
  });

  it('pendingDelays: each running on- and off-delay with its start, length and due time; gone when it completes or the value turns back', () => {
    const { engine, feed } = setup({
      points: [
        {
          id: 'P',
          site: 'north',
          limits: { hi: 50, hihi: { value: 80, priority: 'emergency' } },
          onDelayS: 10,
          offDelayS: 4,
          windows: [{ name: 'max5', aggregate: 'max', windowS: 5, above: 70, onDelayS: 3 }],
        },
      ],
    });
    feed('P', 0, 40);
    expect(engine.pendingDelays()).toEqual([]);
    feed('P', 1, 85);
    const on = { pointId: 'P', site: 'north', kind: 'on', pendingSince: T0 + 1000, value: 85 };
    expect(engine.pendingDelays()).toEqual([
      { ...on, alarmId: 'P/hihi', rule: 'hihi', priority: 'emergency', delayMs: 10_000, dueAt: T0 + 11_000, limit: 80 },
      { ...on, alarmId: 'P/hi', rule: 'hi', priority: 'medium', delayMs: 10_000, dueAt: T0 + 11_000, limit: 50 },
      { ...on, alarmId: 'P/max5', rule: 'max5', priority: 'medium', delayMs: 3000, dueAt: T0 + 4000, limit: 70 },
    ]);
    feed('P', 2, 60);
    expect(engine.pendingDelays().map((entry) => entry.alarmId)).toEqual(['P/hi', 'P/max5']);
    engine.tick(T0 + 11_000);
    expect(engine.alarm('P/hi')?.activeSince).toBe(T0 + 11_000);
    expect(engine.pendingDelays()).toEqual([]);
    feed('P', 12, 40);
    expect(engine.pendingDelays()).toMatchObject([{ alarmId: 'P/hi', kind: 'off', pendingSince: T0 + 12_000, delayMs: 4000, dueAt: T0 + 16_000, value: 40 }]);
    feed('P', 13, 55);
    expect(engine.pendingDelays()).toEqual([]);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(true);
  });
});

describe('alarm event texts and colours', () => {
  it('limit, window and rate events say which rule, the value compared and its limit, in their priority colour', () => {
    const { feed, alarmEvents } = setup({
      points: [
        {
          id: 'P',
          limits: { hi: { value: 50, priority: 'low' }, hihi: { value: 90, priority: 'emergency' } },
          windows: [{ name: 'max10', aggregate: 'max', windowS: 10, above: 70, priority: 'high' }],
          rate: { windowS: 60, risingPerMinute: 30 },
        },
      ],
    });
    feed('P', 0, 40);
    feed('P', 1, 55.5);
    feed('P', 2, 95.25);
    feed('P', 3, 20);
    const summary = (alarmId: string) => alarmEvents(alarmId).map((e) => [e.conditionActive, e.value, e.why, e.colour]);
    expect(summary('P/hi')).toEqual([
      [true, 55.5, 'hi reached: 55.5 vs limit 50', 'blue'],
      [false, 20, 'hi cleared: 20 vs limit 50', 'blue'],
    ]);
    expect(summary('P/hihi')).toEqual([
      [true, 95.25, 'hihi reached: 95.25 vs limit 90', 'red'],
      [false, 20, 'hihi cleared: 20 vs limit 90', 'red'],
    ]);
    expect(summary('P/max10')).toEqual([[true, 95.25, 'max10 reached: 95.25 vs limit 70', 'orange']]);
    const rate = alarmEvents('P/rate_rising');
    expect(rate.length).toBeGreaterThan(0);
    for (const e of rate) expect([e.why, e.colour]).toEqual([`rate_rising ${Number(e.value!.toPrecision(6))} per minute vs 30`, 'yellow']);
  });

  it("texts show values at the point's resolution, or without float noise; the events keep the numbers", () => {
    const config = (resolution?: number) => ({
      points: [
        {
          id: 'P',
          preset: { gas: 'H2S', unit: 'ppm' },
          ...(resolution === undefined ? {} : { resolution }),
          windows: [{ name: 'avg', aggregate: 'avg', windowS: 10, above: 45 }],
          health: { stuck: { epsilon: 0.05, forS: 5 } },
        },
      ],
    });
    const texts = (resolution?: number) => {
      const { feed, events } = setup(config(resolution));
      feed('P', 0, 39.99999761581421);
      feed('P', 1, 54.900001525878906);
      feed('P', 2, 54.900001525878906);
      feed('P', 8, 54.900001525878906);
      return events.filter((e): e is AlarmEvent => e.type === 'alarm').map((e) => [e.alarmId, e.value, e.why]);
    };
    // H2S in ppm: the preset's limits are 10 and 20 mg/m3 converted (7.053990610328638 and 14.107981220657276 ppm).
    expect(texts()).toEqual([
      ['P/hihi', 39.99999761581421, 'hihi reached: 40 vs limit 14.108'],
      ['P/hi', 39.99999761581421, 'hi reached: 40 vs limit 7.05399'],
      ['P/avg', (39.99999761581421 + 54.900001525878906) / 2, 'avg reached: 47.45 vs limit 45'],
      ['P/stuck', 54.900001525878906, 'no change beyond 0.05 for 7 s'],
    ]);
    expect(texts(0.1).map(([, , why]) => why)).toEqual(['hihi reached: 40.0 vs limit 14.1', 'hi reached: 40.0 vs limit 7.1', 'avg reached: 47.4 vs limit 45.0', 'no change beyond 0.1 for 7 s']);
  });

  it('a resolution formats texts only: a snapshot restores into the point with another one', () => {
    const saved = setup({ points: [{ id: 'P', limits: { hi: 50 }, resolution: 0.01 }] });
    saved.feed('P', 0, 60);
    const restored = setup({ points: [{ id: 'P', limits: { hi: 50 }, resolution: 0.1 }] });
    expect(restored.engine.restore(saved.engine.snapshot())).toEqual({ restored: ['P'], skipped: [], limitsMoved: [] });
    expect(restored.engine.alarm('P/hi')?.conditionActive).toBe(true);
  });

  it('a completed off-delay says so, with the condition it left', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P', limits: { hi: 50 }, offDelayS: 5 }] });
    feed('P', 0, 60);
    feed('P', 1, 40);
    engine.tick(T0 + 7000);
    expect(alarmEvents('P/hi').map((e) => [e.time, e.conditionActive, e.value, e.why])).toEqual([
      [T0, true, 60, 'hi reached: 60 vs limit 50'],
      [T0 + 6000, false, 40, 'hi cleared: 40 vs limit 50 (off-delay elapsed)'],
    ]);
  });
});

describe('delays', () => {
  const summary = (events: EngineEvent[]) => events.filter((e): e is AlarmEvent => e.type === 'alarm').map((e) => [e.alarmId, e.time, e.conditionActive, e.value, e.why]);

  it('a delay that ran out completes at its due time before the next reading, with or without a tick between', () => {
    const config = { points: [{ id: 'P', limits: { hi: 25 }, onDelayS: 2.5 }] };
    const plain = setup(config);
    plain.feed('P', 0, 25.2);
    plain.feed('P', 3.18, 23.09);
    const ticked = setup(config);
    ticked.feed('P', 0, 25.2);
    ticked.engine.tick(T0 + 3000);
    ticked.feed('P', 3.18, 23.09);
    expect(summary(plain.events)).toEqual([
      ['P/hi', T0 + 2500, true, 25.2, 'hi reached: 25.2 vs limit 25 (on-delay elapsed)'],
      ['P/hi', T0 + 3180, false, 23.09, 'hi cleared: 23.09 vs limit 25'],
    ]);
    expect(summary(ticked.events)).toEqual(summary(plain.events));
  });

  it('a bad reading does not complete an off-delay: it restarts from the next clear good value', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P', limits: { hi: 50 }, offDelayS: 5, health: { staleS: 3_600 } }] });
    feed('P', 0, 60);
    feed('P', 1, 40);
    feed('P', 3, 9999, { quality: 'bad', reason: { code: 'decode', message: 'garbled' } });
    engine.tick(T0 + 10_000);
    feed('P', 12, 40, { quality: 'uncertain' });
    engine.tick(T0 + 20_000);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(true);
    feed('P', 21, 40);
    feed('P', 25, 40);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(true);
    feed('P', 26, 40);
    expect(alarmEvents('P/hi').map((e) => [e.time, e.conditionActive, e.value])).toEqual([
      [T0, true, 60],
      [T0 + 26_000, false, 40],
    ]);
  });

  it('an off-delay that ran out before a bad reading completes at its due time, with the clear value', () => {
    const { feed, alarmEvents } = setup({ points: [{ id: 'P', limits: { hi: 50 }, offDelayS: 5 }] });
    feed('P', 0, 60);
    feed('P', 1, 40);
    feed('P', 9, 9999, { quality: 'bad', reason: { code: 'decode', message: 'garbled' } });
    expect(alarmEvents('P/hi').map((e) => [e.time, e.conditionActive, e.value])).toEqual([
      [T0, true, 60],
      [T0 + 6000, false, 40],
    ]);
  });

  it('limit and window alarms do not depend on the tick cadence (values on the limits, delays straddling ticks)', () => {
    const limits = [10, 25, 25.5, 40];
    const step = fc.record({
      gapMs: fc.oneof(fc.integer({ min: 0, max: 4_000 }), fc.constantFrom(500, 1_000, 2_500, 3_000)),
      value: fc.oneof(fc.constantFrom(...limits, 23, 27, 24, 39, 41, 9), fc.double({ min: 0, max: 50, noNaN: true })),
      quality: fc.constantFrom('good', 'good', 'good', 'bad', 'uncertain'),
      ticks: fc.array(fc.integer({ min: 0, max: 4_000 }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.constantFrom(0, 1, 2.5, 3), fc.constantFrom(0, 1.5, 2.5), (steps, onDelayS, offDelayS) => {
        const config = {
          points: [
            {
              id: 'P',
              limits: { hihi: 40, hi: 25, lo: 10 },
              deadband: 0.5,
              onDelayS,
              offDelayS,
              health: { staleS: 3_600 },
              windows: [{ name: 'avg', aggregate: 'avg', windowS: 5, above: 25.5, onDelayS, offDelayS }],
            },
          ],
        };
        const untouched = setup(config);
        const ticked = setup(config);
        let t = T0;
        for (const { gapMs, value, quality, ticks } of steps) {
          // Ticks anywhere between the previous reading and this one, in time order.
          for (const tickGap of [...ticks].sort((a, b) => a - b)) if (tickGap < gapMs) ticked.engine.tick(t + tickGap);
          t += gapMs;
          for (const { engine } of [untouched, ticked]) engine.processReadings([{ pointId: 'P', value, unit: '', sourceTime: t, receiveTime: t, quality: quality as Reading['quality'] }]);
        }
        expect(summary(ticked.events)).toEqual(summary(untouched.events));
      }),
      { numRuns: 300 },
    );
  });
});

describe('window aggregates and rate', () => {
  const config = {
    points: [
      {
        id: 'P',
        windows: [
          { name: 'avg10', aggregate: 'avg', windowS: 10, above: 50 },
          { name: 'max10', aggregate: 'max', windowS: 10, above: 80 },
          { name: 'min10', aggregate: 'min', windowS: 10, below: 5 },
          { name: 'twa10', aggregate: 'twa', windowS: 10, above: 30 },
        ],
        rate: { windowS: 60, risingPerMinute: 10 },
      },
    ],
  };

  it('avg / max / min / twa over 10 s compare to their limits', () => {
    const { engine, feed } = setup(config);
    feed('P', 0, 10);
    feed('P', 1, 100);
    expect(engine.windowValue('P', 'avg10').value).toBe(55);
    expect(engine.alarm('P/avg10')?.conditionActive).toBe(true);
    expect(engine.alarm('P/max10')?.conditionActive).toBe(true);
    feed('P', 2, 0);
    expect(engine.alarm('P/min10')?.conditionActive).toBe(true);
    // TWA over (T0-8s, T0+2s]: 10 held 1 s, 100 held 1 s, 0 at the end: 55 over 2 s covered of 10.
    const twa = engine.windowValue('P', 'twa10');
    expect(twa.value).toBeCloseTo(55, 9);
    expect(twa.coverage).toBeCloseTo(0.2, 9);
    feed('P', 12, 1);
    expect(engine.alarm('P/max10')?.conditionActive).toBe(false);
  });

  it('rate of change per minute over the window flags a rising leak before any absolute limit', () => {
    const { engine, feed } = setup(config);
    for (let s = 0; s <= 30; s += 1) feed('P', s, 1 + s * 0.1);
    expect(engine.alarm('P/rate_rising')?.conditionActive).toBe(false);
    for (let s = 31; s <= 40; s += 1) feed('P', s, 4 + (s - 30) * 0.5);
    expect(engine.windowValue('P', 'rate_rising').value).toBeGreaterThan(10);
    expect(engine.alarm('P/rate_rising')?.conditionActive).toBe(true);
  });
});

describe('aggregates at a limit', () => {
  const batchOf = (engine: AlarmEngine, seconds: number, value: number) =>
    engine.processBatch({ length: 1, point: Int32Array.of(0), time: Float64Array.of(T0 + seconds * 1000), value: Float64Array.of(value), quality: Uint8Array.of(0) });

  it('a window holding only the value 51 averages 51 and raises above: 51 (running sums round; one path and the batch loop)', () => {
    // Added and evicted as running sums, 28.7, 43.1 and 30.4 leave 50.999999999999986 for the two 51s.
    const readings: [number, number][] = [
      [0, 28.7],
      [1, 43.1],
      [2, 30.4],
      [3, 51],
      [12.5, 51],
    ];
    const config = { points: [{ id: 'P', windows: [{ name: 'avg', aggregate: 'avg', windowS: 10, above: 51 }] }] };
    const single = setup(config);
    for (const [seconds, value] of readings) single.feed('P', seconds, value);
    const batched = setup(config);
    for (const [seconds, value] of readings) batchOf(batched.engine, seconds, value);
    for (const { engine, alarmEvents } of [single, batched]) {
      expect(engine.windowValue('P', 'avg').value).toBe(51);
      expect(alarmEvents('P/avg').map((e) => [e.time, e.conditionActive, e.value, e.why])).toEqual([[T0 + 12_500, true, 51, 'avg reached: 51 vs limit 51']]);
    }
  });

  it('an 8 h TWA after a gap is the value held since, exactly: twa: 10 raises on readings of 10', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P', exposure: { twa: 10 }, health: { staleS: 86_400 } }] });
    for (let s = 0; s < 7_200; s += 60) feed('P', s, 8.2);
    // 7 h of silence, then 10 for more than the hour that brings the window past the 8.2s: their running integral
    // left 9.999999999999998.
    for (let s = 7_200 + 7 * 3_600; s <= 7_200 + 8 * 3_600 + 300; s += 60) feed('P', s, 10);
    expect(engine.windowValue('P', 'twa').value).toBe(10);
    expect(alarmEvents('P/twa').at(-1)).toMatchObject({ conditionActive: true, value: 10 });
  });

  it('avg and twa of values sitting exactly on the limit raise above and below alike, whatever came before', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -5_000, max: 5_000 }).map((n) => n / 100),
          { maxLength: 40 },
        ),
        fc.integer({ min: -10_000, max: 10_000 }).map((n) => n / 10),
        fc.constantFrom(1, 3, 10),
        fc.constantFrom(undefined, 0.5, 2),
        fc.integer({ min: 1, max: 997 }),
        fc.boolean(),
        (before, limit, windowS, paneS, stride, batch) => {
          // Raw windows, or panes that sum several readings each.
          const rules = (side: 'above' | 'below') => [
            { name: `avg_${side}`, aggregate: 'avg', windowS, paneS, [side]: limit },
            { name: `twa_${side}`, aggregate: 'twa', windowS, paneS, [side]: limit },
          ];
          const { engine, feed } = setup({ points: [{ id: 'P', windows: [...rules('above'), ...rules('below')], health: { staleS: 3_600 } }] });
          const feedAny = (seconds: number, value: number) => (batch ? batchOf(engine, seconds, value) : feed('P', seconds, value));
          before.forEach((value, i) => feedAny(i * 0.7, value));
          // The limit value at irregular times (0.1 to 1 s apart) for two window lengths and more: the window then holds it alone.
          const start = before.length * 0.7;
          for (let s = 0, i = 0; s <= 2 * windowS + 4; i += 1, s += (100 + ((i * stride) % 900)) / 1000) feedAny(start + s, limit);
          for (const name of ['avg_above', 'twa_above', 'avg_below', 'twa_below']) {
            expect(engine.windowValue('P', name).value, name).toBe(limit);
            expect(engine.alarm(`P/${name}`)?.conditionActive, name).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('rate over a window without elapsed time', () => {
  it('a window holding one good reading has no rate: a rate alarm keeps its state across a gap', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P', rate: { windowS: 10, risingPerMinute: 10 }, health: { staleS: 3_600 } }] });
    feed('P', 0, 0);
    feed('P', 5, 10);
    expect(engine.alarm('P/rate_rising')?.conditionActive).toBe(true);
    feed('P', 100, 10);
    expect(engine.windowValue('P', 'rate_rising').value).toBeNaN();
    expect(engine.alarm('P/rate_rising')?.conditionActive).toBe(true);
    feed('P', 101, 10);
    expect(alarmEvents('P/rate_rising').map((e) => [e.time, e.conditionActive, e.value])).toEqual([
      [T0 + 5000, true, 120],
      [T0 + 101_000, false, 0],
    ]);
  });
});

describe('windowValue', () => {
  it('looks past the latest reading without evicting what later readings are judged on', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'A', windows: [{ name: 'avg', aggregate: 'avg', windowS: 60, above: 60 }] }] });
    feed('A', 0, 100);
    feed('A', 1, 100);
    expect(engine.windowValue('A', 'avg', T0 + 120_000)).toMatchObject({ value: Number.NaN, count: 0 });
    feed('A', 2, 40);
    expect(engine.windowValue('A', 'avg').value).toBeCloseTo(80, 9);
    expect(alarmEvents('A/avg').map((e) => e.conditionActive)).toEqual([true]);
  });

  it('gives the rate to the latest good reading when the latest reading is bad', () => {
    const { engine, feed } = setup({ points: [{ id: 'A', rate: { windowS: 60, risingPerMinute: 100 } }] });
    feed('A', 0, 10);
    feed('A', 30, 20);
    feed('A', 40, 9999, { quality: 'bad', reason: { code: 'decode', message: 'garbled' } });
    expect(engine.windowValue('A', 'rate_rising').value).toBeCloseTo(20, 9);
  });
});

describe('health', () => {
  const health = { staleS: 10, stuck: { epsilon: 0.01, forS: 20 } };

  it('stale: silence raises it on ticks, also for a point that never reported; a good reading clears it', () => {
    const { engine, feed } = setup({
      points: [
        { id: 'P', health },
        { id: 'Q', health },
      ],
    });
    engine.tick(T0);
    feed('P', 1, 5);
    engine.tick(T0 + 10_999);
    expect(engine.alarm('P/stale')?.conditionActive).toBe(false);
    expect(engine.alarm('Q/stale')?.conditionActive).toBe(true);
    engine.tick(T0 + 11_000);
    expect(engine.alarm('P/stale')?.conditionActive).toBe(true);
    feed('P', 12, 5);
    expect(engine.alarm('P/stale')?.conditionActive).toBe(false);
  });

  it('stale, health bits, NE43 and voting send a batch reading to the full path, which clears and judges them', () => {
    const { engine } = setup({
      points: [
        { id: 'P', health: { staleS: 10 } },
        { id: 'I', health: { ne43: true } },
        { id: 'G1', limits: { hi: 50 } },
        { id: 'G2', limits: { hi: 50 } },
      ],
      votingGroups: [{ id: 'g', area: 'x', vote: '1oo2', points: ['G1', 'G2'], trip: 'hi' }],
    });
    const batch = (point: number, seconds: number, value: number, quality = 0) =>
      engine.processBatch({ length: 1, point: Int32Array.of(point), time: Float64Array.of(T0 + seconds * 1000), value: Float64Array.of(value), quality: Uint8Array.of(quality) });
    batch(0, 0, 5);
    engine.tick(T0 + 11_000);
    expect(engine.alarm('P/stale')?.conditionActive).toBe(true);
    batch(0, 12, 5);
    expect(engine.alarm('P/stale')?.conditionActive).toBe(false);
    batch(0, 13, 5, 2);
    expect(engine.alarm('P/bad_quality')?.conditionActive).toBe(true);
    batch(0, 14, 5);
    expect(engine.alarm('P/bad_quality')?.conditionActive).toBe(false);
    batch(1, 15, 12);
    batch(1, 16, 2.5);
    expect(engine.alarm('I/signal_out_of_range')?.conditionActive).toBe(true);
    batch(2, 15, 10);
    batch(3, 15, 10);
    batch(2, 16, 60);
    expect(engine.alarm('vote/g')?.conditionActive).toBe(true);
  });

  it('stuck: no change beyond epsilon for forS', () => {
    const { engine, feed } = setup({ points: [{ id: 'P', health }] });
    for (let s = 0; s <= 19; s += 1) feed('P', s, 3 + (s % 2) * 0.005);
    expect(engine.alarm('P/stuck')?.conditionActive).toBe(false);
    feed('P', 20, 3.001);
    expect(engine.alarm('P/stuck')?.conditionActive).toBe(true);
    feed('P', 21, 3.5);
    expect(engine.alarm('P/stuck')?.conditionActive).toBe(false);
  });

  it('NE43: loop current <= 3.6 or >= 21 mA is a signal alarm and bad quality, not a value', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P', limits: { lo: 4.0 }, health: { ne43: true } }] });
    feed('P', 0, 12);
    feed('P', 1, 3.5);
    expect(engine.alarm('P/signal_out_of_range')?.conditionActive).toBe(true);
    expect(engine.alarm('P/bad_quality')?.conditionActive).toBe(true);
    expect(engine.alarm('P/lo')?.conditionActive).toBe(false);
    feed('P', 2, 21.5);
    expect(alarmEvents('P/signal_out_of_range')).toHaveLength(1);
    feed('P', 3, 12);
    expect(engine.alarm('P/signal_out_of_range')?.conditionActive).toBe(false);
  });

  it('device fault from flags or reason, comms loss from timeout/connection, bad quality with its reason', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P' }] });
    feed('P', 0, 1, { flags: { fault: true } });
    expect(engine.alarm('P/device_fault')?.conditionActive).toBe(true);
    feed('P', 1, 1);
    expect(engine.alarm('P/device_fault')?.conditionActive).toBe(false);
    feed('P', 2, 1, { quality: 'bad', reason: { code: 'device_fault', message: 'fault word 1003' } });
    expect(engine.alarm('P/device_fault')?.conditionActive).toBe(true);
    feed('P', 3, Number.NaN, { value: null, quality: 'bad', reason: { code: 'timeout', message: 'no answer' } });
    // A timeout carries no fault word: the device fault raised before stays raised.
    expect(engine.alarm('P/device_fault')?.conditionActive).toBe(true);
    expect(engine.alarm('P/comms_loss')?.conditionActive).toBe(true);
    expect(alarmEvents('P/bad_quality').at(-1)?.why ?? '').toContain('bad');
    feed('P', 4, 1, { value: null, quality: 'bad', reason: { code: 'connection', message: 'socket closed' } });
    expect(alarmEvents('P/comms_loss').at(-1)?.why).toBe('comms loss (timeout: no answer)');
    feed('P', 5, 1);
    expect(['comms_loss', 'bad_quality', 'device_fault'].map((r) => engine.alarm(`P/${r}`)?.conditionActive)).toEqual([false, false, false]);
  });

  it('maintenance readings suppress the point alarms by design, and lift it after', () => {
    const { engine, feed } = setup({ points: [{ id: 'P', limits: { hi: 5 } }] });
    feed('P', 0, 1, { quality: 'uncertain', reason: { code: 'maintenance', message: 'check function' } });
    expect(engine.alarm('P/hi')?.mode).toBe('suppressed');
    feed('P', 1, 1);
    expect(engine.alarm('P/hi')?.mode).toBe('in_service');
  });
});

describe('health alarms made on first use', () => {
  it('a health alarm never raised is listed as normal, takes commands, and keeps their state through a snapshot', () => {
    const config = { points: [{ id: 'line/P', limits: { hi: 50 }, health: { staleS: 10 } }] };
    const { engine, feed, alarmEvents } = setup(config);
    expect(engine.alarm('line/P/comms_loss')).toMatchObject({ state: 'normal', mode: 'in_service', conditionActive: false, priority: 'high' });
    expect(engine.alarms().map((alarm) => alarm.id)).toEqual(['hi', 'stale', 'bad_quality', 'comms_loss', 'device_fault', 'signal_out_of_range'].map((rule) => `line/P/${rule}`));
    expect(engine.alarm('line/P/no_such_rule')).toBeUndefined();
    expect(engine.alarmsNotNormal()).toEqual([]);
    expect(engine.command({ kind: 'shelve', target: 'line/P/stale', time: T0, person: 'Li Wei', reason: 'sensor swap', until: T0 + 3_600_000 })).toEqual({ ok: true });
    feed('line/P', 0, 10);
    engine.tick(T0 + 20_000);
    expect(engine.alarmsNotNormal().map((alarm) => alarm.id)).toEqual(['line/P/stale']);
    // Listed in rule order whichever health alarms were made first.
    engine.command({ kind: 'remove_from_service', target: 'line/P/device_fault', time: T0 + 21_000, person: 'Li Wei', reason: 'detector replaced' });
    expect(engine.alarms().map((alarm) => alarm.rule)).toEqual(['hi', 'stale', 'bad_quality', 'comms_loss', 'device_fault', 'signal_out_of_range']);
    const raised = alarmEvents('line/P/stale').filter((e) => e.conditionActive);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ toMode: 'shelved', annunciated: false });
    const restored = setup(config);
    restored.engine.restore(JSON.parse(JSON.stringify(engine.snapshot())));
    expect(restored.engine.alarm('line/P/stale')).toMatchObject({ mode: 'shelved', conditionActive: true });
    expect(restored.engine.alarm('line/P/bad_quality')).toMatchObject({ state: 'normal', mode: 'in_service' });
  });

  it('a maintenance reading suppresses every health alarm of the point by design, used before or not', () => {
    const { engine, feed, alarmEvents } = setup({ points: [{ id: 'P', limits: { hi: 5 } }] });
    feed('P', 0, 1, { quality: 'uncertain', reason: { code: 'maintenance', message: 'check function' } });
    for (const rule of ['hi', 'stale', 'bad_quality', 'comms_loss', 'device_fault', 'signal_out_of_range']) {
      expect(engine.alarm(`P/${rule}`)?.mode).toBe('suppressed');
      expect(alarmEvents(`P/${rule}`).map((e) => e.toMode)).toEqual(['suppressed']);
    }
  });
});

describe('voting', () => {
  const group = (onBadQuality: 'trip' | 'ignore', onOutOfService?: 'counts-toward-trip' | 'left-out') => ({
    points: ['A', 'B', 'C'].map((id) => ({ id, limits: { hi: 20 } })),
    votingGroups: [{ id: 'tank-farm', area: 'tank-farm', vote: '2oo3', points: ['A', 'B', 'C'], trip: 'hi', onBadQuality, onOutOfService }],
  });
  const takeOutOfService = (engine: AlarmEngine, id: string, seconds: number) =>
    engine.command({ kind: 'remove_from_service', target: `${id}/hi`, time: T0 + seconds * 1000, person: 'Li Wei', reason: 'bump test' });

  it('2oo3 trips with two detectors above hi, not with one', () => {
    const { engine, feed } = setup(group('trip'));
    feed('A', 0, 25);
    feed('B', 0, 5);
    feed('C', 0, 5);
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(false);
    feed('B', 1, 30);
    expect(engine.alarm('vote/tank-farm')).toMatchObject({ conditionActive: true, priority: 'emergency' });
  });

  it('a bad-quality detector votes trip by default', () => {
    const { engine, feed } = setup(group('trip'));
    feed('A', 0, 25);
    feed('B', 0, 5, { quality: 'bad', reason: { code: 'timeout', message: 'no answer' } });
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(true);
  });

  it('with "ignore" a bad detector does not vote, and that is reported as an event', () => {
    const { engine, feed, events } = setup(group('ignore'));
    feed('A', 0, 25);
    feed('B', 0, 5, { quality: 'bad', reason: { code: 'timeout', message: 'no answer' } });
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(false);
    expect(events.filter((e) => e.type === 'vote_ignored')).toMatchObject([{ pointId: 'B', ignored: true, groupId: 'tank-farm' }]);
  });

  it('by default a detector out of service does not vote but its place counts toward the trip: 2oo3 -> 1oo2 -> 1oo1, never tripping alone', () => {
    const { engine, feed, events } = setup(group('trip'));
    for (const id of ['A', 'B', 'C']) feed(id, 0, 5);
    expect(takeOutOfService(engine, 'A', 1)).toEqual({ ok: true });
    // Test gas on A trips nothing by itself.
    feed('A', 2, 50);
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(false);
    // 1oo2 over B and C: one of them is enough.
    feed('B', 3, 30);
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(true);
    expect(events.filter((e) => e.type === 'alarm' && e.alarmId === 'vote/tank-farm').at(-1)).toMatchObject({ why: expect.stringContaining('1 out of service, voting 1oo2') });
    feed('B', 4, 5);
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(false);
    expect(takeOutOfService(engine, 'B', 5)).toEqual({ ok: true });
    feed('C', 6, 30);
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(true);
  });

  it('with "left-out" a detector out of service does not vote (test gas on it trips nothing); the group needs k of the rest, at most all of them', () => {
    const { engine, feed, events } = setup(group('trip', 'left-out'));
    for (const id of ['A', 'B', 'C']) feed(id, 0, 5);
    const outOfService = (id: string, seconds: number) => takeOutOfService(engine, id, seconds);
    expect(outOfService('A', 1)).toEqual({ ok: true });
    expect(events.filter((e) => e.type === 'vote_ignored')).toMatchObject([{ pointId: 'A', ignored: true, why: expect.stringContaining('out of service') }]);
    feed('A', 2, 50);
    feed('B', 2, 30);
    // 2oo3 with A out: B alone is one of the two that must trip.
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(false);
    feed('C', 3, 30);
    expect(engine.alarm('vote/tank-farm')).toMatchObject({ conditionActive: true });
    feed('B', 4, 5);
    feed('C', 4, 5);
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(false);
    // With two out, 2oo3 becomes 1oo1 on the one left: the area keeps its interlock.
    expect(outOfService('B', 5)).toEqual({ ok: true });
    feed('C', 6, 30);
    expect(engine.alarm('vote/tank-farm')).toMatchObject({ conditionActive: true });
    // The test gas off A, A back in service: it votes again, so C alone (2oo2 over A and C) no longer trips.
    feed('A', 7, 5);
    feed('C', 7, 5);
    expect(engine.command({ kind: 'return_to_service', target: 'A/hi', time: T0 + 8000, person: 'Li Wei' })).toEqual({ ok: true });
    expect(events.filter((e) => e.type === 'vote_ignored').at(-1)).toMatchObject({ pointId: 'A', ignored: false });
    feed('C', 9, 30);
    expect(engine.alarm('vote/tank-farm')?.conditionActive).toBe(false);
  });
});

describe('exposure', () => {
  it('STEL and TWA are time-weighted with the covered fraction, limits from the gas preset', () => {
    const { engine, feed, alarmEvents } = setup({
      points: [{ id: 'CO-1', preset: { gas: 'CO', unit: 'mg/m3' }, exposure: { stel: true, twa: true }, holdS: 60 }],
    });
    for (let s = 0; s <= 600; s += 10) feed('CO-1', s, s < 300 ? 10 : 40);
    const stel = engine.windowValue('CO-1', 'stel');
    // 300 s at 10 and 300 s at 40 (the last reading has not held yet): 25 mg/m3 over 600 s of 900 s (+ pane slack).
    expect(stel.value).toBeCloseTo(25, 6);
    expect(stel.coverage).toBeGreaterThan(0.6);
    expect(stel.coverage).toBeLessThanOrEqual(600 / 900);
    for (let s = 610; s <= 900; s += 10) feed('CO-1', s, 40);
    expect(engine.alarm('CO-1/stel')?.conditionActive).toBe(true);
    expect(alarmEvents('CO-1/stel')[0]?.coverage).toBeGreaterThan(0);
    expect(engine.windowValue('CO-1', 'twa').coverage).toBeLessThan(0.04);
  });

  it('a time-weighted window with nothing covered has no value: the alarm keeps its state instead of clearing', () => {
    // The running integral keeps a rounding remainder once its readings leave: divided by 0 covered time it was
    // -Infinity here, which cleared the alarm on no data.
    const { engine, alarmEvents } = setup({ points: [{ id: 'A', holdS: 20, windows: [{ name: 'w', aggregate: 'twa', windowS: 12, above: 60 }] }] });
    for (const [ms, value] of [
      [0, 530 / 7],
      [1000, 83 / 7],
      [41_000, 0.5],
    ] as const) {
      engine.processReadings([{ pointId: 'A', value, unit: '', sourceTime: T0 + ms, receiveTime: T0 + ms, quality: 'good' }]);
    }
    expect(alarmEvents('A/w').map((e) => [e.conditionActive, e.value])).toEqual([[true, expect.closeTo(75.71, 2)]]);
    expect(engine.alarm('A/w')?.conditionActive).toBe(true);
  });
});

describe('actions', () => {
  const config = {
    points: [{ id: 'GT-1', limits: { hihi: 50 }, deadband: 2 }],
    actions: [{ id: 'SOV-1', kind: 'shutoff_valve', output: 'valve-1', when: ['GT-1/hihi'] }],
  };

  it('latches the command; reset is refused while the condition is active and accepted after, naming the person', () => {
    const { engine, feed, events } = setup(config);
    feed('GT-1', 0, 60);
    expect(events.filter((e) => e.type === 'action')).toMatchObject([{ actionId: 'SOV-1', command: 'close', alarmId: 'GT-1/hihi' }]);
    feed('GT-1', 1, 70);
    expect(events.filter((e) => e.type === 'action')).toHaveLength(1);
    const refused = engine.command({ kind: 'reset', target: 'SOV-1', time: T0 + 2000, person: 'Li Wei' });
    expect(refused).toEqual({ ok: false, reason: expect.stringContaining('condition still active'), code: 'condition_active', params: { target: 'SOV-1', active: 'GT-1/hihi' } });
    expect(events.at(-1)).toMatchObject({ type: 'command_refused', who: 'Li Wei', code: 'condition_active', params: { target: 'SOV-1', active: 'GT-1/hihi' } });
    feed('GT-1', 3, 10);
    expect(engine.actionLatched('SOV-1')).toBe(true);
    expect(engine.command({ kind: 'reset', target: 'SOV-1', time: T0 + 4000, person: '' }).ok).toBe(false);
    expect(engine.command({ kind: 'reset', target: 'SOV-1', time: T0 + 4000, person: 'Li Wei', reason: 'leak fixed' })).toEqual({ ok: true });
    expect(events.at(-1)).toMatchObject({ type: 'action', command: 'release', who: 'Li Wei', why: 'leak fixed' });
    expect(engine.actionLatched('SOV-1')).toBe(false);
  });
});

describe('input edge cases', () => {
  it('late readings beyond the tolerance are refused with an event; within it they apply at the latest time', () => {
    const { engine, feed, events } = setup({ points: [{ id: 'P', limits: { hi: 50 }, lateToleranceS: 5 }] });
    feed('P', 100, 1);
    feed('P', 90, 99);
    expect(events.filter((e) => e.type === 'late_reading')).toEqual([{ type: 'late_reading', pointId: 'P', time: T0 + 90_000, latestTime: T0 + 100_000, lateByMs: 10_000 }]);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(false);
    feed('P', 97, 99);
    expect(engine.alarm('P/hi')?.conditionActive).toBe(true);
    expect(engine.stats()).toMatchObject({ late: 1, reordered: 1 });
  });

  it('exact duplicates are dropped and counted; NaN/Infinity become bad quality (decode); non-finite times are invalid', () => {
    const { engine, feed, events } = setup({ points: [{ id: 'P', windows: [{ name: 'avg', aggregate: 'avg', windowS: 60, above: 100 }] }] });
    feed('P', 0, 10);
    feed('P', 0, 10);
    expect(engine.stats().duplicates).toBe(1);
    expect(engine.windowValue('P', 'avg').count).toBe(1);
    feed('P', 1, Number.POSITIVE_INFINITY);
    expect(engine.alarm('P/bad_quality')?.conditionActive).toBe(true);
    expect(engine.windowValue('P', 'avg').value).toBe(10);
    engine.processReadings([{ pointId: 'P', value: 1, unit: '', sourceTime: Number.NaN, receiveTime: 0, quality: 'good' }]);
    engine.processReadings([{ pointId: 'nope', value: 1, unit: '', sourceTime: null, receiveTime: T0, quality: 'good' }]);
    expect(events.filter((e) => e.type === 'invalid_reading').map((e) => e.pointId)).toEqual(['P', 'nope']);
    expect(engine.stats()).toMatchObject({ nonFinite: 1, invalid: 2 });
  });

  it('the columnar batch gives the same events as Reading objects', () => {
    const config = { points: [{ id: 'P', limits: { hi: 5 }, windows: [{ name: 'm', aggregate: 'max', windowS: 3, above: 8 }] }] };
    const a = setup(config);
    const b = setup(config);
    const values = [1, 6, 9, 2, 2, 2, 2, 7];
    values.forEach((v, s) => a.feed('P', s, v));
    b.engine.processBatch({
      length: values.length,
      point: new Int32Array(values.length),
      time: Float64Array.from(values, (_, s) => T0 + s * 1000),
      value: Float64Array.from(values),
      quality: new Uint8Array(values.length),
    });
    expect(b.events).toEqual(a.events);
    expect(a.events.length).toBeGreaterThan(3);
  });
});

describe('columnar reason and flag columns', () => {
  it('reason codes and the fault flag bit raise the same health alarms as Reading fields', () => {
    const { engine } = setup({ points: [{ id: 'A' }, { id: 'B' }] });
    engine.processBatch({
      length: 2,
      point: Int32Array.from([0, 1]),
      time: Float64Array.from([T0, T0]),
      value: Float64Array.from([Number.NaN, 3]),
      quality: Uint8Array.from([2, 0]),
      reason: Uint8Array.from([REASON_CODES.indexOf('timeout'), 0]),
      flags: Uint8Array.from([0, FLAG_FAULT]),
    });
    expect([engine.alarm('A/comms_loss')?.conditionActive, engine.alarm('A/bad_quality')?.conditionActive]).toEqual([true, true]);
    expect([engine.alarm('B/device_fault')?.conditionActive, engine.alarm('B/bad_quality')?.conditionActive]).toEqual([true, false]);
    expect(() => engine.processReading(5, T0, 1, 0, 0, 0)).toThrow(/point index 5 is not configured/);
  });
});

describe('snapshot and restore', () => {
  it('an engine restored from a snapshot continues exactly like the original; changed points are skipped', () => {
    const rules = { id: 'P', limits: { hi: 50 }, onDelayS: 5, windows: [{ name: 'avg', aggregate: 'avg', windowS: 30, above: 40 }] };
    const original = setup({ points: [rules, { id: 'Q', limits: { hi: 1 } }] });
    for (let s = 0; s < 20; s += 1) original.feed('P', s, s * 3);
    const snapshot = JSON.parse(JSON.stringify(original.engine.snapshot()));
    const copy = setup({ points: [rules, { id: 'Q', limits: { hi: 1 }, deadband: 0.5 }] });
    expect(copy.engine.restore(snapshot)).toEqual({ restored: ['P'], skipped: [{ id: 'Q', reason: 'rules changed' }], limitsMoved: [] });
    original.events.length = 0;
    for (let s = 20; s < 40; s += 1) {
      original.feed('P', s, 60 - s);
      copy.feed('P', s, 60 - s);
    }
    expect(copy.events.filter((e) => e.type === 'alarm')).toEqual(original.events);
    expect(copy.engine.windowValue('P', 'avg').value).toBeCloseTo(original.engine.windowValue('P', 'avg').value, 9);
    expect(() => copy.engine.restore({ ...snapshot, version: 99 })).toThrow(/HAZMON|version 99/);
  });

  it('a point whose limit values only moved keeps its state: the alarm of an unmoved limit as it was, a moved one judged by the next reading', () => {
    const rules = (hi: number, hihi: number) => ({
      points: [{ id: 'P', limits: { hi, hihi: { value: hihi, priority: 'emergency' } }, deadband: 1, windows: [{ name: 'avg', aggregate: 'avg', windowS: 30, above: 40 }] }],
    });
    const original = setup(rules(50, 80));
    for (let s = 0; s < 10; s += 1) original.feed('P', s, 60);
    expect(original.engine.command({ kind: 'ack', target: 'P/hi', time: T0 + 10_000, person: 'li', reason: 'seen' })).toEqual({ ok: true });
    const snapshot = original.engine.snapshot();

    const hihiMoved = setup(rules(50, 90));
    expect(hihiMoved.engine.restore(snapshot)).toEqual({ restored: ['P'], skipped: [], limitsMoved: ['P'] });
    hihiMoved.feed('P', 11, 60);
    expect(hihiMoved.engine.alarm('P/hi')).toMatchObject({ state: 'acknowledged_active', conditionActive: true });
    expect(hihiMoved.engine.windowValue('P', 'avg').value).toBeCloseTo(60, 9);
    expect(hihiMoved.events).toEqual([]);

    const hiAbove = setup(rules(70, 80));
    expect(hiAbove.engine.restore(snapshot).limitsMoved).toEqual(['P']);
    expect(hiAbove.engine.alarm('P/hi')).toMatchObject({ state: 'acknowledged_active', conditionActive: true });
    hiAbove.feed('P', 11, 60);
    expect(hiAbove.engine.alarm('P/hi')).toMatchObject({ state: 'normal', conditionActive: false });
    expect(hiAbove.alarmEvents('P/hi').map((e) => [e.who, e.toState])).toEqual([['engine', 'normal']]);

    const hiStillBelow = setup(rules(55, 80));
    hiStillBelow.engine.restore(snapshot);
    hiStillBelow.feed('P', 11, 60);
    expect(hiStillBelow.engine.alarm('P/hi')).toMatchObject({ state: 'acknowledged_active', conditionActive: true });
    expect(hiStillBelow.events).toEqual([]);

    const priorityChanged = setup({ points: [{ ...rules(50, 80).points[0]!, limits: { hi: 50, hihi: { value: 80, priority: 'high' } } }] });
    expect(priorityChanged.engine.restore(snapshot)).toEqual({ restored: [], skipped: [{ id: 'P', reason: 'rules changed' }], limitsMoved: [] });
  });
});

describe('engine-wide flat state', () => {
  /** Rule sets that differ in which slots, windows and scalars they use, so an indexing slip shows. */
  const ruleSets = [
    { limits: { hihi: 90, hi: 70, lo: 10, lolo: 5 }, deadband: 2, onDelayS: 2, offDelayS: 3, health: { staleS: 20, stuck: { epsilon: 0.5, forS: 15 } } },
    {
      windows: [
        { name: 'avg20', aggregate: 'avg', windowS: 20, above: 60, onDelayS: 1 },
        { name: 'min20', aggregate: 'min', windowS: 20, below: 15 },
      ],
      rate: { windowS: 30, risingPerMinute: 40, fallingPerMinute: 40 },
    },
    {
      limits: { hi: 50 },
      windows: [
        { name: 'max600', aggregate: 'max', windowS: 600, above: 80 },
        { name: 'twa60', aggregate: 'twa', windowS: 60, above: 55 },
      ],
      health: { staleS: 10, ne43: false, faultFlags: ['fault'] },
    },
    { limits: { hi: 18, lo: 6 }, deadband: 0.5, health: { staleS: 30, ne43: true, stuck: { epsilon: 0.01, forS: 8 } } },
  ];
  const points = ruleSets.map((rules, i) => ({ id: `P${i}`, site: `site-${i}`, ...rules }));
  const reasons = [undefined, 'timeout', 'device_fault', 'maintenance', 'signal_out_of_range'] as const;
  const stepArbitrary = fc.record({
    point: fc.integer({ min: 0, max: points.length - 1 }),
    gapMs: fc.oneof(fc.constant(0), fc.integer({ min: -8_000, max: 4_000 }), fc.integer({ min: 0, max: 40_000 })),
    value: fc.oneof(fc.double({ min: -5, max: 110, noNaN: true }), fc.constantFrom(3, 12, 20, 50, 70, 95, Number.NaN)),
    quality: fc.constantFrom('good', 'good', 'good', 'uncertain', 'bad'),
    reason: fc.constantFrom(...reasons),
    fault: fc.boolean(),
    tick: fc.integer({ min: 0, max: 9 }),
  });

  it('each point behaves exactly as in an engine of its own, whatever readings of other points come between', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 300 }), (steps) => {
        const shared = setup({ points });
        const alone = points.map((point) => setup({ points: [point] }));
        const everyEngine = [shared, ...alone];
        for (const { engine } of everyEngine) engine.tick(T0);
        let clock = T0;
        for (const step of steps) {
          clock += step.gapMs;
          const id = `P${step.point}`;
          const reading: Reading = {
            pointId: id,
            value: step.value,
            unit: '',
            sourceTime: clock,
            receiveTime: clock,
            quality: step.quality,
            ...(step.reason === undefined ? {} : { reason: { code: step.reason, message: 'generated' } }),
            ...(step.fault ? { flags: { fault: true } } : {}),
          };
          shared.engine.processReadings([reading]);
          alone[step.point]!.engine.processReadings([reading]);
          if (step.tick === 0) for (const { engine } of everyEngine) engine.tick(clock);
        }
        const of = (events: EngineEvent[], i: number) => events.filter((e) => ('pointId' in e && e.pointId === `P${i}`) || ('site' in e && e.site === `site-${i}`));
        points.forEach((point, i) => {
          const own = alone[i]!;
          expect(of(shared.events, i)).toEqual(own.events);
          expect(shared.engine.alarms().filter((a) => a.pointId === point.id)).toEqual(own.engine.alarms());
          expect(shared.engine.snapshot([point.id]).points).toEqual(own.engine.snapshot().points);
        });
        const sum = alone
          .map(({ engine }) => engine.stats())
          .reduce((a, b) => ({
            readings: a.readings + b.readings,
            late: a.late + b.late,
            reordered: a.reordered + b.reordered,
            duplicates: a.duplicates + b.duplicates,
            nonFinite: a.nonFinite + b.nonFinite,
            invalid: a.invalid + b.invalid,
          }));
        expect(shared.engine.stats()).toEqual(sum);
      }),
      { numRuns: 150 },
    );
  });
});
