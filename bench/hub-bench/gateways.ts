/**
 * Simulated gateways for the hub bench: each its own NATS connection as its own NATS user (allowed only its subjects,
 * as in production), publishing the uplink contract's messages to JetStream with their message ids, as `uplink/`
 * does: its site at start, alarm events, a closed minute's aggregates a few seconds after each minute, health every 30 s.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AGGREGATE_ROWS_PER_MESSAGE,
  gatewayInboxPrefix,
  SITE_POINTS_PER_MESSAGE,
  UPLINK_VERSION,
  uplinkMessageId,
  uplinkSubject,
  type AggregatesMessage,
  type EventMessage,
  type HealthMessage,
  type SiteMessage,
  type UplinkKind,
} from '@hazmon/uplink/contract';
import { gatewayUserName, type GatewayUser } from '../../tests/hub/servers.ts';

const HEALTH_INTERVAL_MS = 30_000;
/** A gateway's rollup closes the minute, and its uplink (looking every 2 s) sends it, within this after the minute. */
const SEND_JITTER_MS = 5_000;
/** Connections opened at once: nats-server and this process take a thousand logins in a burst badly. */
const CONNECT_AT_ONCE = 50;

export interface PublishCounts {
  messages: number;
  failures: number;
  lastFailure: string | null;
}

export class SimulatedGateway {
  private seq = 0;
  private constructor(
    readonly code: string,
    readonly points: readonly string[],
    private readonly connection: NatsConnection,
    private readonly client: JetStreamClient,
    private readonly counts: PublishCounts,
  ) {}

  static async connectAll(url: string, users: readonly GatewayUser[], pointsEach: number, counts: PublishCounts): Promise<SimulatedGateway[]> {
    const points = Array.from({ length: pointsEach }, (_, index) => `GD-${String(index + 1).padStart(4, '0')}.concentration`);
    const gateways: SimulatedGateway[] = [];
    for (let start = 0; start < users.length; start += CONNECT_AT_ONCE) {
      const connected = await Promise.all(
        users.slice(start, start + CONNECT_AT_ONCE).map(async ({ gateway, password }) => {
          const connection = await connect({ servers: url, user: gatewayUserName(gateway), pass: password, name: `bench-${gateway}`, inboxPrefix: gatewayInboxPrefix(gateway) });
          return new SimulatedGateway(gateway, points, connection, jetstream(connection), counts);
        }),
      );
      gateways.push(...connected);
    }
    return gateways;
  }

  private async publish(kind: UplinkKind, key: string | number, body: unknown): Promise<void> {
    try {
      await this.client.publish(uplinkSubject(this.code, kind), JSON.stringify(body), { msgID: uplinkMessageId(this.code, kind, key), timeout: 30_000 });
      this.counts.messages++;
    } catch (error) {
      this.counts.failures++;
      this.counts.lastFailure = String(error);
    }
  }

  /** The site and its points' regulatory metadata in parts of at most 500 points, as the uplink sends at start. */
  async publishSite(time: number): Promise<void> {
    const metadata = this.points.map((pointId, index) => ({
      pointId,
      indicatorCode: `${this.code}-${index}`,
      unit: '%LEL',
      rangeLow: 0,
      rangeHigh: 100,
      thresholds: { high: 20, highHigh: 40 },
      longitude: 116.4,
      latitude: 39.9,
      disable: null,
    }));
    const parts = Math.ceil(metadata.length / SITE_POINTS_PER_MESSAGE);
    for (let part = 0; part < parts; part++) {
      const message: SiteMessage = {
        v: UPLINK_VERSION,
        gateway: this.code,
        time,
        configHash: 'bench',
        part,
        parts,
        site: { id: this.code, name: `Site ${this.code}`, timeZone: 'Asia/Shanghai', enterprise: { code: '1101100012NR', name: 'Bench Enterprise' } },
        points: metadata.slice(part * SITE_POINTS_PER_MESSAGE, (part + 1) * SITE_POINTS_PER_MESSAGE),
      };
      await this.publish('site', `bench.${part}`, message);
    }
  }

  /** One alarm life-cycle row, the next seq. */
  publishEvent(time: number): Promise<void> {
    this.seq++;
    const message: EventMessage = {
      v: UPLINK_VERSION,
      gateway: this.code,
      seq: this.seq,
      time,
      writtenAt: time + 3,
      pointId: this.points[this.seq % this.points.length]!,
      ruleId: 'high',
      kind: this.seq % 2 === 1 ? 'raised' : 'cleared',
      stateAfter: this.seq % 2 === 1 ? 'active-unacked' : 'cleared-unacked',
      priority: 'high',
      who: null,
      why: null,
      details: { value: 23.4, limit: 20 },
    };
    return this.publish('events', this.seq, message);
  }

  /** A closed minute's aggregates of every point, in parts of at most 1000 points. */
  async publishMinute(minute: number): Promise<void> {
    const parts = Math.ceil(this.points.length / AGGREGATE_ROWS_PER_MESSAGE);
    for (let part = 0; part < parts; part++) {
      const rows = this.points.slice(part * AGGREGATE_ROWS_PER_MESSAGE, (part + 1) * AGGREGATE_ROWS_PER_MESSAGE).map((pointId) => {
        const avg = Math.round(Math.random() * 2000) / 100;
        return { pointId, min: avg - 0.5, avg, max: avg + 0.5, count: 60, goodCount: 60, completeness: 1 };
      });
      const message: AggregatesMessage = { v: UPLINK_VERSION, gateway: this.code, minute, part, parts, rows };
      await this.publish('aggregates', `${minute}.${part}`, message);
    }
  }

  publishHealth(time: number): Promise<void> {
    const message: HealthMessage = { v: UPLINK_VERSION, gateway: this.code, time, healthy: true, alive: true, reasons: [], activeAlarms: { low: 1 } };
    return this.publish('health', time, message);
  }

  /**
   * Runs as a gateway does until the returned stop: each minute's aggregates a jittered few seconds after the minute,
   * health every 30 s from a random phase. Resolves stop() once what was sent is acknowledged.
   */
  live(): { stop(): Promise<void> } {
    const pending = new Set<Promise<void>>();
    const track = (work: Promise<void>) => {
      pending.add(work);
      void work.finally(() => pending.delete(work));
    };
    let stopped = false;
    let minuteTimer: NodeJS.Timeout;
    const scheduleMinute = () => {
      const next = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
      minuteTimer = setTimeout(
        () => {
          if (stopped) return;
          track(this.publishMinute(next - 60_000));
          scheduleMinute();
        },
        next - Date.now() + Math.random() * SEND_JITTER_MS,
      );
    };
    scheduleMinute();
    let healthTimer: NodeJS.Timeout | undefined;
    const healthStart = setTimeout(() => {
      track(this.publishHealth(Date.now()));
      healthTimer = setInterval(() => track(this.publishHealth(Date.now())), HEALTH_INTERVAL_MS);
    }, Math.random() * HEALTH_INTERVAL_MS);
    return {
      stop: async () => {
        stopped = true;
        clearTimeout(minuteTimer);
        clearTimeout(healthStart);
        clearInterval(healthTimer);
        await Promise.all(pending);
      },
    };
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
