/**
 * GET /api/v1/stream: Server-Sent Events. `alarm` events carry the stored alarm event row with its alarm's areas, their id its seq; a client
 * that reconnects with Last-Event-ID first gets every stored event after it (read from the store page by page), then
 * the live ones, each once: live rows that arrive during the catch-up wait, and nothing at or below the last seq sent
 * goes out again. `readings` events carry the latest reading of each point that changed in the last 250 ms. A comment
 * every 15 s keeps proxies from closing the connection; the stream ends when its session does.
 */
import { type AlarmAreas, type AlarmEventRow, alarmAreas } from '@hazmon/agent';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { allow, ROLES } from '../access.ts';
import type { AppContext, AppEnv, ContextOf } from '../context.ts';
import { checkCursor } from '../cursor.ts';
import { ApiError } from '../errors.ts';
import type { LiveClient } from '../live-feed.ts';
import { sseMessage, TAIL_PAGE } from '../live-feed.ts';
import type { Session } from '../sessions.ts';
import { StreamHeaders } from '../schemas.ts';
import { errorResponses, SESSION_SECURITY } from './openapi.ts';

const KEEP_ALIVE_MS = 15_000;
/** Open streams at most: each holds a socket and a place in every broadcast. */
export const MAX_STREAMS = 64;
/** A stream refused for lack of a place may be asked again this soon: a client going away frees one. */
const STREAM_RETRY_AFTER_S = 5;
/**
 * Bytes queued for a client that does not read: past this it is cut off (it reconnects and catches up alarm events by
 * seq). Counted in bytes: a readings message of a large site is hundreds of KB.
 */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** How long the browser waits before reconnecting. */
const RETRY_MS = 2000;

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');

/** Each live row's message, encoded once for every stream it goes to (the feed hands each stream the same row object). */
const alarmMessages = new WeakMap<AlarmEventRow, Uint8Array>();

/** The row as `/api/v1/alarm-events` gives it: its fields, then the areas of its alarm under the running config. */
function alarmMessage(row: AlarmEventRow, areas: AlarmAreas): Uint8Array {
  let message = alarmMessages.get(row);
  if (message === undefined) {
    message = encoder.encode(sseMessage('alarm', { ...row, areas: areas.ofEvent(row.pointId, row.ruleId) }, row.seq));
    alarmMessages.set(row, message);
  }
  return message;
}

/** One open stream: its cursor (the last seq sent) and, while it catches up, the live rows that must wait. */
class StreamClient implements LiveClient {
  private cursor: number;
  private waiting: AlarmEventRow[] | null = [];
  private closed = false;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly leave: () => void;

  constructor(
    private readonly context: AppContext,
    private readonly session: Session,
    private readonly controller: ReadableStreamDefaultController<Uint8Array>,
    from: number,
    private readonly onClose: () => void,
  ) {
    this.cursor = from;
    this.write(encoder.encode(`retry: ${RETRY_MS}\n${sseMessage('hello', { after: from }, from)}`));
    this.leave = context.live.add(this);
    this.keepAlive = setInterval(() => (context.sessions.alive(session) ? this.write(KEEP_ALIVE) : this.close()), KEEP_ALIVE_MS);
  }

  /** Sends every stored event after the cursor, then what came live meanwhile. */
  async catchUp(): Promise<void> {
    for (;;) {
      const rows = await this.context.api.reader.alarmEventsAfter(this.cursor, TAIL_PAGE);
      this.send(rows);
      if (rows.length < TAIL_PAGE || this.closed) break;
    }
    const waiting = this.waiting ?? [];
    this.waiting = null;
    this.send(waiting);
  }

  alarmEvents(rows: readonly AlarmEventRow[]): void {
    if (this.waiting) this.waiting.push(...rows);
    else this.send(rows);
  }

  /** More than the stream's buffer (64 KB) waits for the socket. */
  get behind(): boolean {
    return (this.controller.desiredSize ?? 0) < 0;
  }

  readings(message: Uint8Array): void {
    if (this.session.ended) this.close();
    else this.write(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.leave();
    this.onClose();
    try {
      this.controller.close();
    } catch {
      // Already cancelled by the client going away.
    }
  }

  private send(rows: readonly AlarmEventRow[]): void {
    const areas = alarmAreas(this.context.api.config);
    for (const row of rows) {
      if (row.seq <= this.cursor) continue;
      this.cursor = row.seq;
      this.write(alarmMessage(row, areas));
    }
  }

  private write(bytes: Uint8Array): void {
    if (this.closed) return;
    if ((this.controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) this.close();
    else this.controller.enqueue(bytes);
  }
}

export function registerStreamRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  let open = 0;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/stream',
      summary: 'Live alarm events (id = store seq; Last-Event-ID resumes without gaps or repeats) and coalesced readings, as Server-Sent Events',
      description: `Roles: ${ROLES.read.join(', ')}. Events: \`hello\` (id = where the stream starts), \`alarm\` (an AlarmEvent, with the \`areas\` of its alarm as \`/api/v1/alarm-events\` gives them), \`readings\` (the latest reading of each point that changed in the last 250 ms, by column: base, pointIds, values, times (ms from base), qualities (index: quality, for those not good)).`,
      middleware: [allow(ROLES.read, contextOf)] as const,
      security: SESSION_SECURITY,
      request: { headers: StreamHeaders },
      responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const context = contextOf();
      if (open >= MAX_STREAMS) throw new ApiError('HAZMON_API_BUSY', `${MAX_STREAMS} streams are open already`, undefined, STREAM_RETRY_AFTER_S);
      const lastEventId = c.req.valid('header')['last-event-id'];
      if (lastEventId !== undefined) await checkCursor(context.api.reader, Number(lastEventId), 'Last-Event-ID');
      const from = lastEventId === undefined ? context.live.position : Number(lastEventId);
      let client: StreamClient | null = null;
      open += 1;
      const body = new ReadableStream<Uint8Array>(
        {
          start(controller) {
            client = new StreamClient(context, c.get('session'), controller, from, () => (open -= 1));
            client.catchUp().catch((error: unknown) => {
              context.log(`web server: stream catch-up after ${from} failed: ${String(error)}`);
              client?.close();
            });
          },
          cancel() {
            client?.close();
          },
        },
        // desiredSize in bytes, so MAX_QUEUED_BYTES bounds what a client that does not read holds in memory.
        new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
      );
      c.req.raw.signal.addEventListener('abort', () => client?.close());
      return new Response(body, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' } });
    },
  );
}
