/** The points dimension: string point id <-> small integer, the value scaling per point, and its metadata. */
import { StoreError, quote } from './errors.ts';
import { BOOLEAN, DOUBLE, INTEGER, LIST, VARCHAR, listValue, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { num, type SerialConnection } from './sql.ts';
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

/**
 * The metadata columns in metadataValues' order, each with the type its values are bound as; the epoch-ms BIGINT
 * columns are bound as DOUBLE (JS numbers, exact below 2^53) and cast on write.
 */
const METADATA_COLUMN_TYPES = {
  unit: VARCHAR,
  resolution: DOUBLE,
  value_divisor: DOUBLE,
  poll_interval_ms: INTEGER,
  value_kind: VARCHAR,
  description: VARCHAR,
  indicator_code: VARCHAR,
  equipment_code: VARCHAR,
  gateway_code: VARCHAR,
  tag_number: VARCHAR,
  low_low: DOUBLE,
  low: DOUBLE,
  high: DOUBLE,
  high_high: DOUBLE,
  range_low: DOUBLE,
  range_high: DOUBLE,
  longitude: DOUBLE,
  latitude: DOUBLE,
  hazard_source_code: VARCHAR,
  cas_number: VARCHAR,
  disabled: BOOLEAN,
  disabled_by: VARCHAR,
  disabled_at: DOUBLE,
  disabled_reason: VARCHAR,
  updated_at: DOUBLE,
} as const satisfies Record<string, DuckDBType>;
const METADATA_COLUMNS = Object.keys(METADATA_COLUMN_TYPES);
const KEYED_COLUMNS = ['point_idx', ...METADATA_COLUMNS];
const KEYED_TYPES: DuckDBType[] = [INTEGER, ...Object.values(METADATA_COLUMN_TYPES)];
const NEW_POINT_COLUMNS = ['point_idx', 'point_id', ...METADATA_COLUMNS];
const NEW_POINT_TYPES: DuckDBType[] = [INTEGER, VARCHAR, ...Object.values(METADATA_COLUMN_TYPES)];

/** `unnest($1) AS a, unnest($2) AS b, ..`: one list parameter per column, zipped back into rows. */
function unnestColumns(columns: readonly string[]): string {
  return columns.map((column, position) => `unnest($${position + 1}) AS ${column}`).join(', ');
}

const INSERT_POINTS_SQL = `INSERT INTO points (${NEW_POINT_COLUMNS.join(', ')}) SELECT ${unnestColumns(NEW_POINT_COLUMNS)}`;
const UPDATE_POINTS_SQL =
  `UPDATE points SET ${METADATA_COLUMNS.map((column) => `${column} = v.${column}`).join(', ')} ` +
  `FROM (SELECT ${unnestColumns(KEYED_COLUMNS)}) AS v WHERE points.point_idx = v.point_idx`;

/**
 * Rows turned into one list per column, so one statement carries every point: DuckDB takes about a second to bind
 * each few thousand scalar parameters of a VALUES list, which made 10k points cost seconds at every start.
 */
async function runWithColumnLists(connection: DuckDBConnection, sql: string, rows: readonly DuckDBValue[][], types: readonly DuckDBType[]): Promise<void> {
  if (rows.length === 0) return;
  await connection.run(
    sql,
    types.map((_, column) => listValue(rows.map((row) => row[column] ?? null))),
    types.map((type) => LIST(type)),
  );
}

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
  const updates: DuckDBValue[][] = [];
  let nextIndex = registry.size;
  for (const point of points) {
    const values = metadataValues(point, now);
    const known = registry.indexOf(point.pointId);
    const index = known ?? nextIndex++;
    assigned.push({ index, point });
    if (known === undefined) inserts.push([index, point.pointId, ...values]);
    else updates.push([index, ...values]);
  }
  await connection.transaction(async (tx) => {
    await runWithColumnLists(tx, INSERT_POINTS_SQL, inserts, NEW_POINT_TYPES);
    await runWithColumnLists(tx, UPDATE_POINTS_SQL, updates, KEYED_TYPES);
  });
  for (const { index, point } of assigned) registry.set(index, point.pointId, divisorFor(point.resolution), point.pollIntervalMs);
}
