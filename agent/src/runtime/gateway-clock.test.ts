import { describe, expect, it } from 'vitest';
import { CLOCK_JUMP_ALARM, GatewayClock } from './gateway-clock.ts';

describe('GatewayClock', () => {
  it('advances with the monotonic clock in whole ms; a wall clock step is raised with its size and cleared once back in step', () => {
    let wall = 1_700_000_000_000;
    let monotonic = 50.25;
    const clock = new GatewayClock(
      () => wall,
      () => monotonic,
    );
    monotonic += 1000.5;
    wall += 1000;
    expect(clock.now()).toBe(1_700_000_001_000);
    expect(clock.check()).toBeNull();

    wall += 3_600_250;
    monotonic += 250;
    expect(clock.now()).toBe(1_700_000_001_250);
    expect(clock.check()).toMatchObject({ alarmId: CLOCK_JUMP_ALARM, active: true, priority: 'medium', details: { stepMs: 3_600_000 } });
    expect(clock.check()).toBeNull();

    wall -= 3_600_000;
    expect(clock.check()).toMatchObject({ active: false, why: expect.stringMatching(/stepped by -3600\.0 s and is back in step/) });
    // A drift under the step size is no step.
    wall += 1500;
    expect(clock.check()).toBeNull();
  });
});
