/**
 * Each configured action as a person watching shut-offs and interlocks needs it: its output, its state from the
 * output's controller and the latch, the valve's limit switches as last read, the alarms that trip it, and whether a
 * reset would be accepted now (and why not).
 */
import { type AlarmView, type CommandRefusal, refusal } from '../engine/index.ts';
import type { LatestValue } from './latest-values.ts';
import type { RunningConfig } from './reload.ts';
import type { RuntimeAlarmView } from './runtime-alarms.ts';
import type { ShutoffDiscrepancyReason, ShutoffState } from './shutoff.ts';

/**
 * normal: not latched; commanded: a valve's close written or under way, its feedback not yet confirming; confirmed:
 * the valve's limit switches say closed; discrepancy: a valve not confirmed closed in its travel time, or another
 * output's command write failed; latched: held tripped (an output without feedback, or a valve latched before a restart
 * and not yet watched).
 */
export type ActionState = 'normal' | 'commanded' | 'confirmed' | 'discrepancy' | 'latched';

export interface LimitSwitchView {
  readonly pointId: string;
  readonly value: boolean | null;
  readonly quality: LatestValue['quality'];
  readonly sourceTime: number | null;
  readonly receiveTime: number | null;
}

export interface ActionView {
  readonly id: string;
  /** The output's name from the config, null when it has none. */
  readonly name: string | null;
  readonly kind: RunningConfig['engine']['actions'][number]['kind'];
  readonly output: { readonly id: string; readonly command: string; readonly tripValue: boolean | number };
  readonly state: ActionState;
  readonly latched: boolean;
  /** When the latch's alarm was raised (epoch ms); null while not latched. */
  readonly latchedSince: number | null;
  /** The alarms that tripped it (while latched). */
  readonly trippedBy: readonly string[];
  /** The reason of the standing shut-off discrepancy or failed command, in English; null when none. */
  readonly discrepancy: string | null;
  /** The same as a code for a UI's own language: the valve's ShutoffDiscrepancyReason, or `command_failed`; null when none. */
  readonly discrepancyCode: ShutoffDiscrepancyReason | 'command_failed' | null;
  /** A valve's limit switches as last read; null for an output without feedback. */
  readonly feedback: { readonly closed: LimitSwitchView; readonly open: LimitSwitchView | null } | null;
  /** Each alarm whose activation trips it, with its state now (null: the engine has no such alarm now). */
  readonly triggers: readonly { readonly alarmId: string; readonly state: AlarmView['state'] | null; readonly conditionActive: boolean }[];
  /** Whether a reset would be accepted now: latched, every trigger condition cleared, the latch judged. */
  readonly resetAllowed: boolean;
  /** Why a reset would be refused now, in English; null when it would be accepted. */
  readonly resetRefusal: string | null;
  /** The same as a refusal code with its params (what the reset command would answer), for a UI's own language; null when accepted. */
  readonly resetRefusalCode: CommandRefusal['code'] | null;
  readonly resetRefusalParams: CommandRefusal['params'] | null;
}

export interface ActionViewSources {
  readonly config: RunningConfig;
  readonly latched: (actionId: string) => boolean;
  readonly alarm: (alarmId: string) => AlarmView | undefined;
  readonly runtimeAlarms: readonly RuntimeAlarmView[];
  readonly output: (outputId: string) => { readonly valve: ShutoffState | null; readonly trippedBy: readonly string[]; readonly discrepancyReason: ShutoffDiscrepancyReason | null };
  readonly latest: (pointIds: readonly string[]) => readonly LatestValue[];
  /** The latch guard's refusal of a reset (a restored latch not judged yet), or null. */
  readonly refusesReset: (actionId: string) => CommandRefusal | null;
}

const VALVE_STATES: Readonly<Record<ShutoffState, ActionState>> = { idle: 'latched', commanding: 'commanded', verifying: 'commanded', discrepancy: 'discrepancy', confirmed: 'confirmed' };

function switchView(latest: LatestValue | undefined, pointId: string): LimitSwitchView {
  return {
    pointId,
    value: typeof latest?.value === 'boolean' ? latest.value : null,
    quality: latest?.quality ?? null,
    sourceTime: latest?.sourceTime ?? null,
    receiveTime: latest?.receiveTime ?? null,
  };
}

export function actionViews(sources: ActionViewSources): ActionView[] {
  const runtime = new Map(sources.runtimeAlarms.filter((alarm) => alarm.conditionActive).map((alarm) => [alarm.id, alarm]));
  const outputs = new Map(sources.config.outputs.map((output) => [output.id, output]));
  return sources.config.engine.actions.map((action): ActionView => {
    const output = outputs.get(action.output)!;
    const latched = sources.latched(action.id);
    const condition = sources.output(output.id);
    const fault = runtime.get(`${output.id}/shutoff_discrepancy`) ?? runtime.get(`${output.id}/command_failed`);
    let state: ActionState = 'normal';
    if (latched) state = condition.valve === null ? (fault === undefined ? 'latched' : 'discrepancy') : VALVE_STATES[condition.valve];
    const switches = output.feedback;
    const readings = switches ? new Map(sources.latest([switches.closed, ...(switches.open === undefined ? [] : [switches.open])]).map((value) => [value.pointId, value])) : null;
    const triggers = action.when.map((alarmId) => {
      const alarm = sources.alarm(alarmId);
      return { alarmId, state: alarm?.state ?? null, conditionActive: alarm?.conditionActive ?? false };
    });
    const active = triggers.filter((trigger) => trigger.conditionActive).map((trigger) => trigger.alarmId);
    const resetRefusal = !latched
      ? refusal('not_latched', { target: action.id }, `${action.id} is not latched`)
      : active.length > 0
        ? refusal('condition_active', { target: action.id, active: active.join(', ') }, `the trigger condition is still active: ${active.join(', ')}`)
        : sources.refusesReset(action.id);
    return {
      id: action.id,
      name: output.name ?? null,
      kind: action.kind,
      output: { id: output.id, command: output.command, tripValue: output.tripValue },
      state,
      latched,
      latchedSince: latched ? (runtime.get(`${action.id}/latched`)?.since ?? null) : null,
      trippedBy: latched ? condition.trippedBy : [],
      discrepancy: latched ? (fault?.why ?? null) : null,
      discrepancyCode: latched && fault !== undefined ? (fault.rule === 'command_failed' ? 'command_failed' : condition.discrepancyReason) : null,
      feedback:
        switches && readings
          ? { closed: switchView(readings.get(switches.closed), switches.closed), open: switches.open === undefined ? null : switchView(readings.get(switches.open), switches.open) }
          : null,
      triggers,
      resetAllowed: resetRefusal === null,
      resetRefusal: resetRefusal?.reason ?? null,
      resetRefusalCode: resetRefusal?.code ?? null,
      resetRefusalParams: resetRefusal?.params ?? null,
    };
  });
}
