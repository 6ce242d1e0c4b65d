/**
 * The agent's event journal: every event goes to the live listeners at once and to the store's `alarm_events` (or
 * the audit log), and reaches the durable listeners once its row is committed. It keeps every write in sight, so a
 * command can wait for its own event to be on disk and stop() for all of them.
 */
import { messageOf } from '@hazmon/errors';
import type { AlarmEventInput, HazmonStore } from '../store/index.ts';
import type { DurableListener, EventDurability } from './durable-feed.ts';
import { appendFailed, DurableEventFeed } from './durable-feed.ts';
import type { AgentEvent, AgentListener, AlarmHandledEvent, ConfigReloadEvent, PersonRecordEvent, UpkeepRecordedEvent } from './events.ts';

export const HAZMON = 'hazmon';
/** The rule id of upkeep rows (bump tests, calibrations) in `alarm_events`; their point id is the device's id. */
export const UPKEEP_RULE = 'upkeep';

export class EventJournal {
  private readonly listeners = new Set<AgentListener>();
  private readonly durableFeed: DurableEventFeed<AgentEvent>;
  private readonly pending = new Set<Promise<unknown>>();
  /** While `issue` runs: each write started, as its failure (null once stored). */
  private issued: Promise<string | null>[] | null = null;
  readonly counts = { eventsPersisted: 0, persistFailures: 0 };

  constructor(
    private readonly store: HazmonStore,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.durableFeed = new DurableEventFeed(log);
  }

