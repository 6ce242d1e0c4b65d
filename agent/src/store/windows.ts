/** Splits a key range of a table into windows of a bounded row count, so each heavy statement fits DuckDB's memory_limit. */
import { floorTo } from './schema.ts';
import { num, type SerialConnection } from './sql.ts';

/**
 * Rows one sort, aggregate, COPY or DELETE handles at a time: at a 24 MiB limit a sort of 100k export rows
 * (point id and unit strings included) stays in memory, 600k did not (bench on 20M rows; see README "Memory").
 */
export const ROWS_PER_WINDOW = 50_000;
/** Rows of alarm events or audit entries at a time: free text (details, why) of up to a few kB each. */
export const TEXT_ROWS_PER_WINDOW = 2_000;

export interface WindowScan {
  /** Table (or join) to count in. */
  readonly table: string;
  /** Integer column the windows split: `t`, `bucket` or `seq`. */
  readonly key: string;
  /** Extra filter (SQL, already validated numbers only), or '' for none. */
  readonly where: string;
  readonly from: number;
  readonly to: number;
  /** Window edges fall on multiples of this (a rollup bucket width); 1 for none. */
  readonly align: number;
  readonly maxRows: number;
}

export interface KeyWindow {
  readonly from: number;
  readonly to: number;
  readonly rows: number;
}

/**
 * Windows [from, to) covering the range in order, each with at most `maxRows` rows unless one aligned step alone holds
 * more (then that step is one window). Windows without rows are skipped. Each step costs a count over the key column
 * only, which DuckDB answers from the row groups whose key range overlaps.
 */
export async function* keyWindows(connection: SerialConnection, scan: WindowScan): AsyncGenerator<KeyWindow> {
  const { table, key, where, to, align, maxRows } = scan;
  const filter = where === '' ? '' : ` AND (${where})`;
  const countRows = async (from: number, end: number): Promise<number> => {
    const [row] = await connection.rows(`SELECT count(*) AS n FROM ${table} WHERE ${key} >= ${from} AND ${key} < ${end}${filter}`);
    return num(row?.n ?? 0);
  };
  let from = scan.from;
  let width = Math.max(align, to - from);
  while (from < to) {
    const end = Math.min(to, Math.max(floorTo(from + width, align), floorTo(from, align) + align));
    const rows = await countRows(from, end);
    const span = end - from;
    if (rows > maxRows && span > align) {
      // Shrink toward the size that would hold maxRows at this density, at least by half, and try again.
      width = Math.max(align, Math.min(Math.floor(span / 2), Math.floor((span * maxRows) / rows)));
      continue;
    }
    if (rows > 0) yield { from, to: end, rows };
    from = end;
    // Grow toward the density seen, so sparse stretches take few counts.
    width = rows === 0 ? span * 4 : Math.max(align, Math.floor((span * maxRows) / rows));
  }
}
