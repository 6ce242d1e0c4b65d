/**
 * The data of a shift report (what a printable A4 hand-over shows): from the alarm events stored in the range, the
 * alarms raised by priority, the acknowledgements (who, how long after activation), the handling records, mode
 * changes (shelved, out of service and back), shut-off actions and resets; and, given apart, the standing alarms at
 * the end, devices that lost comms and each monitored point's min / max / avg.
 */
import type { AlarmEventRow } from '@hazmon/agent';
import { isActivation } from './alarm-health.ts';

const PRIORITIES = ['emergency', 'high', 'medium', 'low'] as const;
const ACTIVE_STATES = new Set(['unacknowledged_active', 'acknowledged_active']);
export const MODE_CHANGE_KINDS = ['shelved', 'unshelved', 'suppressed', 'out_of_service', 'returned_to_service'] as const;
const ACTION_KINDS = new Set(['action_commanded', 'action_released']);
/** Who the engine and the agent act as: not a person. */
const SYSTEM = new Set(['engine', 'hazmon']);

function text(details: AlarmEventRow['details'], key: string): string | null {
  const value = details?.[key];
  return typeof value === 'string' ? value : null;
}

function numberOf(details: AlarmEventRow['details'], key: string): number | null {
  const value = details?.[key];
  return typeof value === 'number' ? value : null;
}

function alarmIdOf(event: AlarmEventRow): string {
  return text(event.details, 'alarmId') ?? event.ruleId;
}

/**
 * People's acknowledgements, each with when its alarm went active: the alarm's latest activation row before it in the
 * range, else the activeSince the row carries (an alarm raised before the range); null when neither tells.
 */
function acknowledgements(events: readonly AlarmEventRow[]): { event: AlarmEventRow; raisedAt: number | null }[] {
  const raisedAt = new Map<string, number>();
  const acknowledged: { event: AlarmEventRow; raisedAt: number | null }[] = [];
  for (const event of events) {
    if (isActivation(event)) raisedAt.set(alarmIdOf(event), event.time);
    if (event.kind === 'acknowledged' && !SYSTEM.has(event.who ?? '')) acknowledged.push({ event, raisedAt: raisedAt.get(alarmIdOf(event)) ?? numberOf(event.details, 'activeSince') });
  }
  return acknowledged;
}

/** What the stored events of a range say about it, in time order. */
export function shiftEvents(events: readonly AlarmEventRow[]) {
  const raised = events.filter(isActivation);
  const byPriority = Object.fromEntries(PRIORITIES.map((priority) => [priority, raised.filter((event) => event.priority === priority).length])) as Record<(typeof PRIORITIES)[number], number>;
  const base = (event: AlarmEventRow) => ({ seq: event.seq, time: event.time, alarmId: alarmIdOf(event), pointId: event.pointId, who: event.who ?? null });
  return {
    raised: { total: raised.length, byPriority },
    acknowledgements: acknowledgements(events).map(({ event, raisedAt }) => ({
      ...base(event),
      priority: event.priority ?? null,
      comment: event.why ?? null,
      secondsToAcknowledge: raisedAt === null ? null : Math.max(0, (event.time - raisedAt) / 1000),
    })),
    handling: events
      .filter((event) => event.kind === 'handled')
      .map((event) => ({ ...base(event), found: text(event.details, 'found') ?? '', done: text(event.details, 'done') ?? '', result: text(event.details, 'result') ?? '' })),
    modeChanges: events
      .filter((event) => (MODE_CHANGE_KINDS as readonly string[]).includes(event.kind))
      .map((event) => ({ ...base(event), kind: event.kind as (typeof MODE_CHANGE_KINDS)[number], reason: event.why ?? null, shelvedUntil: numberOf(event.details, 'shelvedUntil') })),
    actions: events
      .filter((event) => ACTION_KINDS.has(event.kind) || event.kind === 'reset')
      .map((event) => {
        const isAction = ACTION_KINDS.has(event.kind);
        return { ...base(event), kind: event.kind, actionId: isAction ? event.ruleId : null, command: isAction ? event.stateAfter : null, reason: event.why ?? null };
      }),
  };
}

/** The alarms active at a time, from each alarm's latest life-cycle row before it (StoreReader.latestAlarmStates(time)). */
export function standingAt(latestStates: readonly AlarmEventRow[]) {
  return latestStates
    .filter((event) => ACTIVE_STATES.has(event.stateAfter))
    .map((event) => ({
      alarmId: alarmIdOf(event),
      pointId: event.pointId,
      priority: event.priority ?? null,
      state: event.stateAfter,
      mode: text(event.details, 'mode') ?? 'in_service',
      activeSince: numberOf(event.details, 'activeSince') ?? event.time,
    }))
    .sort((a, b) => a.activeSince - b.activeSince);
}
