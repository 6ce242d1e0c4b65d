/** Flood tracking against a naive recount of the last 10 minutes, over long runs that compact its queue many times. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Alarm } from './alarm.ts';
import { AlarmHealthTracker, FLOOD_COUNT, FLOOD_WINDOW_MS } from './alarm-health.ts';
import type { EngineEvent } from './events.ts';

const T0 = 1_700_000_000_000;

describe('alarm floods', () => {
  it('start and end exactly when a naive count of the last 10 minutes crosses 10, through snapshots too', () => {
    const alarms = Array.from({ length: 5 }, (_, i) => new Alarm(`P${i}/hi`, `P${i}`, 'north', 'hi', 'limit', 'high', false));
    const step = fc.record({
      gapMs: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 2 * FLOOD_WINDOW_MS }), fc.constantFrom(60_000, FLOOD_WINDOW_MS / 2, FLOOD_WINDOW_MS)),
      alarm: fc.nat(4),
      tickOnly: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 400 }), fc.nat(399), fc.boolean(), (steps, restoreAt, sameTracker) => {
        let tracker = new AlarmHealthTracker();
        const events: EngineEvent[] = [];
        const sink = (event: EngineEvent) => events.push(event);
        const expected: EngineEvent[] = [];
        const times: number[] = [];
        let inFlood = false;
        let now = T0;
        steps.forEach(({ gapMs, alarm, tickOnly }, i) => {
          now += gapMs;
          if (i === restoreAt) {
            const copy = JSON.parse(JSON.stringify(tracker.snapshot())) as ReturnType<AlarmHealthTracker['snapshot']>;
            // The same tracker, after a different history, or a new one.
            if (sameTracker) tracker.recordActivation(alarms[0]!, now - 1, () => {});
            else tracker = new AlarmHealthTracker();
            tracker.restore(copy);
          }
          if (!tickOnly) times.push(now);
          const count = times.filter((time) => now - time < FLOOD_WINDOW_MS).length;
          if (tickOnly) tracker.advance(now, sink);
          else tracker.recordActivation(alarms[alarm]!, now, sink);
          if (inFlood && count < FLOOD_COUNT) {
            inFlood = false;
            expected.push({ type: 'alarm_flood', time: now, site: 'north', phase: 'end', alarmsIn10Min: count });
          } else if (!inFlood && count >= FLOOD_COUNT && !tickOnly) {
            inFlood = true;
            expected.push({ type: 'alarm_flood', time: now, site: 'north', phase: 'start', alarmsIn10Min: count });
          }
        });
        expect(events.filter((event) => event.type === 'alarm_flood')).toEqual(expected);
        if (times.length > 0) expect(tracker.snapshot()['north']?.recent).toEqual(times.filter((time) => now - time < FLOOD_WINDOW_MS));
      }),
      { numRuns: 300 },
    );
  });
});

describe('chattering alarms', () => {
  it('count the activations a restore brings back, not those the alarm saw before it', () => {
    const alarm = new Alarm('P/hi', 'P', 'north', 'hi', 'limit', 'high', false);
    const tracker = new AlarmHealthTracker();
    const events: EngineEvent[] = [];
    const sink = (event: EngineEvent) => events.push(event);
    tracker.recordActivation(alarm, T0, sink);
    const saved = JSON.parse(JSON.stringify(tracker.snapshot())) as ReturnType<AlarmHealthTracker['snapshot']>;
    // After the snapshot the alarm goes active twice more, far apart: no chattering.
    tracker.recordActivation(alarm, T0 + 100_000, sink);
    tracker.recordActivation(alarm, T0 + 200_000, sink);
    tracker.restore(saved);
    // Restored: one activation at T0. Two more within the minute make three: chattering on the third only.
    tracker.recordActivation(alarm, T0 + 30_000, sink);
    expect(events.filter((event) => event.type === 'alarm_chattering')).toEqual([]);
    tracker.recordActivation(alarm, T0 + 40_000, sink);
    expect(events.filter((event) => event.type === 'alarm_chattering')).toEqual([{ type: 'alarm_chattering', time: T0 + 40_000, site: 'north', alarmId: 'P/hi', activationsIn1Min: 3 }]);
    expect(tracker.snapshot()['north']?.lastActivations).toEqual({ 'P/hi': [T0, T0 + 30_000, T0 + 40_000] });
  });
});
