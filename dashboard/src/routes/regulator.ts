/**
 * The regulator pull API (read-only, a regulator token or a session): the site with its live warning grades and
 * major-hazard grade, device comms, aggregates with completeness, and exports streamed from a temporary file.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { deviceStates, PLAN_IMAGE_TYPES, siteGrades } from '@hazmon/agent';
import type { HttpBindings } from '@hono/node-server';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { JSON_TYPE } from '../json-bytes.ts';
import { NoQuery } from '../schemas.ts';
import {
  AGGREGATE_INTERVALS,
  AGGREGATE_PAGE,
  AggregatePageSchema,
  AggregateSeriesPageSchema,
  AggregatesQuery,
  DEVICE_PERIOD_DEFAULT_DAYS,
  DEVICE_PERIOD_MAX_DAYS,
  DeviceListSchema,
  DevicesQuery,
  EXPORT_MAX_AGGREGATE_CELLS,
  EXPORT_MAX_DAYS,
  ExportQuery,
  SiteSchema,
} from '../regulator/schemas.ts';
import { aggregateCsvBody } from '../regulator/aggregate-csv.ts';
import { aggregatePageBody } from '../regulator/aggregate-page.ts';
import { aggregateSeriesBody } from '../regulator/aggregate-series.ts';
import { ChunkPool } from '../regulator/chunk-pool.ts';
import { SpareColumns } from '../regulator/spare-columns.ts';
import { allowRegulator } from '../regulator-access.ts';
import { errorResponses, json, REGULATOR_SECURITY } from './openapi.ts';

const DAY_MS = 86_400_000;
const PLAN_PATH = '/api/v1/site/plan';
const PLAN_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";
/**
 * The chunk an export is read and sent by: a day of 1k points' aggregates is ~170 MB of CSV, 2,600 chunks through the
 * web stream at the default 64 KiB against 170 at 1 MiB (half the time for the same bytes over loopback).
 */
const EXPORT_CHUNK_BYTES = 1024 * 1024;
const EXPORT_TYPES = { csv: 'text/csv; charset=utf-8', parquet: 'application/vnd.apache.parquet' } as const;

export function regulatorRoute<const Path extends string>(path: Path, summary: string) {
  return { method: 'get', path, summary, description: `A regulator token, or a session of role ${ROLES.read.join(', ')}. Read-only.`, security: REGULATOR_SECURITY } as const;
}

/** from and to as epoch ms: from at or after 1970 and before to. */
export function timeRange(query: { from: string; to: string }): { from: number; to: number } {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (from < 0) throw new ApiError('HAZMON_API_INVALID', 'from: before 1970-01-01T00:00:00Z', 'from');
  if (to <= from) throw new ApiError('HAZMON_API_INVALID', 'to: must be after from', 'to');
  return { from, to };
}

/** from and to as epoch ms, whole intervals of `interval` in UTC apart. */
function intervalRange(query: { from: string; to: string; interval: keyof typeof AGGREGATE_INTERVALS }): { from: number; to: number; intervalMs: number } {
  const intervalMs = AGGREGATE_INTERVALS[query.interval];
  const { from, to } = timeRange(query);
  if (from % intervalMs !== 0) throw new ApiError('HAZMON_API_INVALID', `from: must start a whole ${query.interval} interval in UTC`, 'from');
  if ((to - from) % intervalMs !== 0) throw new ApiError('HAZMON_API_INVALID', `to: must be a whole number of ${query.interval} intervals after from`, 'to');
  return { from, to, intervalMs };
}

/** Per config's list of reading points (a reload makes a new one): a regulator's pages each name up to 10k of them. */
const knownByConfigured = new WeakMap<readonly string[], ReadonlySet<string>>();

/** The point ids asked for, each configured, or every point. */
function pointIds(text: string | undefined, configured: readonly string[]): string[] {
  if (text === undefined) return [...configured];
  let known = knownByConfigured.get(configured);
  if (known === undefined) knownByConfigured.set(configured, (known = new Set(configured)));
  const ids = [...new Set(text.split(','))];
  const unknown = ids.find((id) => !known.has(id));
  if (unknown !== undefined) throw new ApiError('HAZMON_API_INVALID', `points: no point ${JSON.stringify(unknown.slice(0, 200))}`, 'points');
  return ids;
}

