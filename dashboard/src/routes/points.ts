/** The configured points with their latest values: what a plant overview opens with before the stream takes over. */
import { type AgentApi, type LatestValue, perConfigPoints, type PlanPosition, type PublicConfig, thresholdsOf } from '@hazmon/agent';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { JsonBytes, uncopiedBody } from '../json-bytes.ts';
import { allowRegulator } from '../regulator-access.ts';
import { type Indicator, indicatorsOf, NO_INDICATOR } from '../regulator/indicators.ts';
import { type OutOfService, outOfServiceByPoint } from '../regulator/out-of-service.ts';
import { PointFixedListSchema, PointLiveListSchema, PointsQuery, type RegulatorPointSchema, RegulatorPointListSchema } from '../regulator/schemas.ts';
import { errorResponses, json, REGULATOR_SECURITY } from './openapi.ts';

const gzipped = promisify(gzip);
const gunzipped = promisify(gunzip);

type Thresholds = Record<'lolo' | 'lo' | 'hi' | 'hihi', number | null>;

interface PointMetadata {
  readonly device: string | null;
  readonly area: string | null;
  readonly unit: string | null;
  readonly gas: string | null;
  /** The limits in force (the engine's: explicit over the preset's, threshold overrides laid over them); null where none. */
  readonly thresholds: Thresholds;
}

/** Per config (a reload hands out a new object), each reading point's device, area, unit, gas and thresholds, worked out once. */
const metadata = perConfigPoints(metadataAmong);

export function pointMetadata(config: PublicConfig): ReadonlyMap<string, PointMetadata> {
  return metadata.all(config);
}

/** The same for some points only (see perConfigPoints): a trend after a start or a reload. */
export function pointMetadataOf(config: PublicConfig, pointIds: readonly string[]): ReadonlyMap<string, PointMetadata> {
  return metadata.of(config, pointIds);
}

/** The points of `wanted` (all when undefined), in the order of `readingPoints`. */
function metadataAmong(config: PublicConfig, wanted: ReadonlySet<string> | undefined): Map<string, PointMetadata> {
  const rules = new Map<string, PublicConfig['engine']['points'][number]>();
  for (const point of config.engine.points) if (wanted === undefined || wanted.has(point.id)) rules.set(point.id, point);
  const source = new Map<string, { device: string; unit: string | null }>();
  for (const device of config.devices) {
    for (const point of device.points) if (wanted === undefined || wanted.has(point.readingId)) source.set(point.readingId, { device: device.id, unit: point.spec.unit });
  }
  for (const connection of config.opcua) {
    for (const point of connection.points) if (wanted === undefined || wanted.has(point.id)) source.set(point.id, { device: connection.id, unit: point.unit ?? null });
  }
  const metadata = new Map<string, PointMetadata>();
  for (const id of config.readingPoints) {
    if (wanted !== undefined && !wanted.has(id)) continue;
    const rule = rules.get(id);
    const from = source.get(id);
    const limits = thresholdsOf(rule);
    metadata.set(id, {
      device: from?.device ?? null,
      area: rule?.area ?? null,
      unit: rule?.unit ?? from?.unit ?? null,
      gas: rule?.preset?.gas ?? null,
      thresholds: { lolo: limits.lowLow ?? null, lo: limits.low ?? null, hi: limits.high ?? null, hihi: limits.highHigh ?? null },
    });
  }
  return metadata;
}

const NO_THRESHOLDS: Thresholds = { lolo: null, lo: null, hi: null, hihi: null };

type PointView = z.input<typeof RegulatorPointSchema>;
/** What a point's entry has from the config and the store's definitions: the same until a reload. */
type StaticFields = Omit<PointView, 'outOfService' | 'value' | 'quality' | 'reason' | 'sourceTime' | 'receiveTime'>;

/**
 * Per config, each point's fixed fields already as JSON (the object's opening and its fields, up to the comma before
 * the live ones): a regulator or a page asking for every field of 10k points then costs the latest values, not the
 * metadata again. Kept once such a request came (~4.5 MB at 10k points); the dashboard's `fields=fixed` answer is
 * built from them once per config and kept gzipped, so it does not keep them.
 */
const staticJsonByConfig = new WeakMap<PublicConfig, Promise<ReadonlyMap<string, string>>>();

