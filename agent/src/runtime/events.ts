/** What the agent publishes and takes from callers: its events, listeners, credentials and alarm commands. */
import type { Reading } from '@hazmon/protocols';
import type { UserRole } from '../config/index.ts';
import type { EngineEvent, OperatorCommand, Priority } from '../engine/index.ts';
import type { DurableListener } from './durable-feed.ts';
import type { ReloadReport } from './reload.ts';
import type { RuntimeAlarmEvent } from './runtime-alarms.ts';

/** A config reload, applied (`report` set) or refused (the agent runs on as before; `why` says what was refused). */
export interface ConfigReloadEvent {
  readonly type: 'config_reload';
  readonly time: number;
  readonly file: string;
  /** What asked for it: `SIGHUP`, or the caller's word. */
  readonly trigger: string;
  readonly applied: boolean;
  readonly why: string;
  readonly report: ReloadReport | null;
}

/** A bump test or a calibration of a detector. */
export interface UpkeepRecord {
  readonly kind: 'bump_test' | 'calibration';
  /** When the work was done, epoch ms UTC. */
  readonly at: number;
  readonly result: 'pass' | 'fail' | 'adjusted';
  readonly notes?: string;
  /** The next due date the person set, epoch ms UTC; without it the device's `upkeep` interval gives it. */
  readonly nextDue?: number;
}

/** A person's handling record for an alarm (the closed loop regulators keep): what was found, what was done, the result. */
export interface AlarmHandledEvent {
  readonly type: 'alarm_handled';
  readonly time: number;
  readonly alarmId: string;
  readonly pointId: string;
  readonly rule: string;
  readonly priority: Priority;
  /** The alarm's state when the record was made. */
  readonly state: string;
  readonly who: string;
  readonly found: string;
  readonly done: string;
  readonly result: string;
}

/** A detector's bump test or calibration as a person recorded it (UpkeepRecord, with the device, who and when entered). */
export interface UpkeepRecordedEvent extends UpkeepRecord {
  readonly type: 'upkeep_recorded';
  /** When it was entered, epoch ms UTC (`at` is when the work was done). */
  readonly time: number;
  readonly deviceId: string;
  readonly who: string;
}

/** A person's record that the agent stores before telling them it is stored. */
export type PersonRecordEvent = AlarmHandledEvent | UpkeepRecordedEvent;

export type AgentEvent = EngineEvent | RuntimeAlarmEvent | ConfigReloadEvent | PersonRecordEvent;
export type AgentListener = (event: AgentEvent) => void;
export type AgentDurableListener = DurableListener<AgentEvent>;
export type ReadingsListener = (batch: readonly Reading[]) => void;

/** A person the caller (the dashboard's login) has already authenticated. */
export interface AuthenticatedUser {
  readonly name: string;
  readonly role: UserRole;
}

/** A password check, or a user the caller has already authenticated. */
export type Credentials = { readonly user: string; readonly password: string } | { readonly authenticated: AuthenticatedUser };

/** An operator command on one alarm, as a caller gives it: the agent adds the time and the authenticated person. */
export type AlarmCommandRequest = Omit<OperatorCommand, 'time' | 'person' | 'kind'> & { readonly kind: Exclude<OperatorCommand['kind'], 'reset'> };
