/**
 * The agent's core loop: pollers and OPC UA connections feed the alarm engine and the store, engine events become
 * durable alarm events and reach subscribers, and a close action drives a verified shut-off. The runtime owns time.
 *
 * @example
 * const agent = await Agent.start(loadAgentConfig('/etc/hazmon/site.yaml'));
 * const unsubscribe = agent.subscribe((event) => console.log(event));
 * agent.subscribeDurable((event, durability) => log(event, durability)); // once the event's row is committed
 * await agent.resetAction('close-gas-header', { user: 'li.wei', password });
 * await agent.stop();
 */
import type { ModbusCounters, OpcuaConnection, OpcuaConnectionConfig, OpcuaConnectionState, OpcuaError, PollOutcome, Reading } from '@hazmon/protocols';
import { createOpcuaConnection } from '@hazmon/protocols';
import type { AgentConfig, ResolvedOutput, UserRole } from '../config/index.ts';
import { RESET_ROLES, verifyPassword } from '../config/index.ts';
import type { ActionEvent, AlarmMode, AlarmState, AlarmView, CommandResult, EngineEvent, EngineSnapshot, EngineStats, OperatorCommand, Priority, SavedAlarmState } from '../engine/index.ts';
import { AlarmEngine } from '../engine/index.ts';
import type { AlarmEventInput, AlarmEventRow, StoreEvent, StoreOptions, StorePointDefinition, StoreStats } from '../store/index.ts';
import { HazmonStore } from '../store/index.ts';
import { RuntimeError } from './errors.ts';
import type { LatencySnapshot } from '../latency-histogram.ts';
import { LatencyHistogram } from '../latency-histogram.ts';
import type { OutputWriter, ShutoffDiscrepancy, ShutoffStats } from './shutoff.ts';
import { ShutoffValveController } from './shutoff.ts';
import type { ChangeSet, ReloadReport, RunningConfig, SkippedState } from './reload.ts';
import { changesBetween, fingerprints, fixedFieldChanges, reloadSummary, runningConfig } from './reload.ts';
import type { Retiring } from './sources.ts';
import { ModbusLines, SourceUnits } from './sources.ts';
import type { EventLoopLagSnapshot } from './event-loop.ts';
import { EventLoopLagMonitor } from './event-loop.ts';
import type { HeartbeatStats } from './heartbeat.ts';
import { Heartbeat } from './heartbeat.ts';
import type { DurableListener, EventDurability } from './durable-feed.ts';
import type { RuntimeAlarmEvent, RuntimeAlarmInput, RuntimeAlarmView, SavedRuntimeAlarm } from './runtime-alarms.ts';
import { RuntimeAlarms } from './runtime-alarms.ts';

export type { RuntimeAlarmEvent, RuntimeAlarmInput, RuntimeAlarmView } from './runtime-alarms.ts';
import { appendFailed, DurableEventFeed } from './durable-feed.ts';
import { DeviceCommsHealth } from './device-comms.ts';

/** One polled Modbus device: where it is and its request counters (live values copied at stats time). */
export interface ModbusDeviceStats {
  readonly deviceId: string;
  readonly line: string;
  readonly counters: Readonly<ModbusCounters>;
}

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

export type AgentEvent = EngineEvent | RuntimeAlarmEvent | ConfigReloadEvent;
export type AgentListener = (event: AgentEvent) => void;
export type AgentDurableListener = DurableListener<AgentEvent>;
export type ReadingsListener = (batch: readonly Reading[]) => void;

/** A password check, or a user the caller (the dashboard's login) has already authenticated. */
export type ResetCredentials =
  | { readonly user: string; readonly password: string }
  | { readonly authenticated: { readonly name: string; readonly role: UserRole } };

export interface AgentOptions {
  /** The gateway clock, epoch ms UTC (receive times, ticks, command times). Default Date.now. */
  readonly now?: () => number;
  /** How often the engine is ticked so stale, delays and shelf expiry work without readings. Default 250. */
  readonly tickIntervalMs?: number;
  /** Store settings beyond the config's (queue size, flush interval); callbacks are the runtime's. */
  readonly store?: Omit<Partial<StoreOptions>, 'path' | 'onEvent' | 'now'>;
  /** Problems the runtime cannot put anywhere else (a failed store append); default stderr. */
  readonly log?: (line: string) => void;
  /** How long a Modbus device in comms loss must answer validly, with no failure, before its alarm clears. Default 5000. */
  readonly commsReturnHoldMs?: number;
}

export interface AgentStats {
  readonly readings: number;
  /** Readings the store refused as wrong (each logged once per point) or dropped on a full queue. */
  readonly storeRejected: number;
  readonly storeDropped: number;
  readonly lateReadings: number;
  readonly invalidReadings: number;
  readonly eventsPersisted: number;
  readonly persistFailures: number;
  /**
   * Bad readings (timeout, connection) of a line or OPC UA connection being stopped for a config reload: stored, not
   * judged, since they say only that the agent stopped asking (the engine keeps its state; stale timers cover a gap).
   */
  readonly reloadStopReadings: number;
  /** Reading arrived -> engine decided, decided -> command written, command -> feedback confirmed (ms). */
  readonly latency: { readonly decision: LatencySnapshot; readonly command: LatencySnapshot; readonly confirm: LatencySnapshot };
  readonly shutoff: readonly ShutoffStats[];
  /** Modbus devices and OPC UA connections in comms loss (`<id>/comms_loss` raised). */
  readonly devicesInCommsLoss: readonly string[];
  /** Modbus devices refusing at least one poll request with an exception (`<device>/modbus_exception` raised). */
  readonly devicesRefusingRequests: readonly string[];
  readonly engine: EngineStats;
  readonly store: StoreStats;
  /** Gateway clock when the agent started and when the engine was last ticked (epoch ms). */
  readonly startedAt: number;
  readonly lastTickAt: number;
  /** Every Modbus write the agent made (outputs, heartbeat), command sent -> read back (ms). */
  readonly writeLatency: LatencySnapshot;
  readonly modbus: readonly ModbusDeviceStats[];
  /** OPC UA connections, then Modbus devices, each once. */
  readonly sources: readonly string[];
  readonly eventLoop: EventLoopLagSnapshot;
  readonly heartbeat: HeartbeatStats | null;
  /** Runtime alarm ids now active (raised and not cleared). */
  readonly runtimeAlarmsActive: readonly string[];
}

const ACK_ROLES: readonly UserRole[] = ['operator', 'supervisor', 'admin'];

