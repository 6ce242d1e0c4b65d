/**
 * What the regulator API reads from the hub's PostgreSQL tables (written by the ingest alone): sites with their last
 * health, alarm events and audit rows by the hub's id. Reads only, on a pool of its own.
 */
import { type HealthMessage, parseUplinkSubject, type UplinkKind } from '@hazmon/uplink/contract';
import pg from 'pg';
import type { AuditChainProblem } from '../audit-chain.ts';
import type { LinkConnection } from './link-health.ts';
import { createTokenTable, tokenName } from './tokens.ts';

/** Which gateways a regulator asks about: each filter exact, `region` a prefix of the enterprise's administrative code. */
export interface SiteFilter {
  readonly gateway?: string | undefined;
  readonly enterprise?: string | undefined;
  readonly region?: string | undefined;
}

export interface SiteRow {
  readonly gateway: string;
  readonly site: { readonly id: string; readonly name: string; readonly timeZone: string; readonly enterprise: { readonly code: string; readonly name: string } | null } | null;
  readonly configHash: string | null;
  readonly points: number;
  /** The centroid of its points' coordinates (the site message has none); null when no point has both. */
  readonly location: { readonly longitude: number; readonly latitude: number; readonly points: number } | null;
  readonly health: {
    readonly time: number;
    readonly receivedAt: number;
    readonly healthy: boolean;
    readonly alive: boolean;
    readonly reasons: string[];
    readonly activeAlarms: Record<string, number>;
    /** The gateway's own grades; null from a gateway that does not send them. */
    readonly grades: NonNullable<HealthMessage['grades']> | null;
  } | null;
  /** The latest of the hub's receipt times of the gateway's health, site and event messages. */
  readonly lastMessageAt: number | null;
  /** Its audit chain as the hub checked it (hub/src/audit-chain.ts); null before any audit row. */
  readonly auditChain: {
    /** The last seq of the unbroken run from seq 1. */
    readonly verifiedThrough: number;
    /** The highest seq the hub has; above verifiedThrough without a problem: rows after a missing one wait for it. */
    readonly received: number;
    readonly problem: { readonly seq: number; readonly problem: AuditChainProblem; readonly message: string } | null;
  } | null;
}

/** A gateway's devices as its latest health message carried them. */
export interface GatewayDevicesRow {
  readonly gateway: string;
  readonly time: number;
  readonly receivedAt: number;
  /** Null when that message carried none (a gateway from before the field, or one that could not read its store). */
  readonly devices: NonNullable<HealthMessage['devices']> | null;
}

export interface HubEventRow {
  readonly id: number;
  readonly gateway: string;
  readonly seq: number;
  readonly time: number;
  readonly writtenAt: number;
  readonly receivedAt: number;
  readonly pointId: string | null;
  readonly ruleId: string;
  readonly kind: string;
  readonly stateAfter: string;
  readonly priority: string | null;
  readonly who: string | null;
  readonly why: string | null;
  readonly details: Record<string, unknown> | null;
}

/** A gateway's audit row at the hub: `details` the exact text its hash covers. */
export interface HubAuditRow {
  readonly id: number;
  readonly gateway: string;
  readonly seq: number;
  readonly time: number;
  readonly receivedAt: number;
  readonly who: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

/** Which audit rows: the sites' filters, and `action` and `who` exactly. */
export interface AuditFilter extends SiteFilter {
  readonly action?: string | undefined;
  readonly who?: string | undefined;
}

export interface GatewayPoint {
  readonly gateway: string;
  readonly pointId: string;
  readonly pollIntervalMs: number | null;
  readonly disabled: boolean;
}

/** A point's row as the ingest keeps it: the metadata as the gateway's site message carried it (StorePointDefinition). */
export interface PointMetadataRow {
  readonly gateway: string;
  readonly pointId: string;
  readonly configHash: string;
  readonly configTime: number;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export const REFUSAL_KINDS = ['authentication', 'publish_permission'] as const;

/** What NATS refused, as the link monitor recorded it. */
export interface RefusalRow {
  readonly id: number;
  readonly kind: (typeof REFUSAL_KINDS)[number];
  readonly time: number;
  readonly sourceTime: string;
  readonly user: string | null;
  readonly gateway: string | null;
  readonly clientAddress: string | null;
  readonly server: string | null;
  readonly reason: string;
  readonly subject: string | null;
  readonly receivedAt: number;
}

/** A message of a gateway's that the hub refused (it broke the uplink contract), as the ingest recorded it. */
export interface RejectionRow {
  /** The message's sequence in the hub's stream. */
  readonly id: number;
  readonly gateway: string | null;
  /** The uplink kind its subject names; null for a subject outside the contract. */
  readonly kind: UplinkKind | null;
  readonly subject: string;
  readonly reason: string;
  readonly receivedAt: number;
}

/** `$n` placeholders for the filters on `gateway` and the site JSON `site` of table alias `s`, from parameter `first` on. */
function filterClause(filter: SiteFilter, first: number, gatewayColumn: string): { sql: string; values: string[] } {
  const conditions: string[] = [];
  const values: string[] = [];
  const add = (condition: (placeholder: string) => string, value: string | undefined) => {
    if (value === undefined) return;
    values.push(value);
    conditions.push(condition(`$${first + values.length - 1}`));
  };
  add((p) => `${gatewayColumn} = ${p}`, filter.gateway);
  add((p) => `s.site -> 'enterprise' ->> 'code' = ${p}`, filter.enterprise);
  add((p) => `starts_with(s.site -> 'enterprise' ->> 'code', ${p})`, filter.region);
  return { sql: conditions.map((condition) => ` AND ${condition}`).join(''), values };
}

const needsSite = (filter: SiteFilter) => filter.enterprise !== undefined || filter.region !== undefined;

export class HubReader {
  private constructor(private readonly pool: pg.Pool) {}

