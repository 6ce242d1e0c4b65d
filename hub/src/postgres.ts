/**
 * The hub's PostgreSQL tables and their one writer: the ingest. Alarm events and audit rows are unique by (gateway,
 * seq), so a message delivered twice is ignored; `id` is the hub stream's sequence, and with one writer per table ids commit in
 * order, so a regulator's cursor (events after an id) never skips a row (issue #22's trap with concurrent writers).
 */
import pg from 'pg';
import type { AuditMessage, EventMessage, HealthMessage, SiteMessage } from '@hazmon/uplink/contract';
import { AUDIT_CHAIN_SCHEMA, advanceAuditChains, advanceEveryAuditChain, findRewrittenRows } from './audit-chain.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alarm_events (
  id BIGINT PRIMARY KEY,
  gateway TEXT NOT NULL,
  seq BIGINT NOT NULL,
  t BIGINT NOT NULL,
  written_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  point_id TEXT,
  rule_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  state_after TEXT NOT NULL,
  priority TEXT,
  who TEXT,
  why TEXT,
  details JSONB,
  UNIQUE (gateway, seq)
);
-- Each gateway's audit log with its hash chain: details is the exact text the gateway hashed (TEXT, not JSONB, which
-- would reorder its keys), so anyone can recompute each row's hash.
CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT PRIMARY KEY,
  gateway TEXT NOT NULL,
  seq BIGINT NOT NULL,
  t BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  who TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  details TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  UNIQUE (gateway, seq)
);
CREATE TABLE IF NOT EXISTS gateway_health (
  gateway TEXT PRIMARY KEY,
  t BIGINT NOT NULL,
  healthy BOOLEAN NOT NULL,
  alive BOOLEAN NOT NULL,
  reasons JSONB NOT NULL,
  active_alarms JSONB NOT NULL,
  received_at BIGINT NOT NULL
);
-- The gateway's own grades (health messages carry them since the field came: null from a gateway that sends none).
ALTER TABLE gateway_health ADD COLUMN IF NOT EXISTS grades JSONB;
-- Its devices as its /api/v1/devices gives them (health messages carry them since the field came: null when absent).
ALTER TABLE gateway_health ADD COLUMN IF NOT EXISTS devices JSONB;
CREATE TABLE IF NOT EXISTS gateway_sites (
  gateway TEXT PRIMARY KEY,
  config_hash TEXT NOT NULL,
  t BIGINT NOT NULL,
  site JSONB NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS gateway_points (
  gateway TEXT NOT NULL,
  point_id TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  t BIGINT NOT NULL,
  metadata JSONB NOT NULL,
  PRIMARY KEY (gateway, point_id)
);
-- Written by the link monitor alone (link-monitor.ts): each NATS connection of a gateway's user, keyed by the server
-- (its id changes at each start) and the client id it gave; closed_by 'event' (the server's disconnect event) or
-- 'look' (gone at the hub's look, its end unseen).
CREATE TABLE IF NOT EXISTS link_connections (
  server_id TEXT NOT NULL,
  client_id BIGINT NOT NULL,
  gateway TEXT NOT NULL,
  nats_user TEXT NOT NULL,
  client_address TEXT,
  server_name TEXT,
  connected_at BIGINT NOT NULL,
  disconnected_at BIGINT,
  closed_by TEXT,
  reason TEXT,
  PRIMARY KEY (server_id, client_id)
);
CREATE INDEX IF NOT EXISTS link_connections_gateway ON link_connections (gateway, connected_at);
CREATE TABLE IF NOT EXISTS link_looks (
  id INT PRIMARY KEY CHECK (id = 1),
  looked_at BIGINT NOT NULL
);
-- What NATS refused: a wrong credential (the server's auth error event), a publish outside the user's permission
-- (the server's log: nats-server 2.9 sends no event for it). source_key makes a second sight of the same one a no-op.
CREATE TABLE IF NOT EXISTS nats_refusals (
  id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL,
  t BIGINT NOT NULL,
  source_time TEXT NOT NULL,
  nats_user TEXT,
  gateway TEXT,
  client_address TEXT,
  server_name TEXT,
  reason TEXT NOT NULL,
  subject TEXT,
  source_key TEXT NOT NULL UNIQUE,
  received_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS nats_log_positions (
  path TEXT PRIMARY KEY,
  file_id TEXT NOT NULL,
  position BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected_messages (
  id BIGINT PRIMARY KEY,
  subject TEXT NOT NULL,
  reason TEXT NOT NULL,
  received_at BIGINT NOT NULL
);
-- Whose they were, for the regulator API (/api/v1/rejections and the sites' count); rows of older hubs have none.
ALTER TABLE rejected_messages ADD COLUMN IF NOT EXISTS gateway TEXT;
`;

/** An event with the hub stream's sequence it came in. */
export interface StreamEvent {
  readonly streamSeq: number;
  readonly event: EventMessage;
}

/** An audit row with the hub stream's sequence it came in. */
export interface StreamAudit {
  readonly streamSeq: number;
  readonly row: AuditMessage;
}

export interface Rejection {
  readonly streamSeq: number;
  /** Whose credentials published it (the subject's gateway token); null for a subject no gateway may publish to. */
  readonly gateway: string | null;
  readonly subject: string;
  readonly reason: string;
}

export class HubDatabase {
  private constructor(private readonly client: pg.Client) {}

  /** Connects (one connection: the one writer) and creates the tables that are missing. */
  static async open(url: string): Promise<HubDatabase> {
    const client = new pg.Client({ connectionString: url, application_name: 'hazmon-hub-ingest' });
    // A connection that breaks emits 'error'; the next query fails and the ingest opens a new one.
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(SCHEMA + AUDIT_CHAIN_SCHEMA);
      await advanceEveryAuditChain(client, Date.now());
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return new HubDatabase(client);
  }

  /**
   * Writes one batch in one transaction: events and audit rows (duplicates ignored; each gateway's audit chain checked on,
   * audit-chain.ts), the latest health and site per gateway, rejections.
   */
  async write(
    batch: {
      readonly events: readonly StreamEvent[];
      readonly audit: readonly StreamAudit[];
      readonly health: readonly HealthMessage[];
      readonly sites: readonly SiteMessage[];
      readonly rejections: readonly Rejection[];
    },
    receivedAt: number,
  ): Promise<void> {
    const { client } = this;
    await client.query('BEGIN');
    try {
      if (batch.events.length > 0) await this.insertEvents(batch.events, receivedAt);
      if (batch.audit.length > 0) {
        await this.insertAudit(batch.audit, receivedAt);
        const sent = batch.audit.map(({ row }) => row);
        await advanceAuditChains(client, new Set(sent.map((row) => row.gateway)), await findRewrittenRows(client, sent), receivedAt);
      }
      for (const health of batch.health) {
        await client.query(
          `INSERT INTO gateway_health (gateway, t, healthy, alive, reasons, active_alarms, grades, received_at, devices) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (gateway) DO UPDATE SET t = excluded.t, healthy = excluded.healthy, alive = excluded.alive, reasons = excluded.reasons, active_alarms = excluded.active_alarms, grades = excluded.grades, received_at = excluded.received_at, devices = excluded.devices
           WHERE gateway_health.t <= excluded.t`,
          [
            health.gateway,
            health.time,
            health.healthy,
            health.alive,
            JSON.stringify(health.reasons),
            JSON.stringify(health.activeAlarms),
            health.grades === undefined ? null : JSON.stringify(health.grades),
            receivedAt,
            health.devices === undefined ? null : JSON.stringify(health.devices),
          ],
        );
      }
      for (const site of batch.sites) await this.upsertSite(site, receivedAt);
      for (const rejection of batch.rejections) {
        await client.query('INSERT INTO rejected_messages (id, gateway, subject, reason, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING', [
          rejection.streamSeq,
          rejection.gateway,
          rejection.subject,
          rejection.reason,
          receivedAt,
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * A site message's part: the site row and its points, newer data only (`t`, the time the gateway sent that config's
   * parts). The points of an older config the gateway no longer has are deleted: all parts of a config share `t`.
   */
  private async upsertSite(site: SiteMessage, receivedAt: number): Promise<void> {
    const current = await this.client.query(
      `INSERT INTO gateway_sites (gateway, config_hash, t, site, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (gateway) DO UPDATE SET config_hash = excluded.config_hash, t = excluded.t, site = excluded.site, received_at = excluded.received_at
       WHERE gateway_sites.t <= excluded.t
       RETURNING gateway`,
      [site.gateway, site.configHash, site.time, JSON.stringify(site.site), receivedAt],
    );
    // A part of a config older than the one the hub has: its points are no longer the gateway's.
    if (current.rowCount === 0) return;
    await this.client.query(
      `INSERT INTO gateway_points (gateway, point_id, config_hash, t, metadata)
       SELECT $1, point ->> 'pointId', $2, $3, point FROM jsonb_array_elements($4::jsonb) AS point
       ON CONFLICT (gateway, point_id) DO UPDATE SET config_hash = excluded.config_hash, t = excluded.t, metadata = excluded.metadata
       WHERE gateway_points.t <= excluded.t`,
      [site.gateway, site.configHash, site.time, JSON.stringify(site.points)],
    );
    await this.client.query('DELETE FROM gateway_points WHERE gateway = $1 AND t < $2', [site.gateway, site.time]);
  }

  /** One statement for the whole batch (arrays unnested): ~100k rows/s measured with batches of 1000. */
  private async insertEvents(events: readonly StreamEvent[], receivedAt: number): Promise<void> {
    const column = <T>(pick: (event: EventMessage) => T) => events.map(({ event }) => pick(event));
    await this.client.query(
      `INSERT INTO alarm_events (id, gateway, seq, t, written_at, received_at, point_id, rule_id, kind, state_after, priority, who, why, details)
       SELECT id, gateway, seq, t, written_at, $14, point_id, rule_id, kind, state_after, priority, who, why, details::jsonb
       FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
         AS e(id, gateway, seq, t, written_at, point_id, rule_id, kind, state_after, priority, who, why, details)
       ON CONFLICT (gateway, seq) DO NOTHING`,
      [
        events.map((entry) => entry.streamSeq),
        column((event) => event.gateway),
        column((event) => event.seq),
        column((event) => event.time),
        column((event) => event.writtenAt),
        column((event) => event.pointId),
        column((event) => event.ruleId),
        column((event) => event.kind),
        column((event) => event.stateAfter),
        column((event) => event.priority),
        column((event) => event.who),
        column((event) => event.why),
        column((event) => (event.details === null ? null : JSON.stringify(event.details))),
        receivedAt,
      ],
    );
  }

  /** One statement for the batch's audit rows, as for events. */
  private async insertAudit(rows: readonly StreamAudit[], receivedAt: number): Promise<void> {
    const column = <T>(pick: (row: AuditMessage) => T) => rows.map(({ row }) => pick(row));
    await this.client.query(
      `INSERT INTO audit_log (id, gateway, seq, t, received_at, who, action, target, details, prev_hash, hash)
       SELECT id, gateway, seq, t, $11, who, action, target, details, prev_hash, hash
       FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
         AS a(id, gateway, seq, t, who, action, target, details, prev_hash, hash)
       ON CONFLICT (gateway, seq) DO NOTHING`,
      [
        rows.map((entry) => entry.streamSeq),
        column((row) => row.gateway),
        column((row) => row.seq),
        column((row) => row.time),
        column((row) => row.who),
        column((row) => row.action),
        column((row) => row.target),
        column((row) => row.details),
        column((row) => row.prevHash),
        column((row) => row.hash),
        receivedAt,
      ],
    );
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
