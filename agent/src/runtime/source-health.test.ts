/** SourceHealth's poll-overrun alarm: judged per device over windows, raised by sustained skips, cleared by a window without. */
import { describe, expect, it } from 'vitest';
import { createModbusDevice, parseProfile } from '@hazmon/protocols';
import { type RuntimeAlarmEvent, RuntimeAlarms } from './runtime-alarms.ts';
import { SourceHealth } from './source-health.ts';

const PROFILE = parseProfile('model: one-read\npoints:\n  - { id: level, table: holding, address: 0, type: uint16, intervalMs: 1000 }\n', 'one-read.yaml');
const DEVICE = createModbusDevice(PROFILE, { id: 'LT-1', profile: 'one-read', line: 'plant', unitId: 1 });

/** SourceHealth on a fake clock; `minute(skipped)` runs one 60-s window of 1-s ticks with that many overruns counted. */
function harness() {
  let now = 0;
  let overruns = 0;
  const events: RuntimeAlarmEvent[] = [];
  const health = new SourceHealth(
    new RuntimeAlarms(
      () => now,
      (event) => events.push(event),
    ),
    10_000,
  );
  health.tick(now, [DEVICE], () => overruns);
  const minute = (skipped: number) => {
    for (let second = 1; second <= 60; second++) {
      now += 1000;
      if (second <= skipped) overruns += 1;
      health.tick(now, [DEVICE], () => overruns);
    }
  };
  const transitions = () => events.filter((event) => event.alarmId === 'LT-1/poll_overrun').map((event) => event.transition);
  return { health, events, minute, transitions };
}

describe('poll overruns', () => {
  it('raises no alarm for a few skipped cycles in a window (a write ahead of the polls, the start)', () => {
    const { minute, transitions } = harness();
    minute(1);
    minute(5);
    expect(transitions()).toEqual([]);
  });

  it('raises at a tenth of the window skipped, updates while it goes on, and clears after a window with none', () => {
    const { events, minute, transitions } = harness();
    minute(6);
    expect(transitions()).toEqual(['raised']);
    expect(events[0]).toMatchObject({ priority: 'low', rule: 'poll_overrun', source: 'LT-1', details: { skipped: 6, ticks: 60 } });
    expect(events[0]!.why).toBe('device LT-1 (unit 1): 6 of 60 poll cycles skipped in the last 60 s because the previous one had not finished (line too slow for the configured intervals)');
    minute(30);
    // Fewer than a tenth, but not none: it stands.
    minute(2);
    expect(transitions()).toEqual(['raised', 'updated']);
    minute(0);
    expect(transitions()).toEqual(['raised', 'updated', 'cleared']);
    expect(events.at(-1)?.why).toBe('device LT-1 (unit 1): no poll cycle skipped in the last 60 s');
  });

  it('clears the alarm of a device removed from the config', () => {
    const { health, minute, transitions } = harness();
    minute(60);
    health.forget(['LT-1'], []);
    expect(transitions()).toEqual(['raised', 'cleared']);
  });
});
