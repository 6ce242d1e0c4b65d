/** Simulation time: runs at a speed factor against the wall clock, or is stepped by hand; devices and scenarios advance on it. */

export type ClockListener = (nowSimMs: number, deltaSimMs: number) => void;

export interface SimClockOptions {
  /** Simulated ms per real ms; 0 means the clock moves only through step(). Default 1. */
  speed?: number;
  /** Real-time interval between automatic advances. Default 50 ms. */
  tickMs?: number;
}

export class SimClock {
  readonly speed: number;
  private readonly tickMs: number;
  private nowMs = 0;
  private readonly listeners: ClockListener[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastRealMs = 0;

  constructor(options: SimClockOptions = {}) {
    this.speed = options.speed ?? 1;
    this.tickMs = options.tickMs ?? 50;
    if (!(this.speed >= 0) || !Number.isFinite(this.speed)) throw new RangeError(`SimClock speed must be >= 0, got ${this.speed}`);
  }

  /** Simulated ms since the clock was created. */
  now(): number {
    return this.nowMs;
  }

  /** Registers a listener called after every advance; returns a function that removes it. */
  onAdvance(listener: ClockListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Moves simulated time forward by `simMs` and notifies every listener once. */
  step(simMs: number): void {
    if (!(simMs >= 0)) throw new RangeError(`SimClock.step needs a non-negative duration, got ${simMs}`);
    this.nowMs += simMs;
    for (const listener of this.listeners) listener(this.nowMs, simMs);
  }

  /** Starts advancing with the wall clock times `speed`; a no-op for a manual (speed 0) clock. */
  start(): void {
    if (this.timer !== null || this.speed === 0) return;
    this.lastRealMs = performance.now();
    this.timer = setInterval(() => {
      const realMs = performance.now();
      const elapsed = realMs - this.lastRealMs;
      this.lastRealMs = realMs;
      this.step(elapsed * this.speed);
    }, this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
