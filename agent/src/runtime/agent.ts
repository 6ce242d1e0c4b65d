/**
 * The agent: the composition root of the gateway's core loop. Pollers and OPC UA connections feed the alarm engine
 * and the store; engine events and runtime alarms go through the event journal; a close action drives a verified
 * shut-off. Each job is a service of its own (below); this class wires them, routes readings and owns time.
 * Callers use it through AgentApi.
 *
 * | service | job |
 * |---|---|
 * | EventJournal | events to listeners and the store, durable delivery, audit rows |
 * | RuntimeAlarms | the runtime's own alarms with the ISA-18.2 life cycle |
 * | SourceHealth | Modbus device and OPC UA connection comms, poll overruns |
 * | OutputDriver | outputs tripped, shut-off valves verified |
 * | LatchGuard | latch alarms, latches restored at start, reset checks |
 * | Access | users, passwords, roles |
 * | LatestValues | each point's latest reading |
 * | restoreAlarmStates | alarm states taken back from the journal at start |
 *
 * @example
 * const agent = await Agent.start(loadAgentConfig('/etc/hazmon/site.yaml'));
 * const unsubscribe = agent.subscribe((event) => console.log(event));
 * agent.subscribeDurable((event, durability) => log(event, durability)); // once the event's row is committed
 * await agent.resetAction('close-gas-header', { user: 'li.wei', password });
 * await agent.stop();
 */
import { messageOf } from '@hazmon/errors';
import type { OpcuaConnection, OpcuaConnectionConfig, PollOutcome, Reading, ReadingRows } from '@hazmon/protocols';
import { createOpcuaConnection } from '@hazmon/protocols';
import type { AgentConfig } from '../config/index.ts';
import { limitRangeOf } from '../config/index.ts';
import { type AlarmView, type CommandRefusal, type CommandResult, type EngineEvent, type Priority, type RevertibleCommand, refusal } from '../engine/index.ts';
import { AlarmEngine, refusedCommand } from '../engine/index.ts';
import type { AlarmEventRow, StoredLimitsMove, StoreOptions, StorePointDefinition, StoreReader } from '../store/index.ts';
import { HazmonStore } from '../store/index.ts';
import { LatencyHistogram } from '../latency-histogram.ts';
import { Access, nameOf, RESET_ROLES, rolesFor } from './access.ts';
import { restoreAlarmStates } from './alarm-restore.ts';
import { REGULATOR_TOKEN_ROLES, RegulatorTokens, regulatorTokenFile, type RegulatorTokenView } from './regulator-tokens.ts';
import type {
  AgentApi,
  AlarmHandling,
  AlarmList,
  PublicConfig,
  RegulatorTokenCreated,
  RegulatorTokenRequest,
  SessionAuditEntry,
  ThresholdChangeRequest,
  ThresholdChangeResult,
  ThresholdOverview,
} from './api.ts';
import { publicConfig } from './api.ts';
import {
  type AuditedLimitChange,
  auditedLimitChanges,
  type ConfigLimitRecord,
  ConfigLimitHistory,
  type LimitChangeCause,
  limitChangesText,
  LIMITS_CHANGED_AT_START,
  START_TRIGGER,
} from './config-limit-changes.ts';
import { RuntimeError } from './errors.ts';
import { EventLoopLagMonitor } from './event-loop.ts';
import { freshnessByPoint, freshnessOf } from './freshness.ts';
import { GatewayClock } from './gateway-clock.ts';
import { EventJournal, HAZMON } from './event-journal.ts';
import type { AgentDurableListener, AgentListener, AlarmCommandRequest, AuthenticatedUser, Credentials, ReadingsListener, UpkeepRecord } from './events.ts';
import type { AgentHealth } from './health.ts';
import { assessHealth } from './health.ts';
import { Heartbeat } from './heartbeat.ts';
import { LatchGuard, latchActions } from './latch-guard.ts';
import type { LastGoodVisitor, LatestChangeVisitor, LatestValue, LatestValueVisitor } from './latest-values.ts';
import { LatestValues } from './latest-values.ts';
import { OutputDriver } from './outputs.ts';
import type { ActionView } from './action-views.ts';
import { actionViews } from './action-views.ts';
import { PointRoutes } from './point-routes.ts';
import { PointWriters } from './point-writers.ts';
import type { ChangeSet, ReloadReport, RunningConfig, SkippedState } from './reload.ts';
import { fingerprints, fixedFieldChanges, reloadSummary, runningConfig } from './reload.ts';
import type { RuntimeAlarmInput, RuntimeAlarmView } from './runtime-alarms.ts';
import { RuntimeAlarms } from './runtime-alarms.ts';
import type { Retiring } from './sources.ts';
import { collectStartupGarbage } from './startup-garbage.ts';
import { ModbusLines, SourceUnits } from './sources.ts';
import { SourceHealth } from './source-health.ts';
import type { AgentStats } from './stats.ts';
import { storeEventAlarm } from './store-alarms.ts';
import {
  applyOverrides,
  LIMIT_NAMES,
  type LimitName,
  limitProblem,
  limitsOf,
  type OverriddenConfig,
  THRESHOLD_ROLES,
  type ThresholdHistoryEntry,
  ThresholdOverrides,
  thresholdOverrideFile,
  withLimits,
} from './threshold-overrides.ts';

/** Raised at start when the audit log's hash chain does not hold (rows edited, removed or duplicated while the agent was down). */
const AUDIT_CHAIN_ALARM = 'agent/audit_chain_broken';

function logToStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

export interface AgentOptions {
  /**
   * The gateway clock, epoch ms UTC (receive times, ticks, command times). Default a GatewayClock: the wall clock at
   * start advanced by the monotonic clock, a step of the wall clock raised as `agent/clock_jump`.
   */
  readonly now?: () => number;
  /** The wall clock the default gateway clock starts from and watches for steps (tests step it). Default Date.now. */
  readonly wallClock?: () => number;
  /** How often the engine is ticked so stale, delays and shelf expiry work without readings. Default 250. */
  readonly tickIntervalMs?: number;
  /** Store settings beyond the config's (queue size, flush interval); callbacks are the runtime's. */
  readonly store?: Omit<Partial<StoreOptions>, 'path' | 'onEvent' | 'now'>;
  /** Problems the runtime cannot put anywhere else (a failed store append); default stderr. */
  readonly log?: (line: string) => void;
  /** How long a Modbus device in comms loss must answer validly, with no failure, before its alarm clears. Default 5000. */
  readonly commsReturnHoldMs?: number;
}

const COMMS_REASONS = new Set(['timeout', 'connection', 'backoff']);
const COMMS_RETURN_HOLD_MS = 5000;

