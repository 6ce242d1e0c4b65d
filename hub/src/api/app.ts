/**
 * The hub's regulator API v1: read-only, for a regulator bearer token or a signed-in bureau user (sign-in.ts), across
 * every gateway the hub hears from. The same discipline as the gateway's API (@hazmon/dashboard/http-kit): one error
 * shape naming the field, strict query params, the OpenAPI 3.1 document generated from the route declarations that
 * validate the requests. The bureau's web page (hub/ui, built into hub/ui/dist) is served beside it, under the
 * gateway's security headers.
 */
import { fileURLToPath } from 'node:url';
import { ApiError, BROWSER_SECURITY_HEADERS, DAY_MS, errorAnswer, findUiDir, MINUTE_MS, registerUiRoutes, validationError } from '@hazmon/dashboard/http-kit';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ZodType } from 'zod';
import { INTERVALS, queryAggregates } from './aggregates.ts';
import { completeness } from './completeness.ts';
import { csvStream, exportCsv } from './export.ts';
import { bySupervision, warningGradeOfAlarms } from './grades.ts';
import { lastDayLinkScores, linkHealth } from './link-health.ts';
import { hubPointOf, pointCursor, pointCursorOf } from './points.ts';
import type { HubReader } from './reader.ts';
import {
  AggregatesQuery,
  AggregatesSchema,
  AlarmEventPageSchema,
  AlarmEventsQuery,
  AUDIT_PAGE,
  AuditPageSchema,
  AuditQuery,
  CompletenessQuery,
  CompletenessSchema,
  DeviceListSchema,
  DevicesQuery,
  ExportQuery,
  ErrorSchema,
  EVENT_PAGE,
  LinkHealthQuery,
  LinkHealthSchema,
  POINT_PAGE,
  PointPageSchema,
  PointsQuery,
  REFUSAL_PAGE,
  RefusalPageSchema,
  RefusalsQuery,
  REJECTION_PAGE,
  RejectionPageSchema,
  RejectionsQuery,
  SiteListSchema,
  SitesQuery,
} from './schemas.ts';
import { type HubSignIn, registerSignInRoutes, requireCaller, type SignInEnv } from './sign-in.ts';

export const HUB_OPENAPI_PATH = '/api/v1/openapi.json';

/** The bureau's page as `pnpm run build:ui` builds it (hub/ui/vite.config.ts). */
const HUB_UI_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

