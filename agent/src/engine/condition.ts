/** A threshold condition with deadband, on-delay and off-delay: the debounce every value rule shares. */

export interface ConditionSnapshot {
  raw: boolean;
  active: boolean;
  pendingSince: number;
}

export class ThresholdCondition {
  /** True: active at value >= limit, clears below limit - deadband. False: active at value <= limit, clears above limit + deadband. */
  readonly above: boolean;
  readonly limit: number;
  readonly deadband: number;
  readonly onDelayMs: number;
  readonly offDelayMs: number;
  /** The value is on the alarm side of the band, before delays. */
  raw = false;
  /** The debounced condition the alarm follows. */
  active = false;
  /** When raw last differed from active; NaN while they agree. */
  pendingSince = Number.NaN;

  constructor(above: boolean, limit: number, deadband: number, onDelayMs: number, offDelayMs: number) {
    this.above = above;
    this.limit = limit;
    this.deadband = deadband;
    this.onDelayMs = onDelayMs;
    this.offDelayMs = offDelayMs;
  }

  /** Feeds a value at time t; returns true when `active` changed. NaN values leave the raw state alone. */
  update(value: number, t: number): boolean {
    if (this.above) {
      if (value >= this.limit) this.raw = true;
      else if (value < this.limit - this.deadband) this.raw = false;
    } else if (value <= this.limit) this.raw = true;
    else if (value > this.limit + this.deadband) this.raw = false;
    return this.advance(t);
  }

  /** Lets time pass without a value (ticks); returns true when a pending delay completed. */
  advance(t: number): boolean {
    if (this.raw === this.active) {
      this.pendingSince = Number.NaN;
      return false;
    }
    if (Number.isNaN(this.pendingSince)) this.pendingSince = t;
    if (t - this.pendingSince < (this.raw ? this.onDelayMs : this.offDelayMs)) return false;
    this.active = this.raw;
    this.pendingSince = Number.NaN;
    return true;
  }

  snapshot(): ConditionSnapshot {
    return { raw: this.raw, active: this.active, pendingSince: this.pendingSince };
  }

  restore(snapshot: ConditionSnapshot): void {
    this.raw = snapshot.raw;
    this.active = snapshot.active;
    this.pendingSince = snapshot.pendingSince ?? Number.NaN;
  }
}
