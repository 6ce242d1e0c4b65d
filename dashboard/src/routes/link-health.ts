/** Link health per device and UTC day for regulators: online, offline and unmonitored hours, disconnections, readings received against expected. */
import type { StoreReader } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv, ContextOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { DAY_MS } from '../query-params.ts';
import { linkHealth } from '../regulator/link-health.ts';
import { instant } from '../regulator/schemas.ts';
import { allowRegulator } from '../regulator-access.ts';
import { errorResponses, json } from './openapi.ts';
import { pointMetadata } from './points.ts';
import { regulatorRoute, timeRange } from './regulator.ts';

const LINK_HEALTH_MAX_DAYS = 366;
/** Point-days one request reads at most (the store's daily aggregates); a larger plant asks for fewer days at a time. */
const MAX_POINT_DAYS = 1_000_000;

const LinkHealthQuery = z.strictObject({
  from: instant.openapi({ description: 'First UTC day, at midnight UTC' }),
  to: instant.openapi({ description: `End (excluded), at midnight UTC, 1..${LINK_HEALTH_MAX_DAYS} days after from` }),
});

const LinkHealthDaySchema = z
  .object({
    deviceId: z.string(),
    day: z.string().openapi({ description: 'UTC day, YYYY-MM-DD' }),
    onlineHours: z.number().openapi({
      description: 'Hours of the day (up to now) in which the gateway read the device: neither offline nor unmonitored. Before session 24 it counted time the gateway was not running as online',
    }),
    offlineHours: z.number().openapi({ description: 'Hours of the day in comms loss (from the stored comms_loss events)' }),
    unmonitoredHours: z.number().openapi({
      description:
        "Hours of the day (up to now) with no reading of the device stored and no comms loss known: the gateway was not reading it (stopped, killed, machine off). From the 1-minute rollups: a reading's minute counts as read until its end plus the poll interval",
    }),
    disconnections: z.number().int().openapi({ description: 'Comms losses that began in the day' }),
    readingsReceived: z.number().int().openapi({ description: 'Readings of its points stored in the day, any quality' }),
    readingsGood: z.number().int(),
    readingsExpected: z.number().int().openapi({ description: 'Sum over its points of the day (up to now) / the poll interval' }),
    completeness: z.number().min(0).max(1).nullable().openapi({ description: 'readingsGood / readingsExpected, capped at 1; null when none was expected' }),
  })
  .openapi('LinkHealthDay');

const LinkHealthSchema = z.object({ from: z.string(), to: z.string(), days: z.array(LinkHealthDaySchema).openapi({ description: 'By day, then device' }) }).openapi('LinkHealth');

export function registerLinkHealthRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      ...regulatorRoute('/api/v1/link-health', 'Per device and UTC day: online, offline and unmonitored hours, disconnections, readings received against expected'),
      middleware: allowRegulator(contextOf),
      request: { query: LinkHealthQuery },
      responses: { 200: { description: 'Link health', content: json(LinkHealthSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api, now } = contextOf();
      const { from, to } = timeRange(c.req.valid('query'));
      if (from % DAY_MS !== 0) throw new ApiError('HAZMON_API_INVALID', 'from: must be midnight UTC (a whole day)', 'from');
      if (to % DAY_MS !== 0) throw new ApiError('HAZMON_API_INVALID', 'to: must be midnight UTC (a whole number of days after from)', 'to');
      if (to - from > LINK_HEALTH_MAX_DAYS * DAY_MS) throw new ApiError('HAZMON_API_INVALID', `to: at most ${LINK_HEALTH_MAX_DAYS} days after from`, 'to');
      const devices = api.stats().sources;
      const metadata = pointMetadata(api.config);
      const stored = new Set(api.config.readingPoints);
      const pointsOf = new Map<string, { pointId: string; pollIntervalMs: number }[]>();
      for (const definition of await api.reader.pointDefinitions()) {
        const device = metadata.get(definition.pointId)?.device;
        if (!device || !stored.has(definition.pointId)) continue;
        const points = pointsOf.get(device);
        const point = { pointId: definition.pointId, pollIntervalMs: definition.pollIntervalMs };
        if (points === undefined) pointsOf.set(device, [point]);
        else points.push(point);
      }
      const pointIds = [...pointsOf.values()].flat().map((point) => point.pointId);
      if (pointIds.length * ((to - from) / DAY_MS) > MAX_POINT_DAYS) throw new ApiError('HAZMON_API_INVALID', `to: over ${MAX_POINT_DAYS} point-days; ask fewer days at a time`, 'to');
      const time = now();
      const [comms, aggregates, unseen] = await Promise.all([
        api.reader.ruleHistory('comms_loss', from, to),
        pointIds.length === 0 ? [] : api.reader.aggregates({ pointIds, from, to, intervalMs: DAY_MS }),
        unseenByDevice(api.reader, pointsOf, new Set(api.config.devices.map((device) => device.id)), from, Math.max(from, Math.min(to, time))),
      ]);
      const days = linkHealth({ from, to, now: time, dayMs: DAY_MS, devices, pointsOf, comms, aggregates, unseen });
      return c.json({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), days }, 200);
    },
  );
}

/**
 * Per device, the spans without readings of its most often read point: a device's points are read together (a Modbus
 * device's in one poll, an OPC UA connection's in one subscription), so one point tells whether the gateway was
 * reading it, and the store reads one point's minutes instead of all of them.
 */
async function unseenByDevice(
  reader: StoreReader,
  pointsOf: ReadonlyMap<string, readonly { pointId: string; pollIntervalMs: number }[]>,
  polledDevices: ReadonlySet<string>,
  from: number,
  to: number,
) {
  const watched = new Map<string, string>();
  for (const [deviceId, points] of pointsOf) {
    const fastest = points.reduce((best, point) => (point.pollIntervalMs < best.pollIntervalMs ? point : best));
    watched.set(fastest.pointId, deviceId);
  }
  const unseen = new Map<string, { start: number; end: number }[]>();
  if (watched.size === 0) return unseen;
  // Modbus devices are polled at their interval; an OPC UA connection's subscription reports changes.
  const watches = [...watched].map(([pointId, deviceId]) => ({ pointId, polled: polledDevices.has(deviceId) }));
  for (const span of await reader.unseenSpans(watches, from, to)) {
    const deviceId = watched.get(span.pointId)!;
    const spans = unseen.get(deviceId);
    if (spans === undefined) unseen.set(deviceId, [span]);
    else spans.push(span);
  }
  return unseen;
}
