/** The points dimension: string point id <-> small integer, the value scaling per point, and its metadata. */
import { StoreError, quote } from './errors.ts';
import type { DuckDBValue } from '@duckdb/node-api';
import { insertValuesSql, num, type SerialConnection } from './sql.ts';

/** 26 parameters a row; a few hundred rows per statement keeps 10k points to a handful of statements. */
const POINTS_PER_INSERT = 200;
import type { StorePointDefinition } from './types.ts';

/** In-memory view of the `points` table; the hot path reads only the Map and the typed arrays. */
export class PointRegistry {
  private readonly indexById = new Map<string, number>();
  private ids: string[] = [];
  /** value_scaled = round(value * divisor); indexed by point_idx. */
  private divisors: Float64Array = new Float64Array(64);
  private pollIntervals: Float64Array = new Float64Array(64);

  get size(): number {
    return this.ids.length;
  }

  indexOf(pointId: string): number | undefined {
    return this.indexById.get(pointId);
  }

  /** Throws the error every API uses for a point the store does not know. */
  require(pointId: string, where: string): number {
    const index = this.indexById.get(pointId);
    if (index === undefined) {
      throw new StoreError(
        'HAZMON_STORE_UNKNOWN_POINT',
        `${where}: unknown point ${quote(pointId)}; register it with registerPoints() first`,
      );
    }
    return index;
  }

  idOf(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new StoreError('HAZMON_STORE_UNKNOWN_POINT', `no point with index ${index}`);
    return id;
  }

  divisorOf(index: number): number {
    return this.divisors[index] ?? Number.NaN;
  }

  pollIntervalOf(index: number): number {
    return this.pollIntervals[index] ?? Number.NaN;
  }

  set(index: number, pointId: string, divisor: number, pollIntervalMs: number): void {
    if (index >= this.divisors.length) {
      const grown = Math.max(this.divisors.length * 2, index + 1);
      this.divisors = copyInto(new Float64Array(grown), this.divisors);
      this.pollIntervals = copyInto(new Float64Array(grown), this.pollIntervals);
    }
    this.indexById.set(pointId, index);
    this.ids[index] = pointId;
    this.divisors[index] = divisor;
    this.pollIntervals[index] = pollIntervalMs;
  }
}

function copyInto(target: Float64Array, source: Float64Array): Float64Array {
  target.set(source);
  return target;
}

export async function loadPoints(connection: SerialConnection, registry: PointRegistry): Promise<void> {
  const rows = await connection.rows('SELECT point_idx, point_id, value_divisor, poll_interval_ms FROM points ORDER BY point_idx');
  for (const row of rows) {
    registry.set(num(row.point_idx), String(row.point_id), num(row.value_divisor), num(row.poll_interval_ms));
  }
}

const METADATA_COLUMNS = [
  'unit',
  'resolution',
  'value_divisor',
  'poll_interval_ms',
  'value_kind',
  'description',
  'indicator_code',
  'equipment_code',
  'gateway_code',
  'tag_number',
  'low_low',
  'low',
  'high',
  'high_high',
  'range_low',
  'range_high',
  'longitude',
  'latitude',
  'hazard_source_code',
  'cas_number',
  'disabled',
  'disabled_by',
  'disabled_at',
  'disabled_reason',
  'updated_at',
] as const;

function metadataValues(point: StorePointDefinition, updatedAt: number): DuckDBValue[] {
  return [
    point.unit,
    point.resolution,
    divisorFor(point.resolution),
    point.pollIntervalMs,
    point.valueKind ?? 'number',
    point.description,
    point.indicatorCode,
    point.equipmentCode,
    point.gatewayCode,
    point.tagNumber,
    point.lowLow,
    point.low,
    point.high,
    point.highHigh,
    point.rangeLow,
    point.rangeHigh,
    point.longitude,
    point.latitude,
    point.hazardSourceCode,
    point.casNumber,
    point.disabled != null,
    point.disabled?.by,
    point.disabled?.at,
    point.disabled?.reason,
    updatedAt,
  ].map((value) => value ?? null);
}

