import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.ts';
import { renderScenarioSignal, scenarioCommsFaultAt, scenarioQuantities, scenarioValueAt } from './signal.ts';

const scenario = (effects: unknown[], extra: Record<string, unknown> = {}) => parseScenario({ name: 'test', durationS: 100, effects, ...extra }, 'test scenario');

describe('scenario signals', () => {
  it('ramps linearly and holds the final value', () => {
    const ramp = scenario([{ kind: 'ramp', quantity: 'concentration', startS: 10, durationS: 20, to: 40 }]);
    const samples = renderScenarioSignal(ramp, 'concentration', { stepMs: 5000, durationMs: 40_000 });
    expect(samples.map((sample) => sample.simTimeMs)).toEqual([0, 5000, 10_000, 15_000, 20_000, 25_000, 30_000, 35_000, 40_000]);
    expect(samples.map((sample) => sample.value)).toEqual([0, 0, 0, 10, 20, 30, 40, 40, 40]);
  });

  it('steps for its window and returns to the value before it', () => {
    const step = scenario([{ kind: 'step', quantity: 'q', startS: 1, durationS: 2, value: 30 }], { initial: { q: 5 } });
    expect(renderScenarioSignal(step, 'q', { stepMs: 1000, durationMs: 4000 }).map((sample) => sample.value)).toEqual([5, 30, 30, 5, 5]);
  });

  it('adds noise that is the same for the same seed, different for another, and within the amplitude', () => {
    const noisy = (seed: number) => scenario([{ kind: 'noise', quantity: 'q', amplitude: 2 }], { seed, initial: { q: 10 } });
    const first = renderScenarioSignal(noisy(3), 'q', { stepMs: 1000, durationMs: 60_000 });
    const again = renderScenarioSignal(noisy(3), 'q', { stepMs: 1000, durationMs: 60_000 });
    const other = renderScenarioSignal(noisy(4), 'q', { stepMs: 1000, durationMs: 60_000 });
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first.every((sample) => sample.value >= 8 && sample.value <= 12)).toBe(true);
    expect(new Set(first.map((sample) => sample.value)).size).toBeGreaterThan(50);
  });

  it('gives the same value at a time whatever the sampling step (the live runner and a replay agree)', () => {
    const leak = scenario([
      { kind: 'ramp', quantity: 'c', startS: 1, durationS: 30, to: 50 },
      { kind: 'noise', quantity: 'c', amplitude: 0.5, periodS: 0.5 },
    ]);
    const coarse = renderScenarioSignal(leak, 'c', { stepMs: 1000, durationMs: 20_000 });
    const fine = renderScenarioSignal(leak, 'c', { stepMs: 250, durationMs: 20_000 });
    for (const sample of coarse) expect(fine.find((other) => other.simTimeMs === sample.simTimeMs)?.value).toBe(sample.value);
  });

  it('chatters around the setpoint every half period', () => {
    const chatter = scenario([{ kind: 'chatter', quantity: 'c', setpoint: 20, amplitude: 1, periodS: 10 }]);
    expect(renderScenarioSignal(chatter, 'c', { stepMs: 5000, durationMs: 20_000 }).map((sample) => sample.value)).toEqual([21, 19, 21, 19, 21]);
  });

  it('overfills at a rate up to the maximum', () => {
    const overfill = scenario([{ kind: 'overfill', startS: 0, ratePerS: 100, max: 8500 }], { initial: { level: 8000 } });
    expect(scenarioQuantities(overfill)).toEqual(['level']);
    expect(renderScenarioSignal(overfill, 'level', { stepMs: 2000, durationMs: 8000 }).map((sample) => sample.value)).toEqual([8000, 8200, 8400, 8500, 8500]);
  });

  it('raises sensorFault for its window and reports comms faults by time', () => {
    const faults = scenario([
      { kind: 'sensorFault', startS: 2, durationS: 2 },
      { kind: 'commsLoss', mode: 'noAnswer', startS: 1, durationS: 2 },
      { kind: 'commsLoss', mode: 'garbled', startS: 2, durationS: 1 },
    ]);
    expect(renderScenarioSignal(faults, 'sensorFault', { stepMs: 1000, durationMs: 5000 }).map((sample) => sample.value)).toEqual([0, 0, 1, 1, 0, 0]);
    expect([0, 1000, 2000, 3000].map((t) => scenarioCommsFaultAt(faults, t))).toEqual(['none', 'noAnswer', 'garbled', 'none']);
    expect(scenarioValueAt(faults, 'unrelated', 2500)).toBe(0);
  });

  it('starts over every durationS when it loops, comms faults included', () => {
    const story = scenario(
      [
        { kind: 'ramp', quantity: 'c', startS: 2, durationS: 4, to: 40 },
        { kind: 'commsLoss', mode: 'noAnswer', startS: 8, durationS: 1 },
      ],
      { durationS: 10, loop: true },
    );
    const round = renderScenarioSignal(story, 'c', { stepMs: 1000, durationMs: 9000 }).map((sample) => sample.value);
    const next = renderScenarioSignal(story, 'c', { stepMs: 1000, durationMs: 19_000 })
      .map((sample) => sample.value)
      .slice(10);
    expect(round).toEqual([0, 0, 0, 10, 20, 30, 40, 40, 40, 40]);
    expect(next).toEqual(round);
    expect([8000, 9000, 18_000, 19_000].map((t) => scenarioCommsFaultAt(story, t))).toEqual(['noAnswer', 'none', 'noAnswer', 'none']);
  });
});
