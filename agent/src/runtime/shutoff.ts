/**
 * Verified shut-off of one valve: writes the close command at once, confirms it through the limit switches within
 * the travel time, raises a discrepancy with its reason otherwise, retries as configured, and never reopens. A valve
 * with a closed switch only is confirmed by that switch alone.
 */
import { messageOf } from '@hazmon/errors';
import type { ResolvedOutput } from '../config/index.ts';
import type { LatencyHistogram } from '../latency-histogram.ts';

/** What a write to the output's command point came to; `detail` names device, register or node and why. */
export type OutputWriteResult = { readonly ok: true } | { readonly ok: false; readonly detail: string };
export type OutputWriter = (value: boolean | number) => Promise<OutputWriteResult>;

/**
 * stuck_open: the open switch still on after the travel time; feedback_broken: both switches false;
 * feedback_inconsistent: both true; not_closed: a valve with a closed switch only, still false after the travel time
 * (stuck or a broken wire: there is no open switch to tell which); no_feedback: no good limit-switch reading since the command;
 * command_ignored: the write failed or read back something else; opened_under_latch: a valve confirmed closed (or
 * latched before a restart) reads open while its action is still latched.
 */
export type ShutoffDiscrepancyReason = 'stuck_open' | 'feedback_broken' | 'feedback_inconsistent' | 'not_closed' | 'no_feedback' | 'command_ignored' | 'opened_under_latch';

export const SHUTOFF_STATES = ['idle', 'commanding', 'verifying', 'discrepancy', 'confirmed'] as const;
export type ShutoffState = (typeof SHUTOFF_STATES)[number];

export interface ShutoffDiscrepancy {
  readonly outputId: string;
  readonly reason: ShutoffDiscrepancyReason;
  readonly why: string;
  readonly attempt: number;
  readonly retriesLeft: number;
  readonly closedSwitch: boolean | null;
  /** Always null for a valve with a closed switch only. */
  readonly openSwitch: boolean | null;
}

export interface ShutoffHooks {
  /** The gateway clock, epoch ms. */
  now(): number;
  /** An audit row (who = hazmon; the runtime adds the alarm ids that tripped the output). */
  audit(action: 'shutoff_command' | 'shutoff_confirmed' | 'shutoff_discrepancy', outputId: string, details: Readonly<Record<string, unknown>>): void;
  discrepancy(discrepancy: ShutoffDiscrepancy): void;
  confirmed(outputId: string): void;
  readonly latency: { readonly decision: LatencyHistogram; readonly command: LatencyHistogram; readonly confirm: LatencyHistogram };
}

export interface ShutoffStats {
  readonly outputId: string;
  readonly state: ShutoffState;
  readonly trips: number;
  /** Command writes, first attempts and retries. */
  readonly writes: number;
  readonly retries: number;
  readonly writeFailures: number;
  readonly discrepancies: number;
  readonly confirmations: number;
}

/** A write failure is retried after this pause, so a busy line gets a moment. */
const WRITE_RETRY_DELAY_MS = 200;

export class ShutoffValveController {
  private state: ShutoffState = 'idle';
  private closedSwitch: boolean | null = null;
  private openSwitch: boolean | null = null;
  private closedAt = -Infinity;
  private openAt = -Infinity;
  private firstWriteAt = Infinity;
  private decidedAt = 0;
  private commandedAt = 0;
  private retriesUsed = 0;
  private attempt = 0;
  /** Why the latest write failed; null once a write got through. */
  private lastWriteError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private counts = { trips: 0, writes: 0, retries: 0, writeFailures: 0, discrepancies: 0, confirmations: 0 };

  constructor(
    readonly output: ResolvedOutput,
    private readonly write: OutputWriter,
    private readonly hooks: ShutoffHooks,
  ) {}

  /** The engine commanded close; `arrivedAt` is when the deciding reading (or tick) reached the gateway. */
  trip(arrivedAt: number): void {
    if (this.state !== 'idle') return;
    this.counts.trips += 1;
    this.decidedAt = this.hooks.now();
    this.hooks.latency.decision.record(this.decidedAt - arrivedAt);
    this.restartSequence();
    this.sendCommand();
  }

