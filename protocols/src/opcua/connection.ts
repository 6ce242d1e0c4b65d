/**
 * A supervised OPC UA connection: one session and one subscription per server, a batch of rows per notification
 * message (a good number as columns, no object; see ReadingRows), every point bad the moment the connection is lost,
 * and a fresh client/session/subscription on reconnect.
 */

import type { ClientSession, ClientSubscription, DataType, DataValue, NotificationMessage, StatusCode } from 'node-opcua';
import { messageOf } from '@hazmon/errors';
import type { QualityReason, Reading } from '../reading.ts';
import { ReadingRowBuffer, type ReadingRows } from '../reading-rows.ts';
import { parseOpcuaConnection, type OpcuaConnectionConfig, type OpcuaPointConfig } from './config.ts';
import { hazmonUnit, readEngineeringInfo } from './engineering-units.ts';
import { OpcuaError } from './errors.ts';
import { loadNodeOpcua, type NodeOpcua } from './node-opcua.ts';
import { clientPkiFolder, openOpcuaSession, type OpenedSession } from './session.ts';
import { StatedValues } from './stated-values.ts';
import { describeStatus, isGoodStatus, qualityOfStatus, scalarOf } from './status.ts';

export type OpcuaConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

interface OpcuaHandlersBase {
  /** Every failed attempt and every loss, for logs; the points have already been reported bad. */
  onError?(error: OpcuaError): void;
  /** `cause`: why it is `reconnecting`; called again while reconnecting when the cause changes (e.g. server up, certificate refused). */
  onStateChange?(state: OpcuaConnectionState, cause?: OpcuaError): void;
}

/**
 * One call per notification message (and one per connection loss or failed attempt, with every point bad), with its
 * readings as objects or as rows (no object per good number): one of the two callbacks.
 */
export type OpcuaConnectionHandlers = OpcuaHandlersBase &
  (
    | {
        /** The batch's readings (a fresh array and objects each time). */
        onReadings(readings: Reading[]): void;
      }
    | {
        /** The batch's rows, the connection's own and refilled by its next batch: read them in the call, keep only objects built from them. */
        onRows(rows: ReadingRows): void;
        /** The consumer's index of a point (`ReadingRows.point`), asked once per point when the connection is built; -1 for none. */
        pointIndex(pointId: string): number;
      }
  );

export type OpcuaAttemptResult = { readonly ok: true } | { readonly ok: false; readonly error: OpcuaError };

export interface OpcuaWriteResult {
  readonly nodeId: string;
  readonly statusCode: number;
  /** e.g. "Good", "BadNotWritable", "BadNotConnected". */
  readonly statusName: string;
  readonly good: boolean;
  /** Present exactly when the status is not Good; names endpoint and node. */
  readonly error?: OpcuaError;
}

interface PointRuntime {
  readonly config: OpcuaPointConfig;
  /** Its position in the config's points (its slot in StatedValues). */
  readonly position: number;
  /** The consumer's index of the point (`ReadingRows.point`). */
  readonly route: number;
  unit: string;
  /** The reason for the last non-good status, kept so a repeated status does not build a new message each time. */
  lastStatusValue: number;
  lastReason: QualityReason | undefined;
}

/** What one successful attempt built; replaced wholesale after a loss. */
interface LiveSession {
  readonly opcua: NodeOpcua;
  readonly opened: OpenedSession;
  readonly subscription: ClientSubscription;
  readonly pointByHandle: Map<number, PointRuntime>;
  readonly dataTypeByNodeId: Map<string, DataType>;
  readonly silenceLimitMs: number;
  /** A value the subscription has not repeated for this long is restated (see deliver); the keep-alive period. */
  readonly restateAfterMs: number;
  /** What the subscription last said of each point in this session (its latest reading or restatement). */
  readonly stated: StatedValues;
  lastActivityMs: number;
  /**
   * Notifications that came in before their CreateMonitoredItems call returned (the first publish response can
   * overtake it); delivered once the handles are known, so no initial value is lost. Undefined once set up.
   */
  early: { clientHandle: number; value: DataValue; receiveTime: number }[] | undefined;
}

const KEEP_ALIVE_COUNT = 10;

/**
 * The keep-alive period the connection asks the server for (the server may revise it): a subscription with nothing
 * to report still answers this often, and a steady value is restated as still holding once per period (see deliver).
 */
