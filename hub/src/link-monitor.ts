/**
 * The hub's link monitor: which gateway is connected to the hub's NATS servers, and what NATS refused. It signs in to
 * the NATS system account and
 * - takes each connect and disconnect event of the gateways' account (`$SYS.ACCOUNT.<account>.CONNECT` /
 *   `DISCONNECT`: the user name gives the gateway, `gw-<code>`), one row per connection;
 * - looks at every server's open connections (`$SYS.REQ.SERVER.PING.CONNZ`) at start and every minute, because
 *   events are plain NATS messages, sent once: those of a time the hub was not listening are gone, and a server that
 *   stops sends no disconnect for its clients. A connection listed and not known is added from its start time; a known
 *   open connection no longer listed is closed at the previous look (its end unseen: counted offline from the last
 *   time the hub knew, never online on trust). A server's list is read in pages; one whose pages could not all be
 *   read closes nothing at that look;
 * - closes a server's connections when it announces its shutdown (`$SYS.SERVER.<id>.SHUTDOWN`);
 * - records the auth error events (`$SYS.SERVER.*.CLIENT.AUTH.ERR`: a wrong password) and, from the servers' log files
 *   it is given, publish permission violations (nats-server 2.9 sends no event for those: nats-log.ts).
 * It is the one writer of link_connections, link_looks, nats_refusals and nats_log_positions, one task at a time;
 * a PostgreSQL outage holds the tasks in memory and retries them with back-off.
 */
import { messageOf } from '@hazmon/errors';
import { connect, type Msg, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { gatewayOfNatsUser } from '@hazmon/uplink/contract';
import pg from 'pg';
import { z } from 'zod';
import { publishViolationOf, readLogLines, type LogPosition } from './nats-log.ts';

export interface LinkMonitorOptions {
  /** The hub's NATS servers and its user in the system account. */
  readonly nats: NodeConnectionOptions;
  /** The account the gateways' users are in. */
  readonly account: string;
  readonly postgresUrl: string;
  /** nats-server log files to follow for publish permission violations (none: not recorded). */
  readonly serverLogs: readonly string[];
  readonly log?: (line: string) => void;
}

/** A time as nats-server writes it (RFC 3339, nanoseconds). */
const serverTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'an RFC 3339 time');

/** What the connect, disconnect and auth error events carry (nats-server 2.9 server/events.go), as far as the hub reads them. */
const clientEventSchema = z.object({
  id: z.string(),
  timestamp: serverTime,
  server: z.object({ id: z.string(), name: z.string() }),
  client: z.object({ start: serverTime.optional(), stop: serverTime.optional(), host: z.string().optional(), id: z.number().int().nonnegative(), user: z.string().optional() }),
  reason: z.string().optional(),
});
type ClientEvent = z.output<typeof clientEventSchema>;

/** One server's answer to the CONNZ ping. */
const connzReplySchema = z.object({
  server: z.object({ id: z.string(), name: z.string() }),
  data: z
    .object({
      connections: z.array(z.object({ cid: z.number().int().nonnegative(), ip: z.string(), port: z.number().int(), start: serverTime, authorized_user: z.string().optional() })).default([]),
    })
    .optional(),
});
type ConnzReply = z.output<typeof connzReplySchema>;
type ListedConnection = NonNullable<ConnzReply['data']>['connections'][number];

/** One server's open connections at a look; `complete` false when some may be missing from the list. */
interface ServerConnections {
  readonly server: ConnzReply['server'];
  readonly connections: readonly ListedConnection[];
  readonly complete: boolean;
}

/**
 * PostgreSQL refusing the data itself (SQLSTATE classes 22 data exception, 23 integrity, 42 syntax or access): the
 * same task would fail forever and hold every later one, so it is dropped with a log line; anything else (the server
 * gone, a connection broken) is retried.
 */
function refusedForGood(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}

const LOOK_EVERY_MS = 60_000;
/** How long the look waits for the servers' answers. */
const LOOK_WAIT_MS = 2000;
const LOG_POLL_MS = 1000;
/** Connections per CONNZ page: a server with more gateways than this is read page by page. */
const CONNZ_PAGE = 256;
/**
 * Each next page starts this many connections before the previous one ended: connections closing meanwhile shift
 * the list (sorted by connection id) forward, and an open one must not fall between two pages.
 */
const CONNZ_PAGE_OVERLAP = 32;
const BACKOFF_MS = [500, 1000, 2000, 5000] as const;
const CLOSED_UNSEEN = "not connected at the hub's look: it closed unseen (a server that stopped, or while the hub was not listening); offline from the previous look";

