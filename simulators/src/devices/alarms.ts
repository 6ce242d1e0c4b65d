/** Threshold alarms of a gas detector (rising), optionally latched until a reset. */

export class ThresholdAlarms {
  private latched = 0;

  constructor(
    readonly thresholds: readonly number[],
    private readonly latching: boolean,
  ) {}

  /** Bit i is set while value >= thresholds[i] (or while latched); `enabled` false (fault, warm-up) raises none. */
  update(value: number, enabled: boolean): number {
    let bits = 0;
    if (enabled) {
      for (let i = 0; i < this.thresholds.length; i++) if (value >= this.thresholds[i]!) bits |= 1 << i;
    }
    if (this.latching) this.latched |= bits;
    return bits | this.latched;
  }

  /** Clears latched alarms; those whose condition still holds come back on the next update. */
  reset(): void {
    this.latched = 0;
  }
}