export function requestedKeepAliveMs(config: Pick<OpcuaConnectionConfig, 'publishingIntervalMs'>): number {
  return config.publishingIntervalMs * KEEP_ALIVE_COUNT;
}
const LIFETIME_COUNT = 60;
const WATCHDOG_PERIOD_MS = 1000;

export class OpcuaConnection {
  readonly config: OpcuaConnectionConfig;
  private readonly handlers: OpcuaConnectionHandlers;
  private readonly emit: (rows: ReadingRows) => void;
  /** Each batch's rows, refilled by the next (batches are handed over one at a time, synchronously). */
  private readonly rows = new ReadingRowBuffer(64);
  private readonly points: PointRuntime[];
  private readonly pointsById = new Map<string, PointRuntime>();
  private currentState: OpcuaConnectionState = 'idle';
  private stateCause: OpcuaError | undefined;
  /** Bumped by every attempt, loss and stop; events from an older generation are ignored. */
  private generation = 0;
  private failures = 0;
  private live: LiveSession | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private pki: { dir: string; release(): Promise<void> } | undefined;

  constructor(config: OpcuaConnectionConfig, handlers: OpcuaConnectionHandlers) {
    this.config = config;
    this.handlers = handlers;
    const { emit, pointIndex } =
      'onRows' in handlers
        ? { emit: (rows: ReadingRows) => handlers.onRows(rows), pointIndex: (pointId: string) => handlers.pointIndex(pointId) }
        : { emit: (rows: ReadingRows) => handlers.onReadings(rows.readings()), pointIndex: () => -1 };
    this.emit = emit;
    this.points = config.points.map((point, position) => ({ config: point, position, route: pointIndex(point.id), unit: point.unit ?? '', lastStatusValue: 0, lastReason: undefined }));
    for (const point of this.points) this.pointsById.set(point.config.id, point);
  }

  get state(): OpcuaConnectionState {
    return this.currentState;
  }

  /**
   * Makes the first attempt and reports how it went. On failure the points are reported bad and the
   * connection keeps retrying in the background (with backoff) until stop().
   */
  async start(): Promise<OpcuaAttemptResult> {
    if (this.currentState !== 'idle') {
      throw new OpcuaError('HAZMON_OPCUA_ALREADY_STARTED', `connection "${this.config.id}" to ${this.config.endpointUrl}: start() called in state ${this.currentState}`);
    }
    this.setState('connecting');
    this.pki = await clientPkiFolder(this.config);
    this.watchdogTimer = setInterval(() => this.checkSilence(), WATCHDOG_PERIOD_MS);
    this.watchdogTimer.unref();
    return this.attempt();
  }