export class Agent implements AgentApi {
  private readonly now: () => number;
  /** The default gateway clock, checked for wall clock steps at each tick; null when AgentOptions.now was given. */
  private readonly clock: GatewayClock | null;
  private readonly log: (line: string) => void;
  private readonly journal: EventJournal;
  private readonly runtimeAlarms: RuntimeAlarms;
  private readonly access: Access;
  private readonly sources: SourceHealth;
  private readonly writers: PointWriters;
  private readonly outputs: OutputDriver;
  private readonly latches: LatchGuard;
  private readonly latest: LatestValues;
  /** Each point's engine index, store index, latest-values slot, resolved once (sources hand readings over by route). */
  private readonly routes = new PointRoutes({
    engineIndex: (pointId) => this.engine.pointIndex(pointId),
    storeIndex: (pointId) => this.store.pointIndex(pointId),
    latestSlot: (pointId) => this.latest.slotOf(pointId),
    isFeedback: (pointId) => this.outputs.isFeedback(pointId),
  });
  private readonly readingListeners = new Set<ReadingsListener>();
  private readonly rejectedPoints = new Set<string>();
  /**
   * OPC UA points without a unit in the config, by route: their unit comes from the node's EngineeringUnits once
   * connected, and is registered in the store (exports read it there) with the first reading that names one.
   */
  private serverUnits = new Map<number, StorePointDefinition>();
  private readonly latency = { decision: new LatencyHistogram(), command: new LatencyHistogram(), confirm: new LatencyHistogram() };
  private readonly connections = new SourceUnits<OpcuaConnection>({ start: (connection) => connection.start(), stop: (connection) => connection.stop() });
  private readonly poller: ModbusLines;
  private engine: AlarmEngine;
  private current: RunningConfig;
  private currentPublic: PublicConfig;
  /** Reloads run one after another; stop() waits for the one under way. */
  private reloading: Promise<unknown> = Promise.resolve();
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly writeLatency = new LatencyHistogram();
  private readonly eventLoop: EventLoopLagMonitor;
  private readonly heartbeat: Heartbeat | null;
  private readonly startedAt: number;
  private lastTickAt: number;
  /** When the readings (or tick) now being processed reached the gateway: the start of the shut-off latency. */
  private arrivedAt = 0;
  private stopped = false;
  private counts = { readings: 0, storeRejected: 0, storeDropped: 0, lateReadings: 0, invalidReadings: 0, reloadStopReadings: 0 };

  readonly reader: StoreReader;

  private constructor(
    config: AgentConfig,
    private readonly store: HazmonStore,
    private readonly tokens: RegulatorTokens,
    private readonly thresholdOverrides: ThresholdOverrides,
    private readonly configLimits: ConfigLimitHistory,
    options: AgentOptions,
  ) {
    this.reader = store.reader();
    this.clock = options.now ? null : new GatewayClock(options.wallClock);
    this.now = this.clock?.now ?? options.now ?? Date.now;
    this.log = options.log ?? logToStderr;
    this.current = runningConfig(config);
    this.currentPublic = publicConfig(this.current);
    this.startedAt = this.now();
    this.lastTickAt = this.startedAt;
    this.journal = new EventJournal(store, this.now, this.log);
    this.runtimeAlarms = new RuntimeAlarms(this.now, (event) => this.journal.publish(event));
    this.access = new Access(() => this.current.users);
    this.sources = new SourceHealth(this.runtimeAlarms, options.commsReturnHoldMs ?? COMMS_RETURN_HOLD_MS);
    this.latest = new LatestValues(this.current.readingPoints);
    this.engine = new AlarmEngine(config.engine, (event) => this.onEngineEvent(event));
    this.poller = new ModbusLines(
      (rows, retiring, outcome) => this.onRows(rows, retiring, outcome),
      (pointId) => this.routes.indexOf(pointId),
      this.now,
    );
    this.writers = new PointWriters({ now: this.now, config: () => this.current, poller: this.poller, connections: this.connections, writeLatency: this.writeLatency });
    this.outputs = new OutputDriver(
      {
        now: this.now,
        journal: this.journal,
        runtimeAlarms: this.runtimeAlarms,
        latency: this.latency,
        log: this.log,
        writerFor: (output) => this.writers.writerFor(output.command, `outputs ${output.id}: command point`),
      },
      config.outputs,
    );
    this.latches = new LatchGuard({
      now: this.now,
      engine: () => this.engine,
      config: () => this.current,
      journal: this.journal,
      runtimeAlarms: this.runtimeAlarms,
      outputs: this.outputs,
      log: this.log,
    });
    this.poller.replace(config.lines, config.devices);
    this.replaceConnections(config.opcua);
    this.awaitServerUnits(config);
    const raiseAlarm = (alarm: RuntimeAlarmInput) => this.raiseRuntimeAlarm(alarm);
    this.eventLoop = new EventLoopLagMonitor({ limitMs: config.health.eventLoopLagMs, alarm: raiseAlarm });
    const heartbeat = config.heartbeat;
    this.heartbeat =
      heartbeat &&
      new Heartbeat({
        point: heartbeat.point,
        mode: heartbeat.mode ?? (this.writers.isBooleanModbusPoint(heartbeat.point) === false ? 'count' : 'toggle'),
        intervalMs: heartbeat.intervalS * 1000,
        write: this.writers.writerFor(heartbeat.point, 'heartbeat'),
        alarm: raiseAlarm,
      });
  }