/** 1 / resolution, snapped to an integer when it is one, so 0.01 scales by exactly 100. */
function divisorFor(resolution: number): number {
  const divisor = 1 / resolution;
  const rounded = Math.round(divisor);
  return Math.abs(divisor - rounded) < 1e-9 * Math.max(1, rounded) ? rounded : divisor;
}

export function validatePoint(point: StorePointDefinition, where: string): void {
  const fail = (field: string, value: unknown, why: string): never => {
    throw new StoreError('HAZMON_STORE_POINT_INVALID', `${where}.${field}: ${quote(value)} ${why}`);
  };
  if (typeof point.pointId !== 'string' || point.pointId.length === 0) fail('pointId', point.pointId, 'must be a non-empty string');
  if (typeof point.unit !== 'string') fail('unit', point.unit, 'must be a string');
  if (!(Number.isFinite(point.resolution) && point.resolution > 0)) fail('resolution', point.resolution, 'must be a finite number > 0');
  if (!(Number.isInteger(point.pollIntervalMs) && point.pollIntervalMs > 0)) {
    fail('pollIntervalMs', point.pollIntervalMs, 'must be a whole number of ms > 0');
  }
  const kind = point.valueKind ?? 'number';
  if (kind !== 'number' && kind !== 'boolean') fail('valueKind', kind, "must be 'number' or 'boolean'");
  if (kind === 'boolean' && point.resolution !== 1) fail('resolution', point.resolution, 'must be 1 for a boolean point');
}

/**
 * Inserts new points and updates the metadata of known ones, in one transaction.
 * A known point's resolution cannot change: its stored rows are scaled by it.
 */
export async function registerPoints(
  connection: SerialConnection,
  registry: PointRegistry,
  points: readonly StorePointDefinition[],
  now: number,
): Promise<void> {
  const seen = new Set<string>();
  points.forEach((point, position) => {
    const where = `registerPoints: points[${position}]`;
    validatePoint(point, where);
    if (seen.has(point.pointId)) {
      throw new StoreError('HAZMON_STORE_POINT_INVALID', `${where}.pointId: ${quote(point.pointId)} appears twice`);
    }
    seen.add(point.pointId);
  });
  const existing = new Map(
    (await connection.rows('SELECT point_id, resolution FROM points')).map((row) => [String(row.point_id), num(row.resolution)]),
  );
  points.forEach((point, position) => {
    const stored = existing.get(point.pointId);
    if (stored !== undefined && stored !== point.resolution) {
      throw new StoreError(
        'HAZMON_STORE_POINT_CONFLICT',
        `registerPoints: points[${position}].resolution: ${quote(point.resolution)} differs from the stored ${stored} of point ` +
          `${quote(point.pointId)}; its raw rows are scaled by the stored resolution, so register the new resolution under a new point id`,
      );
    }
  });

  const assigned: { index: number; point: StorePointDefinition }[] = [];
  const inserts: DuckDBValue[][] = [];
  let nextIndex = registry.size;
  const setList = METADATA_COLUMNS.map((column, i) => `${column} = $${i + 1}`).join(', ');
  for (const point of points) {
    const values = metadataValues(point, now);
    const known = registry.indexOf(point.pointId);
    const index = known ?? nextIndex++;
    assigned.push({ index, point });
    if (known === undefined) inserts.push([index, point.pointId, ...values]);
  }
  const insertColumns = ['point_idx', 'point_id', ...METADATA_COLUMNS];
  await connection.transaction(async (tx) => {
    for (let start = 0; start < inserts.length; start += POINTS_PER_INSERT) {
      const slice = inserts.slice(start, start + POINTS_PER_INSERT);
      await tx.run(insertValuesSql('points', insertColumns, slice.length), slice.flat());
    }
    for (const { index, point } of assigned) {
      if (index < registry.size) {
        await tx.run(`UPDATE points SET ${setList} WHERE point_idx = $${METADATA_COLUMNS.length + 1}`, [...metadataValues(point, now), index]);
      }
    }
  });
  for (const { index, point } of assigned) registry.set(index, point.pointId, divisorFor(point.resolution), point.pollIntervalMs);
}
