/**
 * The hub's ingest: one durable JetStream consumer on the uplink stream, fetched in batches; each batch's alarm
 * events, audit rows, health and sites go to PostgreSQL in one transaction and its aggregates to VictoriaMetrics, and only then
 * is each message acknowledged. A failure acknowledges nothing: the same batch is written again until it goes through
 * (or, after a crash, delivered again), which changes nothing (unique by gateway and seq; one sample per series and
 * minute). At most one batch is out at a time (max_ack_pending = the batch size), so events commit in stream order.
 */
import { messageOf } from '@hazmon/errors';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import {
  ALL_UPLINK_SUBJECTS,
  UPLINK_SCHEMAS,
  gatewayOfUplinkSubject,
  parseUplinkSubject,
  type AggregatesMessage,
  type AuditMessage,
  type HealthMessage,
  type SiteMessage,
} from '@hazmon/uplink/contract';
import { HubDatabase, type Rejection, type StreamAudit, type StreamEvent } from './postgres.ts';
import { writeAggregates } from './victoria.ts';

export interface HubIngestOptions {
  /** The hub's NATS servers and the hub's own credentials. */
  readonly nats: NodeConnectionOptions;
  /** postgres://user@host:port/db */
  readonly postgresUrl: string;
  /** http://host:8428 */
  readonly victoriaMetricsUrl: string;
  /** The stream's replicas: 3 on a 3-node cluster, 1 on a single server. */
  readonly replicas?: number;
  readonly log?: (line: string) => void;
}

export const HUB_STREAM = 'HAZMON_UPLINK';
export const HUB_CONSUMER = 'hub-ingest';
/** Messages per batch: 1000 events are one PostgreSQL statement (93-104k rows/s measured), 500 aggregate parts ~0.5 M samples. */
const BATCH = 500;
/**
 * What a batch's messages may weigh together, about: the next fetch asks for as many messages as fit at the last
 * batch's mean size. 500 aggregate parts of 440 points are ~24 MB of JSON, held at once with their parsed rows and
 * Influx lines (the hub's RSS passed 500 MiB in bench/hub.bench.ts at national scale); 8 MB still makes each
 * VictoriaMetrics request tens of thousands of lines. A count, not the fetch's max_bytes: a message larger than
 * max_bytes would stall the consumer.
 */
const BATCH_BYTES = 8 * 1024 * 1024;

/** How many messages to fetch after a batch whose messages weighed `meanBytes` each: 1..BATCH. */
export function batchSizeAfter(meanBytes: number): number {
  return Math.max(1, Math.min(BATCH, Math.floor(BATCH_BYTES / meanBytes)));
}
/** A message not acknowledged within this is delivered again. */
const ACK_WAIT_MS = 60_000;
/**
 * The stream drops a message id seen within this window: a gateway that restarts resends at most the page its crash
 * left unrecorded, normally within seconds; the tables catch what comes later (unique by gateway and seq).
 */
const DUPLICATE_WINDOW_MS = 60 * 60_000;
/** Kept in the stream this long after the ingest took it: a hub database restored from backup can be refilled. */
const STREAM_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
const BACKOFF_MS = [500, 1000, 2000, 5000] as const;

export interface HubIngestStats {
  readonly batches: number;
  readonly events: number;
  readonly auditRows: number;
  readonly aggregateMessages: number;
  readonly rejected: number;
  readonly failures: number;
  readonly lastError: string | null;
}

/** What one batch holds, sorted by where it goes. */
interface Batch {
  readonly events: StreamEvent[];
  readonly audit: StreamAudit[];
  readonly aggregates: AggregatesMessage[];
  readonly health: HealthMessage[];
  readonly sites: SiteMessage[];
  readonly rejections: Rejection[];
}