  subscribe(listener: AgentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeDurable(listener: DurableListener<AgentEvent>): () => void {
    return this.durableFeed.subscribe(listener);
  }

  /** To the live listeners now; its row (if the store keeps one) appended; durable listeners hear it once settled. */
  publish(event: AgentEvent): void {
    this.notifyListeners(event);
    const row = storedEvent(event);
    if (row) this.persist(row, this.durableFeed.awaitStore(event));
    else this.durableFeed.passThrough(event);
  }

  /**
   * A person's record, published like any event; resolves with its durability once its row's append has settled, so
   * the person is told "stored" only when it is.
   */
  publishRecord(event: PersonRecordEvent): Promise<EventDurability> {
    this.notifyListeners(event);
    const settled = this.durableFeed.awaitStore(event);
    return new Promise((resolve) =>
      this.persist(event.type === 'alarm_handled' ? handledRow(event) : upkeepRow(event), (durability) => {
        settled(durability);
        resolve(durability);
      }),
    );
  }

  /** An event whose record is an audit row (at the event's time): live listeners hear it at once, durable ones once the row is committed. */
  publishAudited(event: ConfigReloadEvent, action: string, target: string, details: Readonly<Record<string, unknown>>): Promise<void> {
    this.notifyListeners(event);
    const settled = this.durableFeed.awaitStore(event);
    return this.track(
      () => this.store.appendAudit({ time: event.time, who: HAZMON, action, target, details }).then((row) => settled({ outcome: 'audited', auditSeq: row.seq })),
      `audit ${action} ${target}`,
      (error) => settled(appendFailed(error)),
    );
  }

  /** Appends an alarm event row; `settled` hears the outcome (inside the tracked write, so drain() waits for it). */
  persist(row: AlarmEventInput, settled?: (durability: EventDurability) => void): void {
    void this.track(
      () =>
        this.store.appendAlarmEvent(row).then((stored) => {
          this.counts.eventsPersisted += 1;
          settled?.({ outcome: 'stored', seq: stored.seq, row: stored });
        }),
      `alarm event ${row.kind} ${row.ruleId}`,
      settled && ((error) => settled(appendFailed(error))),
    );
  }

  audit(action: string, target: string, details: Readonly<Record<string, unknown>>, who = HAZMON, time = this.now()): Promise<void> {
    return this.track(() => this.store.appendAudit({ time, who, action, target, details }), `audit ${action} ${target}`);
  }

  /** Keeps a durable write in sight until it settles; a failure is counted, logged, then handed to onFailure. */
  track(write: () => Promise<unknown>, what: string, onFailure?: (error: unknown) => void): Promise<void> {
    let failure: string | null = null;
    // Started inside a promise so a store that is already closed (a late callback during stop) rejects, not throws.
    const tracked = Promise.resolve()
      .then(write)
      .then(
        () => undefined,
        (error: unknown) => {
          failure = `could not store ${what}: ${messageOf(error)}`;
          this.counts.persistFailures += 1;
          this.log(`hazmon: ${failure}`);
          onFailure?.(error);
        },
      );
    this.issued?.push(tracked.then(() => failure));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return tracked;
  }

  /**
   * Runs `command`, which publishes its events at once (an engine command, an acknowledgement), and resolves once
   * every write it started has settled, with its result and the first write that failed (null when all were stored):
   * a person is told "done" only when what the command changed is on disk.
   */
  async issue<T>(command: () => T): Promise<{ result: T; failure: string | null }> {
    const outer = this.issued;
    const writes: Promise<string | null>[] = [];
    this.issued = writes;
    let result: T;
    try {
      result = command();
    } finally {
      this.issued = outer;
    }
    outer?.push(...writes);
    const failures = await Promise.all(writes);
    return { result, failure: failures.find((failure) => failure !== null) ?? null };
  }

  /** Resolves once no write is pending, including writes started by the ones settling meanwhile. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private notifyListeners(event: AgentEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log(`hazmon: event subscriber failed: ${messageOf(error)}`);
      }
    }
  }
}

/** The durable row of an event; null for events only counted (late and invalid readings). */
function storedEvent(event: AgentEvent): AlarmEventInput | null {
  switch (event.type) {
    case 'alarm':
      return {
        time: event.time,
        pointId: event.pointId,
        ruleId: event.rule,
        kind: alarmTransition(event),
        stateAfter: event.toState,
        priority: event.priority,
        who: event.who,
        // A command given without a reason has none: stored as null, not as words nobody wrote.
        why: event.why || null,
        details: {
          alarmId: event.alarmId,
          site: event.site,
          alarmKind: event.kind,
          value: finiteOrNull(event.value),
          coverage: finiteOrNull(event.coverage),
          mode: event.toMode,
          conditionActive: event.conditionActive,
          latched: event.latched,
          annunciated: event.annunciated,
          activeSince: finiteOrNull(event.activeSince),
          shelvedUntil: finiteOrNull(event.shelvedUntil),
        },
      };
    case 'action':
      return {
        time: event.time,
        pointId: event.output,
        ruleId: event.actionId,
        kind: event.command === 'release' ? 'action_released' : 'action_commanded',
        stateAfter: event.command,
        priority: 'emergency',
        who: event.who,
        why: event.why,
        details: { alarmId: event.alarmId, actionKind: event.kind },
      };
    case 'command_refused':
      return {
        time: event.time,
        pointId: null,
        ruleId: event.target,
        kind: 'command_refused',
        stateAfter: 'unchanged',
        who: event.who,
        why: event.reason,
        details: { command: event.command, refusal: { code: event.code, params: event.params } },
      };
    case 'runtime_alarm':
      return {
        time: event.time,
        pointId: event.source,
        ruleId: event.rule,
        kind: event.transition,
        stateAfter: event.toState,
        priority: event.priority,
        who: event.who,
        why: event.why || null,
        details: { ...event.details, alarmId: event.alarmId, occurrences: event.occurrences, conditionActive: event.active },
      };
    case 'vote_ignored':
      return {
        time: event.time,
        pointId: event.pointId,
        ruleId: event.groupId,
        kind: 'vote_ignored',
        stateAfter: event.ignored ? 'ignored' : 'voting',
        who: HAZMON,
        why: event.why,
        ...(event.outOfService ? { details: { outOfService: true } } : {}),
      };
    case 'alarm_flood':
      return {
        time: event.time,
        pointId: null,
        ruleId: 'alarm_flood',
        kind: `flood_${event.phase}`,
        stateAfter: event.phase,
        who: HAZMON,
        why: `${event.alarmsIn10Min} alarms in 10 minutes at ${event.site}`,
        details: { site: event.site },
      };
    case 'alarm_handled':
      return handledRow(event);
    case 'upkeep_recorded':
      return upkeepRow(event);
    case 'alarm_chattering':
      return {
        time: event.time,
        pointId: null,
        ruleId: event.alarmId,
        kind: 'chattering',
        stateAfter: 'chattering',
        who: HAZMON,
        why: `${event.activationsIn1Min} activations in 1 minute`,
        details: { site: event.site },
      };
    default:
      return null;
  }
}

function handledRow(event: AlarmHandledEvent): AlarmEventInput {
  return {
    time: event.time,
    pointId: event.pointId,
    ruleId: event.rule,
    kind: 'handled',
    stateAfter: event.state,
    priority: event.priority,
    who: event.who,
    why: event.result,
    details: { alarmId: event.alarmId, found: event.found, done: event.done, result: event.result },
  };
}

function upkeepRow(event: UpkeepRecordedEvent): AlarmEventInput {
  return {
    time: event.time,
    pointId: event.deviceId,
    ruleId: UPKEEP_RULE,
    kind: event.kind,
    stateAfter: event.result,
    who: event.who,
    why: event.notes ?? event.result,
    details: { at: event.at, result: event.result, notes: event.notes ?? null, nextDue: event.nextDue ?? null },
  };
}

/** Health alarms carry NaN as their value; the store keeps JSON, so no value is null. */
function finiteOrNull(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}

/** The store's lower_snake_case word for an alarm transition. */
function alarmTransition(event: Extract<AgentEvent, { type: 'alarm' }>): string {
  if (event.fromMode !== event.toMode) return event.toMode === 'in_service' ? `${event.fromMode === 'shelved' ? 'unshelved' : 'returned_to_service'}` : event.toMode;
  if (event.fromState === 'normal' && event.toState !== 'normal') return 'raised';
  if (event.fromState === 'unacknowledged_active' && event.toState === 'acknowledged_active') return 'acknowledged';
  if (event.who === 'engine') return event.conditionActive ? 'changed' : 'cleared';
  return event.toState === 'normal' && event.fromState !== 'unacknowledged_returned' ? 'reset' : 'acknowledged';
}
