/**
 * The site's outputs: a tripped shut-off valve goes through its verifying controller (confirmed by its limit
 * switches, or a discrepancy alarm), any other output (fan, siren, power cut) is written once and audited. Keeps which
 * alarms tripped each output, for the audit's why, and routes limit-switch readings to their valve.
 */
import type { Reading } from '@hazmon/protocols';
import type { ResolvedOutput } from '../config/index.ts';
import type { ActionEvent } from '../engine/index.ts';
import type { LatencyHistogram } from '../latency-histogram.ts';
import type { EventJournal } from './event-journal.ts';
import type { ChangeSet } from './reload.ts';
import { changesBetween, fingerprints } from './reload.ts';
import type { RuntimeAlarms } from './runtime-alarms.ts';
import type { OutputWriter, ShutoffDiscrepancy, ShutoffDiscrepancyReason, ShutoffState, ShutoffStats } from './shutoff.ts';
import { ShutoffValveController } from './shutoff.ts';

export interface OutputDriverDeps {
  readonly now: () => number;
  readonly journal: EventJournal;
  readonly runtimeAlarms: RuntimeAlarms;
  readonly latency: { readonly decision: LatencyHistogram; readonly command: LatencyHistogram; readonly confirm: LatencyHistogram };
  /** How the output's command point is written (Modbus with read-back, or OPC UA). */
  readonly writerFor: (output: ResolvedOutput) => OutputWriter;
  readonly log: (line: string) => void;
}

export class OutputDriver {
  private readonly outputs = new Map<string, ResolvedOutput>();
  private readonly valves = new Map<string, ShutoffValveController>();
  private readonly valveByFeedback = new Map<string, ShutoffValveController>();
  private readonly writers = new Map<string, OutputWriter>();
  /** Alarm ids that tripped each latched output, for the audit's why. */
  private readonly trippedBy = new Map<string, string[]>();
  /** Each valve's latest discrepancy reason, for the actions view (the runtime alarm says it in words). */
  private readonly discrepancyReasons = new Map<string, ShutoffDiscrepancyReason>();

  constructor(
    private readonly deps: OutputDriverDeps,
    outputs: readonly ResolvedOutput[],
  ) {
    for (const output of outputs) this.add(output);
  }

  /** An action tripped `outputId`; `arrivedAt` is when the deciding reading (or tick) reached the gateway. */
  trip(event: ActionEvent, arrivedAt: number): void {
    this.trippedBy.set(event.output, event.alarmId === null ? [] : [event.alarmId]);
    this.command(event.output, event.kind, event.actionId, arrivedAt);
  }

  /** A person reset the action: the valve's controller stops watching. Nothing is reopened. */
  release(outputId: string): void {
    this.valves.get(outputId)?.release();
    this.trippedBy.delete(outputId);
  }

  /** A latch restored at start: its output was tripped by `trippedBy`; a valve's feedback is watched again. */
  holdRestored(outputId: string, trippedBy: readonly string[]): void {
    this.trippedBy.set(outputId, [...trippedBy]);
  }

  /** Watches a restored latch's valve: confirmed closed within its travel time, or the discrepancy and a new close. */
  watch(outputId: string): void {
    this.valves.get(outputId)?.watch();
  }

  /** Whether the point is a limit switch of a valve (its readings must reach `feedback`). */
  isFeedback(pointId: string): boolean {
    return this.valveByFeedback.has(pointId);
  }

  /** A reading of a limit switch goes to its valve's controller. */
  feedback(reading: Reading): void {
    const valve = this.valveByFeedback.get(reading.pointId);
    if (valve) valve.feedback(reading.pointId, reading.quality === 'good' && typeof reading.value === 'boolean' ? reading.value : null, reading.receiveTime);
  }

  /** A kept output keeps its controller (a confirmation under way goes on); a changed one gets a new controller. */
  replace(outputs: readonly ResolvedOutput[]): ChangeSet {
    const changes = changesBetween(fingerprints([...this.outputs.values()]), fingerprints(outputs));
    for (const id of [...changes.restarted, ...changes.removed]) {
      this.valves.get(id)?.stop();
      this.valves.delete(id);
      this.writers.delete(id);
      this.outputs.delete(id);
    }
    this.valveByFeedback.clear();
    for (const valve of this.valves.values()) this.watchFeedback(valve);
    for (const output of outputs) if (!this.outputs.has(output.id)) this.add(output);
    return changes;
  }