  /**
   * A pool of read connections; makes the token table when missing, and the index of one gateway's events by id (a
   * filtered page would otherwise walk every gateway's events after the cursor), built without blocking the ingest.
   * The ingest makes the other tables: it starts first.
   */
  static async open(url: string): Promise<HubReader> {
    const pool = new pg.Pool({ connectionString: url, application_name: 'hazmon-hub-api', max: 8 });
    // An idle connection that breaks emits 'error' on the pool; the next query takes a new one.
    pool.on('error', () => undefined);
    try {
      await createTokenTable(pool);
      await pool.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS alarm_events_gateway_id ON alarm_events (gateway, id)');
      await pool.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_gateway_id ON audit_log (gateway, id)');
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new HubReader(pool);
  }

  tokenName(token: string): Promise<string | null> {
    return tokenName(this.pool, token);
  }

  /** Every gateway the hub has heard from (a site or a health message), with its site and latest health. */
  async sites(filter: SiteFilter): Promise<SiteRow[]> {
    const where = filterClause(filter, 1, 'g.gateway');
    const result = await this.pool.query<{
      gateway: string;
      site: SiteRow['site'];
      config_hash: string | null;
      site_received_at: string | null;
      points: string;
      location: { longitude: number; latitude: number; points: number } | null;
      health_t: string | null;
      health_received_at: string | null;
      healthy: boolean | null;
      alive: boolean | null;
      reasons: string[] | null;
      active_alarms: Record<string, number> | null;
      grades: NonNullable<HealthMessage['grades']> | null;
      event_received_at: string | null;
      chain_seq: string | null;
      chain_problem_seq: string | null;
      chain_problem: AuditChainProblem | null;
      chain_problem_message: string | null;
      audit_received: string | null;
    }>(
      `SELECT g.gateway, s.site, s.config_hash, s.received_at AS site_received_at,
              (SELECT count(*) FROM gateway_points p WHERE p.gateway = g.gateway) AS points,
              (SELECT json_build_object('longitude', avg((p.metadata ->> 'longitude')::float8), 'latitude', avg((p.metadata ->> 'latitude')::float8), 'points', count(*))
               FROM gateway_points p
               WHERE p.gateway = g.gateway AND jsonb_typeof(p.metadata -> 'longitude') = 'number' AND jsonb_typeof(p.metadata -> 'latitude') = 'number'
               HAVING count(*) > 0) AS location,
              h.t AS health_t, h.received_at AS health_received_at, h.healthy, h.alive, h.reasons, h.active_alarms, h.grades,
              (SELECT e.received_at FROM alarm_events e WHERE e.gateway = g.gateway ORDER BY e.seq DESC LIMIT 1) AS event_received_at,
              c.seq AS chain_seq, c.problem_seq AS chain_problem_seq, c.problem AS chain_problem, c.problem_message AS chain_problem_message,
              (SELECT max(a.seq) FROM audit_log a WHERE a.gateway = g.gateway) AS audit_received
       FROM (SELECT gateway FROM gateway_sites UNION SELECT gateway FROM gateway_health) AS g
       LEFT JOIN gateway_sites s ON s.gateway = g.gateway
       LEFT JOIN gateway_health h ON h.gateway = g.gateway
       LEFT JOIN audit_chain_heads c ON c.gateway = g.gateway
       WHERE TRUE${where.sql}
       ORDER BY g.gateway`,
      where.values,
    );
    return result.rows.map((row) => {
      const received = [row.site_received_at, row.health_received_at, row.event_received_at].filter((time) => time !== null).map(Number);
      return {
        gateway: row.gateway,
        site: row.site,
        configHash: row.config_hash,
        points: Number(row.points),
        location: row.location,
        health:
          row.health_t === null
            ? null
            : {
                time: Number(row.health_t),
                receivedAt: Number(row.health_received_at),
                healthy: row.healthy!,
                alive: row.alive!,
                reasons: row.reasons!,
                activeAlarms: row.active_alarms!,
                grades: row.grades,
              },
        lastMessageAt: received.length === 0 ? null : Math.max(...received),
        auditChain:
          row.audit_received === null
            ? null
            : {
                verifiedThrough: Number(row.chain_seq ?? 0),
                received: Number(row.audit_received),
                problem: row.chain_problem === null ? null : { seq: Number(row.chain_problem_seq), problem: row.chain_problem, message: row.chain_problem_message ?? '' },
              },
      };
    });
  }

  /** Each gateway's devices from its latest health message, by gateway code. */
  async devices(filter: SiteFilter): Promise<GatewayDevicesRow[]> {
    const where = filterClause(filter, 1, 'h.gateway');
    const result = await this.pool.query<{ gateway: string; t: string; received_at: string; devices: GatewayDevicesRow['devices'] }>(
      `SELECT h.gateway, h.t, h.received_at, h.devices FROM gateway_health h${needsSite(filter) ? ' JOIN gateway_sites s ON s.gateway = h.gateway' : ''}
       WHERE TRUE${where.sql}
       ORDER BY h.gateway`,
      where.values,
    );
    return result.rows.map((row) => ({ gateway: row.gateway, time: Number(row.t), receivedAt: Number(row.received_at), devices: row.devices }));
  }

  /** Events with id > after, oldest first. Ids commit in order (one writer: the ingest), so paging by id skips nothing. */
  eventsAfter(after: number, limit: number, filter: SiteFilter): Promise<HubEventRow[]> {
    return this.events('e.id > $1', 'e.id', after, limit, filter);
  }

  /** Events with id > after and event time in [from, to), oldest id first: an export's next chunk. */
  eventsInRangeAfter(after: number, range: { readonly from: number; readonly to: number }, limit: number, filter: SiteFilter): Promise<HubEventRow[]> {
    return this.events('e.id > $1', 'e.id', after, limit, filter, range);
  }

  /** Events with id < before (every one when null), newest first: a person looking back; events arriving meanwhile come above, so paging down skips nothing. */
  eventsBefore(before: number | null, limit: number, filter: SiteFilter): Promise<HubEventRow[]> {
    return this.events('e.id < $1', 'e.id DESC', before ?? Number.MAX_SAFE_INTEGER, limit, filter);
  }

  private async events(bound: string, order: string, cursor: number, limit: number, filter: SiteFilter, range?: { readonly from: number; readonly to: number }): Promise<HubEventRow[]> {
    const where = filterClause(filter, range === undefined ? 3 : 5, 'e.gateway');
    const result = await this.pool.query<Record<string, string | null> & { details: Record<string, unknown> | null }>(
      `SELECT e.id, e.gateway, e.seq, e.t, e.written_at, e.received_at, e.point_id, e.rule_id, e.kind, e.state_after, e.priority, e.who, e.why, e.details
       FROM alarm_events e${needsSite(filter) ? ' JOIN gateway_sites s ON s.gateway = e.gateway' : ''}
       WHERE ${bound}${range === undefined ? '' : ' AND e.t >= $3 AND e.t < $4'}${where.sql}
       ORDER BY ${order} LIMIT $2`,
      [cursor, limit, ...(range === undefined ? [] : [range.from, range.to]), ...where.values],
    );
    return result.rows.map((row) => ({
      id: Number(row.id),
      gateway: row.gateway!,
      seq: Number(row.seq),
      time: Number(row.t),
      writtenAt: Number(row.written_at),
      receivedAt: Number(row.received_at),
      pointId: row.point_id ?? null,
      ruleId: row.rule_id!,
      kind: row.kind!,
      stateAfter: row.state_after!,
      priority: row.priority ?? null,
      who: row.who ?? null,
      why: row.why ?? null,
      details: row.details,
    }));
  }

  /** Audit rows with id > after, oldest first: one writer (the ingest), so paging by id skips nothing, as for events. */
  async auditAfter(after: number, limit: number, filter: AuditFilter): Promise<HubAuditRow[]> {
    const where = filterClause(filter, 5, 'a.gateway');
    const result = await this.pool.query<Record<string, string | null>>(
      `SELECT a.id, a.gateway, a.seq, a.t, a.received_at, a.who, a.action, a.target, a.details, a.prev_hash, a.hash
       FROM audit_log a${needsSite(filter) ? ' JOIN gateway_sites s ON s.gateway = a.gateway' : ''}
       WHERE a.id > $1 AND ($3::text IS NULL OR a.action = $3) AND ($4::text IS NULL OR a.who = $4)${where.sql}
       ORDER BY a.id LIMIT $2`,
      [after, limit, filter.action ?? null, filter.who ?? null, ...where.values],
    );
    return result.rows.map((row) => ({
      id: Number(row.id),
      gateway: row.gateway!,
      seq: Number(row.seq),
      time: Number(row.t),
      receivedAt: Number(row.received_at),
      who: row.who!,
      action: row.action!,
      target: row.target ?? null,
      details: row.details ?? null,
      prevHash: row.prev_hash!,
      hash: row.hash!,
    }));
  }

  /** Whether an audit row with id >= cursor exists: a cursor past every row would skip those still to come. */
  async auditAtOrAfter(cursor: number): Promise<boolean> {
    const result = await this.pool.query('SELECT 1 FROM audit_log WHERE id >= $1 LIMIT 1', [cursor]);
    return result.rowCount === 1;
  }

  /** The points in each gateway's running config: their poll interval and whether they are out of service (a disable record). */
  async points(filter: SiteFilter): Promise<GatewayPoint[]> {
    const where = filterClause(filter, 1, 'p.gateway');
    const result = await this.pool.query<{ gateway: string; point_id: string; poll_interval_ms: string | null; disabled: boolean }>(
      `SELECT p.gateway, p.point_id, p.metadata ->> 'pollIntervalMs' AS poll_interval_ms, COALESCE(jsonb_typeof(p.metadata -> 'disabled') = 'object', FALSE) AS disabled
       FROM gateway_points p LEFT JOIN gateway_sites s ON s.gateway = p.gateway
       WHERE TRUE${where.sql}
       ORDER BY p.gateway, p.point_id`,
      where.values,
    );
    return result.rows.map((row) => ({ gateway: row.gateway, pointId: row.point_id, pollIntervalMs: row.poll_interval_ms === null ? null : Number(row.poll_interval_ms), disabled: row.disabled }));
  }

  /**
   * Up to `limit` points after the cursor (gateway, point id), ordered by both: the table's key, so a page is one index
   * range whatever the table's size, and points added or removed meanwhile neither shift nor repeat the others.
   */
  async pointPage(after: readonly [string, string] | null, limit: number, filter: SiteFilter): Promise<PointMetadataRow[]> {
    const where = filterClause(filter, 4, 'p.gateway');
    const result = await this.pool.query<{ gateway: string; point_id: string; config_hash: string; t: string; metadata: Record<string, unknown> }>(
      `SELECT p.gateway, p.point_id, p.config_hash, p.t, p.metadata
       FROM gateway_points p${needsSite(filter) ? ' JOIN gateway_sites s ON s.gateway = p.gateway' : ''}
       WHERE (p.gateway, p.point_id) > ($1, $2)${where.sql}
       ORDER BY p.gateway, p.point_id LIMIT $3`,
      [after?.[0] ?? '', after?.[1] ?? '', limit, ...where.values],
    );
    return result.rows.map((row) => ({ gateway: row.gateway, pointId: row.point_id, configHash: row.config_hash, configTime: Number(row.t), metadata: row.metadata }));
  }

  /**
   * The gateways link health is told for: every one the hub heard from (a site, a health message, a NATS connection),
   * and the one `filter.gateway` names even if never (unless an enterprise or region filter asks for a site it has not sent).
   */
  async linkGateways(filter: SiteFilter): Promise<string[]> {
    const where = filterClause(filter, 1, 'g.gateway');
    const result = await this.pool.query<{ gateway: string }>(
      `SELECT g.gateway FROM (SELECT gateway FROM gateway_sites UNION SELECT gateway FROM gateway_health UNION SELECT gateway FROM link_connections) AS g
       LEFT JOIN gateway_sites s ON s.gateway = g.gateway
       WHERE TRUE${where.sql}
       ORDER BY g.gateway`,
      where.values,
    );
    const gateways = result.rows.map((row) => row.gateway);
    if (filter.gateway !== undefined && !needsSite(filter) && !gateways.includes(filter.gateway)) gateways.push(filter.gateway);
    return gateways;
  }

  /** The connections of the filter's gateways open at some time in [from, to). */
  async linkConnections(filter: SiteFilter, from: number, to: number): Promise<LinkConnection[]> {
    const where = filterClause(filter, 3, 'c.gateway');
    const result = await this.pool.query<{ gateway: string; connected_at: string; disconnected_at: string | null }>(
      `SELECT c.gateway, c.connected_at, c.disconnected_at FROM link_connections c LEFT JOIN gateway_sites s ON s.gateway = c.gateway
       WHERE c.connected_at < $2 AND (c.disconnected_at IS NULL OR c.disconnected_at >= $1)${where.sql}`,
      [from, to, ...where.values],
    );
    return result.rows.map((row) => ({ gateway: row.gateway, connectedAt: Number(row.connected_at), disconnectedAt: row.disconnected_at === null ? null : Number(row.disconnected_at) }));
  }

  /** Refusals with id > after, oldest first (one writer, the link monitor, so ids commit in order). */
  async refusals(after: number, limit: number, filter: { readonly gateway?: string | undefined; readonly kind?: RefusalRow['kind'] | undefined }): Promise<RefusalRow[]> {
    const result = await this.pool.query<Record<string, string | null>>(
      `SELECT id, kind, t, source_time, nats_user, gateway, client_address, server_name, reason, subject, received_at FROM nats_refusals
       WHERE id > $1 AND ($3::text IS NULL OR gateway = $3) AND ($4::text IS NULL OR kind = $4)
       ORDER BY id LIMIT $2`,
      [after, limit, filter.gateway ?? null, filter.kind ?? null],
    );
    return result.rows.map((row) => ({
      id: Number(row.id),
      kind: row.kind as RefusalRow['kind'],
      time: Number(row.t),
      sourceTime: row.source_time!,
      user: row.nats_user ?? null,
      gateway: row.gateway ?? null,
      clientAddress: row.client_address ?? null,
      server: row.server_name ?? null,
      reason: row.reason!,
      subject: row.subject ?? null,
      receivedAt: Number(row.received_at),
    }));
  }

  /** Refusals per gateway since a time (those of users that are no gateway's apart). */
  async refusalCounts(since: number): Promise<Map<string, number>> {
    const result = await this.pool.query<{ gateway: string; count: string }>('SELECT gateway, count(*) AS count FROM nats_refusals WHERE t >= $1 AND gateway IS NOT NULL GROUP BY gateway', [since]);
    return new Map(result.rows.map((row) => [row.gateway, Number(row.count)]));
  }

  /** Rejected messages with stream seq > after, oldest first (one writer, the ingest, taking the stream in order, so ids commit in order). */
  async rejections(after: number, limit: number, filter: { readonly gateway?: string | undefined }): Promise<RejectionRow[]> {
    const result = await this.pool.query<{ id: string; gateway: string | null; subject: string; reason: string; received_at: string }>(
      `SELECT id, gateway, subject, reason, received_at FROM rejected_messages WHERE id > $1 AND ($3::text IS NULL OR gateway = $3) ORDER BY id LIMIT $2`,
      [after, limit, filter.gateway ?? null],
    );
    return result.rows.map((row) => ({
      id: Number(row.id),
      gateway: row.gateway,
      kind: parseUplinkSubject(row.subject)?.kind ?? null,
      subject: row.subject,
      reason: row.reason,
      receivedAt: Number(row.received_at),
    }));
  }

  /** Rejected messages per gateway received since a time. */
  async rejectionCounts(since: number): Promise<Map<string, number>> {
    const result = await this.pool.query<{ gateway: string; count: string }>(
      'SELECT gateway, count(*) AS count FROM rejected_messages WHERE received_at >= $1 AND gateway IS NOT NULL GROUP BY gateway',
      [since],
    );
    return new Map(result.rows.map((row) => [row.gateway, Number(row.count)]));
  }

  /** Whether an event with id >= cursor exists: a cursor past every event would skip those still to come. */
  async eventAtOrAfter(cursor: number): Promise<boolean> {
    const result = await this.pool.query('SELECT 1 FROM alarm_events WHERE id >= $1 LIMIT 1', [cursor]);
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
