/**
 * Back-off on failed sign-ins, per user name and per client address: after a few failures each further attempt must
 * wait, the wait doubling per failure up to a cap; a success clears the name's and the address's count. Checked
 * before the password is: a throttled attempt costs no scrypt, and guessing is slowed to a few tries an hour.
 */
export interface ThrottleLimits {
  /** Failures allowed before the waits start. */
  readonly freeFailures: number;
  readonly firstWaitMs: number;
  readonly maxWaitMs: number;
}

/** Per name: a person mistyping 5 times waits 1 s, then 2, 4, ... up to 15 min. Per address: more room for a shared workstation. */
export const USER_LIMITS: ThrottleLimits = { freeFailures: 5, firstWaitMs: 1000, maxWaitMs: 15 * 60_000 };
export const ADDRESS_LIMITS: ThrottleLimits = { freeFailures: 20, firstWaitMs: 1000, maxWaitMs: 15 * 60_000 };
/** Entries are forgotten this long after their last failure; the maps are bounded by the failures of this period. */
const FORGET_AFTER_MS = 60 * 60_000;
const SWEEP_ABOVE = 10_000;

interface Failures {
  count: number;
  lastAt: number;
}

class FailureCounter {
  private readonly byKey = new Map<string, Failures>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  /** Ms left before `key` may try again; 0 when it may now. */
  waitMs(key: string): number {
    const failures = this.byKey.get(key);
    if (failures === undefined || failures.count < this.limits.freeFailures) return 0;
    const wait = Math.min(this.limits.maxWaitMs, this.limits.firstWaitMs * 2 ** (failures.count - this.limits.freeFailures));
    return Math.max(0, failures.lastAt + wait - this.now());
  }

  fail(key: string): void {
    const time = this.now();
    if (this.byKey.size > SWEEP_ABOVE) for (const [other, failures] of this.byKey) if (time - failures.lastAt > FORGET_AFTER_MS) this.byKey.delete(other);
    const failures = this.byKey.get(key);
    if (failures === undefined || time - failures.lastAt > FORGET_AFTER_MS) this.byKey.set(key, { count: 1, lastAt: time });
    else {
      failures.count += 1;
      failures.lastAt = time;
    }
  }

  clear(key: string): void {
    this.byKey.delete(key);
  }
}

export class LoginThrottle {
  private readonly users: FailureCounter;
  private readonly addresses: FailureCounter;

  constructor(now: () => number, limits: { readonly user: ThrottleLimits; readonly address: ThrottleLimits } = { user: USER_LIMITS, address: ADDRESS_LIMITS }) {
    this.users = new FailureCounter(limits.user, now);
    this.addresses = new FailureCounter(limits.address, now);
  }

  /** Ms before this name may try again from this address; 0 when it may now. */
  waitMs(name: string, address: string): number {
    return Math.max(this.users.waitMs(name), this.addresses.waitMs(address));
  }

  failed(name: string, address: string): void {
    this.users.fail(name);
    this.addresses.fail(address);
  }

  succeeded(name: string, address: string): void {
    this.users.clear(name);
    this.addresses.clear(address);
  }
}