/** An operator command on one alarm, as a caller gives it: the agent adds the time and the authenticated person. */
export type AlarmCommandRequest = Omit<OperatorCommand, 'time' | 'person' | 'kind'> & { readonly kind: Exclude<OperatorCommand['kind'], 'reset'> };
const COMMS_REASONS = new Set(['timeout', 'connection', 'backoff']);
const COMMS_RETURN_HOLD_MS = 5000;
/** At most one poll-overrun alarm per device in this long: overruns come every poll while a line is slow. */
const OVERRUN_REPORT_MS = 60_000;
const HAZMON = 'hazmon';

export class Agent {
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly listeners = new Set<AgentListener>();
  private readonly readingListeners = new Set<ReadingsListener>();
  private readonly durableFeed: DurableEventFeed<AgentEvent>;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly deviceComms: DeviceCommsHealth;
  /** OPC UA connections in comms loss (Modbus devices: deviceComms). */
  private readonly connectionsInCommsLoss = new Set<string>();
  private readonly overrunsSeen = new Map<string, { count: number; reportedAt: number }>();
  private readonly outputs = new Map<string, ResolvedOutput>();
  private readonly valves = new Map<string, ShutoffValveController>();
  private readonly valveByFeedback = new Map<string, ShutoffValveController>();
  private readonly writers = new Map<string, OutputWriter>();
  /** Alarm ids that tripped each latched action, for the audit's why. */
  private readonly trippedBy = new Map<string, string[]>();
  private readonly rejectedPoints = new Set<string>();
  /**
   * OPC UA points without a unit in the config, by id: their unit comes from the node's EngineeringUnits once
   * connected, and is registered in the store (exports read it there) with the first reading that names one.
   */
  private serverUnits = new Map<string, StorePointDefinition>();
  /**
   * Latches restored at start or kept over a reload that reset their trigger points' state, by action id: the trigger
   * points whose conditions the engine has not judged yet (point -> how long it must be read good first: its
   * on-delay or longest window) and what reset them. Reset waits for them.
   */
  private readonly restoredLatches = new Map<string, { readonly settle: ReadonlyMap<string, number>; readonly since: string }>();
  /** First good reading since start (or since the reload that reset its state) of each trigger point of a restored latch. */
  private readonly goodSince = new Map<string, number>();
  private readonly latency = { decision: new LatencyHistogram(), command: new LatencyHistogram(), confirm: new LatencyHistogram() };
  private readonly connections = new SourceUnits<OpcuaConnection>({ start: (connection) => connection.start(), stop: (connection) => connection.stop() });
  private readonly poller: ModbusLines;
  private engine: AlarmEngine;
  private current: RunningConfig;
  /** Reloads run one after another; stop() waits for the one under way. */
  private reloading: Promise<unknown> = Promise.resolve();
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly writeLatency = new LatencyHistogram();
  private readonly eventLoop: EventLoopLagMonitor;
  private readonly heartbeat: Heartbeat | null;
  private readonly runtimeAlarms: RuntimeAlarms;
  private readonly startedAt: number;
  private lastTickAt: number;
  /** When the readings (or tick) now being processed reached the gateway: the start of the shut-off latency. */
  private arrivedAt = 0;
  private stopped = false;
  private counts = { readings: 0, storeRejected: 0, storeDropped: 0, lateReadings: 0, invalidReadings: 0, eventsPersisted: 0, persistFailures: 0, reloadStopReadings: 0 };

  private constructor(
    config: AgentConfig,
    readonly store: HazmonStore,
    options: AgentOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.durableFeed = new DurableEventFeed(this.log);
    this.runtimeAlarms = new RuntimeAlarms(this.now, (event) => this.publish(event));
    this.current = runningConfig(config);
    this.startedAt = this.now();
    this.lastTickAt = this.startedAt;
    this.deviceComms = new DeviceCommsHealth({
      returnHoldMs: options.commsReturnHoldMs ?? COMMS_RETURN_HOLD_MS,
      raise: (alarm) => this.raise(alarm.alarmId, alarm.deviceId, alarm.rule, alarm.active, 'high', alarm.why, alarm.details),
    });
    this.engine = new AlarmEngine(config.engine, (event) => this.onEngineEvent(event));
    this.poller = new ModbusLines((batch, retiring, outcome) => this.onReadings(batch, retiring, outcome), this.now);
    this.poller.replace(config.lines, config.devices);
    this.replaceConnections(config.opcua);
    this.awaitServerUnits(config);
    for (const output of config.outputs) this.addOutput(output, this.writerFor(output));
    const raiseAlarm = (alarm: RuntimeAlarmInput) => this.raiseRuntimeAlarm(alarm);
    this.eventLoop = new EventLoopLagMonitor({ limitMs: config.health.eventLoopLagMs, alarm: raiseAlarm });
    const heartbeat = config.heartbeat;
    this.heartbeat = heartbeat && new Heartbeat({ point: heartbeat.point, mode: heartbeat.mode ?? (this.isBooleanModbusPoint(heartbeat.point) === false ? 'count' : 'toggle'), intervalMs: heartbeat.intervalS * 1000, write: this.pointWriter(heartbeat.point, 'heartbeat'), alarm: raiseAlarm });
  }

