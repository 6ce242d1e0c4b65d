/**
 * One timer for all of a poller's devices: armed for the earliest device due, it runs every device due by then. Each
 * device keeps its own schedule (its ticks anchored to its own start, see `ModbusPoller`); only the timers are shared.
 * A timer per device re-armed after every tick was 1,600 timers a second on the agent bench (80 devices at 50 ms):
 * ~3 % of the agent's CPU in the callbacks and Node's timer lists (bench/RESULTS.md, session 21).
 *
 * @example
 * const timer = new PollTimer(devices, Date.now); // each device: { due, runTick() }
 * for (const device of devices) device.start();
 * timer.arm();
 */

/** What the timer runs: `runTick` once `due` (ms on the poller's clock) has come; `runTick` moves `due` on. */
export interface DueTicks {
  readonly due: number;
  runTick(): void;
}

export class PollTimer {
  private timer: NodeJS.Timeout | null = null;
  /** The due time the armed timer was set for; Infinity when none is armed. */
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;
  private readonly fire = (): void => this.runDue();

  constructor(
    private readonly devices: readonly DueTicks[],
    private readonly now: () => number,
  ) {}

  /** Arms the timer for the earliest due (again after `stop`). */
  arm(): void {
    this.stopped = false;
    this.armEarliest();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  /**
   * Runs each device due by the time the timer was armed for, or by now if later. A timer may fire a little before the
   * poller's clock reaches its due time (Node arms it from the loop's cached time): the device it was armed for is
   * due then, as its own timer would have run it; a device due later waits for the next.
   */
  private runDue(): void {
    this.timer = null;
    const dueBy = Math.max(this.now(), this.armedFor);
    this.armedFor = Number.POSITIVE_INFINITY;
    for (const device of this.devices) {
      // A device's tick may stop the poller (a consumer's callback): the others wait for no timer then.
      if (this.stopped) return;
      if (device.due <= dueBy) device.runTick();
    }
    if (!this.stopped) this.armEarliest();
  }

  private armEarliest(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const device of this.devices) if (device.due < earliest) earliest = device.due;
    if (earliest === this.armedFor && this.timer !== null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = earliest;
    if (earliest === Number.POSITIVE_INFINITY) return;
    // A device that is behind (the loop was held) gets one tick per turn of the loop, as with a timer of its own.
    this.timer = setTimeout(this.fire, Math.max(0, earliest - this.now()));
  }
}