/** Sorts a message into the batch, or into its rejections when its subject or payload breaks the contract. */
function sortInto(batch: Batch, message: JsMsg): void {
  const reject = (reason: string): void => void batch.rejections.push({ streamSeq: message.seq, gateway: gatewayOfUplinkSubject(message.subject), subject: message.subject, reason });
  const target = parseUplinkSubject(message.subject);
  if (target === null) return reject('subject outside the uplink contract');
  let data: unknown;
  try {
    data = message.json();
  } catch (error) {
    return reject(`not JSON: ${messageOf(error)}`);
  }
  const parsed = UPLINK_SCHEMAS[target.kind].safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return reject(`${target.kind} payload: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  // A gateway's credentials allow only its own subjects; the payload must name the same gateway.
  if (parsed.data.gateway !== target.gateway) return reject(`payload of gateway ${parsed.data.gateway} on ${target.gateway}'s subject`);
  switch (target.kind) {
    case 'events':
      batch.events.push({ streamSeq: message.seq, event: parsed.data as StreamEvent['event'] });
      break;
    case 'aggregates':
      batch.aggregates.push(parsed.data as AggregatesMessage);
      break;
    case 'health':
      batch.health.push(parsed.data as HealthMessage);
      break;
    case 'site':
      batch.sites.push(parsed.data as SiteMessage);
      break;
    case 'audit':
      batch.audit.push({ streamSeq: message.seq, row: parsed.data as AuditMessage });
      break;
  }
}

export class HubIngest {
  private stopped = false;
  private readonly loop: Promise<void>;
  private stats: HubIngestStats = { batches: 0, events: 0, auditRows: 0, aggregateMessages: 0, rejected: 0, failures: 0, lastError: null };
  /** Messages the next fetch asks for: BATCH, or fewer after a batch of large messages (BATCH_BYTES). */
  private batchSize = BATCH;

  private constructor(
    private readonly options: HubIngestOptions,
    private readonly connection: NatsConnection,
    private readonly consumer: Consumer,
    private database: HubDatabase | null,
  ) {
    this.loop = this.run();
  }

  /** Connects to NATS, makes the stream and the durable consumer when missing, and starts consuming. */
  static async start(options: HubIngestOptions): Promise<HubIngest> {
    const connection = await connect({ maxReconnectAttempts: -1, reconnectTimeWait: 1000, name: 'hazmon-hub-ingest', ...options.nats });
    try {
      const manager = await jetstreamManager(connection);
      const streams = await manager.streams.names().next();
      if (!streams.includes(HUB_STREAM)) {
        await manager.streams.add({
          name: HUB_STREAM,
          subjects: [ALL_UPLINK_SUBJECTS],
          storage: StorageType.File,
          num_replicas: options.replicas ?? 1,
          duplicate_window: nanos(DUPLICATE_WINDOW_MS),
          max_age: nanos(STREAM_MAX_AGE_MS),
        });
      }
      const consumers = await manager.consumers.list(HUB_STREAM).next();
      if (!consumers.some((info) => info.name === HUB_CONSUMER)) {
        await manager.consumers.add(HUB_STREAM, {
          durable_name: HUB_CONSUMER,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(ACK_WAIT_MS),
          max_ack_pending: BATCH * 4,
        });
      }
      const consumer = await jetstream(connection).consumers.get(HUB_STREAM, HUB_CONSUMER);
      const database = await HubDatabase.open(options.postgresUrl).catch(() => null);
      return new HubIngest(options, connection, consumer, database);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  get status(): HubIngestStats {
    return this.stats;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.database?.close().catch(() => undefined);
    await this.connection.close();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const messages = await this.fetch();
      if (messages.length === 0) continue;
      if (await this.writeUntilDone(messages)) for (const message of messages) message.ack();
    }
  }

  /**
   * Writes the batch, again and again with back-off while a store is down, telling the stream it is being worked on;
   * never takes the next batch meanwhile, so ids commit in stream order. False when stopped before it was written (the
   * messages are delivered again to the next ingest after the ack wait).
   */
  private async writeUntilDone(messages: readonly JsMsg[]): Promise<boolean> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        await this.write(messages);
        if (failures > 0) this.log(`hub ingest: batch written after ${failures} failed attempt(s)`);
        return true;
      } catch (error) {
        const why = messageOf(error);
        this.stats = { ...this.stats, failures: this.stats.failures + 1, lastError: why };
        if (failures === 0) this.log(`hub ingest: cannot write a batch of ${messages.length} (${why}); retrying`);
        await this.database?.close().catch(() => undefined);
        this.database = null;
        for (const message of messages) message.working();
        await this.pause(failures);
      }
    }
    return false;
  }

  private pause(failures: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]));
  }

  /** The next batch; none while NATS cannot be reached (the client reconnects meanwhile). */
  private async fetch(): Promise<JsMsg[]> {
    const messages: JsMsg[] = [];
    try {
      const batch = await this.consumer.fetch({ max_messages: this.batchSize, expires: 1000 });
      for await (const message of batch) messages.push(message);
      if (messages.length > 0) {
        this.batchSize = batchSizeAfter(messages.reduce((sum, message) => sum + message.data.length, 0) / messages.length);
      }
    } catch (error) {
      const why = messageOf(error);
      if (this.stats.lastError !== why) this.log(`hub ingest: cannot fetch from the stream (${why}); retrying`);
      this.stats = { ...this.stats, lastError: why };
      await this.pause(BACKOFF_MS.length - 1);
    }
    return messages;
  }

  /** PostgreSQL first (one transaction), then VictoriaMetrics: either failing fails the batch. */
  private async write(messages: readonly JsMsg[]): Promise<void> {
    const batch: Batch = { events: [], audit: [], aggregates: [], health: [], sites: [], rejections: [] };
    for (const message of messages) sortInto(batch, message);
    for (const rejection of batch.rejections) this.log(`hub ingest: refused stream message ${rejection.streamSeq} on ${rejection.subject}: ${rejection.reason}`);
    this.database ??= await HubDatabase.open(this.options.postgresUrl);
    await this.database.write(batch, Date.now());
    await writeAggregates(this.options.victoriaMetricsUrl, batch.aggregates);
    this.stats = {
      ...this.stats,
      batches: this.stats.batches + 1,
      events: this.stats.events + batch.events.length,
      auditRows: this.stats.auditRows + batch.audit.length,
      aggregateMessages: this.stats.aggregateMessages + batch.aggregates.length,
      rejected: this.stats.rejected + batch.rejections.length,
    };
  }
}