export interface HubApiContext {
  readonly reader: HubReader;
  readonly victoriaMetricsUrl: string;
  /** A gateway with no message for this long is offline. */
  readonly offlineAfterMs: number;
  /** The link monitor runs (the hub has a NATS system user): link health is known. */
  readonly linkMonitored: boolean;
  /** The bureau's users, their sessions and login back-off. */
  readonly signIn: HubSignIn;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

type HubEnv = SignInEnv;

function json<S extends ZodType>(schema: S) {
  return { 'application/json': { schema } } as const;
}

const ERRORS = {
  400: { description: 'Invalid params: `field` names the one to change', content: json(ErrorSchema) },
  401: { description: 'No live session cookie (POST /api/v1/login) and no live token (send Authorization: Bearer <token>)', content: json(ErrorSchema) },
} as const;
const SECURITY: { [scheme: string]: string[] }[] = [{ regulatorToken: [] }, { session: [] }];

/** The app; `contextOf` is called per request, so the OpenAPI document is built without databases. */
export function createHubApp(contextOf: () => HubApiContext): OpenAPIHono<HubEnv> {
  const app = new OpenAPIHono<HubEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(BROWSER_SECURITY_HEADERS)) c.res.headers.set(name, value);
    // The page's hashed assets keep their year; everything else (answers, index.html's no-cache aside) is not stored.
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
    if (new URL(c.req.url).protocol === 'https:') c.res.headers.set('Strict-Transport-Security', 'max-age=31536000');
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'regulatorToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'A read-only regulator token made at the hub by `hazmon-hub token create <name>`',
  });
  const auth = requireCaller(
    () => contextOf().signIn,
    (secret) => contextOf().reader.tokenName(secret),
  );
  /** What every read route of the API shares: GET, a regulator token or a staff session. */
  const readRoute = <const Path extends string>(path: Path, summary: string) => ({ method: 'get' as const, path, summary, middleware: auth, security: SECURITY });
  registerSignInRoutes(
    app,
    () => contextOf().signIn,
    () => contextOf().log,
  );

  app.openapi(
    createRoute({
      ...readRoute('/api/v1/sites', 'Every gateway the hub has heard from: its site, warning grade, latest health and whether it is online, in graded-supervision order'),
      request: { query: SitesQuery },
      responses: { 200: { description: 'The sites', content: json(SiteListSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { reader, now, offlineAfterMs, linkMonitored } = contextOf();
      const time = now();
      const filter = c.req.valid('query');
      const [rows, connections, refusals, rejected] = await Promise.all([
        reader.sites(filter),
        linkMonitored ? reader.linkConnections(filter, time - DAY_MS, time) : [],
        reader.refusalCounts(time - DAY_MS),
        reader.rejectionCounts(time - DAY_MS),
      ]);
      const linkOf = lastDayLinkScores(connections, time);
      const sites = rows.map(({ health, ...row }) => {
        const grades = health?.grades ?? null;
        return {
          ...row,
          warningGrade: grades?.warning ?? warningGradeOfAlarms(health?.activeAlarms ?? null),
          warningGradeFrom: health === null ? null : grades === null ? ('activeAlarms' as const) : ('gateway' as const),
          areaGrades: grades?.areas ?? {},
          majorHazardGrade: grades?.majorHazard ?? null,
          online: row.lastMessageAt !== null && time - row.lastMessageAt <= offlineAfterMs,
          health:
            health === null ? null : { time: health.time, receivedAt: health.receivedAt, healthy: health.healthy, alive: health.alive, reasons: health.reasons, activeAlarms: health.activeAlarms },
          link: linkMonitored ? linkOf(row.gateway) : null,
          refusals: refusals.get(row.gateway) ?? 0,
          rejected: rejected.get(row.gateway) ?? 0,
        };
      });
      sites.sort(bySupervision);
      return c.json({ sites }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute(
        '/api/v1/alarm-events',
        "Every gateway's alarm events with the hub's id > after, oldest first (or with order=desc, id < before, newest first); pass `next` as the cursor for the following page (no gap, no repeat while events arrive)",
      ),
      request: { query: AlarmEventsQuery },
      responses: { 200: { description: 'A page of events', content: json(AlarmEventPageSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { reader } = contextOf();
      const { order, after: afterText, before: beforeText, limit: limitText, ...filter } = c.req.valid('query');
      const limit = Number(limitText ?? EVENT_PAGE.default);
      if (order === 'desc') {
        const before = beforeText === undefined ? null : Number(beforeText);
        const events = await reader.eventsBefore(before, limit, filter);
        return c.json({ events, next: events.at(-1)?.id ?? before ?? 0 }, 200);
      }
      const after = Number(afterText ?? 0);
      // Resuming after a made-up id past every event would skip the events still to come below it.
      if (after > 0 && !(await reader.eventAtOrAfter(after))) throw new ApiError('HAZMON_API_INVALID', `after: no alarm event has id ${after} or later`, 'after');
      const events = await reader.eventsAfter(after, limit, filter);
      return c.json({ events, next: events.at(-1)?.id ?? after }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute(
        '/api/v1/audit',
        "Every gateway's audit log (who did what, why: acknowledgements, shelves, resets, threshold changes, sign-ins...) with the hub's id > after, oldest first, with each row's hash chain fields; pass `next` as `after` for the following page",
      ),
      request: { query: AuditQuery },
      responses: { 200: { description: 'A page of audit rows', content: json(AuditPageSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { reader } = contextOf();
      const { after: afterText, limit, ...filter } = c.req.valid('query');
      const after = Number(afterText ?? 0);
      // Resuming after a made-up id past every row would skip the rows still to come below it.
      if (after > 0 && !(await reader.auditAtOrAfter(after))) throw new ApiError('HAZMON_API_INVALID', `after: no audit row has id ${after} or later`, 'after');
      const rows = await reader.auditAfter(after, Number(limit ?? AUDIT_PAGE.default), filter);
      return c.json({ rows, next: rows.at(-1)?.id ?? after }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute(
        '/api/v1/points',
        "Every gateway's points with their regulatory metadata (indicator codes, unit, thresholds in force, range, coordinates, disable record) as of its latest config, by gateway then point id; pass `next` as `after` for the following page",
      ),
      request: { query: PointsQuery },
      responses: { 200: { description: 'A page of points', content: json(PointPageSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { reader } = contextOf();
      const { after, limit: limitText, ...filter } = c.req.valid('query');
      const limit = Number(limitText ?? POINT_PAGE.default);
      // One row more than the page says whether another page follows.
      const rows = await reader.pointPage(after === undefined ? null : pointCursorOf(after), limit + 1, filter);
      const points = rows.slice(0, limit).map(hubPointOf);
      return c.json({ points, next: rows.length > limit ? pointCursor(points.at(-1)!) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute('/api/v1/aggregates', "A gateway's points per bucket (1m, 1h or 1d, aligned to UTC): min, average and max of good readings, readings received, from VictoriaMetrics"),
      request: { query: AggregatesQuery },
      responses: { 200: { description: "Each point's buckets", content: json(AggregatesSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { victoriaMetricsUrl } = contextOf();
      const query = c.req.valid('query');
      const step = INTERVALS[query.interval];
      const from = Math.floor(Number(query.from) / step) * step;
      const to = Math.ceil(Number(query.to) / step) * step;
      const points = await queryAggregates(victoriaMetricsUrl, { gateway: query.gateway, points: query.points?.split(','), from, to, interval: query.interval });
      return c.json({ gateway: query.gateway, interval: query.interval, from, to, points }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute('/api/v1/completeness', "Each gateway's completeness over a span: good readings received / expected by its points' poll intervals (points out of service apart)"),
      request: { query: CompletenessQuery },
      responses: { 200: { description: 'Per gateway', content: json(CompletenessSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { reader, victoriaMetricsUrl } = contextOf();
      const { from: fromText, to: toText, ...filter } = c.req.valid('query');
      const from = Math.floor(Number(fromText) / MINUTE_MS) * MINUTE_MS;
      const to = Math.ceil(Number(toText) / MINUTE_MS) * MINUTE_MS;
      return c.json({ from, to, gateways: await completeness(victoriaMetricsUrl, await reader.points(filter), from, to) }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute('/api/v1/link-health', "Each gateway's NATS link per UTC day, as provincial platforms score it: hours online and offline, disconnections, and their averages per day"),
      request: { query: LinkHealthQuery },
      responses: {
        200: { description: 'Per gateway and day', content: json(LinkHealthSchema) },
        409: { description: 'The hub has no NATS system user (`nats.system`): it cannot see the links', content: json(ErrorSchema) },
        ...ERRORS,
      },
    }),
    async (c) => {
      const { reader, linkMonitored, now } = contextOf();
      if (!linkMonitored) throw new ApiError('HAZMON_API_REFUSED', "link health needs the hub's NATS system user (nats.system in the hub config)");
      const { from: fromText, to: toText, ...filter } = c.req.valid('query');
      const from = Math.floor(Number(fromText) / DAY_MS) * DAY_MS;
      const to = Math.ceil(Number(toText) / DAY_MS) * DAY_MS;
      const time = now();
      const [gateways, connections] = await Promise.all([reader.linkGateways(filter), reader.linkConnections(filter, from, to)]);
      const scored = linkHealth(gateways, connections, from, to, time).map((health) => ({
        ...health,
        days: [...health.days],
        averageOfflineHoursPerDay: health.days.length === 0 ? null : health.offlineHours / health.days.length,
        disconnectionsPerDay: health.days.length === 0 ? null : health.disconnections / health.days.length,
      }));
      return c.json({ from, to, gateways: scored }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute(
        '/api/v1/refusals',
        "What NATS refused, with the hub's id > after, oldest first: wrong credentials (auth error events) and publishes outside a user's subjects (from the servers' logs)",
      ),
      request: { query: RefusalsQuery },
      responses: { 200: { description: 'A page of refusals', content: json(RefusalPageSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { reader } = contextOf();
      const { after: afterText, limit, ...filter } = c.req.valid('query');
      const after = Number(afterText ?? 0);
      const refusals = await reader.refusals(after, Number(limit ?? REFUSAL_PAGE.default), filter);
      return c.json({ refusals, next: refusals.at(-1)?.id ?? after }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute(
        '/api/v1/rejections',
        "The gateways' messages the hub refused, with the stream's id > after, oldest first: a subject, payload or version outside the uplink contract, whose data is therefore missing here (the gateway's own store still has it)",
      ),
      request: { query: RejectionsQuery },
      responses: { 200: { description: 'A page of rejections', content: json(RejectionPageSchema) }, ...ERRORS },
    }),
    async (c) => {
      const { after: afterText, limit, gateway } = c.req.valid('query');
      const after = Number(afterText ?? 0);
      const rejections = await contextOf().reader.rejections(after, Number(limit ?? REJECTION_PAGE.default), { gateway });
      return c.json({ rejections, next: rejections.at(-1)?.id ?? after }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...readRoute(
        '/api/v1/devices',
        "Each gateway's devices as its latest health message carried them (its /api/v1/devices: comms state, last good reading, faults, sensor life, upkeep due), the gateway's time beside the hub's receipt",
      ),
      request: { query: DevicesQuery },
      responses: { 200: { description: 'Per gateway', content: json(DeviceListSchema) }, ...ERRORS },
    }),
    async (c) => c.json({ gateways: await contextOf().reader.devices(c.req.valid('query')) }, 200),
  );

  app.openapi(
    createRoute({
      ...readRoute(
        '/api/v1/export',
        "Alarm events (every column of /api/v1/alarm-events, event time in the span) or 1-minute aggregates (as /api/v1/aggregates?interval=1m, per gateway) as CSV with a header row, streamed; times ISO 8601 UTC, an event's gateway times beside the hub's receipt",
      ),
      request: { query: ExportQuery },
      responses: { 200: { description: 'The file, as an attachment', content: { 'text/csv; charset=utf-8': { schema: z.string() } } }, ...ERRORS },
    }),
    async (c) => {
      const { reader, victoriaMetricsUrl, log } = contextOf();
      const { what, format, from: fromText, to: toText, ...filter } = c.req.valid('query');
      const from = Math.floor(Number(fromText) / MINUTE_MS) * MINUTE_MS;
      const to = Math.ceil(Number(toText) / MINUTE_MS) * MINUTE_MS;
      const body = await csvStream(exportCsv(reader, victoriaMetricsUrl, { what, from, to, filter }), log);
      const name = `${what}-${new Date(from).toISOString()}-${new Date(to).toISOString()}.${format}`.replaceAll(':', '');
      return c.body(body, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}"` }) as never;
    },
  );

  let document: ReturnType<typeof documentOf> | undefined;
  app.get(HUB_OPENAPI_PATH, (c) => c.json((document ??= documentOf(app)), 200));
  registerUiRoutes(app, findUiDir([HUB_UI_DIR]), "hub's page");
  const respond = (error: unknown, c: Context<HubEnv>) => {
    const answer = errorAnswer(error, contextOf().log);
    return c.json(answer.body, answer.status, answer.headers);
  };
  app.notFound((c) => respond(new ApiError('HAZMON_API_NOT_FOUND', 'no such route', 'path'), c));
  app.onError(respond);
  return app;
}

function documentOf(app: OpenAPIHono<HubEnv>) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'hazmon hub regulator API', version: '1', description: "The regulator hub's read-only API across every gateway that pushes to it (hub/README.md)" },
  });
}
