/**
 * The uplink's one job: send what the agent's store holds to the hub's JetStream stream, in order, by cursor, and
 * move the cursor only past what the stream acknowledged. Reads through the AgentApi alone.
 */
import { deviceStates, siteGrades, type AgentApi, type AggregateRow, type AlarmEventRow, type AuditRow, type RunningServer } from '@hazmon/agent';
import { jetstream, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import {
  AGGREGATE_ROWS_PER_MESSAGE,
  DEVICES_PERIOD_DAYS,
  MAX_DEVICE_FAULTS,
  SITE_POINTS_PER_MESSAGE,
  UPLINK_VERSION,
  uplinkMessageId,
  uplinkSubject,
  type AggregatesMessage,
  type AuditMessage,
  type DeviceEntry,
  type EventMessage,
  type HealthMessage,
  type SiteMessage,
  type UplinkKind,
} from './contract.ts';
import { UplinkError } from './errors.ts';
import { outageText } from './outage-text.ts';
import { PositionFile, type UplinkPosition } from './position.ts';

/** Alarm events (and audit rows) per page: each is its own message, published together and acknowledged each. */
const EVENTS_PAGE = 500;
/** Closed minutes per page. */
const MINUTES_PAGE = 5;
/** How long a publish waits for the stream's acknowledgement before it counts as failed (and is sent again). */
const ACK_TIMEOUT_MS = 5000;
/** Nothing to send: look again after this (closed minutes come every minute; a new alarm event wakes the loop at once). */
const IDLE_MS = 2000;
/** Waits after a failure, doubling up to the last. */
const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000] as const;
const DAY_MS = 86_400_000;

export interface UplinkOptions {
  readonly connection: NodeConnectionOptions;
  readonly gateway: string;
  /** `<store>.uplink.json` by default. */
  readonly positionPath: string;
  readonly healthIntervalMs: number;
}

/** A sleep that `wake()` ends early. */
class Idle {
  private wakeUp: (() => void) | null = null;
  private pending = false;

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}

/** Settled publishes in order: how many succeeded before the first failure, and that failure. */
function leadingAcks<T>(results: readonly PromiseSettledResult<T>[]): { readonly acked: number; readonly failure: unknown } {
  const failed = results.findIndex((result) => result.status === 'rejected');
  return failed === -1 ? { acked: results.length, failure: null } : { acked: failed, failure: (results[failed] as PromiseRejectedResult).reason };
}

export class Uplink implements RunningServer {
  readonly address: string;
  private readonly position: PositionFile;
  private readonly idle = new Idle();
  private connection: NatsConnection | null = null;
  /**
   * False from the connection's disconnect to its reconnect: nothing is published meanwhile, since the client would
   * buffer every publish in memory for as long as the cut lasts (the store holds it all already).
   */
  private linkUp = false;
  private stopped = false;
  private readonly loop: Promise<void>;
  private readonly unsubscribe: () => void;
  private readonly healthTimer: NodeJS.Timeout;
  private siteSentFor: string | null = null;
  /** The failure of the outage under way (logged once), null while the link works. */
  private outage: string | null = null;

  constructor(
    private readonly api: AgentApi,
    private readonly options: UplinkOptions,
    private readonly log: (line: string) => void,
  ) {
    this.position = PositionFile.open(options.positionPath);
    this.address = `${[options.connection.servers ?? []].flat().join(',')} as ${options.gateway}`;
    this.unsubscribe = api.subscribeDurable(() => this.idle.wake());
    this.healthTimer = setInterval(() => void this.sendHealth(), options.healthIntervalMs);
    this.healthTimer.unref();
    this.loop = this.run();
  }