  /** Opens the store, registers the points, starts polling, OPC UA subscriptions and the engine tick. */
  static async start(config: AgentConfig, options: AgentOptions = {}): Promise<Agent> {
    const holder: { agent?: Agent } = {};
    const store = await HazmonStore.open({ ...options.store, ...config.store, ...(options.now ? { now: options.now } : {}), onEvent: (event) => holder.agent?.onStoreEvent(event) });
    try {
      await store.registerPoints(config.storePoints);
      // The points' rows would otherwise stay in memory (a block per column of the points table, ~10 MB for 10k
      // points) until the WAL reaches DuckDB's checkpoint_threshold; nothing else writes yet.
      await store.checkpoint();
      const agent = new Agent(config, store, options);
      holder.agent = agent;
      const latched = await agent.restoreLatches(await store.latestActionEvents());
      agent.restoreAlarmStates(await store.latestAlarmStates());
      agent.holdRestoredLatches(latched);
      agent.run(options.tickIntervalMs ?? 250);
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
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The same events in the same order, each once its append to `alarm_events` has settled: `stored` with the row's
   * seq (committed, survives kill -9), `not_stored` for events the store does not keep, `append_failed` (counted in
   * persistFailures and logged) when the row is not on disk. An event waits for every earlier event's append, so a
   * slow commit holds back the events after it (a few ms: the group commit). stop() delivers every queued event
   * before it resolves. Returns the unsubscribe function.
   */
  subscribeDurable(listener: AgentDurableListener): () => void {
    return this.durableFeed.subscribe(listener);
  }

  /** Every batch of readings as it arrives, after the engine and the store have it (live views); returns the unsubscribe function. */
  subscribeReadings(listener: ReadingsListener): () => void {
    this.readingListeners.add(listener);
    return () => this.readingListeners.delete(listener);
  }

  /**
   * Resets a latched action for a supervisor or admin, once its trigger conditions have cleared (the engine's
   * refusal is passed through). Audited either way. Releasing never reopens a valve.
   */
  async resetAction(actionId: string, credentials: ResetCredentials, reason = 'reset'): Promise<CommandResult> {
    const user = await this.authenticate(credentials);
    const who = 'authenticated' in credentials ? credentials.authenticated.name : credentials.user;
    let result: CommandResult;
    if (!user) result = { ok: false, reason: `unknown user or wrong password for ${JSON.stringify(who)}` };
    else if (!RESET_ROLES.includes(user.role)) result = { ok: false, reason: `user ${JSON.stringify(user.name)} has role ${user.role}; resetting a latched action needs supervisor or admin` };
    else result = this.unjudgedTriggers(actionId) ?? this.engine.command({ kind: 'reset', target: actionId, time: this.now(), person: user.name, reason });
    // The release event must be durable before the caller hears "reset": a restart must not bring the latch back.
    if (result.ok) await Promise.allSettled([...this.pending]);
    await this.audit('reset_action', actionId, { result: result.ok ? 'accepted' : 'refused', reason: result.ok ? reason : result.reason, role: user?.role ?? null }, who);
    return result;
  }

  /**
   * An operator command on an alarm: acknowledge (operator and up), shelve, unshelve, suppress, unsuppress, remove
   * from or return to service (supervisor and up). Runtime alarms (comms, shut-off, store) are only acknowledged.
   * Audited either way; an accepted command's alarm event is on disk before this resolves, so the state it set
   * survives a restart or kill -9.
   */
  async commandAlarm(request: AlarmCommandRequest, credentials: ResetCredentials): Promise<CommandResult> {
    const user = await this.authenticate(credentials);
    const who = 'authenticated' in credentials ? credentials.authenticated.name : credentials.user;
    const needed = request.kind === 'ack' ? ACK_ROLES : RESET_ROLES;
    const reason = request.reason?.trim() ?? '';
    let result: CommandResult;
    if (!user) result = { ok: false, reason: `unknown user or wrong password for ${JSON.stringify(who)}` };
    else if (!needed.includes(user.role)) result = { ok: false, reason: `user ${JSON.stringify(user.name)} has role ${user.role}; ${request.kind} needs ${needed.join(' or ')}` };
    else if (this.runtimeAlarms.has(request.target) && this.engine.alarm(request.target) === undefined) {
      result = request.kind === 'ack' ? this.runtimeAlarms.acknowledge(request.target, user.name, reason) : { ok: false, reason: `${request.target} is raised by the agent itself: it can be acknowledged, not ${request.kind}` };
    } else result = this.engine.command({ ...request, time: this.now(), person: user.name });
    if (result.ok) await Promise.allSettled([...this.pending]);
    await this.audit('alarm_command', request.target, { command: request.kind, result: result.ok ? 'accepted' : 'refused', reason: result.ok ? reason : result.reason, role: user?.role ?? null, ...(request.until === undefined ? {} : { until: request.until }) }, who);
    return result;
  }

  /** Every alarm not normal: the engine's (with their modes) and the runtime's. */
  alarmsNotNormal(): { readonly engine: AlarmView[]; readonly runtime: RuntimeAlarmView[] } {
    return { engine: this.engine.alarmsNotNormal(), runtime: this.runtimeAlarms.list() };
  }

  /** The config the agent runs on now (replaced by a reload), without the store's point definitions (see RunningConfig). */
  get config(): RunningConfig {
    return this.current;
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
    const run = this.reloading.then(() => this.applyReload(next, trigger));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /** A reload that never reached the agent because the new file is invalid: audited and published like a refusal. */
  reloadRejected(file: string, trigger: string, problems: readonly string[]): Promise<void> {
    return this.refuseReload(file, trigger, `${problems.length} problem(s) in the file, still running on the previous config`, { problems });
  }

  /** Whether an action is latched (commanded and not yet reset). */
  actionLatched(actionId: string): boolean {
    return this.engine.actionLatched(actionId);
  }

  stats(): AgentStats {
    return {
      ...this.counts,
      latency: { decision: this.latency.decision.snapshot(), command: this.latency.command.snapshot(), confirm: this.latency.confirm.snapshot() },
      shutoff: [...this.valves.values()].map((valve) => valve.stats()),
      devicesInCommsLoss: [...this.connectionsInCommsLoss, ...this.deviceComms.lost()],
      devicesRefusingRequests: this.deviceComms.refusing(),
      engine: this.engine.stats(),
      store: this.store.stats(),
      startedAt: this.startedAt,
      lastTickAt: this.lastTickAt,
      writeLatency: this.writeLatency.snapshot(),
      modbus: this.config.devices.map((device) => ({ deviceId: device.id, line: device.line, counters: { ...this.poller.counters(device.id) } })),
      sources: [...this.config.opcua.map((connection) => connection.id), ...this.config.devices.map((device) => device.id)],
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

  /** Stops polling and subscriptions, waits for pending durable writes (durable listeners hear each), flushes and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.eventLoop.stop();
    await this.heartbeat?.stop();
    await this.reloading;
    for (const valve of this.valves.values()) valve.stop();
    await Promise.all([this.poller.stop(), this.connections.stop()]);
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    this.store.flush();
    await this.store.close();
  }

  private async applyReload(next: AgentConfig, trigger: string): Promise<ReloadReport> {
    const refuse = async (why: string): Promise<never> => {
      await this.refuseReload(next.file, trigger, why);
      throw new RuntimeError('HAZMON_RUNTIME_RELOAD_REFUSED', `${next.file}: ${why}; still running on the previous config`);
    };
    if (this.stopped) return refuse('the agent is stopping');
    const fixed = fixedFieldChanges(this.config, next);
    if (fixed.length > 0) return refuse(`${fixed.join(', ')} cannot change while the agent runs (restart it to apply)`);
    const actionIds = new Set(next.engine.actions.map((action) => action.id));
    const dropped = this.config.engine.actions.filter((action) => !actionIds.has(action.id) && this.engine.actionLatched(action.id)).map((action) => action.id);
    if (dropped.length > 0) return refuse(`actions ${dropped.join(', ')}: latched, and a latch is released only by a person's reset; reset it before removing the action`);
    let engine: AlarmEngine;
    try {
      engine = new AlarmEngine(next.engine, (event) => this.onEngineEvent(event));
      // A point whose resolution changed is refused here (its stored rows are scaled by the old one), before any swap.
      await this.store.registerPoints(next.storePoints);
    } catch (error) {
      return refuse((error as Error).message);
    }
    if (this.stopped) return refuse('the agent is stopping');
    return this.swapConfig(next, trigger, engine);
  }

  /**
   * The reload proper. Everything from the snapshot to the last swap is synchronous, so each reading is judged by
   * exactly one of the two engines; the replaced sources stop (and their successors start) afterwards.
   */
  private async swapConfig(next: AgentConfig, trigger: string, engine: AlarmEngine): Promise<ReloadReport> {
    const before = this.config;
    const old = this.engine;
    const opcua = this.replaceConnections(next.opcua);
    const modbus = this.poller.replace(next.lines, next.devices);
    const restored = engine.restore(old.snapshot());
    const latched = next.engine.actions.filter((action) => old.actionLatched(action.id)).map((action) => action.id);
    latchActions(engine, latched);
    this.engine = engine;
    this.current = runningConfig(next);
    // the reload registered the points again, without the units the servers named
    this.awaitServerUnits(next);
    const outputs = this.replaceOutputs(next.outputs);
    this.forgetSources([...modbus.devices.removed, ...opcua.changes.removed], modbus.devices.restarted);
    const carried = new Set(restored.restored);
    const fresh = new Set(next.engine.points.map((point) => point.id).filter((id) => !carried.has(id)));
    this.settleAfterReload(latched, fresh);
    const recommanded = this.recommandLatched(before, latched, outputs);
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
      latched,
      recommanded,
    };
    const { file: _file, points, lines, devices, opcua: connections, outputs: outputChanges, ...rest } = report;
    const audited = { ...rest, points: auditedChanges(points), lines: auditedChanges(lines), devices: auditedChanges(devices), opcua: auditedChanges(connections), outputs: auditedChanges(outputChanges) };
    await Promise.all([
      modbus.settled,
      opcua.settled,
      this.publishAudited({ type: 'config_reload', time: this.now(), file: next.file, trigger, applied: true, why: reloadSummary(report), report }, 'config_reload', next.file, audited),
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
        this.persistEvent({
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
    return this.publishAudited({ type: 'config_reload', time: this.now(), file, trigger, applied: false, why, report: null }, 'config_reload_refused', file, { trigger, why, hashBefore: this.config.hash, ...details });
  }

  /** An event whose record is an audit row: live listeners hear it at once, durable ones once the row is committed. */
  private publishAudited(event: ConfigReloadEvent, action: string, target: string, details: Readonly<Record<string, unknown>>): Promise<void> {
    this.notifyListeners(event);
    const settled = this.durableFeed.awaitStore(event);
    const time = this.now();
    return this.track(
      () => this.store.appendAudit({ time, who: HAZMON, action, target, details }).then((row) => settled({ outcome: 'audited', auditSeq: row.seq })),
      `audit ${action} ${target}`,
      (error) => settled(appendFailed(error)),
    );
  }

  private replaceConnections(configs: readonly OpcuaConnectionConfig[]) {
    return this.connections.replace(fingerprints(configs), (id, retiring) =>
      createOpcuaConnection(configs.find((config) => config.id === id), {
        onReadings: (batch) => this.onReadings(batch, retiring),
        onStateChange: (state, cause) => {
          if (!retiring()) this.onConnectionState(id, state, cause);
        },
      }),
    );
  }

  /** A kept output keeps its controller (a confirmation under way goes on); a changed one gets a new controller. */
  private replaceOutputs(outputs: readonly ResolvedOutput[]): ChangeSet {
    const changes = changesBetween(fingerprints([...this.outputs.values()]), fingerprints(outputs));
    for (const id of [...changes.restarted, ...changes.removed]) {
      this.valves.get(id)?.stop();
      this.valves.delete(id);
      this.writers.delete(id);
      this.outputs.delete(id);
    }
    this.valveByFeedback.clear();
    for (const valve of this.valves.values()) this.watchFeedback(valve);
    for (const output of outputs) if (!this.outputs.has(output.id)) this.addOutput(output, this.writerFor(output));
    return changes;
  }

  private addOutput(output: ResolvedOutput, writer: OutputWriter): void {
    this.outputs.set(output.id, output);
    this.writers.set(output.id, writer);
    if (output.kind !== 'shutoff_valve') return;
    const valve = new ShutoffValveController(output, writer, {
      now: this.now,
      latency: this.latency,
      audit: (action, target, details) => this.audit(action, target, { ...details, why: this.trippedBy.get(target) ?? [] }),
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

  /**
   * A removed device or connection in comms loss has its alarm cleared (nothing is polled there any more, so nothing
   * else would clear it); a restarted device's overrun count starts again with its new poller.
   */
  private forgetSources(removed: readonly string[], restarted: readonly string[]): void {
    for (const id of removed) {
      this.overrunsSeen.delete(id);
      this.deviceComms.forget(id, `${id} removed from the config`);
      if (!this.connectionsInCommsLoss.delete(id)) continue;
      this.raise(`${id}/comms_loss`, id, 'comms_loss', false, 'high', `${id} removed from the config`, {});
    }
    for (const id of restarted) this.overrunsSeen.delete(id);
  }

  /**
   * A latched action whose trigger points' state did not carry over (rules changed, new points) waits for them to be
   * read good long enough before it may be reset, exactly as after a restart.
   */
  private settleAfterReload(latched: readonly string[], fresh: ReadonlySet<string>): void {
    for (const pointId of fresh) this.goodSince.delete(pointId);
    for (const actionId of latched) {
      const action = this.config.engine.actions.find((candidate) => candidate.id === actionId)!;
      const previous = this.restoredLatches.get(actionId);
      const waiting = new Map([...this.settleTimes(action.when)].filter(([pointId]) => fresh.has(pointId) || previous?.settle.has(pointId)));
      const resetHere = [...waiting.keys()].some((pointId) => fresh.has(pointId));
      if (waiting.size === 0) this.restoredLatches.delete(actionId);
      else this.restoredLatches.set(actionId, { settle: waiting, since: resetHere ? "the config reload that reset its trigger points' state" : previous!.since });
    }
  }

  /**
   * Latch means the output is held tripped: a latched action whose output changed (or which now names another
   * output) has it commanded again through the new controller, verified as usual. Tripping is never an opening.
   */
  private recommandLatched(before: RunningConfig, latched: readonly string[], outputs: ChangeSet): string[] {
    const changed = new Set([...outputs.restarted, ...outputs.added]);
    const commanded = new Set<string>();
    this.arrivedAt = this.now();
    for (const actionId of latched) {
      const action = this.config.engine.actions.find((candidate) => candidate.id === actionId)!;
      const previous = before.engine.actions.find((candidate) => candidate.id === actionId)!.output;
      if (previous !== action.output && !this.trippedBy.has(action.output)) this.trippedBy.set(action.output, this.trippedBy.get(previous) ?? []);
      if ((!changed.has(action.output) && previous === action.output) || commanded.has(action.output)) continue;
      commanded.add(action.output);
      this.commandOutput(action.output, action.kind, action.id);
    }
    return [...commanded];
  }

  /**
   * Latches the engine again for every action whose last stored event is `action_commanded` (the store's durable
   * record), before polling starts, without commanding anything: the output was tripped before the restart. A latch
   * is restored even when the action's rules changed since (a person must still reset it); one whose action is no
   * longer configured is audited as not restored.
   */
  private async restoreLatches(latest: readonly AlarmEventRow[]): Promise<string[]> {
    const latched: string[] = [];
    const audits: Promise<void>[] = [];
    for (const row of latest) {
      if (row.kind !== 'action_commanded') continue;
      const alarmId = typeof row.details?.['alarmId'] === 'string' ? row.details['alarmId'] : null;
      const details = { output: row.pointId, since: row.time, eventSeq: row.seq, why: row.why, trippedBy: alarmId === null ? [] : [alarmId] };
      const action = this.config.engine.actions.find((candidate) => candidate.id === row.ruleId);
      if (action === undefined) {
        this.log(`hazmon: action ${row.ruleId} was latched before the restart (event seq ${row.seq}) but is no longer configured: not restored`);
        audits.push(this.audit('latch_restore_skipped', row.ruleId, { ...details, reason: 'action no longer configured' }));
        continue;
      }
      latched.push(action.id);
      this.trippedBy.set(action.output, details.trippedBy);
      this.restoredLatches.set(action.id, { settle: this.settleTimes(action.when), since: 'the agent restarted' });
      audits.push(this.audit('latch_restored', action.id, details));
    }
    latchActions(this.engine, latched);
    await Promise.all(audits);
    return latched;
  }

  /**
   * After a restart a latched action stands as an alarm again and its valve's feedback is watched: a valve that does
   * not read closed within its travel time raises the discrepancy and is commanded closed again.
   */
  private holdRestoredLatches(latched: readonly string[]): void {
    for (const actionId of latched) {
      const action = this.config.engine.actions.find((candidate) => candidate.id === actionId)!;
      if (!this.runtimeAlarms.active(latchAlarmId(actionId))) this.raiseLatchAlarm(actionId, action.output, 'latched before the agent restarted');
      this.valves.get(action.output)?.watch();
    }
  }

  /**
   * Takes back what the journal says the previous run left of each alarm: acknowledged, shelved (until its expiry),
   * out of service, still standing. The engine's alarms get their conditions back, so the first readings judge them
   * without announcing an acknowledged alarm again; runtime alarms that this run watches again (device comms, a
   * latched valve's discrepancy, the latch) stand until their watcher clears them. Anything else is closed in the
   * journal with a `state_discarded` row, as a reload does.
   */
  private restoreAlarmStates(rows: readonly AlarmEventRow[]): void {
    const engineStates: SavedAlarmState[] = [];
    const runtime: SavedRuntimeAlarm[] = [];
    const discarded: { row: AlarmEventRow; reason: string }[] = [];
    for (const row of rows) {
      const details = row.details ?? {};
      const alarmId = String(details['alarmId']);
      const state = alarmStateOf(row.stateAfter);
      if (state === null) discarded.push({ row, reason: `state ${JSON.stringify(row.stateAfter)} is not an alarm state` });
      else if ('alarmKind' in details) engineStates.push(savedEngineAlarm(row, alarmId, state));
      else if (this.watchesAfterRestart(alarmId)) runtime.push({ alarmId, source: row.pointId ?? 'agent', rule: row.ruleId, priority: row.priority ?? 'high', state, occurrences: numberOr(details['occurrences'], 1), time: row.time, why: row.why ?? '' });
      else discarded.push({ row, reason: 'raised by the previous run, which alone watched its condition' });
    }
    const restored = this.engine.restoreAlarmStates(engineStates);
    const byId = new Map(rows.map((row) => [String(row.details?.['alarmId']), row]));
    for (const { alarmId, reason } of restored.discarded) discarded.push({ row: byId.get(alarmId)!, reason });
    this.runtimeAlarms.restore(runtime);
    for (const alarm of runtime) {
      if (alarm.rule !== 'comms_loss' || alarm.state === 'unacknowledged_returned') continue;
      if (this.config.opcua.some((connection) => connection.id === alarm.source)) this.connectionsInCommsLoss.add(alarm.source);
      else this.deviceComms.restoreLost(alarm.source, alarm.time);
    }
    const time = this.now();
    for (const { row, reason } of discarded) {
      this.persistEvent({
        time,
        pointId: row.pointId,
        ruleId: row.ruleId,
        kind: 'state_discarded',
        stateAfter: 'normal',
        priority: row.priority ?? null,
        who: HAZMON,
        why: `agent restarted: ${reason}; judged afresh from the next readings`,
        details: { alarmId: row.details?.['alarmId'], stateBefore: row.stateAfter, mode: row.details?.['mode'] ?? null, eventSeq: row.seq },
      });
    }
  }

  /** Runtime alarms this run watches from its start: a source's comms, a latched valve's discrepancy, a latch. */
  private watchesAfterRestart(alarmId: string): boolean {
    const slash = alarmId.lastIndexOf('/');
    const owner = alarmId.slice(0, slash);
    switch (alarmId.slice(slash + 1)) {
      case 'comms_loss':
        return this.config.devices.some((device) => device.id === owner) || this.config.opcua.some((connection) => connection.id === owner);
      case 'shutoff_discrepancy':
        return this.config.engine.actions.some((action) => action.output === owner && this.engine.actionLatched(action.id));
      case 'latched':
        return this.engine.actionLatched(owner);
      default:
        return false;
    }
  }

  /**
   * How long each trigger point must be read good after a restart before the engine's verdict on it counts: its
   * on-delay, or a window rule's span plus on-delay (a fresh engine starts with empty windows and no pending delays).
   */
  private settleTimes(alarmIds: readonly string[]): ReadonlyMap<string, number> {
    const settle = new Map<string, number>();
    for (const alarmId of alarmIds) {
      const pointId = this.engine.alarm(alarmId)?.pointId;
      const rules = this.config.engine.points.find((point) => point.id === pointId);
      if (pointId === undefined || rules === undefined) continue;
      const seconds = Math.max(rules.onDelayS, rules.rate?.windowS ?? 0, ...rules.windows.map((window) => window.windowS + (window.onDelayS ?? 0)));
      settle.set(pointId, seconds * 1000);
    }
    return settle;
  }

  /** A restored latch's reset is refused until its trigger points have been read good long enough to judge them. */
  private unjudgedTriggers(actionId: string): CommandResult | null {
    const restored = this.restoredLatches.get(actionId);
    if (restored === undefined || !this.engine.actionLatched(actionId)) return null;
    const now = this.now();
    const waiting = [...restored.settle].filter(([pointId, ms]) => now - (this.goodSince.get(pointId) ?? Infinity) < ms);
    if (waiting.length === 0) return null;
    const names = waiting.map(([pointId, ms]) => `${pointId} (${ms / 1000} s of good readings needed)`).join(', ');
    return { ok: false, reason: `action ${actionId} was latched before ${restored.since}; its trigger condition is not judged yet: ${names}, reset refused` };
  }

  private noteGoodReadings(batch: readonly Reading[]): void {
    for (const reading of batch) {
      if (reading.quality === 'good' && !this.goodSince.has(reading.pointId)) this.goodSince.set(reading.pointId, reading.receiveTime);
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
    const now = this.now();
    this.arrivedAt = now;
    this.lastTickAt = now;
    this.engine.tick(now);
    this.deviceComms.tick(now);
    for (const device of this.config.devices) {
      const overruns = this.poller.counters(device.id).overruns;
      const seen = this.overrunsSeen.get(device.id) ?? { count: 0, reportedAt: -Infinity };
      if (overruns > seen.count && now - seen.reportedAt >= OVERRUN_REPORT_MS) {
        this.raise(`${device.id}/poll_overrun`, device.id, 'poll_overrun', true, 'low', `${device.label}: ${overruns - seen.count} poll cycle(s) skipped because the previous one had not finished (line too slow for the configured intervals)`, { overruns });
        seen.reportedAt = now;
      }
      seen.count = overruns;
      this.overrunsSeen.set(device.id, seen);
    }
  }

  /** A batch of readings: one Modbus request's (with its outcome) or one OPC UA notification's. */
  private onReadings(batch: Reading[], retiring: Retiring, modbus?: PollOutcome): void {
    if (this.stopped || batch.length === 0) return;
    if (retiring() && batch.every(isCommsFailure)) return this.storeStopReadings(batch);
    this.arrivedAt = this.now();
    this.counts.readings += batch.length;
    this.engine.processReadings(this.forEngine(batch));
    if (this.restoredLatches.size > 0) this.noteGoodReadings(batch);
    for (const reading of batch) {
      const valve = this.valveByFeedback.get(reading.pointId);
      if (valve) valve.feedback(reading.pointId, reading.quality === 'good' && typeof reading.value === 'boolean' ? reading.value : null, reading.receiveTime);
      this.storeReading(reading);
    }
    // A line being replaced says nothing of its devices any more (a removed device would keep an alarm nothing clears).
    if (modbus && !retiring()) this.deviceComms.onRequest(modbus, this.arrivedAt);
    else if (!modbus && this.serverUnits.size > 0) this.registerServerUnits(batch);
    for (const listener of this.readingListeners) {
      try {
        listener(batch);
      } catch (error) {
        this.log(`hazmon: readings subscriber failed: ${(error as Error).message}`);
      }
    }
  }

  private awaitServerUnits(config: AgentConfig): void {
    const opcuaIds = new Set(config.opcua.flatMap((connection) => connection.points.map((point) => point.id)));
    this.serverUnits = new Map(config.storePoints.filter((point) => point.unit === '' && opcuaIds.has(point.pointId)).map((point) => [point.pointId, point]));
  }

  private registerServerUnits(batch: readonly Reading[]): void {
    for (const reading of batch) {
      const point = this.serverUnits.get(reading.pointId);
      if (point === undefined || reading.unit === '') continue;
      this.serverUnits.delete(reading.pointId);
      void this.track(() => this.store.registerPoints([{ ...point, unit: reading.unit }]), `the unit ${reading.unit} of ${reading.pointId} named by its OPC UA server`);
    }
  }

  /** The failed requests of a source stopped for a reload: kept in the store as they are, not judged (see AgentStats). */
  private storeStopReadings(batch: readonly Reading[]): void {
    this.counts.reloadStopReadings += batch.length;
    for (const reading of batch) this.storeReading(reading);
  }

  /** Only points with rules go to the engine (it reports any other id as an invalid reading). */
  private forEngine(batch: Reading[]): Reading[] {
    const engine = this.engine;
    for (const reading of batch) if (engine.pointIndex(reading.pointId) < 0) return batch.filter((r) => engine.pointIndex(r.pointId) >= 0);
    return batch;
  }

  private storeReading(reading: Reading): void {
    try {
      if (!this.store.writeReading(reading)) this.counts.storeDropped += 1;
    } catch (error) {
      this.counts.storeRejected += 1;
      if (this.rejectedPoints.has(reading.pointId)) return;
      this.rejectedPoints.add(reading.pointId);
      this.raise(`store/reading_rejected`, null, 'reading_rejected', true, 'high', `store refused a reading of ${reading.pointId}: ${(error as Error).message}`, { pointId: reading.pointId });
    }
  }

  /** Raised with the cause (updated when the cause changes while reconnecting), cleared once connected. */
  private onConnectionState(connectionId: string, state: OpcuaConnectionState, cause: OpcuaError | undefined): void {
    if (state === 'connected' && this.connectionsInCommsLoss.delete(connectionId)) {
      this.raise(`${connectionId}/comms_loss`, connectionId, 'comms_loss', false, 'high', `OPC UA connection ${connectionId} connected`, {});
    } else if (state === 'reconnecting') {
      this.connectionsInCommsLoss.add(connectionId);
      const why = `OPC UA connection ${connectionId} down, reconnecting: ${cause?.message ?? 'cause unknown'}`;
      this.raise(`${connectionId}/comms_loss`, connectionId, 'comms_loss', true, 'high', why, { code: cause?.code ?? null });
    }
  }

  private onStoreEvent(event: StoreEvent): void {
    switch (event.kind) {
      case 'queue_high':
        return this.raise('store/back_pressure', null, 'back_pressure', true, 'high', `store queue above its high-water mark (${event.depth} of ${event.capacity})`, { ...event });
      case 'queue_normal':
        return this.raise('store/back_pressure', null, 'back_pressure', false, 'high', `store queue drained (${event.depth} of ${event.capacity})`, { ...event });
      case 'readings_dropped':
        return this.raise('store/readings_dropped', null, 'readings_dropped', true, 'high', `store queue full: ${event.dropped} reading(s) dropped (${event.totalDropped} in all)`, { ...event });
      case 'flush_failed':
        return this.raise('store/flush_failed', null, 'flush_failed', true, 'high', `store commit of ${event.rows} reading(s) failed: ${event.message}`, { ...event });
      case 'background_failed':
        return this.raise(`store/${event.job}_failed`, null, `${event.job}_failed`, true, 'medium', `store ${event.job} failed: ${event.message}`, { ...event });
      case 'database_invalidated':
        return this.raise('store/database_invalidated', null, 'database_invalidated', true, 'high', `DuckDB invalidated the store's database; opening it again, writes wait meanwhile: ${event.message}`, { ...event });
      case 'database_reopen_failed':
        return this.raise('store/database_invalidated', null, 'database_invalidated', true, 'high', `the store's database could not be opened again (${event.attempts} attempts); nothing is stored: ${event.message}`, { ...event });
      case 'database_reopened':
        return this.raise('store/database_invalidated', null, 'database_invalidated', false, 'high', `the store's database is open again (${event.reopens} reopen(s) since start); held writes are committed`, { ...event });
    }
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.type === 'late_reading') this.counts.lateReadings += 1;
    else if (event.type === 'invalid_reading') this.counts.invalidReadings += 1;
    if (event.type === 'action') this.onAction(event);
    this.publish(event);
  }

  private onAction(event: ActionEvent): void {
    if (event.command === 'release') {
      this.valves.get(event.output)?.release();
      this.trippedBy.delete(event.output);
      this.restoredLatches.delete(event.actionId);
      this.runtimeAlarms.clear(latchAlarmId(event.actionId), `${event.actionId} reset by ${event.who}: ${event.why}`);
      return;
    }
    this.trippedBy.set(event.output, event.alarmId === null ? [] : [event.alarmId]);
    this.raiseLatchAlarm(event.actionId, event.output, event.alarmId === null ? event.why : `tripped by ${event.alarmId}`);
    this.commandOutput(event.output, event.kind, event.actionId);
  }

  /** A latched action stands as an alarm until a person resets it: the output is held tripped meanwhile. */
  private raiseLatchAlarm(actionId: string, output: string, why: string): void {
    this.runtimeAlarms.raise(latchAlarmId(actionId), output, 'latched', 'high', `${actionId} latched, ${output} held tripped until a supervisor resets it (${why})`, { actionId, output });
  }

  /** Puts an output in its trip state: a shut-off valve through its verifying controller, anything else written once. */
  private commandOutput(outputId: string, kind: ActionEvent['kind'], actionId: string): void {
    const valve = this.valves.get(outputId);
    if (valve) return valve.trip(this.arrivedAt);
    const output = this.outputs.get(outputId);
    if (!output) return this.log(`hazmon: action ${actionId} names output ${outputId}, which is not configured`);
    const writer = this.writers.get(output.id)!;
    void writer(output.tripValue).then((result) => {
      void this.audit(`${kind}_command`, output.id, { command: output.command, value: output.tripValue, result: result.ok ? 'written' : 'failed', ...(result.ok ? {} : { error: result.detail }), why: this.trippedBy.get(output.id) ?? [] });
      if (!result.ok) this.raise(`${output.id}/command_failed`, output.id, 'command_failed', true, 'high', `${kind} command to ${output.command} failed: ${result.detail}`, {});
    });
  }

  private onDiscrepancy(discrepancy: ShutoffDiscrepancy): void {
    const { outputId, why, ...details } = discrepancy;
    this.raise(`${outputId}/shutoff_discrepancy`, outputId, 'shutoff_discrepancy', true, 'emergency', why, { ...details, trippedBy: this.trippedBy.get(outputId) ?? [] });
  }

  private onConfirmed(outputId: string): void {
    const output = this.outputs.get(outputId)!;
    const open = output.feedback?.open;
    const why = `${outputId} confirmed closed (${output.feedback?.closed} true${open === undefined ? '' : `, ${open} false`})`;
    this.runtimeAlarms.clear(`${outputId}/shutoff_discrepancy`, why);
    this.runtimeAlarms.notice(`${outputId}/shutoff_confirmed`, outputId, 'shutoff_confirmed', 'low', why, { trippedBy: this.trippedBy.get(outputId) ?? [] });
  }

  private raise(alarmId: string, source: string | null, rule: string, active: boolean, priority: Priority, why: string, details: Readonly<Record<string, unknown>>): void {
    this.runtimeAlarms.set({ alarmId, source, rule, active, priority, why, details });
  }

  private publish(event: AgentEvent): void {
    this.notifyListeners(event);
    const row = storedEvent(event);
    if (row) this.persistEvent(row, this.durableFeed.awaitStore(event));
    else this.durableFeed.passThrough(event);
  }

  private notifyListeners(event: AgentEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log(`hazmon: event subscriber failed: ${(error as Error).message}`);
      }
    }
  }

  /** Appends an alarm event row; `settled` hears the outcome (inside the tracked write, so stop() waits for it). */
  private persistEvent(row: AlarmEventInput, settled?: (durability: EventDurability) => void): void {
    void this.track(
      () =>
        this.store.appendAlarmEvent(row).then((stored) => {
          this.counts.eventsPersisted += 1;
          settled?.({ outcome: 'stored', seq: stored.seq });
        }),
      `alarm event ${row.kind} ${row.ruleId}`,
      settled && ((error) => settled(appendFailed(error))),
    );
  }

  private audit(action: string, target: string, details: Readonly<Record<string, unknown>>, who = HAZMON): Promise<void> {
    const time = this.now();
    return this.track(() => this.store.appendAudit({ time, who, action, target, details }), `audit ${action} ${target}`);
  }

  /** Keeps a durable write in sight until it settles, so stop() waits for it; a failure is counted, logged, then handed to onFailure. */
  private track(write: () => Promise<unknown>, what: string, onFailure?: (error: unknown) => void): Promise<void> {
    // Started inside a promise so a store that is already closed (a late callback during stop) rejects, not throws.
    const tracked = Promise.resolve().then(write).then(
      () => undefined,
      (error: unknown) => {
        this.counts.persistFailures += 1;
        this.log(`hazmon: could not store ${what}: ${(error as Error).message}`);
        onFailure?.(error);
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return tracked;
  }

  private async authenticate(credentials: ResetCredentials): Promise<{ name: string; role: UserRole } | null> {
    if ('authenticated' in credentials) return credentials.authenticated;
    const user = this.config.users.find((candidate) => candidate.name === credentials.user);
    if (!user || !(await verifyPassword(credentials.password, user.passwordHash))) return null;
    return { name: user.name, role: user.role };
  }

  /** How the command point of an output is written: a Modbus coil/register (with read-back) or an OPC UA node. */
  private writerFor(output: ResolvedOutput): OutputWriter {
    return this.pointWriter(output.command, `outputs ${output.id}: command point`);
  }

  /** Writes a point by reading id through its Modbus device (timed into writeLatency) or its OPC UA connection. */
  private pointWriter(pointId: string, where: string): OutputWriter {
    const modbus = this.modbusPoint(pointId);
    if (modbus) {
      const { device, point } = modbus;
      return (value) => {
        const started = this.now();
        return this.poller.write(device.id, point.spec.id, value).then(
          () => {
            this.writeLatency.record(this.now() - started);
            return { ok: true } as const;
          },
          (error: unknown) => ({ ok: false, detail: (error as Error).message }) as const,
        );
      };
    }
    const connectionId = this.config.opcua.find((connection) => connection.points.some((point) => point.id === pointId))?.id;
    if (connectionId === undefined) throw new RuntimeError('HAZMON_RUNTIME_OUTPUT_UNRESOLVED', `${this.config.file}: ${where} ${JSON.stringify(pointId)} is produced by no Modbus device or OPC UA connection`);
    // Looked up at each write: a reload may have replaced the connection.
    return (value) =>
      Promise.resolve(this.connections.get(connectionId)).then((connection) => connection?.write(pointId, value) ?? Promise.reject(new Error(`OPC UA connection ${connectionId} is no longer configured`))).then(
        (result) => (result.good ? ({ ok: true } as const) : ({ ok: false, detail: `OPC UA ${result.nodeId}: ${result.statusName}${result.error ? `: ${result.error.message}` : ''}` } as const)),
        (error: unknown) => ({ ok: false, detail: (error as Error).message }) as const,
      );
  }

  /** Whether a reading id is a coil or bit of a Modbus device; null when it is not a Modbus point. */
  private isBooleanModbusPoint(pointId: string): boolean | null {
    const type = this.modbusPoint(pointId)?.point.spec.type;
    return type === undefined ? null : type === 'bool' || type === 'bit';
  }

  private modbusPoint(readingId: string) {
    for (const device of this.config.devices) {
      const point = device.points.find((candidate) => candidate.readingId === readingId);
      if (point) return { device, point };
    }
    return undefined;
  }
}

/** A reading that says only that the device or server did not answer (the request timed out, no connection, backoff). */
function isCommsFailure(reading: Reading): boolean {
  return reading.quality === 'bad' && reading.reason !== undefined && COMMS_REASONS.has(reading.reason.code);
}

/** Latches actions in an engine without commanding anything, whatever their rules were: only a person releases a latch. */
function latchActions(engine: AlarmEngine, actionIds: readonly string[]): void {
  const current = engine.snapshot([]);
  const restore: EngineSnapshot = { version: current.version, points: {}, groups: {}, actions: {} };
  for (const id of actionIds) {
    const saved = current.actions[id];
    if (saved !== undefined) restore.actions[id] = { fingerprint: saved.fingerprint, latched: true };
  }
  engine.restore(restore);
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

/** A change set with the kept ids counted rather than listed: audit rows stay small on a site of thousands of points. */
function auditedChanges(changes: ChangeSet) {
  return { kept: changes.kept.length, restarted: changes.restarted, added: changes.added, removed: changes.removed };
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
        why: event.why,
        details: { alarmId: event.alarmId, site: event.site, alarmKind: event.kind, value: finiteOrNull(event.value), coverage: finiteOrNull(event.coverage), mode: event.toMode, conditionActive: event.conditionActive, latched: event.latched, annunciated: event.annunciated, activeSince: finiteOrNull(event.activeSince), shelvedUntil: finiteOrNull(event.shelvedUntil) },
      };
    case 'action':
      return { time: event.time, pointId: event.output, ruleId: event.actionId, kind: event.command === 'release' ? 'action_released' : 'action_commanded', stateAfter: event.command, priority: 'emergency', who: event.who, why: event.why, details: { alarmId: event.alarmId, actionKind: event.kind } };
    case 'command_refused':
      return { time: event.time, pointId: null, ruleId: event.target, kind: 'command_refused', stateAfter: 'unchanged', who: event.who, why: event.reason, details: { command: event.command } };
    case 'runtime_alarm':
      return { time: event.time, pointId: event.source, ruleId: event.rule, kind: event.transition, stateAfter: event.toState, priority: event.priority, who: event.who, why: event.why, details: { ...event.details, alarmId: event.alarmId, occurrences: event.occurrences, conditionActive: event.active } };
    case 'vote_ignored':
      return { time: event.time, pointId: event.pointId, ruleId: event.groupId, kind: 'vote_ignored', stateAfter: event.ignored ? 'ignored' : 'voting', who: HAZMON, why: event.why };
    case 'alarm_flood':
      return { time: event.time, pointId: null, ruleId: 'alarm_flood', kind: `flood_${event.phase}`, stateAfter: event.phase, who: HAZMON, why: `${event.alarmsIn10Min} alarms in 10 minutes at ${event.site}`, details: { site: event.site } };
    case 'alarm_chattering':
      return { time: event.time, pointId: null, ruleId: event.alarmId, kind: 'chattering', stateAfter: 'chattering', who: HAZMON, why: `${event.activationsIn1Min} activations in 1 minute`, details: { site: event.site } };
    default:
      return null;
  }
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

function latchAlarmId(actionId: string): string {
  return `${actionId}/latched`;
}

const ALARM_STATES: ReadonlySet<string> = new Set<AlarmState>(['normal', 'unacknowledged_active', 'acknowledged_active', 'unacknowledged_returned']);

/** A journal row's state as an ISA-18.2 state; runtime rows of earlier versions said `active`. */
function alarmStateOf(stateAfter: string): AlarmState | null {
  if (stateAfter === 'active') return 'unacknowledged_active';
  return ALARM_STATES.has(stateAfter) ? (stateAfter as AlarmState) : null;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * An engine alarm's state from its latest journal row. Suppression by design (who: engine) is not carried: the
 * point's next reading says whether it is still in maintenance.
 */
function savedEngineAlarm(row: AlarmEventRow, alarmId: string, state: AlarmState): SavedAlarmState {
  const details = row.details ?? {};
  const mode = (details['mode'] === 'suppressed' && row.who === 'engine' ? 'in_service' : details['mode'] ?? 'in_service') as AlarmMode;
  const conditionActive = details['conditionActive'] === true;
  return { alarmId, state, mode, conditionActive, activeSince: conditionActive ? numberOr(details['activeSince'], row.time) : Number.NaN, shelvedUntil: numberOr(details['shelvedUntil'], Number.NaN) };
}
