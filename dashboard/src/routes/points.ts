/** The configured points with their latest values: what a plant overview opens with before the stream takes over. */
import { type AgentApi, type LatestValue, perConfigPoints, type PlanPosition, type PublicConfig, thresholdsOf } from '@hazmon/agent';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { setImmediate } from 'node:timers/promises';
import { createGzip, gunzip } from 'node:zlib';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { JSON_TYPE, JsonBytes, uncopiedBody } from '../json-bytes.ts';
import { allowRegulator } from '../regulator-access.ts';
import { type Indicator, indicatorOf, NO_INDICATOR } from '../regulator/indicators.ts';
import { type OutOfService, outOfServiceByPoint } from '../regulator/out-of-service.ts';
import { PointFixedListSchema, PointLiveListSchema, PointsQuery, type RegulatorPointSchema, RegulatorPointListSchema } from '../regulator/schemas.ts';
import { errorResponses, json, REGULATOR_SECURITY } from './openapi.ts';

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
function liveJson(
  outOfService: readonly OutOfService[],
  value: LatestValue['value'],
  quality: LatestValue['quality'],
  reason: LatestValue['reason'],
  sourceTime: LatestValue['sourceTime'],
  receiveTime: LatestValue['receiveTime'],
): string {
  return (
    `"outOfService":${outOfService.length === 0 ? '[]' : JSON.stringify(outOfService)},"value":${fieldJson(value)},"quality":${fieldJson(quality)},` +
    `"reason":${fieldJson(reason)},"sourceTime":${fieldJson(sourceTime)},"receiveTime":${fieldJson(receiveTime)}}`
  );
}

/**
 * The `fields=fixed` answer gzipped, and where each point's entry lies in it once unzipped: `{"points":[` then the
 * entries in the order of `readingPoints`, each `{...}`, joined by commas, then `]}`. The entries less their closing
 * brace are the openings of the whole answer (fields=all): the fixed fields are kept once, tens of KB gzipped (37 KB
 * for the bench's 10k points), not as ~4 MB of strings on the heap beside ~4 MB of their bytes.
 */
class FixedBody {
  /** The unzipped answer while some request holds it: concurrent plain requests share one. */
  private unzipped: WeakRef<Buffer> | null = null;
  private unzipping: Promise<Buffer> | null = null;

  constructor(
    readonly gzip: Uint8Array<ArrayBuffer>,
    /** Entry i of readingPoints starts at byte entryStarts[i] of the unzipped answer; entryStarts[n] is 1 past the last entry's comma. */
    private readonly entryStarts: Uint32Array,
  ) {}

  /** The answer unzipped (on libuv's threads): for a client that does not take gzip, and the openings of fields=all. */
  async identity(): Promise<Buffer> {
    const held = this.unzipped?.deref();
    if (held !== undefined) return held;
    this.unzipping ??= gunzipped(this.gzip)
      .then((bytes) => {
        this.unzipped = new WeakRef(bytes);
        return bytes;
      })
      .finally(() => {
        this.unzipping = null;
      });
    return this.unzipping;
  }

  /** Point i's opening in `identity` (its entry less the closing brace), without the comma after it. */
  opening(identity: Buffer, i: number): Uint8Array {
    return identity.subarray(this.entryStarts[i]!, this.entryStarts[i + 1]! - 2);
  }
}

const fixedBodyByConfig = new WeakMap<PublicConfig, Promise<FixedBody>>();
/** The text handed to gzip at a time while the fixed answer is built: the whole answer (~4 MB at 10k points) is never one string or one buffer. */
const FIXED_CHUNK_CHARS = 64 * 1024;

/** Per config, the whole `fields=fixed` answer built and gzipped once: every dashboard loads it when it connects (20 at once after a restart). */
function fixedBody(api: AgentApi): Promise<FixedBody> {
  const config = api.config;
  let body = fixedBodyByConfig.get(config);
  if (body === undefined) {
    body = buildFixedBody(api, config);
    body.catch(() => fixedBodyByConfig.delete(config));
    fixedBodyByConfig.set(config, body);
  }
  return body;
}