  private restartSequence(): void {
    this.retriesUsed = 0;
    this.attempt = 0;
    this.lastWriteError = null;
    this.firstWriteAt = Infinity;
  }

  /** Reopened by hand, or moved by itself, while the latch holds: the emergency discrepancy, and close it again. */
  private openedUnderLatch(): void {
    const switches = this.describeSwitches(this.closedSwitch, this.openSwitch);
    this.restartSequence();
    this.raise('opened_under_latch', `${this.output.id} reads open (${switches}) while its shut-off is latched: commanding it closed again`);
    this.decidedAt = this.hooks.now();
    this.sendCommand();
  }

  /** A good limit-switch reading says the valve is not closed. */
  private readsOpen(): boolean {
    return this.closedSwitch === false || this.openSwitch === true;
  }

  /**
   * The action was latched before the agent restarted: nothing is written while the limit switches confirm the valve
   * closed within its travel time; otherwise the discrepancy is raised and the close command sent again.
   */
  watch(): void {
    if (this.state !== 'idle') return;
    this.restartSequence();
    this.firstWriteAt = this.hooks.now();
    this.state = 'verifying';
    this.armDeadline(this.output.travelTimeS * 1000);
  }

  /** A limit-switch reading: `value` null when its quality is not good. */
  feedback(pointId: string, value: boolean | null, receiveTime: number): void {
    const feedback = this.output.feedback;
    if (!feedback) return;
    if (pointId === feedback.closed) {
      this.closedSwitch = value;
      this.closedAt = receiveTime;
    } else if (pointId === feedback.open) {
      this.openSwitch = value;
      this.openAt = receiveTime;
    } else return;
    if ((this.state === 'verifying' || this.state === 'discrepancy') && this.confirmedByFeedback()) this.confirm();
    else if (this.state === 'confirmed' && value !== null && this.readsOpen()) this.openedUnderLatch();
  }

  /** The latch was reset by a person: stop watching. The valve is NOT reopened (that is done by hand on site). */
  release(): void {
    this.clearTimer();
    this.state = 'idle';
  }

