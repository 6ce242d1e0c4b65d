/** The configured points with their latest values: what a plant overview opens with before the stream takes over. */
import type { LatestValue, PublicConfig } from '@hazmon/agent';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import { ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { allowRegulator } from '../regulator-access.ts';
import type { PointSchema } from '../schemas.ts';
import { PointListSchema } from '../schemas.ts';
import { errorResponses, json, REGULATOR_SECURITY } from './openapi.ts';

interface PointMetadata {
  readonly device: string | null;
  readonly area: string | null;
  readonly unit: string | null;
}

/** Per config (a reload hands out a new object), each reading point's device, area and unit, worked out once. */
const metadataByConfig = new WeakMap<PublicConfig, ReadonlyMap<string, PointMetadata>>();

function pointMetadata(config: PublicConfig): ReadonlyMap<string, PointMetadata> {
  const known = metadataByConfig.get(config);
  if (known) return known;
  const rules = new Map(config.engine.points.map((point) => [point.id, point]));
  const source = new Map<string, { device: string; unit: string | null }>();
  for (const device of config.devices) for (const point of device.points) source.set(point.readingId, { device: device.id, unit: point.spec.unit });
  for (const connection of config.opcua) for (const point of connection.points) source.set(point.id, { device: connection.id, unit: point.unit ?? null });
  const metadata = new Map(
    config.readingPoints.map((id): [string, PointMetadata] => {
      const rule = rules.get(id);
      const from = source.get(id);
      return [id, { device: from?.device ?? null, area: rule?.area ?? null, unit: rule?.unit ?? from?.unit ?? null }];
    }),
  );
  metadataByConfig.set(config, metadata);
  return metadata;
}

function pointView(latest: LatestValue, metadata: PointMetadata | undefined): z.input<typeof PointSchema> {
  return {
    id: latest.pointId,
    device: metadata?.device ?? null,
    area: metadata?.area ?? null,
    unit: metadata?.unit ?? null,
    value: latest.value,
    quality: latest.quality,
    reason: latest.reason,
    sourceTime: latest.sourceTime,
    receiveTime: latest.receiveTime,
  };
}

export function registerPointRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/points',
      summary: 'Every configured point with its device, area, unit and latest reading (null before the first since start)',
      description: `A regulator token, or a session of role ${ROLES.read.join(', ')}.`,
      middleware: [allowRegulator(contextOf)] as const,
      security: REGULATOR_SECURITY,
      responses: { 200: { description: 'The points', content: json(PointListSchema) }, ...errorResponses(401, 403) },
    }),
    (c) => {
      const { api } = contextOf();
      const metadata = pointMetadata(api.config);
      return c.json({ points: api.latestValues().map((latest) => pointView(latest, metadata.get(latest.pointId))) }, 200);
    },
  );
}