/** The message's JSON as the schema reads it, or why not. */
function parseJson<S extends z.ZodType>(message: Msg, schema: S): z.output<S> | string {
  let data: unknown;
  try {
    data = message.json();
  } catch (error) {
    return `not JSON (${messageOf(error)})`;
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || '(top)'}: ${issue.message}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LinkMonitor {
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();
  private database: pg.Client | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly logPositions = new Map<string, LogPosition | null>();
  /** A follow of the logs is queued or running. */
  private following = false;

  private constructor(
    private readonly options: LinkMonitorOptions,
    private readonly connection: NatsConnection,
  ) {}

  /** Connects to NATS as the system user, subscribes, looks once and then every minute, and follows the logs. */
  static async start(options: LinkMonitorOptions): Promise<LinkMonitor> {
    const connection = await connect({ maxReconnectAttempts: -1, reconnectTimeWait: 1000, name: 'hazmon-hub-link-monitor', ...options.nats });
    const monitor = new LinkMonitor(options, connection);
    try {
      await monitor.begin();
    } catch (error) {
      await connection.close();
      throw error;
    }
    return monitor;
  }

  private async begin(): Promise<void> {
    const { connection, options } = this;
    const subscribe = (subject: string, handle: (message: Msg) => void) =>
      connection.subscribe(subject, {
        callback: (error, message) => {
          if (error === null) handle(message);
          else this.log(`hub link monitor: cannot follow ${subject} (${messageOf(error)}): is nats.system.user in the system account?`);
        },
      });
    subscribe(`$SYS.ACCOUNT.${options.account}.CONNECT`, (message) => this.onEvent(message, (db, event) => this.connected(db, event)));
    subscribe(`$SYS.ACCOUNT.${options.account}.DISCONNECT`, (message) => this.onEvent(message, (db, event) => this.disconnected(db, event)));
    subscribe('$SYS.SERVER.*.SHUTDOWN', (message) => this.onShutdown(message));
    subscribe('$SYS.SERVER.*.CLIENT.AUTH.ERR', (message) => this.onEvent(message, (db, event) => this.authFailed(db, event)));
    // The subscriptions are in place before the first look, so nothing falls between the look and the events.
    await connection.flush();
    await this.look();
    void this.lookAfterReconnects();
    this.timers.push(setInterval(() => void this.look(), LOOK_EVERY_MS));
    if (options.serverLogs.length > 0) this.timers.push(setInterval(() => this.followLogs(), LOG_POLL_MS));
  }

  /** Events sent while the monitor's own link was down are gone: a look at once after it is back. */
  private async lookAfterReconnects(): Promise<void> {
    for await (const status of this.connection.status()) if (status.type === 'reconnect') void this.look();
  }

  /** Ends the subscriptions and waits for the tasks under way (those waiting for PostgreSQL are dropped). */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.connection.drain().catch(() => undefined);
    this.stopped = true;
    await this.queue;
    await this.database?.end().catch(() => undefined);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Runs the task after the ones before it, again and again with back-off while PostgreSQL fails. */
  private enqueue(what: string, task: (db: pg.Client) => Promise<void>): Promise<void> {
    this.queue = this.queue.then(async () => {
      for (let failures = 0; !this.stopped; failures++) {
        try {
          if (this.database === null) {
            const database = new pg.Client({ connectionString: this.options.postgresUrl, application_name: 'hazmon-hub-link-monitor' });
            database.on('error', () => undefined);
            await database.connect();
            this.database = database;
          }
          await task(this.database);
          if (failures > 0) this.log(`hub link monitor: ${what} recorded after ${failures} failed attempt(s)`);
          return;
        } catch (error) {
          if (refusedForGood(error)) {
            this.log(`hub link monitor: PostgreSQL refused ${what} (${messageOf(error)}); not recorded`);
            return;
          }
          if (failures === 0) this.log(`hub link monitor: cannot record ${what} (${messageOf(error)}); retrying`);
          await this.database?.end().catch(() => undefined);
          this.database = null;
          await sleep(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!);
        }
      }
    });
    return this.queue;
  }

  private onEvent(message: Msg, record: (db: pg.Client, event: ClientEvent) => Promise<void>): void {
    const event = parseJson(message, clientEventSchema);
    if (typeof event === 'string') return this.log(`hub link monitor: ignored an event on ${message.subject}: ${event}`);
    void this.enqueue(`an event on ${message.subject}`, (db) => record(db, event));
  }

  /**
   * A server shutting down sends no disconnect for its clients, only this (heard through the other servers of a
   * cluster; from a lone server it may not arrive, and the look after the monitor reconnects closes them instead).
   */
  private onShutdown(message: Msg): void {
    const serverId = message.subject.split('.')[2]!;
    const at = Date.now();
    void this.enqueue(`the shutdown of server ${serverId}`, async (db) => {
      await db.query(
        `UPDATE link_connections SET disconnected_at = GREATEST(connected_at, $2), closed_by = 'event', reason = 'the NATS server shut down'
         WHERE server_id = $1 AND disconnected_at IS NULL`,
        [serverId, at],
      );
    });
  }

  private async connected(db: pg.Client, event: ClientEvent): Promise<void> {
    const { client, server } = event;
    const gateway = gatewayOfNatsUser(client.user);
    if (gateway === null) return;
    await db.query(
      `INSERT INTO link_connections (server_id, client_id, gateway, nats_user, client_address, server_name, connected_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (server_id, client_id) DO NOTHING`,
      [server.id, client.id, gateway, client.user, client.host ?? null, server.name, Date.parse(client.start ?? event.timestamp)],
    );
  }

  /** The event carries the connection's start too: a connection the hub did not see open still gets its span. */
  private async disconnected(db: pg.Client, event: ClientEvent): Promise<void> {
    const { client, server } = event;
    const gateway = gatewayOfNatsUser(client.user);
    if (gateway === null) return;
    const stop = Date.parse(client.stop ?? event.timestamp);
    await db.query(
      `INSERT INTO link_connections (server_id, client_id, gateway, nats_user, client_address, server_name, connected_at, disconnected_at, closed_by, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'event', $9)
       ON CONFLICT (server_id, client_id) DO UPDATE SET disconnected_at = excluded.disconnected_at, closed_by = 'event', reason = excluded.reason`,
      [server.id, client.id, gateway, client.user, client.host ?? null, server.name, Date.parse(client.start ?? event.timestamp), stop, event.reason ?? null],
    );
  }

  private async authFailed(db: pg.Client, event: ClientEvent): Promise<void> {
    const { client, server } = event;
    await db.query(
      `INSERT INTO nats_refusals (kind, t, source_time, nats_user, gateway, client_address, server_name, reason, subject, source_key, received_at)
       VALUES ('authentication', $1, $2, $3, $4, $5, $6, $7, NULL, $8, $9) ON CONFLICT (source_key) DO NOTHING`,
      [
        Date.parse(event.timestamp),
        event.timestamp,
        client.user || null,
        gatewayOfNatsUser(client.user),
        client.host ?? null,
        server.name,
        event.reason ?? 'Authentication Failure',
        `event:${server.id}:${event.id}`,
        Date.now(),
      ],
    );
  }

  /** Every server's open connections of the account, reconciled with the table (see the file's comment). */
  private async look(): Promise<void> {
    if (this.stopped) return;
    const asked = Date.now();
    const firstPages: ConnzReply[] = [];
    try {
      const answers = await this.connection.requestMany('$SYS.REQ.SERVER.PING.CONNZ', this.connzRequest(0), { strategy: 'timer', maxWait: LOOK_WAIT_MS });
      for await (const answer of answers) {
        const reply = parseJson(answer, connzReplySchema);
        if (typeof reply === 'string') this.log(`hub link monitor: ignored a server's connections: ${reply}`);
        else firstPages.push(reply);
      }
    } catch (error) {
      this.log(`hub link monitor: cannot look at the NATS servers' connections (${messageOf(error)})`);
      return;
    }
    // No server answered (the monitor's own link is down): nothing is known, nothing is closed.
    if (firstPages.length === 0) return;
    const servers = await Promise.all(firstPages.map((reply) => this.restOfPages(reply)));
    const open = servers.flatMap(({ server, connections }) =>
      connections.flatMap((connection) => {
        const gateway = gatewayOfNatsUser(connection.authorized_user);
        if (gateway === null) return [];
        return [{ serverId: server.id, serverName: server.name, gateway, user: connection.authorized_user!, ...connection }];
      }),
    );
    // A server whose list came back incomplete keeps its unlisted connections open: closing one that sat on a missing
    // page would count an offline spell that never was.
    const partlyListed = servers.filter((listed) => !listed.complete).map((listed) => listed.server.id);
    await this.enqueue("the servers' connections", async (db) => {
      await db.query('BEGIN');
      try {
        const previous = (await db.query<{ looked_at: string }>('SELECT looked_at FROM link_looks WHERE id = 1')).rows[0];
        for (const connection of open) {
          // A connection a look had closed (its server slow to answer) and listed again is open after all.
          await db.query(
            `INSERT INTO link_connections (server_id, client_id, gateway, nats_user, client_address, server_name, connected_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (server_id, client_id) DO UPDATE SET disconnected_at = NULL, closed_by = NULL, reason = NULL WHERE link_connections.closed_by = 'look'`,
            [connection.serverId, connection.cid, connection.gateway, connection.user, `${connection.ip}:${connection.port}`, connection.serverName, Date.parse(connection.start)],
          );
        }
        await db.query(
          `UPDATE link_connections SET disconnected_at = GREATEST(connected_at, $1), closed_by = 'look', reason = $2
           WHERE disconnected_at IS NULL AND connected_at < $3 AND NOT ((server_id || ' ' || client_id) = ANY($4::text[])) AND NOT (server_id = ANY($5::text[]))`,
          [Number(previous?.looked_at ?? asked), CLOSED_UNSEEN, asked, open.map((connection) => `${connection.serverId} ${connection.cid}`), partlyListed],
        );
        await db.query('INSERT INTO link_looks (id, looked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET looked_at = excluded.looked_at', [asked]);
        await db.query('COMMIT');
      } catch (error) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private connzRequest(offset: number): string {
    return JSON.stringify({ acc: this.options.account, auth: true, sort: 'cid', offset, limit: CONNZ_PAGE });
  }

  /**
   * The server's further pages after its answer to the ping, each asked of that server alone. The list is complete
   * when a page came back short and every page overlapped the one before (no connection can have slipped between).
   */
  private async restOfPages(first: ConnzReply): Promise<ServerConnections> {
    const { server } = first;
    const listed = new Map<number, ListedConnection>();
    const incomplete = (why: string): ServerConnections => {
      this.log(`hub link monitor: server ${server.name}'s connections past the first ${listed.size} unread (${why}); its unlisted ones stay open until the next look`);
      return { server, connections: [...listed.values()], complete: false };
    };
    let page = first.data?.connections ?? [];
    let offset = 0;
    let lastCid = -1;
    for (;;) {
      // Sorted by connection id: the page must begin at or before the last one listed, or some may lie between.
      if (offset > 0 && !(page.length > 0 && page[0]!.cid <= lastCid)) return incomplete('the list moved between two pages');
      for (const connection of page) listed.set(connection.cid, connection);
      lastCid = page.at(-1)?.cid ?? lastCid;
      if (page.length < CONNZ_PAGE) return { server, connections: [...listed.values()], complete: true };
      offset += CONNZ_PAGE - CONNZ_PAGE_OVERLAP;
      try {
        const reply = parseJson(await this.connection.request(`$SYS.REQ.SERVER.${server.id}.CONNZ`, this.connzRequest(offset), { timeout: LOOK_WAIT_MS }), connzReplySchema);
        if (typeof reply === 'string') return incomplete(reply);
        page = reply.data?.connections ?? [];
      } catch (error) {
        return incomplete(messageOf(error));
      }
    }
  }

  /** Reads what each log gained since the last read; a follow already waiting in the queue is not doubled. */
  private followLogs(): void {
    if (this.following) return;
    this.following = true;
    void this.enqueue('the NATS server logs', async (db) => {
      for (const path of this.options.serverLogs) await this.followLog(db, path);
    }).finally(() => {
      this.following = false;
    });
  }

  private async followLog(db: pg.Client, path: string): Promise<void> {
    if (!this.logPositions.has(path)) {
      const row = (await db.query<{ file_id: string; position: string }>('SELECT file_id, position FROM nats_log_positions WHERE path = $1', [path])).rows[0];
      this.logPositions.set(path, row === undefined ? null : { fileId: row.file_id, position: Number(row.position) });
    }
    const chunk = await readLogLines(path, this.logPositions.get(path) ?? null);
    if (chunk === null || chunk.lines.length === 0) return;
    const receivedAt = Date.now();
    await db.query('BEGIN');
    try {
      for (const { at, text } of chunk.lines) {
        const violation = publishViolationOf(text);
        if (violation === null) continue;
        await db.query(
          `INSERT INTO nats_refusals (kind, t, source_time, nats_user, gateway, client_address, server_name, reason, subject, source_key, received_at)
           VALUES ('publish_permission', $1, $2, $3, $4, $5, $6, $7, $8, $9, $1) ON CONFLICT (source_key) DO NOTHING`,
          [
            receivedAt,
            violation.sourceTime,
            violation.user,
            gatewayOfNatsUser(violation.user),
            violation.clientAddress,
            path,
            `Permissions Violation for Publish to "${violation.subject}"`,
            violation.subject,
            `log:${path}:${chunk.next.fileId}:${at}`,
          ],
        );
      }
      await db.query('INSERT INTO nats_log_positions (path, file_id, position) VALUES ($1, $2, $3) ON CONFLICT (path) DO UPDATE SET file_id = excluded.file_id, position = excluded.position', [
        path,
        chunk.next.fileId,
        chunk.next.position,
      ]);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      // Read again from where the table says.
      this.logPositions.delete(path);
      throw error;
    }
    this.logPositions.set(path, chunk.next);
  }
}
