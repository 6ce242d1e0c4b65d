/** Sign-in back-off: free failures, then waits doubling to a cap, per name and per address; a success clears both. */
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.ts';

const LIMITS = { user: { freeFailures: 3, firstWaitMs: 1000, maxWaitMs: 8000 }, address: { freeFailures: 5, firstWaitMs: 1000, maxWaitMs: 8000 } };

function throttle() {
  const state = { now: 0 };
  return { state, throttle: new LoginThrottle(() => state.now, LIMITS) };
}

describe('LoginThrottle', () => {
  it('lets a name fail freely a few times, then doubles the wait per failure up to the cap', () => {
    const { state, throttle: limiter } = throttle();
    const waits: number[] = [];
    for (let failure = 0; failure < 8; failure += 1) {
      state.now += limiter.waitMs('op', `10.0.0.${failure}`);
      limiter.failed('op', `10.0.0.${failure}`);
      waits.push(limiter.waitMs('op', '10.0.0.99'));
    }
    expect(waits).toEqual([0, 0, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('slows an address trying many names, and not another address', () => {
    const { throttle: limiter } = throttle();
    for (let name = 0; name < 5; name += 1) limiter.failed(`user${name}`, '10.0.0.1');
    expect(limiter.waitMs('someone', '10.0.0.1')).toBe(1000);
    expect(limiter.waitMs('someone', '10.0.0.2')).toBe(0);
  });

  it('clears the name and the address on a success', () => {
    const { throttle: limiter } = throttle();
    for (let failure = 0; failure < 5; failure += 1) limiter.failed('op', '10.0.0.1');
    expect(limiter.waitMs('op', '10.0.0.1')).toBeGreaterThan(0);
    limiter.succeeded('op', '10.0.0.1');
    expect(limiter.waitMs('op', '10.0.0.1')).toBe(0);
  });

  it('forgets failures an hour old', () => {
    const { state, throttle: limiter } = throttle();
    for (let failure = 0; failure < 4; failure += 1) limiter.failed('op', '10.0.0.1');
    state.now += 61 * 60_000;
    limiter.failed('op', '10.0.0.1');
    expect(limiter.waitMs('op', '10.0.0.1')).toBe(0);
  });
});