function staticJson(api: AgentApi): Promise<ReadonlyMap<string, string>> {
  const config = api.config;
  let known = staticJsonByConfig.get(config);
  if (known === undefined) {
    known = staticJsonOf(api);
    known.catch(() => staticJsonByConfig.delete(config));
    staticJsonByConfig.set(config, known);
  }
  return known;
}

/** The fixed fields' JSON of every point of the config of the moment, built anew. */
function staticJsonOf(api: AgentApi): Promise<ReadonlyMap<string, string>> {
  const config = api.config;
  // Read with the config, before the store answers: a reload meanwhile must not pair this config with the next one's rule.
  const freshness = api.pointFreshness();
  return indicatorsOf(api).then((indicators) => {
    const metadata = pointMetadata(config);
    return new Map(
      config.readingPoints.map((id) => {
        return [id, openingJson(staticFields(id, metadata.get(id), indicators.get(id) ?? NO_INDICATOR, config.positions[id], freshness.get(id)))];
      }),
    );
  });
}

/** The entry's opening brace and fixed fields, ending with the comma before the live fields. */
function openingJson(fields: StaticFields): string {
  return `${JSON.stringify(fields).slice(0, -1)},`;
}

/** A point the config of the moment does not know (a reload between two reads of one request): its id alone. */
function bareOpeningJson(id: string): string {
  return openingJson(staticFields(id, undefined, NO_INDICATOR, undefined));
}

function staticFields(id: string, metadata: PointMetadata | undefined, indicator: Indicator, position: PlanPosition | undefined, freshForMs?: number): StaticFields {
  return {
    id,
    device: metadata?.device ?? null,
    area: metadata?.area ?? null,
    unit: metadata?.unit ?? null,
    gas: metadata?.gas ?? null,
    thresholds: metadata?.thresholds ?? NO_THRESHOLDS,
    ...indicator,
    position: position ?? null,
    freshForMs: freshForMs ?? null,
  };
}

/** A live field's JSON: numbers, booleans and null as themselves (the values are finite), the rest through JSON.stringify. */
const fieldJson = (value: Omit<PointView, keyof StaticFields>[keyof Omit<PointView, keyof StaticFields>]) =>
  value === null || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);

/**
 * The live fields of a point's entry (PointView less StaticFields), as JSON without the opening brace: they follow its
 * static JSON or its id. Written field by field: 10k points a request, and no object per point to collect afterwards.
 */
function liveJson(latest: LatestValue, outOfService: readonly OutOfService[]): string {
  return (
    `"outOfService":${outOfService.length === 0 ? '[]' : JSON.stringify(outOfService)},"value":${fieldJson(latest.value)},"quality":${fieldJson(latest.quality)},` +
    `"reason":${fieldJson(latest.reason)},"sourceTime":${fieldJson(latest.sourceTime)},"receiveTime":${fieldJson(latest.receiveTime)}}`
  );
}

/**
 * Per config, the whole `fields=fixed` answer, gzipped once: every dashboard loads it when it connects (20 at once after
 * a restart), ~3 MB at 10k points each, held until the socket has taken it: the agent's highest RSS. Gzipped it is tens
 * of KB (37 KB for the bench's plant). Only the gzipped bytes are kept: a client that takes no gzip gets them unzipped on
 * its turn (the same bytes); the 3 MB kept beside them stayed in the agent's RSS for the config's life.
 */
const fixedBodyByConfig = new WeakMap<PublicConfig, Promise<Uint8Array<ArrayBuffer>>>();

function fixedBody(api: AgentApi): Promise<Uint8Array<ArrayBuffer>> {
  const config = api.config;
  let body = fixedBodyByConfig.get(config);
  if (body === undefined) {
    body = (staticJsonByConfig.get(config) ?? staticJsonOf(api)).then(async (fixed) => {
      const entries = config.readingPoints.map((id) => `${(fixed.get(id) ?? bareOpeningJson(id)).slice(0, -1)}}`);
      // On libuv's threads, not the event loop that polls.
      return asBytes(await gzipped(new TextEncoder().encode(`{"points":[${entries.join(',')}]}`)));
    });
    body.catch(() => fixedBodyByConfig.delete(config));
    fixedBodyByConfig.set(config, body);
  }
  return body;
}

const asBytes = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) as Uint8Array<ArrayBuffer>;

