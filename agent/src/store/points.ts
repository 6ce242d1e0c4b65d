/** The points dimension: string point id <-> small integer, the value scaling per point, and its metadata. */
import { quote } from '@hazmon/errors';
import { StoreError } from './errors.ts';
import { BOOLEAN, DOUBLE, INTEGER, VARCHAR, type DuckDBAppender, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { num, numOrNull, sqlString, strOrNull, type SerialConnection, type SqlRow } from './sql.ts';
import type { StoredLimits, StoredLimitsMove, StorePointDefinition } from './types.ts';

/** In-memory view of the `points` table; the hot path reads only the Map and the typed arrays. */
export class PointRegistry {
  private readonly indexById = new Map<string, number>();
  private ids: string[] = [];
  /** value_scaled = round(value * divisor); indexed by point_idx. */
  private divisors: Float64Array = new Float64Array(64);
  private pollIntervals: Float64Array = new Float64Array(64);
  private rowsPerSecond = 0;

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
      throw new StoreError('HAZMON_STORE_UNKNOWN_POINT', `${where}: unknown point ${quote(pointId)}; register it with registerPoints() first`);
    }
    return index;
  }

  idOf(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new StoreError('HAZMON_STORE_UNKNOWN_POINT', `no point with index ${index}`);
    return id;
  }

  /** Whether the store handed out this index (idOf would not throw). */
  has(index: number): boolean {
    return this.ids[index] !== undefined;
  }

  divisorOf(index: number): number {
    return this.divisors[index] ?? Number.NaN;
  }

  pollIntervalOf(index: number): number {
    return this.pollIntervals[index] ?? Number.NaN;
  }

  /**
   * Raw rows a second of all points at their expected spacing (one a second for a point without one): about how many
   * rows a raw read of one point scans per second of its range, the table holding every point's rows in time order
   * (an OPC UA value that keeps changing comes more often than its keep-alive spacing; the row cap still holds).
   */
  get rawRowsPerSecond(): number {
    return this.rowsPerSecond;
  }

  set(index: number, pointId: string, divisor: number, pollIntervalMs: number): void {
    if (index >= this.divisors.length) {
      const grown = Math.max(this.divisors.length * 2, index + 1);
      this.divisors = copyInto(new Float64Array(grown), this.divisors);
      this.pollIntervals = copyInto(new Float64Array(grown), this.pollIntervals);
    }
    if (this.ids[index] !== undefined) this.rowsPerSecond -= rowsPerSecondOf(this.pollIntervals[index]!);
    this.rowsPerSecond += rowsPerSecondOf(pollIntervalMs);
    this.indexById.set(pointId, index);
    this.ids[index] = pointId;
    this.divisors[index] = divisor;
    this.pollIntervals[index] = pollIntervalMs;
  }
}