  async stop(): Promise<void> {
    this.setState('stopped');
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdogTimer);
    const live = this.live;
    this.live = undefined;
    if (live !== undefined) await live.opened.close();
    await this.pki?.release();
  }

  /** Writes a point (by point id) or any node (by NodeId text); never throws, the result carries the status. */
  async write(target: string, value: number | boolean): Promise<OpcuaWriteResult> {
    const nodeId = this.pointsById.get(target)?.config.nodeId ?? target;
    const { AttributeIds, DataType, StatusCodes } = await loadNodeOpcua();
    const live = this.live;
    if (live === undefined) return this.writeResult(nodeId, value, StatusCodes.BadNotConnected, 'not connected');
    try {
      const dataType = await this.dataTypeOf(live, nodeId);
      const isBoolean = dataType === DataType.Boolean;
      if (isBoolean !== (typeof value === 'boolean')) {
        return this.writeResult(nodeId, value, StatusCodes.BadTypeMismatch, `the node holds ${DataType[dataType]}`);
      }
      const status = await live.opened.session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: { dataType, value } } });
      return this.writeResult(nodeId, value, status);
    } catch (cause) {
      return this.writeResult(nodeId, value, StatusCodes.BadCommunicationError, messageOf(cause));
    }
  }

  private writeResult(nodeId: string, value: number | boolean, status: StatusCode, detail?: string): OpcuaWriteResult {
    const good = isGoodStatus(status);
    const result = { nodeId, statusCode: status.value, statusName: status.name, good };
    if (good) return result;
    const where = `write of ${JSON.stringify(value)} to ${nodeId} at ${this.config.endpointUrl}`;
    const message = `${where} returned ${describeStatus(status)}${detail === undefined ? '' : `: ${detail}`}`;
    return { ...result, error: new OpcuaError('HAZMON_OPCUA_WRITE_REJECTED', message) };
  }

  private async dataTypeOf(live: LiveSession, nodeId: string): Promise<DataType> {
    let dataType = live.dataTypeByNodeId.get(nodeId);
    if (dataType === undefined) {
      dataType = await live.opened.session.getBuiltInDataType(live.opcua.resolveNodeId(nodeId));
      live.dataTypeByNodeId.set(nodeId, dataType);
    }
    return dataType;
  }

  private setState(state: OpcuaConnectionState, cause?: OpcuaError): void {
    if (this.currentState === state && cause?.toString() === this.stateCause?.toString()) return;
    this.currentState = state;
    this.stateCause = cause;
    this.handlers.onStateChange?.(state, cause);
  }

  private async attempt(): Promise<OpcuaAttemptResult> {
    const generation = ++this.generation;
    try {
      const live = await this.connectAndSubscribe(generation);
      if (generation !== this.generation) {
        await live.opened.close();
        return { ok: false, error: new OpcuaError('HAZMON_OPCUA_CONNECT_FAILED', `connection to ${this.config.endpointUrl} was stopped or lost while it was being set up`) };
      }
      this.live = live;
      this.failures = 0;
      this.setState('connected');
      return { ok: true };
    } catch (cause) {
      const error = cause instanceof OpcuaError ? cause : new OpcuaError('HAZMON_OPCUA_CONNECT_FAILED', `${this.config.endpointUrl}: ${messageOf(cause)}`, { cause });
      if (generation === this.generation) this.fail(error);
      return { ok: false, error };
    }
  }

  /** The connection is gone or never came: every point bad now, then a retry after a backoff. */
  private fail(error: OpcuaError): void {
    if (this.currentState === 'stopped') return;
    this.generation++;
    this.emit(this.connectionRows(error.toString()));
    this.handlers.onError?.(error);
    this.setState('reconnecting', error);
    const { initialDelayMs, maxDelayMs } = this.config.reconnect;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.failures, 20));
    this.failures++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
  }

  private lose(generation: number, what: string): void {
    if (generation !== this.generation || this.currentState === 'stopped') return;
    const live = this.live;
    this.live = undefined;
    // fail() first: it moves to a new generation, so the events of closing the old session (session_closed, close)
    // are not taken for a second loss, which would be reported twice and double the back-off
    this.fail(new OpcuaError('HAZMON_OPCUA_CONNECT_FAILED', `connection to ${this.config.endpointUrl} lost: ${what}; reconnecting`));
    if (live !== undefined) void live.opened.close();
  }

  /** A server that stops answering without closing the socket still sends keep-alives; their absence is a loss. */
  private checkSilence(): void {
    const live = this.live;
    if (live === undefined) return;
    const silentMs = Date.now() - live.lastActivityMs;
    if (silentMs > live.silenceLimitMs) this.lose(this.generation, `no publish response or keep-alive for ${silentMs} ms`);
  }

  private connectionRows(message: string): ReadingRows {
    const receiveTime = Date.now();
    const reason: QualityReason = { code: 'connection', message };
    const rows = this.rows;
    rows.reset(receiveTime);
    for (const point of this.points) rows.addReading(point.route, { pointId: point.config.id, value: null, unit: point.unit, sourceTime: null, receiveTime, quality: 'bad', reason });
    return rows;
  }

  private async connectAndSubscribe(generation: number): Promise<LiveSession> {
    const opcua = await loadNodeOpcua();
    const opened = await openOpcuaSession(this.config, this.pki!.dir);
    try {
      opened.client.on('connection_lost', () => this.lose(generation, 'the server closed the connection'));
      opened.client.on('close', () => this.lose(generation, 'the secure channel closed'));
      opened.session.on('session_closed', () => this.lose(generation, 'the session was closed'));
      await this.resolveUnits(opened.session);
      const subscription = await opened.session.createSubscription2({
        requestedPublishingInterval: this.config.publishingIntervalMs,
        requestedMaxKeepAliveCount: KEEP_ALIVE_COUNT,
        requestedLifetimeCount: LIFETIME_COUNT,
        maxNotificationsPerPublish: 0,
        publishingEnabled: true,
        priority: 1,
      });
      const keepAliveMs = subscription.publishingInterval * subscription.maxKeepAliveCount;
      const live: LiveSession = {
        opcua,
        opened,
        subscription,
        pointByHandle: new Map(),
        dataTypeByNodeId: new Map(),
        silenceLimitMs: keepAliveMs * this.config.keepAliveMissesAllowed + this.config.requestTimeoutMs,
        restateAfterMs: keepAliveMs,
        stated: new StatedValues(this.points.length),
        lastActivityMs: Date.now(),
        early: [],
      };
      subscription.on('terminated', () => this.lose(generation, 'the subscription was terminated'));
      subscription.on('raw_notification', (message: NotificationMessage) => {
        if (generation === this.generation) this.deliver(live, message);
      });
      await this.monitorPoints(live);
      return live;
    } catch (cause) {
      await opened.close();
      if (cause instanceof OpcuaError) throw cause;
      throw new OpcuaError('HAZMON_OPCUA_SUBSCRIBE_FAILED', `cannot subscribe at ${this.config.endpointUrl}: ${messageOf(cause)}`, { cause });
    }
  }

  /** Points without a unit in the config take it from the node's EngineeringUnits property. */
  private async resolveUnits(session: ClientSession): Promise<void> {
    const unresolved = this.points.filter((point) => point.config.unit === undefined);
    const infos = await readEngineeringInfo(
      session,
      unresolved.map((point) => point.config.nodeId),
    );
    unresolved.forEach((point, index) => {
      const units = infos[index]?.engineeringUnits;
      if (units !== undefined) point.unit = hazmonUnit(units);
    });
  }

  /** One CreateMonitoredItems call per distinct (sampling, queue, deadband) combination; refused items are reported bad, early values delivered. */
  private async monitorPoints(live: LiveSession): Promise<void> {
    const groups = new Map<string, PointRuntime[]>();
    for (const point of this.points) {
      const { samplingIntervalMs, queueSize, deadband } = point.config;
      const key = `${samplingIntervalMs}|${queueSize}|${deadband?.type ?? 'none'}|${deadband?.value ?? 0}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [point]);
      else group.push(point);
    }
    const { AttributeIds, DataChangeFilter, DataChangeTrigger, DeadbandType, TimestampsToReturn } = live.opcua;
    // Collected apart from the rows: a notification may be delivered (and fill the rows) while monitorItems is awaited.
    const refused: [PointRuntime, Reading][] = [];
    for (const group of groups.values()) {
      const { samplingIntervalMs, queueSize, deadband } = group[0]!.config;
      const filter =
        deadband === undefined
          ? null
          : new DataChangeFilter({
              trigger: DataChangeTrigger.StatusValue,
              deadbandType: deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
              deadbandValue: deadband.value,
            });
      const items = group.map((point) => ({ nodeId: point.config.nodeId, attributeId: AttributeIds.Value }));
      const created = await live.subscription.monitorItems(items, { samplingInterval: samplingIntervalMs, queueSize, discardOldest: true, filter }, TimestampsToReturn.Both);
      created.monitoredItems.forEach((item, index) => {
        const point = group[index]!;
        if (item.statusCode.value >>> 30 === 0) live.pointByHandle.set(item.monitoringParameters.clientHandle, point);
        else refused.push([point, this.statusReading(point, item.statusCode, null, null, Date.now(), 'cannot be monitored: ')]);
      });
    }
    const rows = this.rows;
    rows.reset(Date.now());
    for (const [point, reading] of refused) rows.addReading(point.route, reading);
    const early = live.early ?? [];
    live.early = undefined;
    for (const { clientHandle, value, receiveTime } of early) {
      const point = live.pointByHandle.get(clientHandle);
      if (point !== undefined) rows.addReading(point.route, this.toReading(live, point, value, receiveTime));
    }
    if (rows.length > 0) this.emit(rows);
  }

  /**
   * Every publish response, keep-alives included, proves the subscription alive. It reports changes only, so a value
   * it has not repeated for restateAfterMs is restated as still holding: a steady value stays fresh, and a silent
   * subscription (no restatements, then the silence watchdog) still goes stale.
   */
  private deliver(live: LiveSession, message: NotificationMessage): void {
    const receiveTime = Date.now();
    live.lastActivityMs = receiveTime;
    const { DataChangeNotification } = live.opcua;
    const rows = this.rows;
    rows.reset(receiveTime);
    for (const notification of message.notificationData ?? []) {
      if (!(notification instanceof DataChangeNotification) || notification.monitoredItems === null) continue;
      for (const item of notification.monitoredItems) {
        const point = live.pointByHandle.get(item.clientHandle);
        if (point !== undefined) this.addRow(live, point, item.value, receiveTime);
        else live.early?.push({ clientHandle: item.clientHandle, value: item.value, receiveTime });
      }
    }
    const stated = live.stated;
    for (let i = 0; i < stated.count; i += 1) {
      const position = stated.order[i]!;
      if (receiveTime - stated.at[position]! < live.restateAfterMs) continue;
      const point = this.points[position]!;
      const reading = stated.readings[position];
      if (reading !== undefined) rows.addReading(point.route, stated.noteReading(position, { ...reading, receiveTime, restated: true }));
      else {
        const value = stated.value[position]!;
        const sourceTime = stated.sourceTime[position]!;
        rows.addValue(point.route, point.config.id, point.unit, value, sourceTime, true);
        stated.noteValue(position, receiveTime, value, sourceTime);
      }
    }
    if (rows.length > 0) this.emit(rows);
  }

  /**
   * A monitored item's value as a row: a good number (with a source time the store takes, or none) as a plain row,
   * anything else as its Reading. A monitored item's first value in a session is its current value, whenever it last
   * changed (after a reconnect often before the loss): restated, so it counts as of now and restores the point.
   */
  private addRow(live: LiveSession, point: PointRuntime, dataValue: DataValue, receiveTime: number): void {
    const value = scalarOf(dataValue.value);
    const stamp = dataValue.sourceTimestamp;
    const sourceTime = stamp === null ? Number.NaN : stamp.getTime();
    const plain = typeof value === 'number' && Number.isFinite(value) && dataValue.statusCode.value >>> 30 === 0 && point.config.type !== 'bool';
    if (plain && (stamp === null || (Number.isSafeInteger(sourceTime) && sourceTime >= 0))) {
      const stated = live.stated;
      this.rows.addValue(point.route, point.config.id, point.unit, value, sourceTime, !stated.has(point.position));
      stated.noteValue(point.position, receiveTime, value, sourceTime);
    } else this.rows.addReading(point.route, this.toReading(live, point, dataValue, receiveTime));
  }

  /** addRow's value as a Reading (the first in a session restated), kept as the point's last statement. */
  private toReading(live: LiveSession, point: PointRuntime, dataValue: DataValue, receiveTime: number): Reading {
    const reading = this.readingOf(live, point, dataValue, receiveTime);
    return live.stated.noteReading(point.position, live.stated.has(point.position) ? reading : { ...reading, restated: true });
  }

  private readingOf(live: LiveSession, point: PointRuntime, dataValue: DataValue, receiveTime: number): Reading {
    const value = scalarOf(dataValue.value);
    const sourceTime = dataValue.sourceTimestamp === null ? null : dataValue.sourceTimestamp.getTime();
    const status = dataValue.statusCode;
    if (point.config.type === 'bool' && value !== undefined && typeof value !== 'boolean') {
      const reason: QualityReason = {
        code: 'decode',
        message: `${this.config.endpointUrl} node ${point.config.nodeId} sent ${live.opcua.DataType[dataValue.value.dataType]} ${value} but point ${point.config.id} is declared type: bool`,
      };
      return { pointId: point.config.id, value: null, unit: point.unit, sourceTime, receiveTime, quality: 'bad', reason };
    }
    if (status.value >>> 30 === 0) {
      if (value !== undefined) return { pointId: point.config.id, value, unit: point.unit, sourceTime, receiveTime, quality: 'good' };
      const reason: QualityReason = {
        code: 'decode',
        message: `${this.config.endpointUrl} node ${point.config.nodeId} sent ${live.opcua.DataType[dataValue.value.dataType]} that is not a scalar number or boolean`,
      };
      return { pointId: point.config.id, value: null, unit: point.unit, sourceTime, receiveTime, quality: 'bad', reason };
    }
    return this.statusReading(point, status, value ?? null, sourceTime, receiveTime, '');
  }

  private statusReading(point: PointRuntime, status: StatusCode, value: number | boolean | null, sourceTime: number | null, receiveTime: number, context: string): Reading {
    if (point.lastReason === undefined || point.lastStatusValue !== status.value) {
      point.lastStatusValue = status.value;
      point.lastReason = { code: 'opcua_status', message: `${this.config.endpointUrl} node ${point.config.nodeId} ${context}status ${describeStatus(status)}` };
    }
    return { pointId: point.config.id, value, unit: point.unit, sourceTime, receiveTime, quality: qualityOfStatus(status), reason: point.lastReason };
  }
}

/** Validates the config (errors name `where` and the field) and builds a connection; call start() to connect. */
export function createOpcuaConnection(input: unknown, handlers: OpcuaConnectionHandlers, where?: string): OpcuaConnection {
  return new OpcuaConnection(parseOpcuaConnection(input, where), handlers);
}
