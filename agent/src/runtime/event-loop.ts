/** Event-loop delay of the agent's process (perf_hooks), judged once per window: over the limit raises a runtime alarm, a calm window clears it. */
import { closeSync, openSync, readSync } from 'node:fs';
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
  /**
   * Every window's largest probe delay no longer than the loop thread's own time on the CPU since the probe before: at
   * most what the agent's own work held the loop. The delay above also holds the thread's turns waiting for a CPU,
   * which on a busy machine are the other processes'.
   */
  readonly busyWindowMaxima: LatencySnapshot;
}

export interface EventLoopLagOptions {
  /** A window whose largest delay exceeds this raises `agent/event_loop_lag`. */
  readonly limitMs: number;
  /** Length of one judging window. Default 1000. */
  readonly windowMs?: number;
  readonly alarm: (alarm: RuntimeAlarmInput) => void;
  /** The loop thread's time on a CPU so far, ms. Default: the kernel's count (`threadCpuTime`), where it has one. */
  readonly cpuTimeMs?: () => number;
}

/** Sampling resolution of the delay histogram: delays shorter than this are not resolved (nor interesting). */
const RESOLUTION_MS = 10;
/**
 * Period of the agent's own lateness probe. The histogram alone can lose a stall: when the window timer runs before
 * the histogram's own timer after a block, reset() drops the pending sample. The probe is read by the judge first.
 * At the histogram's resolution, so that a block between two probes is not missed by the busy figure, which only the
 * probe measures.
 */
const PROBE_MS = RESOLUTION_MS;
const NS_PER_MS = 1e6;
/** Buckets of a window's largest delay, ms: fine around issue 21's 20 ms, coarse beyond. */
const WINDOW_MAX_BOUNDS_MS = [5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000] as const;

export const EVENT_LOOP_LAG_ALARM = 'agent/event_loop_lag';

/**
 * The calling thread's time on a CPU so far, ms: the first field of Linux's /proc/thread-self/schedstat, in ns, read
 * through one descriptor (~1 us a read; Node 20 has no per-thread CPU clock). Null where the kernel keeps no such count.
 */
function threadCpuTime(): { readonly ranMs: () => number; readonly close: () => void } | null {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const bytes = Buffer.alloc(96);
  return {
    ranMs: () => {
      const text = bytes.toString('latin1', 0, readSync(fd, bytes, 0, bytes.length, 0));
      return Number(text.slice(0, text.indexOf(' '))) / NS_PER_MS;
    },
    close: () => closeSync(fd),
  };
}

export class EventLoopLagMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: NodeJS.Timeout | null = null;
  private probe: NodeJS.Timeout | null = null;
  private probedAt = 0;
  private windowLateMs = 0;
  private cpuTime: ReturnType<typeof threadCpuTime> = null;
  private ranMs: number | null = null;
  private windowBusyMs = 0;
  private last = { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  private maxEverMs = 0;
  private stalledWindows = 0;
  private windows = 0;
  private stalled = false;
  private readonly windowMaxima = new LatencyHistogram(WINDOW_MAX_BOUNDS_MS);
  private readonly busyWindowMaxima = new LatencyHistogram(WINDOW_MAX_BOUNDS_MS);

  constructor(private readonly options: EventLoopLagOptions) {}

  start(): void {
    if (this.timer) return;
    this.histogram.enable();
    // Opened here, on the loop's own thread: the file is the opening thread's.
    if (!this.options.cpuTimeMs) this.cpuTime = threadCpuTime();
    this.ranMs = this.ran();
    this.probedAt = performance.now();
    this.probe = setInterval(() => this.probeLateness(), PROBE_MS);
    this.timer = setInterval(() => this.judgeWindow(), this.options.windowMs ?? 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.probe) clearInterval(this.probe);
    this.timer = null;
    this.probe = null;
    this.cpuTime?.close();
    this.cpuTime = null;
    this.histogram.disable();
  }

  snapshot(): EventLoopLagSnapshot {
    return {
      ...this.last,
      maxEverMs: this.maxEverMs,
      stalledWindows: this.stalledWindows,
      windows: this.windows,
      stalled: this.stalled,
      windowMaxima: this.windowMaxima.snapshot(),
      busyWindowMaxima: this.busyWindowMaxima.snapshot(),
    };
  }

  /** Null without a per-thread clock: the busy figure is then the whole delay. */
  private ran(): number | null {
    return this.options.cpuTimeMs?.() ?? this.cpuTime?.ranMs() ?? null;
  }

  /**
   * How much later than due the probe runs: a blocked loop shows here as the length of the block. Its busy part can be no
   * longer than the thread ran since the last probe (an upper bound: the run may have begun before the due time).
   */
  private probeLateness(): void {
    const now = performance.now();
    const ranMs = this.ran();
    const lateMs = now - this.probedAt - PROBE_MS;
    const busyMs = ranMs === null || this.ranMs === null ? lateMs : Math.min(lateMs, ranMs - this.ranMs);
    if (lateMs > this.windowLateMs) this.windowLateMs = lateMs;
    if (busyMs > this.windowBusyMs) this.windowBusyMs = busyMs;
    this.probedAt = now;
    this.ranMs = ranMs;
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
    this.busyWindowMaxima.record(this.windowBusyMs);
    this.windowBusyMs = 0;
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
