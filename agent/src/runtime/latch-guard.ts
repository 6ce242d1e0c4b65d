/**
 * The latches of the site's actions beyond what the engine holds: each latch stands as the runtime alarm
 * `<action>/latched` until a person resets it; a latch restored after a restart (or kept over a reload that reset its
 * trigger points' state) refuses a reset until its trigger points have been read good long enough to be judged.
 */
import type { Reading } from '@hazmon/protocols';
import type { AlarmEngine, EngineSnapshot } from '../engine/index.ts';
import type { AlarmEventRow } from '../store/index.ts';
import type { EventJournal } from './event-journal.ts';
import type { OutputDriver } from './outputs.ts';
import type { RunningConfig } from './reload.ts';
import type { RuntimeAlarms } from './runtime-alarms.ts';

export interface LatchGuardDeps {
  readonly now: () => number;
  /** The engine and config now running (a reload replaces both). */
  readonly engine: () => AlarmEngine;
  readonly config: () => RunningConfig;
  readonly journal: EventJournal;
  readonly runtimeAlarms: RuntimeAlarms;
  readonly outputs: OutputDriver;
  readonly log: (line: string) => void;
}

interface UnjudgedLatch {
  /** Trigger point -> how long it must be read good first (its on-delay or longest window). */
  readonly settle: ReadonlyMap<string, number>;
  /** What left the trigger points unjudged, for the refusal. */
  readonly since: string;
}

function latchAlarmId(actionId: string): string {
  return `${actionId}/latched`;
}

export class LatchGuard {
  private readonly unjudged = new Map<string, UnjudgedLatch>();
  /** First good reading since start (or since the reload that reset its state) of each trigger point of an unjudged latch. */
  private readonly goodSince = new Map<string, number>();

  constructor(private readonly deps: LatchGuardDeps) {}

  /** An action latched: its alarm stands until a reset. */
  latched(actionId: string, output: string, why: string): void {
    this.deps.runtimeAlarms.raise(latchAlarmId(actionId), output, 'latched', 'high', `${actionId} latched, ${output} held tripped until a supervisor resets it (${why})`, { actionId, output });
  }

  /** A person reset the action. */
  released(actionId: string, who: string, why: string): void {
    this.unjudged.delete(actionId);
    this.deps.runtimeAlarms.clear(latchAlarmId(actionId), `${actionId} reset by ${who}: ${why}`);
  }

  /**
   * Latches the engine again for every action whose last stored event is `action_commanded` (the store's durable
   * record), before polling starts, without commanding anything: the output was tripped before the restart. A latch
   * is restored even when the action's rules changed since (a person must still reset it); one whose action is no
   * longer configured is audited as not restored. Returns the actions latched.
   */
  async restore(latest: readonly AlarmEventRow[]): Promise<string[]> {
    const latched: string[] = [];
    const audits: Promise<void>[] = [];
    for (const row of latest) {
      if (row.kind !== 'action_commanded') continue;
      const alarmId = typeof row.details?.['alarmId'] === 'string' ? row.details['alarmId'] : null;
      const details = { output: row.pointId, since: row.time, eventSeq: row.seq, why: row.why, trippedBy: alarmId === null ? [] : [alarmId] };
      const action = this.deps.config().engine.actions.find((candidate) => candidate.id === row.ruleId);
      if (action === undefined) {
        this.deps.log(`hazmon: action ${row.ruleId} was latched before the restart (event seq ${row.seq}) but is no longer configured: not restored`);
        audits.push(this.deps.journal.audit('latch_restore_skipped', row.ruleId, { ...details, reason: 'action no longer configured' }));
        continue;
      }
      latched.push(action.id);
      this.deps.outputs.holdRestored(action.output, details.trippedBy);
      this.unjudged.set(action.id, { settle: this.settleTimes(action.when), since: 'the agent restarted' });
      audits.push(this.deps.journal.audit('latch_restored', action.id, details));
    }
    latchActions(this.deps.engine(), latched);
    await Promise.all(audits);
    return latched;
  }

