/**
 * The agent's core loop: pollers and OPC UA connections feed the alarm engine and the store, engine events become
 * durable alarm events and reach subscribers, and a close action drives a verified shut-off. The runtime owns time.
 *
 * @example
 * const agent = await Agent.start(loadAgentConfig('/etc/hazmon/site.yaml'));
 * const unsubscribe = agent.subscribe((event) => console.log(event));
 * await agent.resetAction('close-gas-header', { user: 'li.wei', password });
 * await agent.stop();
 */
import type { ModbusCounters, OpcuaConnection, Reading } from '@hazmon/protocols';
import { ModbusPoller, createOpcuaConnection } from '@hazmon/protocols';
import type { AgentConfig, ResolvedOutput, UserRole } from '../config/index.ts';
import { verifyPassword } from '../config/index.ts';
import type { ActionEvent, CommandResult, EngineEvent, EngineSnapshot, EngineStats, Priority } from '../engine/index.ts';
import { AlarmEngine } from '../engine/index.ts';
import type { AlarmEventInput, AlarmEventRow, StoreEvent, StoreOptions, StoreStats } from '../store/index.ts';
import { HazmonStore } from '../store/index.ts';
import { RuntimeError } from './errors.ts';
import type { LatencySnapshot } from '../latency-histogram.ts';
import { LatencyHistogram } from '../latency-histogram.ts';
import type { OutputWriter, ShutoffDiscrepancy, ShutoffStats } from './shutoff.ts';
import { ShutoffValveController } from './shutoff.ts';
import type { EventLoopLagSnapshot } from './event-loop.ts';
import { EventLoopLagMonitor } from './event-loop.ts';
import type { HeartbeatStats } from './heartbeat.ts';
import { Heartbeat } from './heartbeat.ts';

/** An alarm the runtime raises itself (shut-off, device comms, poll overruns, store health), beside the engine's. */
export interface RuntimeAlarmEvent {
  readonly type: 'runtime_alarm';
  readonly time: number;
  /** `<output>/shutoff_discrepancy`, `<device>/comms_loss`, `<device>/poll_overrun`, `store/<problem>`. */
  readonly alarmId: string;
  readonly source: string;
  readonly rule: string;
  readonly active: boolean;
  readonly priority: Priority;
  readonly why: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A runtime alarm raised or cleared from outside the core loop (event-loop lag, heartbeat); `source` null = the agent. */
export type RuntimeAlarmInput = Omit<RuntimeAlarmEvent, 'type' | 'time' | 'source'> & { readonly source: string | null };

/** One polled Modbus device: where it is and its request counters (live values copied at stats time). */
export interface ModbusDeviceStats {
  readonly deviceId: string;
  readonly line: string;
  readonly counters: Readonly<ModbusCounters>;
}

export type AgentEvent = EngineEvent | RuntimeAlarmEvent;
export type AgentListener = (event: AgentEvent) => void;
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
  /** Reading arrived -> engine decided, decided -> command written, command -> feedback confirmed (ms). */
  readonly latency: { readonly decision: LatencySnapshot; readonly command: LatencySnapshot; readonly confirm: LatencySnapshot };
  readonly shutoff: readonly ShutoffStats[];
  readonly devicesInCommsLoss: readonly string[];
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

const RESET_ROLES: readonly UserRole[] = ['supervisor', 'admin'];
const COMMS_REASONS = new Set(['timeout', 'connection', 'backoff']);
/** At most one poll-overrun alarm per device in this long: overruns come every poll while a line is slow. */
const OVERRUN_REPORT_MS = 60_000;
const HAZMON = 'hazmon';

export class Agent {
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly listeners = new Set<AgentListener>();
  private readonly readingListeners = new Set<ReadingsListener>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly enginePoints: ReadonlySet<string>;
  private readonly deviceOfReading = new Map<string, string>();
  private readonly devicesInCommsLoss = new Set<string>();
  private readonly overrunsSeen = new Map<string, { count: number; reportedAt: number }>();
  private readonly outputs = new Map<string, ResolvedOutput>();
  private readonly valves = new Map<string, ShutoffValveController>();
  private readonly valveByFeedback = new Map<string, ShutoffValveController>();
  private readonly writers = new Map<string, OutputWriter>();
  /** Alarm ids that tripped each latched action, for the audit's why. */
  private readonly trippedBy = new Map<string, string[]>();
  private readonly rejectedPoints = new Set<string>();
  /**
   * Latches restored at start, by action id: the trigger points whose conditions the fresh engine has not judged yet
   * (point -> how long it must be read good first: its on-delay or longest window). Reset waits for them.
   */
  private readonly restoredLatches = new Map<string, ReadonlyMap<string, number>>();
  /** First good reading since start of each trigger point of a restored latch. */
  private readonly goodSince = new Map<string, number>();
  private readonly latency = { decision: new LatencyHistogram(), command: new LatencyHistogram(), confirm: new LatencyHistogram() };
  private readonly connections: OpcuaConnection[] = [];
  private readonly poller: ModbusPoller;
  private readonly engine: AlarmEngine;
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly writeLatency = new LatencyHistogram();
  private readonly eventLoop: EventLoopLagMonitor;
  private readonly heartbeat: Heartbeat | null;
  private readonly runtimeAlarmsActive = new Set<string>();
  private readonly startedAt: number;
  private lastTickAt: number;
  /** When the readings (or tick) now being processed reached the gateway: the start of the shut-off latency. */
  private arrivedAt = 0;
  private stopped = false;
  private counts = { readings: 0, storeRejected: 0, storeDropped: 0, lateReadings: 0, invalidReadings: 0, eventsPersisted: 0, persistFailures: 0 };