  /** The agent is stopping: a write still in flight is not audited or followed up any more. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  stats(): ShutoffStats {
    return { outputId: this.output.id, state: this.state, ...this.counts };
  }

  private sendCommand(): void {
    this.state = this.state === 'discrepancy' ? 'discrepancy' : 'commanding';
    this.attempt += 1;
    this.counts.writes += 1;
    const startedAt = this.hooks.now();
    if (this.firstWriteAt === Infinity) this.firstWriteAt = startedAt;
    const value = this.output.tripValue;
    void this.write(value).then(
      (result) => this.written(result, value),
      (error: unknown) => this.written({ ok: false, detail: messageOf(error) }, value),
    );
  }

  private written(result: OutputWriteResult, value: boolean | number): void {
    if (this.stopped || this.state === 'idle' || this.state === 'confirmed') return;
    const now = this.hooks.now();
    const attempt = this.attempt;
    this.hooks.audit('shutoff_command', this.output.id, { command: this.output.command, value, attempt, result: result.ok ? 'written' : 'failed', ...(result.ok ? {} : { error: result.detail }) });
    this.lastWriteError = result.ok ? null : result.detail;
    if (!result.ok) {
      this.counts.writeFailures += 1;
      this.raise('command_ignored', `close command to ${this.output.command} not taken (attempt ${attempt}): ${result.detail}`);
      if (this.retriesUsed < this.output.retries) this.retryAfter(WRITE_RETRY_DELAY_MS);
      else this.armDeadline(this.output.travelTimeS * 1000);
      return;
    }
    if (this.commandedAt < this.decidedAt) {
      this.commandedAt = now;
      this.hooks.latency.command.record(now - this.decidedAt);
    }
    if (this.state === 'commanding') this.state = 'verifying';
    if (this.confirmedByFeedback()) this.confirm();
    else this.armDeadline(this.output.travelTimeS * 1000);
  }

  private retryAfter(delayMs: number): void {
    this.clearTimer();
    this.retriesUsed += 1;
    this.counts.retries += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state !== 'idle' && this.state !== 'confirmed') this.sendCommand();
    }, delayMs);
  }

  private armDeadline(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.deadlinePassed();
    }, delayMs);
  }

  private deadlinePassed(): void {
    if (this.state === 'idle' || this.state === 'confirmed' || this.confirmedByFeedback()) {
      if (this.state !== 'idle' && this.state !== 'confirmed') this.confirm();
      return;
    }
    const { reason, why } = this.classify();
    this.raise(reason, why);
    if (this.attempt === 0) this.sendCommand();
    else if (this.retriesUsed < this.output.retries) this.retryAfter(0);
  }

  /** Why the valve is not confirmed closed, from the switch readings since the first command write. */
  private classify(): { reason: ShutoffDiscrepancyReason; why: string } {
    const seconds = this.output.travelTimeS;
    const closed = this.fresh(this.closedAt) ? this.closedSwitch : null;
    const open = this.fresh(this.openAt) ? this.openSwitch : null;
    const switches = this.describeSwitches(closed, open);
    const head = `${this.output.id} not confirmed closed ${seconds} s after ${this.attempt === 0 ? 'the agent restarted with its shut-off latched' : 'the close command'}`;
    if (this.lastWriteError !== null) return { reason: 'command_ignored', why: `${head}: the command was not taken (${this.lastWriteError}); ${switches}` };
    if (closed === null || (this.hasOpenSwitch() && open === null)) return { reason: 'no_feedback', why: `${head}: no good limit-switch reading since the command (${switches})` };
    if (!this.hasOpenSwitch()) return { reason: 'not_closed', why: `${head}: the closed switch did not change (${switches}): stuck, or its feedback wire broken` };
    if (!closed && !open) return { reason: 'feedback_broken', why: `${head}: both limit switches false (${switches}): feedback wire broken` };
    if (closed && open) return { reason: 'feedback_inconsistent', why: `${head}: both limit switches true (${switches})` };
    return { reason: 'stuck_open', why: `${head}: valve still open (${switches}): stuck open` };
  }

  private raise(reason: ShutoffDiscrepancyReason, why: string): void {
    this.state = 'discrepancy';
    this.counts.discrepancies += 1;
    const discrepancy: ShutoffDiscrepancy = {
      outputId: this.output.id,
      reason,
      why,
      attempt: this.attempt,
      retriesLeft: this.output.retries - this.retriesUsed,
      closedSwitch: this.closedSwitch,
      openSwitch: this.openSwitch,
    };
    this.hooks.audit('shutoff_discrepancy', this.output.id, { reason, why, attempt: this.attempt, retriesLeft: discrepancy.retriesLeft });
    this.hooks.discrepancy(discrepancy);
  }

  private confirm(): void {
    this.clearTimer();
    const now = this.hooks.now();
    this.state = 'confirmed';
    this.counts.confirmations += 1;
    // A restart's watch wrote nothing: there is no command latency to record.
    if (this.attempt > 0) this.hooks.latency.confirm.record(now - this.firstWriteAt);
    this.hooks.audit('shutoff_confirmed', this.output.id, {
      closed: this.output.feedback?.closed ?? null,
      open: this.output.feedback?.open ?? null,
      attempt: this.attempt,
      afterMs: now - this.firstWriteAt,
    });
    this.hooks.confirmed(this.output.id);
  }

  /** Closed true and open false (when there is an open switch), read after the first command write started. */
  private confirmedByFeedback(): boolean {
    const closed = this.fresh(this.closedAt) && this.closedSwitch === true;
    return closed && (!this.hasOpenSwitch() || (this.fresh(this.openAt) && this.openSwitch === false));
  }

  private hasOpenSwitch(): boolean {
    return this.output.feedback?.open !== undefined;
  }

  private describeSwitches(closed: boolean | null, open: boolean | null): string {
    return this.hasOpenSwitch() ? `limit switches closed=${String(closed)} open=${String(open)}` : `closed switch ${String(closed)}, no open switch`;
  }

  private fresh(at: number): boolean {
    return at >= this.firstWriteAt;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
