/**
 * The agent's default gateway clock: epoch ms UTC that advances only as the monotonic clock does. A step of the wall
 * clock (NTP stepping it, a person setting it) would otherwise make every point look stale and delays complete at
 * once (forward), or hold every reading back as late (back); the gateway clock keeps its pace, and each step is
 * reported by `check()` for a runtime alarm.
 */
import type { RuntimeAlarmInput } from './runtime-alarms.ts';

export const CLOCK_JUMP_ALARM = 'agent/clock_jump';
/** A disagreement between the wall clock and the gateway clock smaller than this is no step (the two are read apart). */
const STEP_MS = 2000;

export class GatewayClock {
  private readonly wallAtStart: number;
  private readonly monotonicAtStart: number;
  /** The wall clock minus the gateway clock at the last step (0 until the first). */
  private offsetMs = 0;

  constructor(
    private readonly wall: () => number = Date.now,
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    this.wallAtStart = wall();
    this.monotonicAtStart = monotonic();
  }

  /** Whole ms, as every time the store keeps. */
  readonly now = (): number => Math.floor(this.wallAtStart + (this.monotonic() - this.monotonicAtStart));

  /** The runtime alarm for a step of the wall clock since the last check (raised, or cleared once back in step), or null when it kept in step. */
  check(): RuntimeAlarmInput | null {
    const offsetMs = this.wall() - this.now();
    const stepMs = offsetMs - this.offsetMs;
    if (Math.abs(stepMs) < STEP_MS) return null;
    this.offsetMs = offsetMs;
    const seconds = (ms: number) => `${ms > 0 ? '+' : ''}${(ms / 1000).toFixed(1)} s`;
    const inStep = Math.abs(offsetMs) < STEP_MS;
    return {
      alarmId: CLOCK_JUMP_ALARM,
      source: null,
      rule: 'clock_jump',
      active: !inStep,
      priority: 'medium',
      why: inStep
        ? `the wall clock stepped by ${seconds(stepMs)} and is back in step with hazmon's time`
        : `the wall clock stepped by ${seconds(stepMs)}: hazmon keeps its own steady time (the wall clock is ${seconds(offsetMs)} off it), so no alarm comes or goes from the step; restart hazmon to take the wall clock's time`,
      details: { stepMs: Math.round(stepMs), offsetMs: Math.round(offsetMs) },
    };
  }
}
