/**
 * AgentApi: the one way into a running agent for the web server, the CLI and cross-package tests. It stays valid
 * across config reloads (nothing it hands out holds the engine or the config of the moment), gives no secrets, and
 * every command names the acting person's credentials.
 */
import type { AlarmView, CommandRefusal, CommandResult, PendingDelayView } from '../engine/index.ts';
import type { StoreReader } from '../store/index.ts';
import type { ActionView } from './action-views.ts';
import type { AgentStats } from './stats.ts';
import type { AgentDurableListener, AgentListener, AlarmCommandRequest, AuthenticatedUser, Credentials, ReadingsListener, UpkeepRecord } from './events.ts';
import type { AgentHealth } from './health.ts';
import type { LastGoodVisitor, LatestChangeVisitor, LatestValue, LatestValueVisitor } from './latest-values.ts';
import type { RegulatorTokenView } from './regulator-tokens.ts';
import type { RunningConfig } from './reload.ts';
import type { ConfigLimitRecord } from './config-limit-changes.ts';
import type { RuntimeAlarmView } from './runtime-alarms.ts';
import type { LimitName, ThresholdChange, ThresholdHistoryEntry, ThresholdOverride } from './threshold-overrides.ts';

/** A threshold change as a person asks for it: the limits to move (null: back to the config file's value) and why. */
export type ThresholdChangeRequest = ThresholdChange & { readonly reason: string };

export type ThresholdChangeResult = { readonly ok: true; readonly thresholds: Readonly<Record<LimitName, number | null>> } | CommandRefusal;

/** The overrides in force (over the config file's limits) and the history of changes, oldest first. */
export interface ThresholdOverview {
  readonly inForce: readonly ThresholdOverride[];
  readonly history: readonly ThresholdHistoryEntry[];
}

/** A user as the config names it, without the password hash. */
export interface PublicUser {
  readonly name: string;
  readonly role: AuthenticatedUser['role'];
}

/** The running config without secrets: users without password hashes, OPC UA connections without passwords. */
export type PublicConfig = Omit<RunningConfig, 'users' | 'opcua'> & {
  readonly users: readonly PublicUser[];
  readonly opcua: readonly (Omit<RunningConfig['opcua'][number], 'user'> & { readonly user?: { readonly userName: string } })[];
};

/**
 * Every alarm a person has to know of: engine alarms not normal or not in service, runtime alarms not normal, and the
 * running on-/off-delays (a condition that changed side and waits out its delay: no alarm yet, or not yet cleared).
 */
export interface AlarmList {
  readonly engine: readonly AlarmView[];
  readonly runtime: readonly RuntimeAlarmView[];
  readonly pending: readonly PendingDelayView[];
}

/** A sign-in at a server, as the audit log keeps it: `who` is the name given, whether or not it checked out. */
export interface SessionAuditEntry {
  readonly who: string;
  readonly action: 'login' | 'login_failed' | 'login_throttled' | 'logout';
  /** The client's address. */
  readonly address: string;
  readonly role?: AuthenticatedUser['role'];
}

/** The closed loop regulators keep per alarm: what the person found, what they did, how it ended. */
export interface AlarmHandling {
  readonly found: string;
  readonly done: string;
  readonly result: string;
}