  /**
   * After a restart a latched action stands as an alarm again (unless the journal already brought it back) and its
   * valve's feedback is watched: a valve that does not read closed within its travel time raises the discrepancy and
   * is commanded closed again.
   */
  hold(latched: readonly string[]): void {
    for (const actionId of latched) {
      const action = this.deps.config().engine.actions.find((candidate) => candidate.id === actionId)!;
      if (!this.deps.runtimeAlarms.active(latchAlarmId(actionId))) this.latched(actionId, action.output, 'latched before the agent restarted');
      this.deps.outputs.watch(action.output);
    }
  }

  /**
   * A latched action whose trigger points' state did not carry over (rules changed, new points) waits for them to be
   * read good long enough before it may be reset, exactly as after a restart.
   */
  settleAfterReload(latched: readonly string[], fresh: ReadonlySet<string>): void {
    for (const pointId of fresh) this.goodSince.delete(pointId);
    for (const actionId of latched) {
      const action = this.deps.config().engine.actions.find((candidate) => candidate.id === actionId)!;
      const previous = this.unjudged.get(actionId);
      const waiting = new Map([...this.settleTimes(action.when)].filter(([pointId]) => fresh.has(pointId) || previous?.settle.has(pointId)));
      const resetHere = [...waiting.keys()].some((pointId) => fresh.has(pointId));
      if (waiting.size === 0) this.unjudged.delete(actionId);
      else this.unjudged.set(actionId, { settle: waiting, since: resetHere ? "the config reload that reset its trigger points' state" : previous!.since });
    }
  }

  /** A restored latch's reset is refused until its trigger points have been read good long enough to judge them. */
  refusesReset(actionId: string): string | null {
    const restored = this.unjudged.get(actionId);
    if (restored === undefined || !this.deps.engine().actionLatched(actionId)) return null;
    const now = this.deps.now();
    const waiting = [...restored.settle].filter(([pointId, ms]) => now - (this.goodSince.get(pointId) ?? Infinity) < ms);
    if (waiting.length === 0) return null;
    const names = waiting.map(([pointId, ms]) => `${pointId} (${ms / 1000} s of good readings needed)`).join(', ');
    return `action ${actionId} was latched before ${restored.since}; its trigger condition is not judged yet: ${names}, reset refused`;
  }

  /** Readings as they arrive: the first good one of each point counts for the latches still unjudged. */
  /** Whether noteReadings wants the readings (a latch waits for its trigger points' good readings). */
  get awaitingReadings(): boolean {
    return this.unjudged.size > 0;
  }

  noteReadings(batch: readonly Reading[]): void {
    if (this.unjudged.size === 0) return;
    for (const reading of batch) {
      if (reading.quality === 'good' && !this.goodSince.has(reading.pointId)) this.goodSince.set(reading.pointId, reading.receiveTime);
    }
  }

  /**
   * How long each trigger point must be read good after a restart before the engine's verdict on it counts: its
   * on-delay, or a window rule's span plus on-delay (a fresh engine starts with empty windows and no pending delays).
   */
  private settleTimes(alarmIds: readonly string[]): ReadonlyMap<string, number> {
    const settle = new Map<string, number>();
    for (const alarmId of alarmIds) {
      const pointId = this.deps.engine().alarm(alarmId)?.pointId;
      const rules = this.deps.config().engine.points.find((point) => point.id === pointId);
      if (pointId === undefined || rules === undefined) continue;
      const seconds = Math.max(rules.onDelayS, rules.rate?.windowS ?? 0, ...rules.windows.map((window) => window.windowS + (window.onDelayS ?? 0)));
      settle.set(pointId, seconds * 1000);
    }
    return settle;
  }
}

/** Latches actions in an engine without commanding anything, whatever their rules were: only a person releases a latch. */
export function latchActions(engine: AlarmEngine, actionIds: readonly string[]): void {
  const current = engine.snapshot([]);
  const restore: EngineSnapshot = { version: current.version, points: {}, groups: {}, actions: {} };
  for (const id of actionIds) {
    const saved = current.actions[id];
    if (saved !== undefined) restore.actions[id] = { fingerprint: saved.fingerprint, latched: true };
  }
  engine.restore(restore);
}
