/** A value written to a PLC on a fixed period (a toggling coil or a counting register) so the PLC can tell a dead gateway from a quiet one. */
import type { RuntimeAlarmInput } from './runtime-alarms.ts';
import type { OutputWriter } from './shutoff.ts';

export type HeartbeatMode = 'toggle' | 'count';

export interface HeartbeatOptions {
  /** The written point's reading id, for alarms and stats. */
  readonly point: string;
  readonly mode: HeartbeatMode;
  readonly intervalMs: number;
  readonly write: OutputWriter;
  readonly alarm: (alarm: RuntimeAlarmInput) => void;
}

export interface HeartbeatStats {
  readonly point: string;
  readonly writes: number;
  readonly failures: number;
  /** Beats not written because the previous write had not finished (a slow or dead line). */
  readonly skipped: number;
  readonly lastValue: boolean | number | null;
  /** True from a failed write until the next write that succeeds. */
  readonly failing: boolean;
}

/** The counter wraps here so it fits a signed or unsigned 16-bit register. */
const COUNT_WRAP = 32768;

export const HEARTBEAT_ALARM = 'heartbeat/write_failed';

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private toggle = false;
  private count = 0;
  private writes = 0;
  private failures = 0;
  private skipped = 0;
  private lastValue: boolean | number | null = null;
  private failing = false;

  constructor(private readonly options: HeartbeatOptions) {}

  /** Writes the first beat at once, then one per interval. */
  start(): void {
    if (this.timer) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.intervalMs);
  }

  /** Stops beating and waits for a write in flight; the PLC then sees the value freeze, as it would if the gateway died. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  stats(): HeartbeatStats {
    return { point: this.options.point, writes: this.writes, failures: this.failures, skipped: this.skipped, lastValue: this.lastValue, failing: this.failing };
  }

  private beat(): void {
    if (this.inFlight) {
      this.skipped += 1;
      return;
    }
    const value = this.next();
    this.writes += 1;
    this.inFlight = this.options.write(value).then((result) => {
      this.inFlight = null;
      if (result.ok) {
        this.lastValue = value;
        if (this.failing) this.report(false, `heartbeat to ${this.options.point} written again (${String(value)})`);
        return;
      }
      this.failures += 1;
      if (!this.failing) this.report(true, `heartbeat to ${this.options.point} not written: ${result.detail}; the PLC will take the gateway for dead`);
    });
  }

  private next(): boolean | number {
    if (this.options.mode === 'toggle') {
      this.toggle = !this.toggle;
      return this.toggle;
    }
    this.count = (this.count + 1) % COUNT_WRAP;
    return this.count;
  }

  private report(failing: boolean, why: string): void {
    this.failing = failing;
    this.options.alarm({
      alarmId: HEARTBEAT_ALARM,
      source: this.options.point,
      rule: 'heartbeat_failed',
      active: failing,
      priority: 'high',
      why,
      details: { point: this.options.point, failures: this.failures },
    });
  }
}