/**
 * Each point's entry (its fixed fields) written in order into gzip (on libuv's threads, not the event loop that polls)
 * in chunks, with where it starts in the unzipped answer: `{"points":[` then the entries joined by commas, then `]}`.
 * The definitions are the config's (as it registered them in the store), a page at a time, with a turn of the event
 * loop left to the polls between two pages.
 */
async function buildFixedBody(api: AgentApi, config: PublicConfig): Promise<FixedBody> {
  // Read now, with the config: a reload during the build must not pair this config with the next one's rule.
  const freshness = api.pointFreshness();
  const zip = createGzip();
  const zipped: Buffer[] = [];
  zip.on('data', (chunk: Buffer) => zipped.push(chunk));
  const entryStarts = new Uint32Array(config.readingPoints.length + 1);
  let chunk = '{"points":[';
  let at = Buffer.byteLength(chunk);
  let i = 0;
  for (let page = 0; page < config.pointDefinitions.pageCount; page += 1) {
    if (page > 0) await setImmediate();
    const definitions = config.pointDefinitions.page(page);
    // A page's only, not the map kept per config (pointMetadata): 10k points' metadata held over the build while the
    // agent ingests outlived the young generation and was promoted, ~1.5 MB.
    const metadata = metadataAmong(config, new Set(definitions.map((definition) => definition.pointId)));
    for (const definition of definitions) {
      const id = definition.pointId;
      const opening = openingJson(staticFields(id, metadata.get(id), indicatorOf(definition), config.positions[id], freshness.get(id)));
      const entry = `${i === 0 ? '' : ','}${opening.slice(0, -1)}}`;
      entryStarts[i] = at + (i === 0 ? 0 : 1);
      at += Buffer.byteLength(entry);
      chunk += entry;
      if (chunk.length >= FIXED_CHUNK_CHARS) {
        if (!zip.write(chunk)) await once(zip, 'drain');
        chunk = '';
      }
      i += 1;
    }
  }
  entryStarts[config.readingPoints.length] = at + 1;
  zip.end(`${chunk}]}`);
  await once(zip, 'end');
  const gzip = Buffer.concat(zipped);
  return new FixedBody(new Uint8Array(gzip.buffer, gzip.byteOffset, gzip.byteLength) as Uint8Array<ArrayBuffer>, entryStarts);
}

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

/** Per config's list of reading points (a reload makes a new one): each point's index in it, where its entry lies in the fixed answer. */
const indexByConfigured = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

function readingPointIndex(configured: readonly string[]): ReadonlyMap<string, number> {
  let index = indexByConfigured.get(configured);
  if (index === undefined) indexByConfigured.set(configured, (index = new Map(configured.map((id, i) => [id, i]))));
  return index;
}

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
        if (zipped) return c.body(uncopiedBody(body.gzip), 200, { ...JSON_TYPE, ...cache, 'Content-Encoding': 'gzip' }) as never;
        return c.body(uncopiedBody(await body.identity()), 200, { ...JSON_TYPE, ...cache }) as never;
      }
      const config = api.config;
      const [fixed, outOfService] = await Promise.all([fields === 'all' ? fixedBody(api) : null, outOfServiceByPoint(api)]);
      // The entries of the fixed answer, unzipped, where the openings are: every field's answer has them as they are there.
      const openings = fixed === null ? null : { body: fixed, identity: await fixed.identity(), indexOf: readingPointIndex(config.readingPoints) };
      const answer = new JsonBytes(config.readingPoints.length * (fixed === null ? LIVE_POINT_BYTES : POINT_BYTES));
      answer.write('{"points":[');
      let first = true;
      api.eachLatestValue((pointId, value, quality, reason, sourceTime, receiveTime) => {
        if (!first) answer.write(',');
        first = false;
        const index = openings?.indexOf.get(pointId);
        if (openings === null) answer.write(`{"id":${JSON.stringify(pointId)},`);
        else if (index === undefined) answer.write(bareOpeningJson(pointId));
        else {
          answer.writeBytes(openings.body.opening(openings.identity, index));
          answer.write(',');
        }
        answer.write(liveJson(outOfService.get(pointId) ?? [], value, quality, reason, sourceTime, receiveTime));
      });
      answer.write(']}');
      return c.body(uncopiedBody(answer.bytes()), 200, JSON_TYPE) as never;
    },
  );
}