  /** Opens the store, registers the points, takes back latches and alarm states, starts polling, subscriptions and the tick. */
  static async start(fileConfig: AgentConfig, options: AgentOptions = {}): Promise<Agent> {
    const log = options.log ?? logToStderr;
    const thresholdOverrides = await ThresholdOverrides.open(thresholdOverrideFile(fileConfig.store.path), options.now ?? Date.now, log);
    const overridden = applyOverrides(fileConfig, thresholdOverrides.overrides);
    const config = overridden.config;
    const holder: { agent?: Agent } = {};
    const store = await HazmonStore.open({
      ...options.store,
      ...config.store,
      ...(options.now ? { now: options.now } : {}),
      onEvent: (event) => holder.agent?.raiseRuntimeAlarm(storeEventAlarm(event)),
    });
    try {
      const configLimits = await ConfigLimitHistory.load(store.reader());
      // Against the limits the last run left in the points table: what an edit of the file while the agent was down moved.
      const moved = await store.registerPoints(config.storePoints);
      // The points' rows would otherwise stay in memory (a block per column of the points table, ~10 MB for 10k
      // points) until the WAL reaches DuckDB's checkpoint_threshold; nothing else writes yet.
      await store.checkpoint();
      collectStartupGarbage();
      const tokens = await RegulatorTokens.open(regulatorTokenFile(config.store.path), options.now ?? Date.now, log);
      const agent = new Agent(config, store, tokens, thresholdOverrides, configLimits, options);
      holder.agent = agent;
      await agent.recordLimitsMovedAtStart(moved, overridden);
      await agent.retireOverrides(overridden, START_TRIGGER);
      const latched = await agent.latches.restore(await store.latestActionEvents());
      agent.restoreAlarms(await store.latestAlarmStates());
      agent.latches.hold(latched);
      collectStartupGarbage();
      agent.run(options.tickIntervalMs ?? 250);
      agent.checkAuditChainAtStart();
      return agent;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /**
   * Every engine and runtime event, in order, as it happens: before its `alarm_events` row is committed, so a kill
   * right after may lose an event a listener saw. For live views and in-process reactions; whatever tells a person
   * an event happened uses subscribeDurable. Returns the unsubscribe function.
   */
  subscribe(listener: AgentListener): () => void {
    return this.journal.subscribe(listener);
  }

  /**
   * The same events in the same order, each once its append has settled: `stored` with the row's seq (committed,
   * survives kill -9), `audited` with the audit row's seq (config reloads), `not_stored` for events the store does not
   * keep, `append_failed` (counted in persistFailures and logged) when the row is not on disk. An event waits for
   * every earlier event's append, so a slow commit holds back the events after it (a few ms: the group commit).
   * stop() delivers every queued event before it resolves. Returns the unsubscribe function.
   */
  subscribeDurable(listener: AgentDurableListener): () => void {
    return this.journal.subscribeDurable(listener);
  }

  /** Every batch of readings as it arrives, after the engine and the store have it (live views); returns the unsubscribe function. */
  subscribeReadings(listener: ReadingsListener): () => void {
    this.readingListeners.add(listener);
    return () => this.readingListeners.delete(listener);
  }

  /**
   * Runs a command whose events must be on disk before a person is told "done". One accepted but not stored is
   * answered as failed and taken back, so what memory shows agrees with the journal a restart reads and the person
   * can simply try again.
   */
  private async issueStored(command: () => RevertibleCommand): Promise<CommandResult> {
    let revert: RevertibleCommand['revert'] = () => undefined;
    const { result, failure } = await this.journal.issue((): CommandResult => {
      const issued = command();
      revert = issued.revert;
      return issued.result;
    });
    if (!result.ok || failure === null) return result;
    revert(this.now(), `not stored, so taken back: ${failure}`);
    return refusal('not_stored', { failure }, `accepted but not stored, so not done: ${failure}`);
  }

  /**
   * Resets a latched action for a supervisor or admin, once its trigger conditions have cleared (the engine's
   * refusal is passed through). Audited either way. Releasing never reopens a valve.
   */
  async resetAction(actionId: string, credentials: Credentials, reason = 'reset'): Promise<CommandResult> {
    const access = await this.access.authorize(credentials, RESET_ROLES, 'resetting a latched action');
    // The release event must be durable before the caller hears "reset": a restart must not bring the latch back.
    const result = await this.issueStored((): RevertibleCommand => {
      if ('refused' in access) return refusedCommand(notPermitted(access.refused, credentials));
      const refused = this.storeCannotWrite() ?? this.latches.refusesReset(actionId);
      return refused === null ? this.engine.commandRevertible({ kind: 'reset', target: actionId, time: this.now(), person: access.user.name, reason }) : refusedCommand(refused);
    });
    await this.journal.audit('reset_action', actionId, { ...auditOutcome(result), reason: result.ok ? reason : result.reason, role: access.user?.role ?? null }, nameOf(credentials));
    return result;
  }

  /**
   * An operator command on an alarm: acknowledge, shelve, unshelve (operator and up), suppress, unsuppress, remove
   * from or return to service (supervisor and up). Runtime alarms (comms, shut-off, store) are only acknowledged.
   * Audited either way; an accepted command's alarm event is on disk before this resolves, so the state it set
   * survives a restart or kill -9.
   */
  async commandAlarm(request: AlarmCommandRequest, credentials: Credentials): Promise<CommandResult> {
    const access = await this.access.authorize(credentials, rolesFor(request.kind), request.kind);
    const reason = request.reason?.trim() ?? '';
    const result = await this.issueStored((): RevertibleCommand => {
      if ('refused' in access) return refusedCommand(notPermitted(access.refused, credentials));
      const unwritable = this.storeCannotWrite();
      if (unwritable) return refusedCommand(unwritable);
      if (this.runtimeAlarms.has(request.target) && this.engine.alarm(request.target) === undefined) {
        return request.kind === 'ack'
          ? this.runtimeAlarms.acknowledge(request.target, access.user.name, reason)
          : refusedCommand(
              refusal('runtime_alarm_ack_only', { target: request.target, command: request.kind }, `${request.target} is raised by the agent itself: it can be acknowledged, not ${request.kind}`),
            );
      }
      return this.engine.commandRevertible({ ...request, time: this.now(), person: access.user.name });
    });
    await this.journal.audit(
      'alarm_command',
      request.target,
      {
        command: request.kind,
        ...auditOutcome(result),
        reason: result.ok ? reason : result.reason,
        role: access.user?.role ?? null,
        ...(request.until === undefined ? {} : { until: request.until }),
      },
      nameOf(credentials),
    );
    return result;
  }

  /**
   * A handling record (operator and up) for an alarm the agent knows: an `alarm_events` row of kind `handled`, so it
   * is in the alarm's history and the regulator's feed; it resolves ok only once the row is committed. Audited either way.
   */
  async recordHandling(alarmId: string, handling: AlarmHandling, credentials: Credentials): Promise<CommandResult> {
    const access = await this.access.authorize(credentials, rolesFor('ack'), 'recording how an alarm was handled');
    const alarm = this.alarm(alarmId);
    let result: CommandResult;
    if ('refused' in access) result = notPermitted(access.refused, credentials);
    else if (alarm === undefined) result = refusal('unknown_target', { target: alarmId, command: 'handling' }, `no alarm ${alarmId}`);
    else {
      const durability = await this.journal.publishRecord({
        type: 'alarm_handled',
        time: this.now(),
        alarmId,
        pointId: 'pointId' in alarm ? alarm.pointId : alarm.source,
        rule: alarm.rule,
        priority: alarm.priority,
        state: alarm.state,
        who: access.user.name,
        ...handling,
      });
      result =
        durability.outcome === 'stored' ? { ok: true } : refusal('not_stored', { failure: 'error' in durability ? durability.error : durability.outcome }, 'the handling record could not be stored');
    }
    await this.journal.audit('alarm_handling', alarmId, { ...auditOutcome(result), ...(result.ok ? { handling } : { reason: result.reason }), role: access.user?.role ?? null }, nameOf(credentials));
    return result;
  }

  /**
   * A bump test or calibration of a Modbus device (operator and up): an `alarm_events` row of rule `upkeep` and the
   * record's kind, point id the device's, committed before this resolves ok. Audited `device_upkeep` either way.
   */
  async recordUpkeep(deviceId: string, record: UpkeepRecord, credentials: Credentials): Promise<CommandResult> {
    const access = await this.access.authorize(credentials, rolesFor('ack'), 'recording a bump test or calibration');
    let result: CommandResult;
    if ('refused' in access) result = notPermitted(access.refused, credentials);
    else if (!this.config.devices.some((device) => device.id === deviceId)) result = refusal('unknown_target', { target: deviceId, command: 'upkeep' }, `no Modbus device ${deviceId}`);
    else {
      const durability = await this.journal.publishRecord({ type: 'upkeep_recorded', time: this.now(), deviceId, who: access.user.name, ...record });
      result =
        durability.outcome === 'stored' ? { ok: true } : refusal('not_stored', { failure: 'error' in durability ? durability.error : durability.outcome }, 'the upkeep record could not be stored');
    }
    await this.journal.audit('device_upkeep', deviceId, { ...auditOutcome(result), ...(result.ok ? { record } : { reason: result.reason }), role: access.user?.role ?? null }, nameOf(credentials));
    return result;
  }

  alarms(): AlarmList {
    return { engine: this.engine.alarmsOfInterest(), runtime: this.runtimeAlarms.list(), pending: this.engine.pendingDelays() };
  }

  /** Engine alarms not normal (any mode) and runtime alarms not normal. */
  alarmsNotNormal(): { readonly engine: AlarmView[]; readonly runtime: RuntimeAlarmView[] } {
    return { engine: this.engine.alarmsNotNormal(), runtime: this.runtimeAlarms.list() };
  }

  alarm(alarmId: string): AlarmView | RuntimeAlarmView | undefined {
    return this.engine.alarm(alarmId) ?? this.runtimeAlarms.list().find((alarm) => alarm.id === alarmId);
  }

  latestValues(pointIds?: readonly string[]): LatestValue[] {
    return this.latest.list(pointIds);
  }

  eachLatestValue(visit: LatestValueVisitor): void {
    this.latest.each(visit);
  }

  latestChanges(version: number, visit: LatestChangeVisitor): number {
    return this.latest.changedSince(version, visit);
  }

  eachLastGoodReading(visit: LastGoodVisitor): void {
    this.latest.eachLastGood(visit);
  }

  pointFreshness(pointIds?: readonly string[]): ReadonlyMap<string, number> {
    return pointIds === undefined ? freshnessByPoint(this.current) : freshnessOf(this.current, pointIds);
  }

  authenticate(name: string, password: string): Promise<AuthenticatedUser | null> {
    return this.access.authenticate(name, password);
  }

  auditSession(entry: SessionAuditEntry): Promise<void> {
    return this.journal.audit(`session_${entry.action}`, entry.address, { role: entry.role ?? null }, entry.who);
  }

  regulatorTokens(): RegulatorTokenView[] {
    return this.tokens.list();
  }

  async createRegulatorToken(request: RegulatorTokenRequest, credentials: Credentials): Promise<RegulatorTokenCreated | { readonly ok: false; readonly reason: string }> {
    const access = await this.access.authorize(credentials, REGULATOR_TOKEN_ROLES, 'issuing a regulator token');
    if ('refused' in access) {
      await this.journal.audit('regulator_token_created', request.name, { result: 'refused', reason: access.refused }, nameOf(credentials));
      return { ok: false, reason: access.refused };
    }
    const expiresAt = request.expiresInDays === undefined ? null : this.now() + request.expiresInDays * 86_400_000;
    const { token, secret } = await this.tokens.create(request.name, access.user.name, expiresAt);
    await this.journal.audit('regulator_token_created', token.id, { result: 'accepted', name: token.name, expiresAt, role: access.user.role }, access.user.name);
    return { ok: true, token, secret };
  }

  async revokeRegulatorToken(tokenId: string, credentials: Credentials): Promise<CommandResult> {
    const access = await this.access.authorize(credentials, REGULATOR_TOKEN_ROLES, 'revoking a regulator token');
    let result: CommandResult;
    if ('refused' in access) result = notPermitted(access.refused, credentials);
    else result = (await this.tokens.revoke(tokenId, access.user.name)) ? { ok: true } : refusal('unknown_target', { target: tokenId, command: 'revoke' }, `no live regulator token ${tokenId}`);
    // Its holder's name too: the id alone does not tell a reader of the audit log whose token it was.
    const name = this.tokens.list().find((token) => token.id === tokenId)?.name;
    await this.journal.audit(
      'regulator_token_revoked',
      tokenId,
      { ...auditOutcome(result), ...(name === undefined ? {} : { name }), ...(result.ok ? {} : { reason: result.reason }), role: access.user?.role ?? null },
      nameOf(credentials),
    );
    return result;
  }

  useRegulatorToken(secret: string): RegulatorTokenView | undefined {
    return this.tokens.use(secret);
  }

  health(): AgentHealth {
    return assessHealth(this.stats(), this.now(), this.current.health);
  }

  /** The config the agent runs on now (replaced by a reload), without secrets. */
  get config(): PublicConfig {
    return this.currentPublic;
  }

  /**
   * Takes over a changed config without a restart (`hazmon run` calls this on SIGHUP). Carried over: the rule state
   * (windows, delays, alarm states, shelving) of every point, voting group and action whose rules are unchanged;
   * every latch, whatever changed (an action whose rules changed is latched again; a latched action's output that
   * changed is commanded again); Modbus lines (with their devices) and OPC UA connections whose definition is
   * unchanged keep running, the others restart; a shut-off valve controller of an unchanged output keeps watching.
   * Refused with HAZMON_RUNTIME_RELOAD_REFUSED, naming the field or action, for what cannot change at runtime (store,
   * retention, listeners, health limits, heartbeat; removing a latched action); the agent then runs on unchanged.
   * Audited (`config_reload` or `config_reload_refused`, who `hazmon`) and published as a `config_reload` event.
   */
  reload(next: AgentConfig, trigger = 'reload'): Promise<ReloadReport> {
    return this.oneReloadAtATime(async () => {
      const overridden = applyOverrides(next, this.thresholdOverrides.overrides);
      const report = await this.applyReload(overridden.config, trigger, causeOfFileChange(overridden));
      await this.retireOverrides(overridden, `config reload (${trigger})`);
      return report;
    });
  }

  /** Runs reloads and threshold changes one after another; stop() waits for the one under way. */
  private oneReloadAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.reloading.then(work);
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /**
   * A start on a config file whose limits differ from those the last run left in force (edited while the agent was
   * down): each moved limit audited with old and new (`limits_changed_at_start`) and kept for the trend, as a reload's.
   */
  private async recordLimitsMovedAtStart(moved: readonly StoredLimitsMove[], overridden: OverriddenConfig): Promise<void> {
    const changes = auditedLimitChanges(moved, causeOfFileChange(overridden));
    if (changes.length === 0) return;
    const time = this.now();
    this.configLimits.add(time, START_TRIGGER, changes);
    this.log(`hazmon: ${changes.length} limit(s) differ from those the last run left in force: ${limitChangesText(changes)}`);
    await this.journal.audit(LIMITS_CHANGED_AT_START, this.current.file, { trigger: START_TRIGGER, hashAfter: this.current.hash, limitChanges: changes }, HAZMON, time);
  }

  /** The config file's limit changes (reloads, starts on an edited file), oldest first: the trend's record of them. */
  configLimitChanges(): ConfigLimitRecord {
    return { changes: this.configLimits.changes, recordedFrom: this.configLimits.recordedFrom };
  }

  /**
   * Drops the overrides the config file no longer leaves in force (see threshold-overrides.ts): file, history and
   * audit. A file that cannot be written is logged, never a reason to stop monitoring.
   */
  private async retireOverrides(overridden: OverriddenConfig, trigger: string): Promise<void> {
    if (overridden.retired.length === 0) return;
    const time = this.now();
    const entries: ThresholdHistoryEntry[] = overridden.retired.map(({ override, why }) => ({
      time,
      pointId: override.pointId,
      limit: override.limit,
      old: override.value,
      new: limitsOf(this.current.engine.points.find((point) => point.id === override.pointId))[override.limit],
      who: HAZMON,
      why,
      kind: 'retired',
    }));
    try {
      await this.thresholdOverrides.replace(overridden.inForce, entries);
    } catch (error) {
      // The file's values are in force either way; the stale overrides are retired again at the next start or reload.
      this.log(`hazmon: ${thresholdOverrideFile(this.current.store.path)} could not be written (${messageOf(error)}); the retired overrides stay in it until the next start or reload`);
    }
    for (const [i, { override, why }] of overridden.retired.entries()) {
      this.log(`hazmon: threshold override ${override.pointId} ${override.limit} = ${override.value} (by ${override.by}) retired at ${trigger}: ${why}`);
      // configValue is the file's value the override replaced; where the file itself moved the limit, not the one now in force.
      const details = { limit: override.limit, value: override.value, configValue: override.configValue, valueInForce: entries[i]!.new, by: override.by, why, trigger };
      await this.journal.audit('threshold_override_retired', override.pointId, details);
    }
  }

  /**
   * Moves a point's limits (supervisor or admin) through the reload path, so windows and alarm states are kept: an
   * alarm whose limit did not move stays as it is, one whose limit moved is judged against its new limit by the next
   * reading. Validated (a limit the point has, lolo < lo < hi < hihi, within the point's range), kept in the
   * overrides file (fsynced) and audited (`threshold_change`: old, new, who, why) before this resolves; a refusal is
   * audited too.
   */
  async changeThresholds(pointId: string, change: ThresholdChangeRequest, credentials: Credentials): Promise<ThresholdChangeResult> {
    const access = await this.access.authorize(credentials, THRESHOLD_ROLES, 'changing a threshold');
    const reason = change.reason.trim();
    const result: ThresholdChangeResult & { changes?: readonly ThresholdHistoryEntry[] } =
      'refused' in access
        ? notPermitted(access.refused, credentials)
        : reason === ''
          ? refusal('reason_required', { target: pointId, command: 'threshold_change' }, 'a threshold change needs a reason')
          : await this.oneReloadAtATime(() => this.applyThresholdChange(pointId, change, reason, access.user.name));
    await this.journal.audit(
      'threshold_change',
      pointId,
      {
        ...auditOutcome(result),
        reason: result.ok ? reason : result.reason,
        role: access.user?.role ?? null,
        ...(result.ok ? { changes: result.changes?.map(({ limit, old, new: value }) => ({ limit, old, new: value })) } : { asked: limitsAsked(change) }),
      },
      nameOf(credentials),
    );
    if (!result.ok) return result;
    return { ok: true, thresholds: result.thresholds };
  }

  thresholdOverview(): ThresholdOverview {
    return { inForce: this.thresholdOverrides.overrides, history: this.thresholdOverrides.history };
  }

  private async applyThresholdChange(
    pointId: string,
    change: ThresholdChangeRequest,
    reason: string,
    who: string,
  ): Promise<(ThresholdChangeResult & { ok: true; changes: readonly ThresholdHistoryEntry[] }) | CommandRefusal> {
    if (this.stopped) return refusal('agent_stopping', {}, 'the agent is stopping');
    const rules = this.current.engine.points.find((point) => point.id === pointId);
    if (rules === undefined) return refusal('no_limit_rules', { target: pointId }, `point ${pointId} has no alarm rules: no limit to change`);
    const before = limitsOf(rules);
    const after = { ...before };
    const time = this.now();
    const entries: ThresholdHistoryEntry[] = [];
    // Only those in force now: one retired while its file could not be written is not carried on.
    const running = new Map(this.current.engine.points.map((point) => [point.id, point]));
    let overrides = this.thresholdOverrides.overrides.filter((override) => limitsOf(running.get(override.pointId))[override.limit] === override.value);
    for (const limit of LIMIT_NAMES) {
      const value = change[limit];
      if (value === undefined) continue;
      const old = before[limit];
      if (old === null) return refusal('limit_absent', { target: pointId, limit }, `point ${pointId} has no ${limit} limit; a threshold change moves a limit the point has`);
      if (value !== null && !Number.isFinite(value)) return refusal('limit_not_finite', { target: pointId, limit, value: String(value) }, `${limit} must be a finite number, got ${value}`);
      const existing = overrides.find((override) => override.pointId === pointId && override.limit === limit);
      if (value === null && existing === undefined)
        return refusal('no_override', { target: pointId, limit, value: old }, `${pointId} ${limit} has no override to remove: ${old} is the config file's value`);
      const configValue = existing?.configValue ?? old;
      after[limit] = value ?? configValue;
      overrides = overrides.filter((override) => override !== existing);
      if (after[limit] !== configValue) overrides.push({ pointId, limit, value: after[limit], configValue, by: who, at: time, reason });
      if (after[limit] !== old) entries.push({ time, pointId, limit, old, new: after[limit], who, why: reason, kind: value === null ? 'removed' : 'changed' });
    }
    if (entries.length === 0) return refusal('nothing_changes', { target: pointId }, `nothing changes: ${pointId} has these limits already`);
    const definitions = new Map((await this.reader.pointDefinitions()).map((definition) => [definition.pointId, definition]));
    const definition = definitions.get(pointId);
    const problem = limitProblem(pointId, after, limitRangeOf(definition));
    if (problem !== null) return problem;
    const applied = await this.applyLimits(pointId, after, definitions, `threshold change by ${who}`);
    if (applied !== null) return refusal('limits_not_applied', { target: pointId, failure: applied }, applied);
    try {
      await this.thresholdOverrides.replace(overrides, entries);
    } catch (error) {
      // Not on disk: the change must not stand either (a restart would silently undo what the person was told).
      await this.applyLimits(pointId, before, definitions, `threshold change by ${who} undone`);
      const failure = `the threshold overrides file could not be written (${messageOf(error)})`;
      return refusal('limits_not_applied', { target: pointId, failure }, `${failure}; the limits are as before`);
    }
    return { ok: true, thresholds: after, changes: entries };
  }

  /** The running config with one point's limits set, through the reload path; null when applied, else why not. */
  private async applyLimits(pointId: string, limits: Record<LimitName, number | null>, definitions: ReadonlyMap<string, StorePointDefinition>, trigger: string): Promise<string | null> {
    const { hash: _hash, readingPoints, pointDefinitions: _definitions, ...running } = this.current;
    const storePoints = readingPoints.map((id) => definitions.get(id)).filter((definition) => definition !== undefined);
    if (storePoints.length !== readingPoints.length) return 'the store has not registered every configured point yet';
    try {
      await this.applyReload({ ...running, ...withLimits(running.engine, storePoints, new Map([[pointId, limits]])) }, trigger, () => 'threshold_change');
      return null;
    } catch (error) {
      return messageOf(error);
    }
  }

  /** A reload that never reached the agent because the new file is invalid: audited and published like a refusal. */
  reloadRejected(file: string, trigger: string, problems: readonly string[]): Promise<void> {
    return this.refuseReload(file, trigger, `${problems.length} problem(s) in the file, still running on the previous config`, { problems });
  }

  /** Whether an action is latched (commanded and not yet reset). */
  actionLatched(actionId: string): boolean {
    return this.engine.actionLatched(actionId);
  }

  actions(): ActionView[] {
    return actionViews({
      config: this.current,
      latched: (actionId) => this.engine.actionLatched(actionId),
      alarm: (alarmId) => this.engine.alarm(alarmId),
      runtimeAlarms: this.runtimeAlarms.list(),
      output: (outputId) => this.outputs.condition(outputId),
      latest: (pointIds) => this.latest.list(pointIds),
      refusesReset: (actionId) => this.latches.refusesReset(actionId),
    });
  }

  stats(): AgentStats {
    const config = this.current;
    return {
      ...this.counts,
      ...this.journal.counts,
      latency: { decision: this.latency.decision.snapshot(), command: this.latency.command.snapshot(), confirm: this.latency.confirm.snapshot() },
      shutoff: this.outputs.stats(),
      devicesInCommsLoss: this.sources.lost(),
      devicesRefusingRequests: this.sources.refusing(),
      engine: this.engine.stats(),
      store: this.store.stats(),
      startedAt: this.startedAt,
      lastTickAt: this.lastTickAt,
      writeLatency: this.writeLatency.snapshot(),
      modbus: config.devices.map((device) => ({ deviceId: device.id, line: device.line, counters: { ...this.poller.counters(device.id) } })),
      sources: [...config.opcua.map((connection) => connection.id), ...config.devices.map((device) => device.id)],
      eventLoop: this.eventLoop.snapshot(),
      heartbeat: this.heartbeat?.stats() ?? null,
      runtimeAlarmsActive: this.runtimeAlarms.activeIds(),
    };
  }

  /** Engine alarms not in state normal, by priority (walks the alarms in use: for scrapes, not hot paths). */
  activeAlarmsByPriority(): Map<Priority, number> {
    const counts = new Map<Priority, number>();
    for (const alarm of this.engine.alarmsNotNormal()) counts.set(alarm.priority, (counts.get(alarm.priority) ?? 0) + 1);
    return counts;
  }

  /** Raises or clears a runtime alarm like the agent's own: to subscribers and the store's alarm events. */
  raiseRuntimeAlarm(alarm: RuntimeAlarmInput): void {
    this.runtimeAlarms.set(alarm);
  }

  /**
   * The whole audit chain checked once, in the background, as the agent starts: a log altered while the agent was down
   * is logged and raised as `agent/audit_chain_broken` now, not found when someone opens the audit page, and that
   * page's first check hashes only the rows appended since (HazmonStore.verifyAuditChain). A start whose chain holds
   * clears the alarm a restart brought back.
   */
  private checkAuditChainAtStart(): void {
    this.store.verifyAuditChain().then(
      ({ ok, problems }) => {
        const first = problems[0];
        const why = ok
          ? "the audit log's hash chain holds"
          : `the audit log's hash chain does not hold (${problems.length} problem(s); the first: ${first?.message}); \`hazmon audit verify\` lists them all`;
        if (!ok) this.log(`hazmon: ${why}`);
        this.raiseRuntimeAlarm({
          alarmId: AUDIT_CHAIN_ALARM,
          source: null,
          rule: 'audit_chain_broken',
          active: !ok,
          priority: 'high',
          why,
          details: first === undefined ? { problems: 0 } : { problems: problems.length, firstSeq: first.seq, firstProblem: first.problem },
        });
      },
      (error: unknown) => {
        if (!this.stopped) this.log(`hazmon: the audit chain could not be checked at start: ${messageOf(error)}`);
      },
    );
  }

  /** Stops polling and subscriptions, waits for pending durable writes (durable listeners hear each), flushes and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.eventLoop.stop();
    await this.heartbeat?.stop();
    await this.reloading;
    this.outputs.stop();
    await Promise.all([this.poller.stop(), this.connections.stop()]);
    await this.journal.drain();
    await this.store.close();
  }

  /** `causeOf`: what moved each limit the reload moves (for its audit row and the trend's record). */
  private async applyReload(next: AgentConfig, trigger: string, causeOf: (pointId: string, limit: LimitName) => LimitChangeCause): Promise<ReloadReport> {
    const refuse = async (why: string): Promise<never> => {
      await this.refuseReload(next.file, trigger, why);
      throw new RuntimeError('HAZMON_RUNTIME_RELOAD_REFUSED', `${next.file}: ${why}; still running on the previous config`);
    };
    if (this.stopped) return refuse('the agent is stopping');
    const fixed = fixedFieldChanges(this.current, next);
    if (fixed.length > 0) return refuse(`${fixed.join(', ')} cannot change while the agent runs (restart it to apply)`);
    const actionIds = new Set(next.engine.actions.map((action) => action.id));
    const dropped = this.current.engine.actions.filter((action) => !actionIds.has(action.id) && this.engine.actionLatched(action.id)).map((action) => action.id);
    if (dropped.length > 0) return refuse(`actions ${dropped.join(', ')}: latched, and a latch is released only by a person's reset; reset it before removing the action`);
    let engine: AlarmEngine;
    let limitChanges: AuditedLimitChange[];
    try {
      engine = new AlarmEngine(next.engine, (event) => this.onEngineEvent(event));
      // A point whose resolution changed is refused here (its stored rows are scaled by the old one), before any swap.
      limitChanges = auditedLimitChanges(await this.store.registerPoints(next.storePoints), causeOf);
    } catch (error) {
      return refuse(messageOf(error));
    }
    if (this.stopped) return refuse('the agent is stopping');
    return this.swapConfig(next, trigger, engine, limitChanges);
  }

  /**
   * The reload proper. Everything from the snapshot to the last swap is synchronous, so each reading is judged by
   * exactly one of the two engines; the replaced sources stop (and their successors start) afterwards.
   */
  private async swapConfig(next: AgentConfig, trigger: string, engine: AlarmEngine, limitChanges: readonly AuditedLimitChange[]): Promise<ReloadReport> {
    const time = this.now();
    const before = this.current;
    const old = this.engine;
    const opcua = this.replaceConnections(next.opcua);
    const modbus = this.poller.replace(next.lines, next.devices);
    const restored = engine.restore(old.snapshot());
    const latched = next.engine.actions.filter((action) => old.actionLatched(action.id)).map((action) => action.id);
    latchActions(engine, latched);
    this.engine = engine;
    this.current = runningConfig(next);
    this.currentPublic = publicConfig(this.current);
    this.latest.resize(this.current.readingPoints);
    // the reload registered the points again, without the units the servers named
    this.awaitServerUnits(next);
    const outputs = this.outputs.replace(next.outputs);
    this.routes.refresh();
    this.configLimits.add(time, trigger, limitChanges);
    this.sources.forget([...modbus.devices.removed, ...opcua.changes.removed], modbus.devices.restarted);
    const carried = new Set(restored.restored);
    const fresh = new Set(next.engine.points.map((point) => point.id).filter((id) => !carried.has(id)));
    this.latches.settleAfterReload(latched, fresh);
    this.arrivedAt = this.now();
    const recommanded = this.outputs.recommand(
      latched.map((id) => ({ action: next.engine.actions.find((action) => action.id === id)!, previousOutput: before.engine.actions.find((action) => action.id === id)!.output })),
      outputs,
      this.arrivedAt,
    );
    const activeBefore = old.alarms().filter((alarm) => alarm.state !== 'normal');
    const skipped: SkippedState[] = restored.skipped.map(({ id, reason }) => ({
      id,
      reason: id.startsWith('action/') && latched.includes(id.slice('action/'.length)) ? `${reason}; latch kept` : reason,
      activeAlarms: activeBefore.filter((alarm) => alarm.pointId === id || alarm.id === id).map((alarm) => alarm.id),
    }));
    this.recordDiscardedAlarms(activeBefore, skipped, trigger);
    const report: ReloadReport = {
      file: next.file,
      trigger,
      hashBefore: before.hash,
      hashAfter: this.current.hash,
      points: pointChanges(before, this.current, carried),
      lines: modbus.lines,
      devices: modbus.devices,
      opcua: opcua.changes,
      outputs,
      skipped,
      limitsMoved: restored.limitsMoved,
      limitChanges,
      latched,
      recommanded,
    };
    const { file: _file, points, lines, devices, opcua: connections, outputs: outputChanges, ...rest } = report;
    const audited = {
      ...rest,
      points: auditedChanges(points),
      lines: auditedChanges(lines),
      devices: auditedChanges(devices),
      opcua: auditedChanges(connections),
      outputs: auditedChanges(outputChanges),
    };
    await Promise.all([
      modbus.settled,
      opcua.settled,
      this.journal.publishAudited({ type: 'config_reload', time, file: next.file, trigger, applied: true, why: reloadSummary(report), report }, 'config_reload', next.file, audited),
    ]);
    return report;
  }

  /**
   * An alarm not normal whose state a reload dropped gets a `state_discarded` row in alarm_events, so the stored
   * history does not leave it active for ever; if its condition still holds, the new rules raise it again.
   */
  private recordDiscardedAlarms(active: readonly AlarmView[], skipped: readonly SkippedState[], trigger: string): void {
    const time = this.now();
    for (const entry of skipped) {
      for (const alarm of active) {
        if (!entry.activeAlarms.includes(alarm.id)) continue;
        this.journal.persist({
          time,
          pointId: alarm.pointId,
          ruleId: alarm.rule,
          kind: 'state_discarded',
          stateAfter: 'normal',
          priority: alarm.priority,
          who: HAZMON,
          why: `config reload (${trigger}): ${entry.reason}; judged afresh from the next readings`,
          details: { alarmId: alarm.id, stateBefore: alarm.state, mode: alarm.mode },
        });
      }
    }
  }

  private refuseReload(file: string, trigger: string, why: string, details: Readonly<Record<string, unknown>> = {}): Promise<void> {
    return this.journal.publishAudited({ type: 'config_reload', time: this.now(), file, trigger, applied: false, why, report: null }, 'config_reload_refused', file, {
      trigger,
      why,
      hashBefore: this.current.hash,
      ...details,
    });
  }

  private replaceConnections(configs: readonly OpcuaConnectionConfig[]) {
    return this.connections.replace(fingerprints(configs), (id, retiring) =>
      createOpcuaConnection(
        configs.find((config) => config.id === id),
        {
          onRows: (rows) => this.onNotification(rows, retiring),
          pointIndex: (pointId) => this.routes.indexOf(pointId),
          onStateChange: (state, cause) => {
            if (!retiring()) this.sources.onConnectionState(id, state, cause);
          },
        },
      ),
    );
  }

  /** Alarm states the journal holds from the previous run (see alarm-restore.ts). */
  private restoreAlarms(rows: readonly AlarmEventRow[]): void {
    const config = this.current;
    const isConnection = (id: string) => config.opcua.some((connection) => connection.id === id);
    const restored = restoreAlarmStates(rows, {
      engine: this.engine,
      runtimeAlarms: this.runtimeAlarms,
      journal: this.journal,
      now: this.now,
      watches: (alarmId) => this.watchesAfterRestart(alarmId),
    });
    for (const alarm of restored) {
      if (alarm.rule === 'comms_loss' && alarm.state !== 'unacknowledged_returned') this.sources.restoreLoss(alarm, isConnection(alarm.source));
    }
  }

  /** Runtime alarms this run watches from its start: a source's comms, a latched valve's discrepancy, a latch, the audit chain. */
  private watchesAfterRestart(alarmId: string): boolean {
    const config = this.current;
    const slash = alarmId.lastIndexOf('/');
    const owner = alarmId.slice(0, slash);
    switch (alarmId.slice(slash + 1)) {
      case 'comms_loss':
        return config.devices.some((device) => device.id === owner) || config.opcua.some((connection) => connection.id === owner);
      case 'shutoff_discrepancy':
        return config.engine.actions.some((action) => action.output === owner && this.engine.actionLatched(action.id));
      case 'latched':
        return this.engine.actionLatched(owner);
      case 'audit_chain_broken':
        // checkAuditChainAtStart judges it again.
        return alarmId === AUDIT_CHAIN_ALARM;
      default:
        return false;
    }
  }

  private run(tickIntervalMs: number): void {
    this.poller.start();
    const opcuaStarted = this.connections.start();
    this.tickTimer = setInterval(() => this.tick(), tickIntervalMs);
    // node-opcua's start-up (loading it, the first session) blocks the loop for up to a second: a start, not a stall
    void opcuaStarted.then(() => {
      if (!this.stopped) this.eventLoop.start();
    });
    this.heartbeat?.start();
  }

  private tick(): void {
    const step = this.clock?.check();
    if (step) {
      this.log(`hazmon: ${step.why}`);
      this.raiseRuntimeAlarm(step);
    }
    const now = this.now();
    this.arrivedAt = now;
    this.lastTickAt = now;
    this.engine.tick(now);
    this.sources.tick(now, this.current.devices, (deviceId) => this.poller.counters(deviceId).overruns);
  }

  /** An OPC UA notification's rows (or a connection's loss, every point bad), judged like a Modbus request's. */
  private onNotification(rows: ReadingRows, retiring: Retiring): void {
    if (this.onRows(rows, retiring) && this.serverUnits.size > 0) this.registerServerUnits(rows);
  }

  /**
   * A batch of readings as rows by route (`routes`): one Modbus request's (with its outcome) or one OPC UA
   * notification's. Plain rows (good numbers) reach the engine, the latest values and the store as numbers; Reading
   * objects are built only for a limit switch's controller, a latch awaiting readings and the subscribers. Returns
   * false when the rows were not judged (the agent stopping, a retiring source's last failed requests).
   */
  private onRows(rows: ReadingRows, retiring: Retiring, modbus?: PollOutcome): boolean {
    if (this.stopped || rows.length === 0) return false;
    if (retiring() && onlyCommsFailures(rows)) {
      this.storeStopReadings(rows);
      return false;
    }
    this.arrivedAt = this.now();
    this.counts.readings += rows.length;
    const routes = this.routes;
    this.engine.processRows(rows, routes.engine);
    let readings: Reading[] | undefined;
    if (this.latches.awaitingReadings) this.latches.noteReadings((readings = rows.readings()));
    for (let row = 0; row < rows.length; row += 1) {
      const route = rows.point[row]!;
      const reading = rows.objectAt(row);
      if (routes.feedback[route] === 1) this.outputs.feedback(reading ?? rows.readingAt(row));
      const slot = routes.latest[route] ?? -1;
      if (slot >= 0) {
        if (reading === undefined) this.latest.noteValue(slot, rows.receiveTime, rows.value[row]!, rows.sourceTime[row]!);
        else this.latest.noteAt(slot, reading);
      }
      // Plain rows of stored points go to the store together below, straight from the batch's columns.
      if (reading !== undefined || (routes.store[route] ?? -1) < 0) this.storeRow(rows, row);
    }
    this.storePlainRows(rows);
    // A line being replaced says nothing of its devices any more (a removed device would keep an alarm nothing clears).
    if (modbus && !retiring()) this.sources.onRequest(modbus, this.arrivedAt);
    if (this.readingListeners.size > 0) this.notifyReadingListeners(readings ?? rows.readings());
    return true;
  }

  private notifyReadingListeners(readings: readonly Reading[]): void {
    for (const listener of this.readingListeners) {
      try {
        listener(readings);
      } catch (error) {
        this.log(`hazmon: readings subscriber failed: ${messageOf(error)}`);
      }
    }
  }

  private awaitServerUnits(config: AgentConfig): void {
    const opcuaIds = new Set(config.opcua.flatMap((connection) => connection.points.map((point) => point.id)));
    this.serverUnits = new Map(config.storePoints.filter((point) => point.unit === '' && opcuaIds.has(point.pointId)).map((point) => [this.routes.indexOf(point.pointId), point]));
  }

  private registerServerUnits(rows: ReadingRows): void {
    for (let row = 0; row < rows.length; row += 1) {
      const route = rows.point[row]!;
      const point = this.serverUnits.get(route);
      const unit = point === undefined ? '' : rows.unitAt(row);
      if (unit === '') continue;
      this.serverUnits.delete(route);
      void this.journal.track(() => this.store.registerPoints([{ ...point!, unit }]), `the unit ${unit} of ${point!.pointId} named by its OPC UA server`);
    }
  }

  /** The failed requests of a source stopped for a reload: kept in the store as they are, not judged (see AgentStats). */
  private storeStopReadings(rows: ReadingRows): void {
    this.counts.reloadStopReadings += rows.length;
    for (let row = 0; row < rows.length; row += 1) this.storeRow(rows, row);
  }

  /**
   * The batch's plain rows of stored points to the store in one call (`writeRows`, from the batch's own columns: a call
   * per reading boxed its time and value); a row it cannot queue goes alone through `storeRow`, which counts it dropped
   * or refused.
   */
  private storePlainRows(rows: ReadingRows): void {
    const storeIndex = this.routes.store;
    for (let from = 0; from < rows.length; ) {
      let stopped: number;
      try {
        stopped = this.store.writeRows(rows, storeIndex, from);
      } catch {
        // The store closed: each plain row alone is refused and counted.
        for (let row = from; row < rows.length; row += 1) if (rows.objectAt(row) === undefined && (storeIndex[rows.point[row]!] ?? -1) >= 0) this.storeRow(rows, row);
        return;
      }
      if (stopped === rows.length) return;
      this.storeRow(rows, stopped);
      from = stopped + 1;
    }
  }

  /** A row to the store by the store's index of its point; a point the store does not know is refused as before. */
  private storeRow(rows: ReadingRows, row: number): void {
    const route = rows.point[row]!;
    const index = this.routes.store[route] ?? -1;
    const reading = rows.objectAt(row);
    try {
      let queued: boolean;
      if (index < 0) queued = this.store.writeReading(reading ?? rows.readingAt(row));
      else if (reading === undefined && Number.isNaN(rows.sourceTime[row])) queued = this.store.writeValue(index, rows.receiveTime, rows.value[row]!);
      else queued = this.store.writeReadingAt(index, reading ?? rows.readingAt(row));
      if (!queued) this.counts.storeDropped += 1;
    } catch (error) {
      this.counts.storeRejected += 1;
      const pointId = rows.readingAt(row).pointId;
      if (this.rejectedPoints.has(pointId)) return;
      this.rejectedPoints.add(pointId);
      this.runtimeAlarms.raise('store/reading_rejected', 'agent', 'reading_rejected', 'high', `store refused a reading of ${pointId}: ${messageOf(error)}`, { pointId });
    }
  }

  /**
   * A refusal while the store's writes fail (a full disk, an unwritable file): the command is refused before it
   * changes anything. Applied and then found not stored, it would stand in memory (an alarm shown acknowledged, a
   * latch released) while the person was told it failed, and a restart would undo it.
   */
  private storeCannotWrite(): CommandRefusal | null {
    const failing = this.runtimeAlarms.list().find((alarm) => alarm.id === STORE_FLUSH_FAILED && alarm.conditionActive);
    if (failing === undefined) return null;
    const failure = `the store cannot write now (${failing.id}: ${failing.why})`;
    return refusal('not_stored', { failure }, `not stored, so not done: ${failure}`);
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.type === 'late_reading') this.counts.lateReadings += 1;
    else if (event.type === 'invalid_reading') this.counts.invalidReadings += 1;
    else if (event.type === 'action' && event.command === 'release') {
      this.outputs.release(event.output);
      this.latches.released(event.actionId, event.who, event.why);
    } else if (event.type === 'action') {
      this.latches.latched(event.actionId, event.output, event.alarmId === null ? event.why : `tripped by ${event.alarmId}`);
      this.outputs.trip(event, this.arrivedAt);
    }
    this.journal.publish(event);
  }
}

/** The access check's refusal (a role too low, a user a reload removed) as a command's. */
function notPermitted(refused: string, credentials: Credentials): CommandRefusal {
  return refusal('not_permitted', { user: nameOf(credentials) }, refused);
}

/**
 * An audited command's outcome: accepted, or refused with the refusal's code and params beside the English sentence
 * (the `reason`), so the audit log can be read in the reader's language as the 409 can.
 */
function auditOutcome(result: CommandResult): { result: 'accepted' } | { result: 'refused'; refusal: Pick<CommandRefusal, 'code' | 'params'> } {
  return result.ok ? { result: 'accepted' } : { result: 'refused', refusal: { code: result.code, params: result.params } };
}

/** The store's runtime alarm that stands while its commits fail (store-alarms.ts); a reopen (database_invalidated) holds writes instead. */
const STORE_FLUSH_FAILED = 'store/flush_failed';

/** Whether every row says only that the device or server did not answer (the request timed out, no connection, backoff). */
function onlyCommsFailures(rows: ReadingRows): boolean {
  for (let row = 0; row < rows.length; row += 1) {
    const reading = rows.objectAt(row);
    if (reading === undefined || reading.quality !== 'bad' || reading.reason === undefined || !COMMS_REASONS.has(reading.reason.code)) return false;
  }
  return true;
}

/** Every point that produces readings: kept = its rule state carried over (or it has no rules either side). */
function pointChanges(before: RunningConfig, next: RunningConfig, carried: ReadonlySet<string>): ChangeSet {
  const judged = (config: RunningConfig) => new Set(config.engine.points.map((point) => point.id));
  const was = new Set(before.readingPoints);
  const is = new Set(next.readingPoints);
  const judgedBefore = judged(before);
  const judgedNow = judged(next);
  const stateKept = (id: string) => carried.has(id) || (!judgedBefore.has(id) && !judgedNow.has(id));
  const common = [...is].filter((id) => was.has(id));
  return {
    kept: common.filter(stateKept),
    restarted: common.filter((id) => !stateKept(id)),
    added: [...is].filter((id) => !was.has(id)),
    removed: [...was].filter((id) => !is.has(id)),
  };
}

/**
 * What moved each limit a reload of the file (or a start on it) moves: the file, or, where a person's override gave
 * way to the file's value, that retirement (the overrides file's history records it).
 */
function causeOfFileChange(overridden: OverriddenConfig): (pointId: string, limit: LimitName) => LimitChangeCause {
  const retired = new Set(overridden.retired.map(({ override }) => `${override.pointId}\n${override.limit}`));
  return (pointId, limit) => (retired.has(`${pointId}\n${limit}`) ? 'override_retired' : 'config_file');
}

/** A change set with the kept ids counted rather than listed: audit rows stay small on a site of thousands of points. */
function auditedChanges(changes: ChangeSet) {
  return { kept: changes.kept.length, restarted: changes.restarted, added: changes.added, removed: changes.removed };
}

/** The limits a refused change asked for, for its audit row. */
function limitsAsked(change: ThresholdChangeRequest): Partial<Record<LimitName, number | null>> {
  return Object.fromEntries(LIMIT_NAMES.filter((limit) => change[limit] !== undefined).map((limit) => [limit, change[limit]]));
}
