import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from './clock.ts';

describe('SimClock', () => {
  let running: SimClock | null = null;
  afterEach(() => running?.stop());

  it('steps manually and tells every listener the new time and the delta', () => {
    const clock = new SimClock({ speed: 0 });
    const seen: [number, number][] = [];
    const off = clock.onAdvance((now, delta) => seen.push([now, delta]));
    clock.step(500);
    clock.step(1500);
    off();
    clock.step(1000);
    expect(seen).toEqual([
      [500, 500],
      [2000, 1500],
    ]);
    expect(clock.now()).toBe(3000);
  });

  it('does not move on its own at speed 0', () => {
    const clock = new SimClock({ speed: 0 });
    clock.start();
    expect(clock.now()).toBe(0);
  });

  it('runs faster than real time at a speed factor', async () => {
    const clock = new SimClock({ speed: 50, tickMs: 10 });
    running = clock;
    clock.start();
    const realStart = performance.now();
    while (clock.now() < 2000) await new Promise((resolve) => setTimeout(resolve, 10));
    // Simulated time ran ahead of real time (no bound on how far: the machine may be loaded).
    expect(clock.now()).toBeGreaterThan(performance.now() - realStart);
  });

  it('refuses a negative step', () => {
    expect(() => new SimClock({ speed: 0 }).step(-1)).toThrow(/non-negative/);
  });
});
