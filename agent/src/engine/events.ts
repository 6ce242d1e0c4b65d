/** Events the engine emits and operator commands it accepts: the engine's whole output and control surface. */
import type { Priority } from './config.ts';

export type AlarmState = 'normal' | 'unacknowledged_active' | 'acknowledged_active' | 'unacknowledged_returned';
export type AlarmMode = 'in_service' | 'shelved' | 'suppressed' | 'out_of_service';
export type AlarmKind = 'limit' | 'window' | 'rate' | 'exposure' | 'health' | 'vote';

/** Every alarm transition (state, mode or condition) with time, who and why. */
export interface AlarmEvent {
  readonly type: 'alarm';
  readonly time: number;
  readonly alarmId: string;
  /** Point id, or the voting group id for vote alarms. */
  readonly pointId: string;
  readonly site: string;
  readonly rule: string;
  readonly kind: AlarmKind;
  readonly priority: Priority;
  readonly colour: 'red' | 'orange' | 'yellow' | 'blue';
  readonly fromState: AlarmState;
  readonly toState: AlarmState;
  readonly fromMode: AlarmMode;
  readonly toMode: AlarmMode;
  readonly conditionActive: boolean;
  readonly latched: boolean;
  /** The value that decided (reading, aggregate, rate, vote count); null for commands. */
  readonly value: number | null;
  /** Fraction of the window covered by readings, for time-weighted rules. */
  readonly coverage?: number;
  /** "engine" for condition changes and expiries, else the person who gave the command. */
  readonly who: string;
  readonly why: string;
  /** False while shelved, suppressed or out of service: recorded, not shown as new. */
  readonly annunciated: boolean;
  /** When the condition went active (epoch ms), NaN while normal. */
  readonly activeSince: number;
  /** When a shelf expires (epoch ms), NaN unless shelved. */
  readonly shelvedUntil: number;
}

/** A command for an output; the agent writes it to the device. */
export interface ActionEvent {
  readonly type: 'action';
  readonly time: number;
  readonly actionId: string;
  readonly kind: 'shutoff_valve' | 'fan' | 'siren' | 'power_cut';
  readonly output: string;
  /** close / start / sound / cut when triggered; release after a person reset it. */
  readonly command: 'close' | 'start' | 'sound' | 'cut' | 'release';
  readonly alarmId: string | null;
  readonly who: string;
  readonly why: string;
}

export interface CommandRefusedEvent {
  readonly type: 'command_refused';
  readonly time: number;
  readonly command: OperatorCommand['kind'];
  readonly target: string;
  readonly who: string;
  readonly reason: string;
  /** The refusal's code and params (CommandRefusal), for a history said in a person's language. */
  readonly code: RefusalCode;
  readonly params: RefusalParams;
}

/** A reading older than the point's latest by more than its tolerance: refused, not merged. */
export interface LateReadingEvent {
  readonly type: 'late_reading';
  readonly pointId: string;
  readonly time: number;
  readonly latestTime: number;
  readonly lateByMs: number;
}

export interface InvalidReadingEvent {
  readonly type: 'invalid_reading';
  readonly pointId: string;
  readonly time: number;
  readonly why: string;
}

/** A voting member left out of its vote (out of service, or bad quality the group is configured to ignore), or back in it. */
export interface VoteIgnoredEvent {
  readonly type: 'vote_ignored';
  readonly time: number;
  readonly groupId: string;
  readonly pointId: string;
  readonly ignored: boolean;
  /** Left out because its trip alarm is out of service (else for bad quality or staleness). */
  readonly outOfService: boolean;
  readonly why: string;
}

export interface AlarmFloodEvent {
  readonly type: 'alarm_flood';
  readonly time: number;
  readonly site: string;
  readonly phase: 'start' | 'end';
  readonly alarmsIn10Min: number;
}

export interface AlarmChatteringEvent {
  readonly type: 'alarm_chattering';
  readonly time: number;
  readonly site: string;
  readonly alarmId: string;
  readonly activationsIn1Min: number;
}

export type EngineEvent = AlarmEvent | ActionEvent | CommandRefusedEvent | LateReadingEvent | InvalidReadingEvent | VoteIgnoredEvent | AlarmFloodEvent | AlarmChatteringEvent;

export type EventSink = (event: EngineEvent) => void;

export interface OperatorCommand {
  readonly kind: 'ack' | 'shelve' | 'unshelve' | 'suppress' | 'unsuppress' | 'remove_from_service' | 'return_to_service' | 'reset';
  /** Alarm id, or for reset an alarm id or action id. */
  readonly target: string;
  readonly time: number;
  readonly person: string;
  readonly reason?: string;
  /** Shelve only: when the alarm unshelves itself (epoch ms). */
  readonly until?: number;
}

/**
 * Why a command was refused, as a stable code a user interface renders in its own language with `params`; `reason`
 * is the same in an English sentence (logs, the audit row, the fallback for a code a client does not know).
 * Append only: a code keeps its meaning and its params.
 */
export const REFUSAL_CODES = [
  /** params: target, state (the alarm's, or `normal` for a runtime alarm no longer standing). */
  'nothing_to_acknowledge',
  /** params: target. */
  'not_latched',
  /** params: target, active (the alarm ids whose condition holds, comma-separated). */
  'condition_active',
  /** params: target (a normal latching alarm). */
  'nothing_to_reset',
  /** params: target, command. */
  'reason_required',
  /** params: target, until. */
  'expiry_not_after_now',
  /** params: target, mode (the alarm's), command. */
  'mode_forbids',
  /** params: target, mode (the alarm's), expected (the mode the command ends). */
  'not_in_mode',
  /** params: target, mode. */
  'already_in_mode',
  /** params: target, command (a runtime alarm is only acknowledged). */
  'runtime_alarm_ack_only',
  /** params: target, command. */
  'unknown_target',
  /** params: target, since (`restart` or `reload`: what left the latch unjudged), waiting (`<point> <seconds> s` of good readings each still needs, comma-separated). */
  'latch_not_judged',
  /** params: target, command. */
  'person_unnamed',
  /** params: target, command. */
  'time_invalid',
  /** params: user (a role too low, or a user a reload removed). */
  'not_permitted',
  /** params: failure (the store's error, technical): accepted but its event could not be stored, so it is not done. */
  'not_stored',
  /** params: none (the agent is shutting down). */
  'agent_stopping',
  /** params: target (a point without alarm rules: no limit to change). */
  'no_limit_rules',
  /** params: target, limit (a limit the point does not have). */
  'limit_absent',
  /** params: target, limit, value (as given: NaN or an infinity). */
  'limit_not_finite',
  /** params: target, limit, value (the config file's value: no override to remove). */
  'no_override',
  /** params: target (the limits asked are the ones in force). */
  'nothing_changes',
  /** params: target, lower, lowerValue, higher, higherValue (lolo < lo < hi < hihi broken). */
  'limits_out_of_order',
  /** params: target, limit, value, low, high (the point's range; `-inf` / `inf` where open). */
  'limit_out_of_range',
  /** params: target, failure (technical: the reload or the overrides file): the limits are as before. */
  'limits_not_applied',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

export type RefusalParams = Readonly<Record<string, string | number>>;

export type CommandRefusal = { readonly ok: false; readonly reason: string; readonly code: RefusalCode; readonly params: RefusalParams };

export type CommandResult = { readonly ok: true } | CommandRefusal;

/** A refusal with its code, the params its sentence needs, and the English sentence. */
export function refusal(code: RefusalCode, params: RefusalParams, reason: string): CommandRefusal {
  return { ok: false, reason, code, params };
}