  /** The position the hub has acknowledged, as kept on disk. */
  get acknowledged(): UplinkPosition {
    return this.position.position;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.healthTimer);
    this.unsubscribe();
    this.idle.wake();
    // Closing first ends a publish waiting for its acknowledgement (a cut link) at once: it was not acknowledged, so
    // the position stays before it and the next start sends it again.
    await this.connection?.close();
    await this.loop;
    // A connection the loop was opening meanwhile.
    await this.connection?.close();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const js = await this.jetstream();
        // Alarm events first: nothing else may hold them back. One page of each kind per round, so none starves another.
        const sent = (await this.sendEvents(js)) + (await this.sendAudit(js)) + (await this.sendAggregates(js)) + (await this.sendSite(js));
        if (this.outage !== null) this.log(`uplink: sending to the hub again (after: ${this.outage})`);
        this.outage = null;
        failures = 0;
        if (sent === 0) await this.idle.wait(IDLE_MS);
      } catch (error) {
        if (this.stopped) break;
        const why = outageText(error);
        if (this.outage === null)
          this.log(
            `uplink: cannot send to the hub (${why}); the store keeps everything after event seq ${this.position.position.eventsSeq}, audit seq ${this.position.position.auditSeq} and minute ${minuteText(this.position.position.aggregatesMinute)} until it can`,
          );
        this.outage = why;
        await this.idle.wait(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!);
        failures += 1;
      }
    }
  }

  private async jetstream(): Promise<JetStreamClient> {
    if (this.connection === null || this.connection.isClosed()) {
      const connection = await connect(this.options.connection);
      this.connection = connection;
      if (this.stopped) throw new UplinkError('HAZMON_UPLINK_LINK_DOWN', 'closing');
      this.linkUp = true;
      void this.followStatus(connection);
    }
    if (!this.linkUp) throw new UplinkError('HAZMON_UPLINK_LINK_DOWN', 'the connection to the hub dropped; reconnecting');
    return jetstream(this.connection);
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this.linkUp = false;
      if (status.type === 'reconnect') {
        this.linkUp = true;
        this.idle.wake();
      }
    }
  }

  private publish(js: JetStreamClient, kind: UplinkKind, key: string | number, body: unknown): Promise<PubAck> {
    return js.publish(uplinkSubject(this.options.gateway, kind), JSON.stringify(body), { msgID: uplinkMessageId(this.options.gateway, kind, key), timeout: ACK_TIMEOUT_MS });
  }

  /** One page of alarm events after the acknowledged seq; returns how many the stream acknowledged. */
  private async sendEvents(js: JetStreamClient): Promise<number> {
    const rows = await this.api.reader.alarmEventsAfter(this.position.position.eventsSeq, EVENTS_PAGE);
    return this.sendBySeq(
      js,
      'events',
      rows,
      (row) => this.eventMessage(row),
      (eventsSeq) => ({ ...this.position.position, eventsSeq }),
    );
  }

  /** One page of audit rows after the acknowledged seq, with their hash chain; returns how many the stream acknowledged. */
  private async sendAudit(js: JetStreamClient): Promise<number> {
    const rows = await this.api.reader.auditRows({ afterSeq: this.position.position.auditSeq, limit: EVENTS_PAGE });
    return this.sendBySeq(
      js,
      'audit',
      rows,
      (row) => this.auditMessage(row),
      (auditSeq) => ({ ...this.position.position, auditSeq }),
    );
  }

  /** Publishes a page of rows keyed by their seq and moves the position past the leading acknowledged ones. */
  private async sendBySeq<Row extends { readonly seq: number }>(
    js: JetStreamClient,
    kind: 'events' | 'audit',
    rows: readonly Row[],
    toMessage: (row: Row) => EventMessage | AuditMessage,
    positionAfter: (seq: number) => UplinkPosition,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const results = await Promise.allSettled(rows.map((row) => this.publish(js, kind, row.seq, toMessage(row))));
    const { acked, failure } = leadingAcks(results);
    if (acked > 0) this.position.save(positionAfter(rows[acked - 1]!.seq));
    if (failure !== null) throw failure;
    return acked;
  }

  /** One page of closed minutes after the acknowledged one, each in parts; returns how many messages were acknowledged. */
  private async sendAggregates(js: JetStreamClient): Promise<number> {
    const rows = await this.api.reader.minuteRollupsAfter(this.position.position.aggregatesMinute, MINUTES_PAGE);
    if (rows.length === 0) return 0;
    const minutes = new Map<number, AggregateRow[]>();
    for (const row of rows) minutes.set(row.start, [...(minutes.get(row.start) ?? []), row]);
    const sends = [...minutes].map(([minute, minuteRows]) => {
      const messages = this.aggregatesMessages(minute, minuteRows);
      return Promise.all(messages.map((message) => this.publish(js, 'aggregates', `${minute}.${message.part}`, message))).then(() => messages.length);
    });
    const results = await Promise.allSettled(sends);
    const { acked, failure } = leadingAcks(results);
    if (acked > 0) this.position.save({ ...this.position.position, aggregatesMinute: [...minutes.keys()][acked - 1]! });
    if (failure !== null) throw failure;
    return results.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0);
  }

  /** The site and its points, once per running config (a reload that changes it sends it again). */
  private async sendSite(js: JetStreamClient): Promise<number> {
    const { config } = this.api;
    if (this.siteSentFor === config.hash) return 0;
    const points = (await this.api.reader.pointDefinitions()).map((point) => ({ ...point }));
    const parts = Math.max(1, Math.ceil(points.length / SITE_POINTS_PER_MESSAGE));
    const site = { id: config.site.id, name: config.site.name, timeZone: config.site.timeZone, enterprise: config.site.enterprise ?? null };
    const time = Date.now();
    const messages = Array.from(
      { length: parts },
      (_, part): SiteMessage => ({
        v: UPLINK_VERSION,
        gateway: this.options.gateway,
        time,
        configHash: config.hash,
        part,
        parts,
        site,
        points: points.slice(part * SITE_POINTS_PER_MESSAGE, (part + 1) * SITE_POINTS_PER_MESSAGE),
      }),
    );
    await Promise.all(messages.map((message) => this.publish(js, 'site', `${config.hash}.${message.part}`, message)));
    this.siteSentFor = config.hash;
    return parts;
  }

  /** Latest wins: a health message lost in a cut is replaced by the next, never sent again. */
  private async sendHealth(): Promise<void> {
    if (this.connection === null || !this.linkUp || this.outage !== null) return;
    const { healthy, alive, reasons } = this.api.health();
    const { engine, runtime } = this.api.alarms();
    const activeAlarms: Record<string, number> = {};
    for (const alarm of [...engine, ...runtime]) activeAlarms[alarm.priority] = (activeAlarms[alarm.priority] ?? 0) + 1;
    const { warning, majorHazard } = siteGrades(this.api);
    const grades = { warning: warning.site, areas: Object.fromEntries(warning.areas), majorHazard };
    const time = Date.now();
    const devices = await this.devices(time);
    const message: HealthMessage = { v: UPLINK_VERSION, gateway: this.options.gateway, time, healthy, alive, reasons: [...reasons], activeAlarms, grades, ...(devices === null ? {} : { devices }) };
    try {
      await this.publish(jetstream(this.connection), 'health', time, message);
    } catch {
      // The outbox loop reports the outage; health is sent again at the next tick.
    }
  }

  /** What the gateway's /api/v1/devices says now; null when the store cannot be read (the hub then shows the devices unknown, not fine). */
  private async devices(time: number): Promise<DeviceEntry[] | null> {
    try {
      const states = await deviceStates(this.api, time - DEVICES_PERIOD_DAYS * DAY_MS, time, time);
      return states.map((device) => ({ ...device, faults: device.faults.slice(0, MAX_DEVICE_FAULTS), faultCount: device.faults.length }));
    } catch {
      return null;
    }
  }

  private eventMessage(row: AlarmEventRow): EventMessage {
    return {
      v: UPLINK_VERSION,
      gateway: this.options.gateway,
      seq: row.seq,
      time: row.time,
      writtenAt: row.writtenAt,
      pointId: row.pointId,
      ruleId: row.ruleId,
      kind: row.kind,
      stateAfter: row.stateAfter,
      priority: row.priority ?? null,
      who: row.who ?? null,
      why: row.why ?? null,
      details: row.details ? { ...row.details } : null,
    };
  }

  /**
   * The row as the chain hashed it: the store keeps details as canonical JSON text and the reader parses it, so
   * JSON.stringify gives that text back (same key order, same number forms).
   */
  private auditMessage(row: AuditRow): AuditMessage {
    const { seq, time, who, action, target, prevHash, hash } = row;
    return { v: UPLINK_VERSION, gateway: this.options.gateway, seq, time, who, action, target, details: row.details === null ? null : JSON.stringify(row.details), prevHash, hash };
  }

  private aggregatesMessages(minute: number, rows: readonly AggregateRow[]): AggregatesMessage[] {
    const parts = Math.ceil(rows.length / AGGREGATE_ROWS_PER_MESSAGE);
    return Array.from({ length: parts }, (_, part) => ({
      v: UPLINK_VERSION,
      gateway: this.options.gateway,
      minute,
      part,
      parts,
      rows: rows
        .slice(part * AGGREGATE_ROWS_PER_MESSAGE, (part + 1) * AGGREGATE_ROWS_PER_MESSAGE)
        .map(({ pointId, min, avg, max, count, goodCount, completeness }) => ({ pointId, min, avg, max, count, goodCount, completeness })),
    }));
  }
}

function minuteText(minute: number): string {
  return minute < 0 ? '(none yet)' : new Date(minute).toISOString();
}
