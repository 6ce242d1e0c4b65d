/** A runtime alarm's repeats while it stands: each one an `updated` event, or counted and coalesced when it asks so. */
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from './events.ts';
import { RuntimeAlarms } from './runtime-alarms.ts';

function alarms() {
  const clock = { now: 1_000_000 };
  const published: AgentEvent[] = [];
  const runtime = new RuntimeAlarms(
    () => clock.now,
    (event) => published.push(event),
  );
  const transitions = () => published.map((event) => (event.type === 'runtime_alarm' ? [event.transition, event.occurrences] : [event.type]));
  return { clock, runtime, transitions };
}

const STORE_FAILURE = { alarmId: 'store/flush_failed', source: null, rule: 'flush_failed', active: true, priority: 'high', why: 'commit failed', details: {} } as const;

describe('RuntimeAlarms repeats', () => {
  it('publishes every repeat of a standing alarm as an update by default (a valve retried: each attempt is news)', () => {
    const { runtime, transitions } = alarms();
    for (let attempt = 0; attempt < 3; attempt += 1) runtime.raise('XV-1/shutoff_discrepancy', 'XV-1', 'shutoff_discrepancy', 'emergency', `attempt ${attempt}`);
    expect(transitions()).toEqual([
      ['raised', 1],
      ['updated', 2],
      ['updated', 3],
    ]);
  });

  it('counts the repeats within updateEveryMs and publishes one update per interval with the count, then the clear', () => {
    const { clock, runtime, transitions } = alarms();
    for (let second = 0; second < 125; second += 1) {
      runtime.set({ ...STORE_FAILURE, updateEveryMs: 60_000 });
      clock.now += 1000;
    }
    runtime.set({ ...STORE_FAILURE, active: false, why: 'commits go through again' });
    expect(transitions()).toEqual([
      ['raised', 1],
      ['updated', 61],
      ['updated', 121],
      ['cleared', 125],
    ]);
  });
});

describe('RuntimeAlarms acknowledgement', () => {
  it('keeps the reason empty when the person gave none', () => {
    const published: AgentEvent[] = [];
    const runtime = new RuntimeAlarms(
      () => 1_000_000,
      (event) => published.push(event),
    );
    runtime.raise('XV-1/shutoff_discrepancy', 'XV-1', 'shutoff_discrepancy', 'emergency', 'no feedback');
    expect(runtime.acknowledge('XV-1/shutoff_discrepancy', 'Wang Fang', '').result).toEqual({ ok: true });
    expect(published.at(-1)).toMatchObject({ type: 'runtime_alarm', transition: 'acknowledged', who: 'Wang Fang', why: '' });
  });
});