export function registerRegulatorRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  const middleware = allowRegulator(contextOf);
  const spareColumns = new SpareColumns();
  const chunkPool = new ChunkPool();
  /** An answer's chunks, written again once its Node response (@hono/node-server's; none through app.request) has sent them. */
  const chunksOf = (env: Partial<HttpBindings> | undefined) => chunkPool.forAnswer(env?.outgoing);
  app.openapi(
    createRoute({
      ...regulatorRoute('/api/v1/site', 'Enterprise and site identity, areas, the live warning grade per area and site, the major-hazard grade'),
      middleware,
      request: { query: NoQuery },
      responses: { 200: { description: 'The site', content: json(SiteSchema) }, ...errorResponses(400, 401, 403) },
    }),
    (c) => {
      const { api, now } = contextOf();
      const { site } = api.config;
      const grades = siteGrades(api);
      return c.json(
        {
          enterprise: site.enterprise ?? null,
          site: { id: site.id, name: site.name, gatewayCode: site.gatewayCode ?? null, timeZone: site.timeZone },
          plan: site.plan === undefined ? null : { url: PLAN_PATH, width: site.plan.width, height: site.plan.height },
          warningGrade: grades.warning.site,
          areas: site.areas.map((area) => ({
            id: area.id,
            name: area.name ?? null,
            kind: area.kind ?? null,
            hazardSourceCode: area.hazardSourceCode ?? null,
            warningGrade: grades.warning.areas.get(area.id) ?? 'normal',
          })),
          majorHazard: grades.majorHazard,
          time: now(),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      ...regulatorRoute(PLAN_PATH, 'The site plan image named in site.plan (SVG served with a policy that runs no script)'),
      middleware,
      request: { query: NoQuery },
      responses: {
        200: {
          description: 'The image',
          content: Object.fromEntries([...new Set(Object.values(PLAN_IMAGE_TYPES))].map((type) => [type, { schema: z.string().openapi({ format: 'binary' }) }])),
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const plan = contextOf().api.config.site.plan;
      if (plan === undefined) throw new ApiError('HAZMON_API_NOT_FOUND', 'the config names no site plan (site.plan)', 'path');
      const type = PLAN_IMAGE_TYPES[extname(plan.image).toLowerCase() as keyof typeof PLAN_IMAGE_TYPES];
      let image: Buffer;
      try {
        image = await readFile(plan.image);
      } catch (error) {
        // Checked at start and at each reload; gone since (deleted, permissions taken away) it is a 404 saying so.
        throw new ApiError('HAZMON_API_NOT_FOUND', `the site plan image cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): check site.plan.image`, 'path');
      }
      // An SVG is a document: served under its own policy it can load nothing and run no script, even opened by itself.
      return c.body(new Uint8Array(image), 200, { 'Content-Type': type, 'Content-Security-Policy': PLAN_POLICY });
    },
  );

  app.openapi(
    createRoute({
      ...regulatorRoute('/api/v1/devices', 'Each Modbus device and OPC UA connection: comms state, last good reading, disconnections and offline hours over a period, request counters'),
      middleware,
      request: { query: DevicesQuery },
      responses: { 200: { description: 'The devices', content: json(DeviceListSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api, now } = contextOf();
      const query = c.req.valid('query');
      const to = query.to === undefined ? now() : Math.min(Date.parse(query.to), now());
      const from = query.from === undefined ? to - DEVICE_PERIOD_DEFAULT_DAYS * DAY_MS : Date.parse(query.from);
      if (query.from !== undefined && to <= from) throw new ApiError('HAZMON_API_INVALID', 'from: must be before to and before now', 'from');
      if (to - from > DEVICE_PERIOD_MAX_DAYS * DAY_MS) throw new ApiError('HAZMON_API_INVALID', `to: at most ${DEVICE_PERIOD_MAX_DAYS} days after from`, 'to');
      const devices = await deviceStates(api, from, to, now());
      return c.json({ period: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, devices }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...regulatorRoute('/api/v1/aggregates', 'Min, avg, max, count and completeness per point and UTC bucket, in pages by time'),
      middleware,
      request: { query: AggregatesQuery },
      responses: {
        200: { description: 'A page of buckets, as rows or as series (shape)', content: json(z.union([AggregatePageSchema, AggregateSeriesPageSchema])) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { api } = contextOf();
      const query = c.req.valid('query');
      const { from, to, intervalMs } = intervalRange({ ...query, interval: query.interval });
      const ids = pointIds(query.points, api.config.readingPoints);
      const limit = Number(query.limit ?? AGGREGATE_PAGE.default);
      if (ids.length > limit) throw new ApiError('HAZMON_API_INVALID', `limit: ${limit} rows cannot hold one bucket of ${ids.length} points; ask fewer points or a larger limit`, 'limit');
      const pageTo = Math.min(to, from + Math.floor(limit / ids.length) * intervalMs);
      const asOf = Date.now();
      const columns = ids.length === 0 ? undefined : await api.reader.aggregateColumns({ pointIds: ids, from, to: pageTo, intervalMs }, spareColumns.take());
      const tail = `],"asOf":"${new Date(asOf).toISOString()}","next":${pageTo < to ? JSON.stringify(new Date(pageTo).toISOString()) : 'null'}}`;
      const interval = JSON.stringify(query.interval);
      const chunks = chunksOf(c.env);
      const body =
        query.shape === 'series'
          ? aggregateSeriesBody({
              head: `{"interval":${interval},"from":"${new Date(from).toISOString()}","to":"${new Date(pageTo).toISOString()}","series":[`,
              columns,
              tail,
              written: spareColumns.give,
              chunks,
            })
          : aggregatePageBody({ head: `{"interval":${interval},"rows":[`, columns, from, intervalMs, tail, written: spareColumns.give, chunks });
      return c.body(body, 200, JSON_TYPE) as never;
    },
  );

  app.openapi(
    createRoute({
      ...regulatorRoute('/api/v1/export', `Readings, aggregates or alarm events of a time range (at most ${EXPORT_MAX_DAYS} days) as CSV or Parquet, streamed`),
      middleware,
      request: { query: ExportQuery },
      responses: {
        200: {
          description: 'The file, as an attachment',
          content: { [EXPORT_TYPES.csv]: { schema: z.string() }, [EXPORT_TYPES.parquet]: { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { api } = contextOf();
      const query = c.req.valid('query');
      const { from, to } = timeRange(query);
      if (to - from > EXPORT_MAX_DAYS * DAY_MS) throw new ApiError('HAZMON_API_INVALID', `to: at most ${EXPORT_MAX_DAYS} days after from`, 'to');
      const ids = query.points === undefined ? undefined : pointIds(query.points, api.config.readingPoints);
      let intervalMs: number | undefined;
      if (query.what === 'aggregates') {
        if (query.interval === undefined) throw new ApiError('HAZMON_API_INVALID', 'interval: required for aggregates (1m, 1h or 1d)', 'interval');
        intervalMs = intervalRange({ ...query, interval: query.interval }).intervalMs;
        const cells = ((to - from) / intervalMs) * (ids ?? api.config.readingPoints).length;
        if (cells > EXPORT_MAX_AGGREGATE_CELLS)
          throw new ApiError('HAZMON_API_INVALID', `to: ${cells} point-intervals asked for, at most ${EXPORT_MAX_AGGREGATE_CELLS}: ask fewer points or a shorter range`, 'to');
      } else if (query.interval !== undefined) throw new ApiError('HAZMON_API_INVALID', 'interval: for aggregates only', 'interval');
      if (query.what === 'alarm_events' && ids !== undefined) throw new ApiError('HAZMON_API_INVALID', 'points: for readings and aggregates only', 'points');
      const name = `${query.what}-${query.from}-${query.to}.${query.format}`.replaceAll(':', '');
      const attachment = { 'Content-Type': EXPORT_TYPES[query.format], 'Content-Disposition': `attachment; filename="${name}"` };
      // At 1 min written from the store's columns, byte for byte the store's CSV (aggregate-csv.ts). A longer interval
      // sums several rows a cell, in an order that differs between the two queries' plans in an average's last digit:
      // those stay the store's COPY.
      if (intervalMs === AGGREGATE_INTERVALS['1m'] && query.format === 'csv') {
        const pointCount = (ids ?? api.config.readingPoints).length;
        const body = await aggregateCsvBody({ pointIds: ids, pointCount, from, to, intervalMs, read: (window, reuse) => api.reader.aggregateColumns(window, reuse), chunks: chunksOf(c.env) });
        return c.body(body, 200, attachment);
      }
      const dir = await mkdtemp(join(tmpdir(), 'hazmon-export-'));
      const path = join(dir, name);
      const removeDir = () => rm(dir, { recursive: true, force: true });
      try {
        await api.reader.exportRange({ what: query.what, format: query.format, path, from, to, ...(ids === undefined ? {} : { pointIds: ids }), ...(intervalMs === undefined ? {} : { intervalMs }) });
      } catch (error) {
        await removeDir();
        throw error;
      }
      const file = createReadStream(path, { highWaterMark: EXPORT_CHUNK_BYTES });
      // Closed when read to the end, or when the client goes away: the file is deleted either way.
      file.once('close', () => void removeDir());
      return c.body(Readable.toWeb(file) as WebReadableStream<Uint8Array> as unknown as ReadableStream, 200, attachment);
    },
  );
}
