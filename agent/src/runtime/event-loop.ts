/** Event-loop delay of the agent's process (perf_hooks), judged once per window: over the limit raises a runtime alarm, a calm window clears it. */
import type { IntervalHistogram } from 'node:perf_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LatencySnapshot } from '../latency-histogram.ts';
import { LatencyHistogram } from '../latency-histogram.ts';
import type { RuntimeAlarmInput } from './runtime-alarms.ts';

export interface EventLoopLagSnapshot {
  /** Delay percentiles and maximum of the last complete window, ms (0 before the first window ends). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Largest delay seen since the monitor started, ms. */
  readonly maxEverMs: number;
  /** Windows whose largest delay was over the limit. */
  readonly stalledWindows: number;
  readonly windows: number;
  /** True from a window over the limit until a window under it. */
  readonly stalled: boolean;
  /** Every window's largest delay, counted by bucket: how many windows held the loop how long, read by two scrapes. */
  readonly windowMaxima: LatencySnapshot;
}

export interface EventLoopLagOptions {
  /** A window whose largest delay exceeds this raises `agent/event_loop_lag`. */
  readonly limitMs: number;
  /** Length of one judging window. Default 1000. */
  readonly windowMs?: number;
  readonly alarm: (alarm: RuntimeAlarmInput) => void;
}

/** Sampling resolution of the delay histogram: delays shorter than this are not resolved (nor interesting). */
const RESOLUTION_MS = 10;
/**
 * Period of the agent's own lateness probe. The histogram alone can lose a stall: when the window timer runs before
 * the histogram's own timer after a block, reset() drops the pending sample. The probe is read by the judge first.
 */
const PROBE_MS = 50;
const NS_PER_MS = 1e6;
/** Buckets of a window's largest delay, ms: fine around issue 21's 20 ms, coarse beyond. */
const WINDOW_MAX_BOUNDS_MS = [5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000] as const;

export const EVENT_LOOP_LAG_ALARM = 'agent/event_loop_lag';

export class EventLoopLagMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: NodeJS.Timeout | null = null;
  private probe: NodeJS.Timeout | null = null;
  private probedAt = 0;
  private windowLateMs = 0;
  private last = { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  private maxEverMs = 0;
  private stalledWindows = 0;
  private windows = 0;
  private stalled = false;
  private readonly windowMaxima = new LatencyHistogram(WINDOW_MAX_BOUNDS_MS);

  constructor(private readonly options: EventLoopLagOptions) {}

  start(): void {
    if (this.timer) return;
    this.histogram.enable();
    this.probedAt = performance.now();
    this.probe = setInterval(() => this.probeLateness(), PROBE_MS);
    this.timer = setInterval(() => this.judgeWindow(), this.options.windowMs ?? 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.probe) clearInterval(this.probe);
    this.timer = null;
    this.probe = null;
    this.histogram.disable();
  }

  snapshot(): EventLoopLagSnapshot {
    return { ...this.last, maxEverMs: this.maxEverMs, stalledWindows: this.stalledWindows, windows: this.windows, stalled: this.stalled, windowMaxima: this.windowMaxima.snapshot() };
  }

  /** How much later than due the probe runs: a blocked loop shows here as the length of the block. */
  private probeLateness(): void {
    const now = performance.now();
    const lateMs = now - this.probedAt - PROBE_MS;
    if (lateMs > this.windowLateMs) this.windowLateMs = lateMs;
    this.probedAt = now;
  }

  /** Runs after a stall as soon as the loop is free again, so the stall is in the window it judges. */
  private judgeWindow(): void {
    this.probeLateness();
    const histogram = this.histogram;
    // An empty window (no sample yet) reports NaN/huge values; count it as calm.
    const samples = histogram.count > 0;
    const histogramMaxMs = samples ? histogram.max / NS_PER_MS : 0;
    this.last = {
      p50Ms: samples ? histogram.percentile(50) / NS_PER_MS : 0,
      p99Ms: samples ? histogram.percentile(99) / NS_PER_MS : 0,
      maxMs: Math.max(histogramMaxMs, this.windowLateMs),
    };
    histogram.reset();
    this.windowLateMs = 0;
    this.windows += 1;
    this.windowMaxima.record(this.last.maxMs);
    if (this.last.maxMs > this.maxEverMs) this.maxEverMs = this.last.maxMs;
    const over = this.last.maxMs > this.options.limitMs;
    if (over) this.stalledWindows += 1;
    if (over === this.stalled) return;
    this.stalled = over;
    const limitMs = this.options.limitMs;
    const maxMs = Math.round(this.last.maxMs);
    this.options.alarm({
      alarmId: EVENT_LOOP_LAG_ALARM,
      source: null,
      rule: 'event_loop_lag',
      active: over,
      priority: 'high',
      why: over
        ? `event loop blocked for up to ${maxMs} ms (limit ${limitMs} ms): polls, engine ticks and shut-off commands were delayed`
        : `event loop delay back under ${limitMs} ms (largest in the last window ${maxMs} ms)`,
      details: { maxMs, p99Ms: Math.round(this.last.p99Ms), limitMs },
    });
  }
}