  private constructor(
    readonly config: AgentConfig,
    readonly store: HazmonStore,
    options: AgentOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.startedAt = this.now();
    this.lastTickAt = this.startedAt;
    this.enginePoints = new Set(config.engine.points.map((point) => point.id));
    for (const device of config.devices) for (const point of device.points) this.deviceOfReading.set(point.readingId, device.id);
    this.engine = new AlarmEngine(config.engine, (event) => this.onEngineEvent(event));
    this.poller = new ModbusPoller({ lines: config.lines, devices: config.devices, onReadings: (batch) => this.onReadings(batch, true), now: this.now });
    for (const connection of config.opcua) {
      this.connections.push(
        createOpcuaConnection(connection, {
          onReadings: (batch) => this.onReadings(batch, false),
          onStateChange: (state) => this.onConnectionState(connection.id, state),
        }),
      );
    }
    for (const output of config.outputs) {
      this.outputs.set(output.id, output);
      this.writers.set(output.id, this.writerFor(output));
      if (output.kind !== 'shutoff_valve') continue;
      const valve = new ShutoffValveController(output, this.writers.get(output.id)!, {
        now: this.now,
        latency: this.latency,
        audit: (action, target, details) => this.audit(action, target, { ...details, why: this.trippedBy.get(target) ?? [] }),
        discrepancy: (discrepancy) => this.onDiscrepancy(discrepancy),
        confirmed: (outputId, discrepancyRaised) => this.onConfirmed(outputId, discrepancyRaised),
      });
      this.valves.set(output.id, valve);
      if (output.feedback) {
        this.valveByFeedback.set(output.feedback.closed, valve);
        this.valveByFeedback.set(output.feedback.open, valve);
      }
    }
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
      const agent = new Agent(config, store, options);
      holder.agent = agent;
      await agent.restoreLatches(await store.latestActionEvents());
      agent.run(options.tickIntervalMs ?? 250);
      return agent;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Every engine and runtime event, in order, as it happens; returns the unsubscribe function. */
  subscribe(listener: AgentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  /** Whether an action is latched (commanded and not yet reset). */
  actionLatched(actionId: string): boolean {
    return this.engine.actionLatched(actionId);
  }

  stats(): AgentStats {
    return {
      ...this.counts,
      latency: { decision: this.latency.decision.snapshot(), command: this.latency.command.snapshot(), confirm: this.latency.confirm.snapshot() },
      shutoff: [...this.valves.values()].map((valve) => valve.stats()),
      devicesInCommsLoss: [...this.devicesInCommsLoss],
      engine: this.engine.stats(),
      store: this.store.stats(),
      startedAt: this.startedAt,
      lastTickAt: this.lastTickAt,
      writeLatency: this.writeLatency.snapshot(),
      modbus: this.config.devices.map((device) => ({ deviceId: device.id, line: device.line, counters: { ...this.poller.counters(device.id) } })),
      sources: [...this.config.opcua.map((connection) => connection.id), ...this.config.devices.map((device) => device.id)],
      eventLoop: this.eventLoop.snapshot(),
      heartbeat: this.heartbeat?.stats() ?? null,
      runtimeAlarmsActive: [...this.runtimeAlarmsActive],
    };
  }

  /** Engine alarms not in state normal, by priority (walks every alarm: for scrapes, not hot paths). */
  activeAlarmsByPriority(): Map<Priority, number> {
    const counts = new Map<Priority, number>();
    for (const alarm of this.engine.alarms()) if (alarm.state !== 'normal') counts.set(alarm.priority, (counts.get(alarm.priority) ?? 0) + 1);
    return counts;
  }

  /** Raises or clears a runtime alarm like the agent's own: to subscribers and the store's alarm events. */
  raiseRuntimeAlarm(alarm: RuntimeAlarmInput): void {
    this.raise(alarm.alarmId, alarm.source, alarm.rule, alarm.active, alarm.priority, alarm.why, alarm.details);
  }

  /** Stops polling and subscriptions, waits for pending durable writes, flushes and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.eventLoop.stop();
    await this.heartbeat?.stop();
    for (const valve of this.valves.values()) valve.stop();
    await Promise.all([this.poller.stop(), ...this.connections.map((connection) => connection.stop())]);
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    this.store.flush();
    await this.store.close();
  }

  /**
   * Latches the engine again for every action whose last stored event is `action_commanded` (the store's durable
   * record), before polling starts, without commanding anything: the output was tripped before the restart. A latch
   * is restored even when the action's rules changed since (a person must still reset it); one whose action is no
   * longer configured is audited as not restored.
   */
  private async restoreLatches(latest: readonly AlarmEventRow[]): Promise<void> {
    const current = this.engine.snapshot([]);
    const restore: EngineSnapshot = { version: current.version, points: {}, groups: {}, actions: {} };
    const audits: Promise<void>[] = [];
    for (const row of latest) {
      if (row.kind !== 'action_commanded') continue;
      const alarmId = typeof row.details?.['alarmId'] === 'string' ? row.details['alarmId'] : null;
      const details = { output: row.pointId, since: row.time, eventSeq: row.seq, why: row.why, trippedBy: alarmId === null ? [] : [alarmId] };
      const action = this.config.engine.actions.find((candidate) => candidate.id === row.ruleId);
      const saved = current.actions[row.ruleId];
      if (action === undefined || saved === undefined) {
        this.log(`hazmon: action ${row.ruleId} was latched before the restart (event seq ${row.seq}) but is no longer configured: not restored`);
        audits.push(this.audit('latch_restore_skipped', row.ruleId, { ...details, reason: 'action no longer configured' }));
        continue;
      }
      restore.actions[row.ruleId] = { fingerprint: saved.fingerprint, latched: true };
      this.trippedBy.set(action.output, details.trippedBy);
      this.restoredLatches.set(action.id, this.settleTimes(action.when));
      audits.push(this.audit('latch_restored', action.id, details));
    }
    this.engine.restore(restore);
    await Promise.all(audits);
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
    const settle = this.restoredLatches.get(actionId);
    if (settle === undefined || !this.engine.actionLatched(actionId)) return null;
    const now = this.now();
    const waiting = [...settle].filter(([pointId, ms]) => now - (this.goodSince.get(pointId) ?? Infinity) < ms);
    if (waiting.length === 0) return null;
    const names = waiting.map(([pointId, ms]) => `${pointId} (${ms / 1000} s of good readings needed)`).join(', ');
    return { ok: false, reason: `action ${actionId} was latched before the agent restarted; its trigger condition is not judged yet: ${names}, reset refused` };
  }

  private noteGoodReadings(batch: readonly Reading[]): void {
    for (const reading of batch) {
      if (reading.quality === 'good' && !this.goodSince.has(reading.pointId)) this.goodSince.set(reading.pointId, reading.receiveTime);
    }
  }

  private run(tickIntervalMs: number): void {
    this.poller.start();
    for (const connection of this.connections) void connection.start();
    this.tickTimer = setInterval(() => this.tick(), tickIntervalMs);
    this.eventLoop.start();
    this.heartbeat?.start();
  }

  private tick(): void {
    const now = this.now();
    this.arrivedAt = now;
    this.lastTickAt = now;
    this.engine.tick(now);
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

  private onReadings(batch: Reading[], modbus: boolean): void {
    if (this.stopped || batch.length === 0) return;
    this.arrivedAt = this.now();
    this.counts.readings += batch.length;
    this.engine.processReadings(this.forEngine(batch));
    if (this.restoredLatches.size > 0) this.noteGoodReadings(batch);
    for (const reading of batch) {
      const valve = this.valveByFeedback.get(reading.pointId);
      if (valve) valve.feedback(reading.pointId, reading.quality === 'good' && typeof reading.value === 'boolean' ? reading.value : null, reading.receiveTime);
      this.storeReading(reading);
    }
    if (modbus) this.trackDeviceComms(batch);
    for (const listener of this.readingListeners) {
      try {
        listener(batch);
      } catch (error) {
        this.log(`hazmon: readings subscriber failed: ${(error as Error).message}`);
      }
    }
  }

  /** Only points with rules go to the engine (it reports any other id as an invalid reading). */
  private forEngine(batch: Reading[]): Reading[] {
    for (const reading of batch) if (!this.enginePoints.has(reading.pointId)) return batch.filter((r) => this.enginePoints.has(r.pointId));
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

  /** One Modbus request's readings: all failed for a comms reason = the device is lost; anything else = it answers. */
  private trackDeviceComms(batch: Reading[]): void {
    const deviceId = this.deviceOfReading.get(batch[0]!.pointId);
    if (deviceId === undefined) return;
    const lost = batch.every((reading) => reading.quality === 'bad' && reading.reason !== undefined && COMMS_REASONS.has(reading.reason.code));
    if (lost === this.devicesInCommsLoss.has(deviceId)) return;
    const first = batch[0]!;
    if (lost) {
      this.devicesInCommsLoss.add(deviceId);
      this.raise(`${deviceId}/comms_loss`, deviceId, 'comms_loss', true, 'high', `${first.reason!.code}: ${first.reason!.message}`, { reason: first.reason!.code });
    } else {
      this.devicesInCommsLoss.delete(deviceId);
      this.raise(`${deviceId}/comms_loss`, deviceId, 'comms_loss', false, 'high', `${deviceId} answers again`, {});
    }
  }

  private onConnectionState(connectionId: string, state: string): void {
    const lost = state === 'reconnecting';
    if (state !== 'reconnecting' && state !== 'connected') return;
    if (lost === this.devicesInCommsLoss.has(connectionId)) return;
    if (lost) this.devicesInCommsLoss.add(connectionId);
    else this.devicesInCommsLoss.delete(connectionId);
    this.raise(`${connectionId}/comms_loss`, connectionId, 'comms_loss', lost, 'high', lost ? `OPC UA connection ${connectionId} lost, reconnecting` : `OPC UA connection ${connectionId} connected`, {});
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
    }
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.type === 'late_reading') this.counts.lateReadings += 1;
    else if (event.type === 'invalid_reading') this.counts.invalidReadings += 1;
    if (event.type === 'action') this.onAction(event);
    this.publish(event);
  }

  private onAction(event: ActionEvent): void {
    const output = this.outputs.get(event.output);
    if (event.command === 'release') {
      this.valves.get(event.output)?.release();
      this.trippedBy.delete(event.output);
      this.restoredLatches.delete(event.actionId);
      return;
    }
    this.trippedBy.set(event.output, event.alarmId === null ? [] : [event.alarmId]);
    const valve = this.valves.get(event.output);
    if (valve) return valve.trip(this.arrivedAt);
    if (!output) return this.log(`hazmon: action ${event.actionId} names output ${event.output}, which is not configured`);
    const writer = this.writers.get(output.id)!;
    void writer(output.tripValue).then((result) => {
      void this.audit(`${event.kind}_command`, output.id, { command: output.command, value: output.tripValue, result: result.ok ? 'written' : 'failed', ...(result.ok ? {} : { error: result.detail }), why: this.trippedBy.get(output.id) ?? [] });
      if (!result.ok) this.raise(`${output.id}/command_failed`, output.id, 'command_failed', true, 'high', `${event.kind} command to ${output.command} failed: ${result.detail}`, {});
    });
  }

  private onDiscrepancy(discrepancy: ShutoffDiscrepancy): void {
    const { outputId, why, ...details } = discrepancy;
    this.raise(`${outputId}/shutoff_discrepancy`, outputId, 'shutoff_discrepancy', true, 'emergency', why, { ...details, trippedBy: this.trippedBy.get(outputId) ?? [] });
  }

  private onConfirmed(outputId: string, discrepancyRaised: boolean): void {
    const output = this.outputs.get(outputId)!;
    const why = `${outputId} confirmed closed (${output.feedback?.closed} true, ${output.feedback?.open} false)`;
    if (discrepancyRaised) this.raise(`${outputId}/shutoff_discrepancy`, outputId, 'shutoff_discrepancy', false, 'emergency', why, {});
    this.raise(`${outputId}/shutoff_confirmed`, outputId, 'shutoff_confirmed', false, 'low', why, { trippedBy: this.trippedBy.get(outputId) ?? [] });
  }

  private raise(alarmId: string, source: string | null, rule: string, active: boolean, priority: Priority, why: string, details: Readonly<Record<string, unknown>>): void {
    if (active) this.runtimeAlarmsActive.add(alarmId);
    else this.runtimeAlarmsActive.delete(alarmId);
    this.publish({ type: 'runtime_alarm', time: this.now(), alarmId, source: source ?? 'agent', rule, active, priority, why, details });
  }

  private publish(event: AgentEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log(`hazmon: event subscriber failed: ${(error as Error).message}`);
      }
    }
    const row = storedEvent(event);
    if (row) void this.track(() => this.store.appendAlarmEvent(row).then(() => void (this.counts.eventsPersisted += 1)), `alarm event ${row.kind} ${row.ruleId}`);
  }