  /**
   * Latch means the output is held tripped: a latched action whose output changed (or which now names another
   * output) has it commanded again through the new controller, verified as usual. Tripping is never an opening.
   * `latched` pairs each latched action with its output before and after the reload.
   */
  recommand(
    latched: readonly { readonly action: { readonly id: string; readonly kind: ActionEvent['kind']; readonly output: string }; readonly previousOutput: string }[],
    changes: ChangeSet,
    arrivedAt: number,
  ): string[] {
    const changed = new Set([...changes.restarted, ...changes.added]);
    const commanded = new Set<string>();
    for (const { action, previousOutput } of latched) {
      if (previousOutput !== action.output && !this.trippedBy.has(action.output)) this.trippedBy.set(action.output, this.trippedBy.get(previousOutput) ?? []);
      if ((!changed.has(action.output) && previousOutput === action.output) || commanded.has(action.output)) continue;
      commanded.add(action.output);
      this.command(action.output, action.kind, action.id, arrivedAt);
    }
    return [...commanded];
  }

  /** A valve's controller state (null for another kind of output), and the alarms that tripped the output while it is held. */
  condition(outputId: string): { readonly valve: ShutoffState | null; readonly trippedBy: readonly string[]; readonly discrepancyReason: ShutoffDiscrepancyReason | null } {
    return { valve: this.valves.get(outputId)?.stats().state ?? null, trippedBy: this.trippedBy.get(outputId) ?? [], discrepancyReason: this.discrepancyReasons.get(outputId) ?? null };
  }

  stats(): ShutoffStats[] {
    return [...this.valves.values()].map((valve) => valve.stats());
  }

  /** The agent is stopping: writes in flight are not followed up. */
  stop(): void {
    for (const valve of this.valves.values()) valve.stop();
  }

  private add(output: ResolvedOutput): void {
    const writer = this.deps.writerFor(output);
    this.outputs.set(output.id, output);
    this.writers.set(output.id, writer);
    if (output.kind !== 'shutoff_valve') return;
    const valve = new ShutoffValveController(output, writer, {
      now: this.deps.now,
      latency: this.deps.latency,
      audit: (action, target, details) => void this.deps.journal.audit(action, target, { ...details, why: this.trippedBy.get(target) ?? [] }),
      discrepancy: (discrepancy) => this.onDiscrepancy(discrepancy),
      confirmed: (outputId) => this.onConfirmed(outputId),
    });
    this.valves.set(output.id, valve);
    this.watchFeedback(valve);
  }

  private watchFeedback(valve: ShutoffValveController): void {
    const feedback = valve.output.feedback;
    if (!feedback) return;
    this.valveByFeedback.set(feedback.closed, valve);
    if (feedback.open !== undefined) this.valveByFeedback.set(feedback.open, valve);
  }

  /** Puts an output in its trip state: a shut-off valve through its verifying controller, anything else written once. */
  private command(outputId: string, kind: ActionEvent['kind'], actionId: string, arrivedAt: number): void {
    const valve = this.valves.get(outputId);
    if (valve) return valve.trip(arrivedAt);
    const output = this.outputs.get(outputId);
    if (!output) return this.deps.log(`hazmon: action ${actionId} names output ${outputId}, which is not configured`);
    const writer = this.writers.get(output.id)!;
    void writer(output.tripValue).then((result) => {
      void this.deps.journal.audit(`${kind}_command`, output.id, {
        command: output.command,
        value: output.tripValue,
        result: result.ok ? 'written' : 'failed',
        ...(result.ok ? {} : { error: result.detail }),
        why: this.trippedBy.get(output.id) ?? [],
      });
      if (!result.ok) this.deps.runtimeAlarms.raise(`${output.id}/command_failed`, output.id, 'command_failed', 'high', `${kind} command to ${output.command} failed: ${result.detail}`);
    });
  }

  private onDiscrepancy(discrepancy: ShutoffDiscrepancy): void {
    const { outputId, why, ...details } = discrepancy;
    this.discrepancyReasons.set(outputId, discrepancy.reason);
    this.deps.runtimeAlarms.raise(`${outputId}/shutoff_discrepancy`, outputId, 'shutoff_discrepancy', 'emergency', why, { ...details, trippedBy: this.trippedBy.get(outputId) ?? [] });
  }

  private onConfirmed(outputId: string): void {
    const output = this.outputs.get(outputId)!;
    const open = output.feedback?.open;
    const why = `${outputId} confirmed closed (${output.feedback?.closed} true${open === undefined ? '' : `, ${open} false`})`;
    this.deps.runtimeAlarms.clear(`${outputId}/shutoff_discrepancy`, why);
    this.deps.runtimeAlarms.notice(`${outputId}/shutoff_confirmed`, outputId, 'shutoff_confirmed', 'low', why, { trippedBy: this.trippedBy.get(outputId) ?? [] });
  }
}