/** Whether an Accept-Encoding header takes gzip (named, or `*`, without q=0). */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  return acceptEncoding.split(',').some((part) => {
    const [coding, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((parameter) => /^\s*q=([0-9.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q) > 0);
  });
}

/** Started per process: an ETag of a restarted server never matches one of before (its config may differ). */
const ETAG_PREFIX = `points-${Date.now().toString(36)}`;
let configsSeen = 0;
const fixedTagByConfig = new WeakMap<PublicConfig, string>();

/** The ETag of the fixed fields under a config: a new one for each config object (each start and reload). */
function fixedTag(config: PublicConfig): string {
  let tag = fixedTagByConfig.get(config);
  if (tag === undefined) {
    configsSeen += 1;
    tag = `"${ETAG_PREFIX}-${configsSeen}"`;
    fixedTagByConfig.set(config, tag);
  }
  return tag;
}

/** If-None-Match names the tag (or is `*`): the client has the representation already. */
function matches(ifNoneMatch: string | undefined, tag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === '*' || trimmed === tag || trimmed === `W/${tag}`;
  });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
/** About what one point takes as JSON (its live fields; all its fields), to size the answer's buffer. */
const LIVE_POINT_BYTES = 140;
const POINT_BYTES = 400;

export function registerPointRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/points',
      summary:
        'Every configured point: device, area, unit, gas, thresholds in force, the provincial indicator metadata, its position on the site plan, out-of-service alarms, latest reading (null before the first since start); or only the fixed or the live fields',
      description: `A regulator token, or a session of role ${ROLES.read.join(', ')}. The fixed fields change only when the config does (a start, a reload, a threshold change): a client keeps them with their ETag and asks for the live fields.`,
      middleware: [allowRegulator(contextOf)] as const,
      security: REGULATOR_SECURITY,
      request: { query: PointsQuery },
      responses: {
        200: {
          description: 'The points (every field, the fixed ones with an ETag, or the live ones)',
          headers: { ETag: { description: 'With fields=fixed: the version of the fixed fields, for If-None-Match', schema: { type: 'string' } } },
          content: json(z.union([RegulatorPointListSchema, PointFixedListSchema, PointLiveListSchema])),
        },
        304: { description: 'fields=fixed and If-None-Match names the ETag of the fixed fields in force: unchanged' },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { api } = contextOf();
      const fields = c.req.valid('query').fields ?? 'all';
      // Built as text, in the shape of the schemas above: the fixed fields were serialized once per config.
      if (fields === 'fixed') {
        // The tag of the config fixedBody() reads now: a reload meanwhile does not put a new tag on the old fields.
        // A strong tag names one representation: the gzipped answer has its own (RFC 9110 8.8.3).
        const zipped = acceptsGzip(c.req.header('Accept-Encoding'));
        const tag = fixedTag(api.config);
        const cache = { ETag: zipped ? `${tag.slice(0, -1)}-gzip"` : tag, 'Cache-Control': 'private, no-cache', Vary: 'Accept-Encoding' };
        if (matches(c.req.header('If-None-Match'), cache.ETag)) return c.body(null, 304, cache) as never;
        const body = await fixedBody(api);
        if (zipped) return c.body(uncopiedBody(body), 200, { ...JSON_TYPE, ...cache, 'Content-Encoding': 'gzip' }) as never;
        return c.body(uncopiedBody(asBytes(await gunzipped(body))), 200, { ...JSON_TYPE, ...cache }) as never;
      }
      const [fixed, outOfService] = await Promise.all([fields === 'all' ? staticJson(api) : null, outOfServiceByPoint(api)]);
      const opening = (id: string) => (fixed === null ? `{"id":${JSON.stringify(id)},` : (fixed.get(id) ?? bareOpeningJson(id)));
      const latestValues = api.latestValues();
      const answer = new JsonBytes(latestValues.length * (fixed === null ? LIVE_POINT_BYTES : POINT_BYTES));
      answer.write('{"points":[');
      latestValues.forEach((latest, i) => answer.write(`${i === 0 ? '' : ','}${opening(latest.pointId)}${liveJson(latest, outOfService.get(latest.pointId) ?? [])}`));
      answer.write(']}');
      return c.body(uncopiedBody(answer.bytes()), 200, JSON_TYPE) as never;
    },
  );
}