  private audit(action: string, target: string, details: Readonly<Record<string, unknown>>, who = HAZMON): Promise<void> {
    const time = this.now();
    return this.track(() => this.store.appendAudit({ time, who, action, target, details }), `audit ${action} ${target}`);
  }

  /** Keeps a durable write in sight until it settles, so stop() waits for it; a failure is counted and logged. */
  private track(write: () => Promise<unknown>, what: string): Promise<void> {
    // Started inside a promise so a store that is already closed (a late callback during stop) rejects, not throws.
    const tracked = Promise.resolve().then(write).then(
      () => undefined,
      (error: unknown) => {
        this.counts.persistFailures += 1;
        this.log(`hazmon: could not store ${what}: ${(error as Error).message}`);
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
    const index = this.config.opcua.findIndex((connection) => connection.points.some((point) => point.id === pointId));
    if (index < 0) throw new RuntimeError('HAZMON_RUNTIME_OUTPUT_UNRESOLVED', `${this.config.file}: ${where} ${JSON.stringify(pointId)} is produced by no Modbus device or OPC UA connection`);
    return (value) =>
      this.connections[index]!.write(pointId, value).then(
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
        details: { alarmId: event.alarmId, site: event.site, alarmKind: event.kind, value: finiteOrNull(event.value), coverage: finiteOrNull(event.coverage), mode: event.toMode, conditionActive: event.conditionActive, latched: event.latched, annunciated: event.annunciated },
      };
    case 'action':
      return { time: event.time, pointId: event.output, ruleId: event.actionId, kind: event.command === 'release' ? 'action_released' : 'action_commanded', stateAfter: event.command, priority: 'emergency', who: event.who, why: event.why, details: { alarmId: event.alarmId, actionKind: event.kind } };
    case 'command_refused':
      return { time: event.time, pointId: null, ruleId: event.target, kind: 'command_refused', stateAfter: 'unchanged', who: event.who, why: event.reason, details: { command: event.command } };
    case 'runtime_alarm':
      return { time: event.time, pointId: event.source, ruleId: event.rule, kind: event.active ? 'raised' : 'cleared', stateAfter: event.active ? 'active' : 'normal', priority: event.priority, who: HAZMON, why: event.why, details: { alarmId: event.alarmId, ...event.details } };
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
