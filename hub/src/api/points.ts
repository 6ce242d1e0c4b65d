/**
 * A point's entry in the hub's point list from the metadata its gateway sent (the store's StorePointDefinition), in
 * the field names of the gateway's own `/api/v1/points` where the data is the same. The metadata is the gateway's
 * JSON, so each field is taken only when it has its type: a gateway from before a field, or one sending it wrong,
 * gives null there, never a wrong value.
 */
import type { z } from '@hono/zod-openapi';
import type { PointMetadataRow } from './reader.ts';
import type { PointPageSchema } from './schemas.ts';

type HubPoint = z.input<typeof PointPageSchema>['points'][number];

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const number = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function disabledOf(value: unknown): HubPoint['disabled'] {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const [by, at, reason] = [text(record['by']), number(record['at']), text(record['reason'])];
  return by === null || at === null || reason === null ? null : { by, at, reason };
}

export function hubPointOf(row: PointMetadataRow): HubPoint {
  const point = row.metadata;
  const [rangeLow, rangeHigh] = [number(point['rangeLow']), number(point['rangeHigh'])];
  return {
    gateway: row.gateway,
    id: row.pointId,
    unit: text(point['unit']),
    thresholds: { lolo: number(point['lowLow']), lo: number(point['low']), hi: number(point['high']), hihi: number(point['highHigh']) },
    description: text(point['description']),
    indicatorCode: text(point['indicatorCode']),
    equipmentCode: text(point['equipmentCode']),
    gatewayCode: text(point['gatewayCode']),
    tagNumber: text(point['tagNumber']),
    range: rangeLow === null || rangeHigh === null ? null : [rangeLow, rangeHigh],
    longitude: number(point['longitude']),
    latitude: number(point['latitude']),
    hazardSourceCode: text(point['hazardSourceCode']),
    casNumber: text(point['casNumber']),
    pollIntervalMs: number(point['pollIntervalMs']),
    resolution: number(point['resolution']),
    disabled: disabledOf(point['disabled']),
    configHash: row.configHash,
    configTime: row.configTime,
  };
}

/** The cursor `<gateway>:<point id>` (a gateway code has no colon, a point id may). */
export function pointCursorOf(text: string): [string, string] {
  const colon = text.indexOf(':');
  return [text.slice(0, colon), text.slice(colon + 1)];
}

export const pointCursor = (point: { readonly gateway: string; readonly id: string }) => `${point.gateway}:${point.id}`;