function rowsPerSecondOf(pollIntervalMs: number): number {
  return pollIntervalMs > 0 ? 1000 / pollIntervalMs : 1;
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

/** Points read per statement: the JSON text of all 10k at once took DuckDB +52-60 MiB at its peak, a page ~+14-20. */
const DEFINITIONS_PER_READ = 1000;

/**
 * Every registered point with its metadata (or those of `pointIds`: a caller of 10k names them a page at a time), in
 * point_idx order: what a regulator's indicator table is filled from. Read as JSON text (every number in it is finite:
 * validatePoint), not as node-api's row objects: ~1 MB of heap per 1,000 points instead of ~6 MB. All of them are read a page
 * per statement, so that a threshold change or a link-health pull at 10k points does not lift the agent's RSS by
 * DuckDB's peak for the whole table. The pages are not one snapshot: the table changes only by registerPoints, which
 * the one caller that must not race it (a threshold change) runs one at a time with its read.
 */
export async function readPointDefinitions(connection: SerialConnection, pointIds?: readonly string[]): Promise<StorePointDefinition[]> {
  if (pointIds !== undefined) return pointIds.length === 0 ? [] : readDefinitionsWhere(connection, `point_id IN (${pointIds.map(sqlString).join(', ')})`);
  const [bounds] = await connection.rows('SELECT max(point_idx) AS last FROM points');
  const last = numOrNull(bounds?.last) ?? -1;
  const definitions: StorePointDefinition[] = [];
  for (let first = 0; first <= last; first += DEFINITIONS_PER_READ) {
    definitions.push(...(await readDefinitionsWhere(connection, `point_idx >= ${first} AND point_idx < ${first + DEFINITIONS_PER_READ}`)));
  }
  return definitions;
}

async function readDefinitionsWhere(connection: SerialConnection, where: string): Promise<StorePointDefinition[]> {
  const rows = await connection.jsonRows(`SELECT * FROM points WHERE ${where}`, 'point_idx');
  return rows.map((row) => ({
    pointId: String(row.point_id),
    unit: String(row.unit),
    resolution: num(row.resolution),
    pollIntervalMs: num(row.poll_interval_ms),
    valueKind: row.value_kind === 'boolean' ? 'boolean' : 'number',
    description: strOrNull(row.description),
    indicatorCode: strOrNull(row.indicator_code),
    equipmentCode: strOrNull(row.equipment_code),
    gatewayCode: strOrNull(row.gateway_code),
    tagNumber: strOrNull(row.tag_number),
    lowLow: numOrNull(row.low_low),
    low: numOrNull(row.low),
    high: numOrNull(row.high),
    highHigh: numOrNull(row.high_high),
    rangeLow: numOrNull(row.range_low),
    rangeHigh: numOrNull(row.range_high),
    longitude: numOrNull(row.longitude),
    latitude: numOrNull(row.latitude),
    hazardSourceCode: strOrNull(row.hazard_source_code),
    casNumber: strOrNull(row.cas_number),
    disabled: row.disabled === true ? { by: String(row.disabled_by), at: num(row.disabled_at), reason: String(row.disabled_reason) } : null,
  }));
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
/** The limit columns, in StoredLimits' order. */
const LIMIT_COLUMNS = ['low_low', 'low', 'high', 'high_high'] as const;
const KEYED_COLUMNS = ['point_idx', ...METADATA_COLUMNS];
const KEYED_TYPES: DuckDBType[] = [INTEGER, ...Object.values(METADATA_COLUMN_TYPES)];
const NEW_POINT_COLUMNS = ['point_idx', 'point_id', ...METADATA_COLUMNS];
const NEW_POINT_TYPES: DuckDBType[] = [INTEGER, VARCHAR, ...Object.values(METADATA_COLUMN_TYPES)];

/**
 * Points go in through an appender into a temporary staging table, then one INSERT and one UPDATE from it. Bound
 * parameters (VALUES lists, or one list per column) cost seconds to bind for 10k points, and each bound value is a
 * native DuckDB value that stays allocated until the JS garbage collector finalizes its wrapper: 10k points left
 * ~100-150 MB more RSS that way. The appender writes the values straight into a data chunk.
 */
const STAGING_TABLE = 'points_staging';
const INSERT_POINTS_SQL = `INSERT INTO points (${NEW_POINT_COLUMNS.join(', ')}) SELECT ${NEW_POINT_COLUMNS.join(', ')} FROM temp.${STAGING_TABLE}`;
const UPDATE_POINTS_SQL = `UPDATE points SET ${METADATA_COLUMNS.map((column) => `${column} = v.${column}`).join(', ')} ` + `FROM temp.${STAGING_TABLE} AS v WHERE points.point_idx = v.point_idx`;

/** Appends one value with the appender call for its column's type (see METADATA_COLUMN_TYPES). */
function appendTyped(appender: DuckDBAppender, value: DuckDBValue | undefined, type: DuckDBType): void {
  if (value === null || value === undefined) appender.appendNull();
  else if (type === INTEGER) appender.appendInteger(value as number);
  else if (type === DOUBLE) appender.appendDouble(value as number);
  else if (type === BOOLEAN) appender.appendBoolean(value as boolean);
  else appender.appendVarchar(String(value));
}

/**
 * The known points whose limits the staged update moves, with the stored (old) and staged (new) values: the limits
 * the last start, reload or threshold change left against those given now. Only the moved rows come back to JS.
 */
const MOVED_LIMITS_SQL = `SELECT p.point_id, ${LIMIT_COLUMNS.map((column) => `p.${column} AS old_${column}, v.${column} AS new_${column}`).join(', ')}
  FROM points AS p JOIN temp.${STAGING_TABLE} AS v ON p.point_idx = v.point_idx
  WHERE ${LIMIT_COLUMNS.map((column) => `p.${column} IS DISTINCT FROM v.${column}`).join(' OR ')}
  ORDER BY p.point_idx`;

/**
 * Fills the staging table (created afresh, in the caller's transaction) with `rows`, then runs `sql` on it; `before`
 * reads the staging table first (its rows are returned).
 */
async function runFromStaging(connection: DuckDBConnection, sql: string, columns: readonly string[], types: readonly DuckDBType[], rows: readonly DuckDBValue[][], before?: string): Promise<SqlRow[]> {
  if (rows.length === 0) return [];
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${STAGING_TABLE} (${columns.map((column, i) => `${column} ${types[i]!.toString()}`).join(', ')})`);
  const appender = await connection.createAppender(STAGING_TABLE, 'main', 'temp');
  try {
    for (const row of rows) {
      types.forEach((type, column) => appendTyped(appender, row[column], type));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const read = before === undefined ? [] : (await connection.runAndReadAll(before)).getRowObjectsJS();
  await connection.run(sql);
  await connection.run(`DROP TABLE temp.${STAGING_TABLE}`);
  return read;
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

function validatePoint(point: StorePointDefinition, where: string): void {
  const fail = (field: string, value: unknown, why: string): never => {
    throw new StoreError('HAZMON_STORE_POINT_INVALID', `${where}.${field}: ${quote(value)} ${why}`);
  };
  if (typeof point.pointId !== 'string' || point.pointId.length === 0) fail('pointId', point.pointId, 'must be a non-empty string');
  if (typeof point.unit !== 'string') fail('unit', point.unit, 'must be a string');
  if (!(Number.isFinite(point.resolution) && point.resolution > 0)) fail('resolution', point.resolution, 'must be a finite number > 0');
  if (!(Number.isInteger(point.pollIntervalMs) && point.pollIntervalMs > 0)) {
    fail('pollIntervalMs', point.pollIntervalMs, 'must be a whole number of ms > 0');
  }
  // Read back as JSON (readPointDefinitions), which has no Infinity or NaN.
  for (const field of ['lowLow', 'low', 'high', 'highHigh', 'rangeLow', 'rangeHigh', 'longitude', 'latitude'] as const) {
    const value = point[field];
    if (value !== undefined && value !== null && !Number.isFinite(value)) fail(field, value, 'must be a finite number or null');
  }
  const kind = point.valueKind ?? 'number';
  if (kind !== 'number' && kind !== 'boolean') fail('valueKind', kind, "must be 'number' or 'boolean'");
  if (kind === 'boolean' && point.resolution !== 1) fail('resolution', point.resolution, 'must be 1 for a boolean point');
}

/**
 * Inserts new points and updates the metadata of known ones, in one transaction; returns the known points whose
 * limits it moved (a new point's limits are no move). A known point's resolution cannot change: its stored rows are
 * scaled by it.
 */
export async function registerPoints(connection: SerialConnection, registry: PointRegistry, points: readonly StorePointDefinition[], now: number): Promise<StoredLimitsMove[]> {
  const seen = new Set<string>();
  points.forEach((point, position) => {
    const where = `registerPoints: points[${position}]`;
    validatePoint(point, where);
    if (seen.has(point.pointId)) {
      throw new StoreError('HAZMON_STORE_POINT_INVALID', `${where}.pointId: ${quote(point.pointId)} appears twice`);
    }
    seen.add(point.pointId);
  });
  const existing = new Map((await connection.rows('SELECT point_id, resolution FROM points')).map((row) => [String(row.point_id), num(row.resolution)]));
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
  const moved = await connection.transaction(async (tx) => {
    await runFromStaging(tx, INSERT_POINTS_SQL, NEW_POINT_COLUMNS, NEW_POINT_TYPES, inserts);
    return runFromStaging(tx, UPDATE_POINTS_SQL, KEYED_COLUMNS, KEYED_TYPES, updates, MOVED_LIMITS_SQL);
  });
  for (const { index, point } of assigned) registry.set(index, point.pointId, divisorFor(point.resolution), point.pollIntervalMs);
  const limitsOf = (row: SqlRow, prefix: string): StoredLimits => {
    const [lowLow, low, high, highHigh] = LIMIT_COLUMNS.map((column) => numOrNull(row[`${prefix}${column}`]));
    return { lowLow: lowLow!, low: low!, high: high!, highHigh: highHigh! };
  };
  return moved.map((row) => ({ pointId: String(row.point_id), old: limitsOf(row, 'old_'), new: limitsOf(row, 'new_') }));
}