export interface AgentApi {
  /** The config running now, without secrets; follows reloads. */
  readonly config: PublicConfig;
  /** The store's reads (readings, aggregates, alarm events after a cursor, audit rows, exports): no writes, no close. */
  readonly reader: StoreReader;
  /** Every event as it happens (before it is on disk): for live views. Returns the unsubscribe function. */
  subscribe(listener: AgentListener): () => void;
  /** Every event once its row is committed (or its append failed), in order: for what tells a person. */
  subscribeDurable(listener: AgentDurableListener): () => void;
  /** Every batch of readings as it arrives. */
  subscribeReadings(listener: ReadingsListener): () => void;
  alarms(): AlarmList;
  /** One alarm by id, engine or runtime; undefined when there is none. */
  alarm(alarmId: string): AlarmView | RuntimeAlarmView | undefined;
  /** Acknowledge, shelve, unshelve (operator and up); suppress, out of service and back (supervisor and up); audited. */
  commandAlarm(request: AlarmCommandRequest, credentials: Credentials): Promise<CommandResult>;
  /** Resets a latched action (supervisor and up) once its trigger conditions cleared; audited. Never reopens a valve. */
  resetAction(actionId: string, credentials: Credentials, reason?: string): Promise<CommandResult>;
  /**
   * Records how a person handled an alarm (operator and up): what was found, what was done, the result. An
   * `alarm_events` row of kind `handled`, committed before this resolves, and an `alarm_handling` audit row.
   */
  recordHandling(alarmId: string, handling: AlarmHandling, credentials: Credentials): Promise<CommandResult>;
  /**
   * Moves a point's limits at run time (supervisor and up) through the reload path, keeping windows and alarm
   * states; kept in `<store>.threshold-overrides.json` over the config file's limits and audited (`threshold_change`)
   * before this resolves. Refused (and audited) for a limit the point lacks, a broken order or a value off its range.
   */
  changeThresholds(pointId: string, change: ThresholdChangeRequest, credentials: Credentials): Promise<ThresholdChangeResult>;
  /** The threshold overrides in force and the history of changes. */
  thresholdOverview(): ThresholdOverview;
  /** The limit changes the config file made (reloads, starts on an edited file), oldest first: kept in memory, read from the audit log once at start. */
  configLimitChanges(): ConfigLimitRecord;
  /**
   * Records a detector's bump test or calibration (operator and up): an `alarm_events` row of rule `upkeep` (point id =
   * the device id, kind = the record's), committed before this resolves, and a `device_upkeep` audit row.
   */
  recordUpkeep(deviceId: string, record: UpkeepRecord, credentials: Credentials): Promise<CommandResult>;
  actionLatched(actionId: string): boolean;
  /** Each configured action: its output, state, the valve's feedback, its triggers, whether a reset would be accepted now. */
  actions(): ActionView[];
  /** The latest reading of each point asked for (default all) since the agent started. */
  latestValues(pointIds?: readonly string[]): LatestValue[];
  /** latestValues() of every point, in the same order, handed to `visit` field by field: no object per point (10k points an answer). */
  eachLatestValue(visit: LatestValueVisitor): void;
  /**
   * Each point with a reading whose latest value changed after `version` (0: all), handed to `visit` without an object
   * per point; returns the version to ask from next: a live view polls this per window instead of subscribing to every
   * reading.
   */
  latestChanges(version: number, visit: LatestChangeVisitor): number;
  /**
   * Each point with a good reading since the agent started, with the receive time of its latest good one, kept while
   * the readings after it are bad (a device in comms loss): when each point was last heard well. No object per point.
   */
  eachLastGoodReading(visit: LastGoodVisitor): void;
  /**
   * Per reading point, how long (ms) its latest reading stays current after it was received: the source's
   * restatement rhythm (Modbus: a few polls; OPC UA, which reports changes only: the keep-alive periods its connection
   * tolerates), never longer than the engine's `staleS`. Older is stale; views judge staleness by this alone.
   * `pointIds`: these points at least, maybe others (a view of a few points need not wait for the whole plant's map).
   */
  pointFreshness(pointIds?: readonly string[]): ReadonlyMap<string, number>;
  /** The user with this name and password, or null. */
  authenticate(name: string, password: string): Promise<AuthenticatedUser | null>;
  /** Writes a server's sign-in, refused sign-in or sign-out to the audit log (`session_<action>`, target the address). */
  auditSession(entry: SessionAuditEntry): Promise<void>;
  stats(): AgentStats;
  health(): AgentHealth;
  /** Regulator tokens, revoked ones too, without secrets. */
  regulatorTokens(): RegulatorTokenView[];
  /** Issues a read-only regulator token (admin); audited `regulator_token_created`. The secret is returned here once and kept nowhere. */
  createRegulatorToken(request: RegulatorTokenRequest, credentials: Credentials): Promise<RegulatorTokenCreated | { readonly ok: false; readonly reason: string }>;
  /** Revokes a token (admin); audited `regulator_token_revoked`, accepted or refused. */
  revokeRegulatorToken(tokenId: string, credentials: Credentials): Promise<CommandResult>;
  /** The live (not revoked, not expired) token of this secret, its last use recorded; undefined for any other. */
  useRegulatorToken(secret: string): RegulatorTokenView | undefined;
}

export interface RegulatorTokenRequest {
  /** Who holds it, e.g. the bureau's name. */
  readonly name: string;
  /** Refused from this many days after creation on; none: no expiry. */
  readonly expiresInDays?: number;
}

export interface RegulatorTokenCreated {
  readonly ok: true;
  readonly token: RegulatorTokenView;
  readonly secret: string;
}

/**
 * A server run in the agent's process beside it (the web server): it reads and commands through the AgentApi it is
 * handed, and nothing else. The process that composes them (`hazmon run`) starts each after the agent and closes
 * each before the agent stops.
 */
export interface AgentServer {
  /** What it is, for log lines: e.g. `web server`. */
  readonly name: string;
  /** Whether this config asks for it (e.g. the uplink only with an `uplink:` section); absent: always started. */
  wanted?(config: PublicConfig): boolean;
  /** Starts serving; resolves once it serves. A rejection leaves the agent monitoring without this server. */
  start(api: AgentApi, log: (line: string) => void): Promise<RunningServer>;
}

export interface RunningServer {
  /** Where it serves, for the start-up line: e.g. `https://0.0.0.0:8443`. */
  readonly address: string;
  close(): Promise<void>;
}

/** The config without secrets. */
export function publicConfig(config: RunningConfig): PublicConfig {
  return {
    ...config,
    users: config.users.map(({ name, role }) => ({ name, role })),
    opcua: config.opcua.map(({ user, ...connection }) => (user === undefined ? connection : { ...connection, user: { userName: user.userName } })),
  };
}
