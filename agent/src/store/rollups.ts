/** 1-minute rollups from raw, hourly from minutes, daily from hours; each level remembers up to where it is complete. */
import { num, numOrNull, type SerialConnection } from './sql.ts';
import { keyWindows, ROWS_PER_WINDOW } from './windows.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, ROLLUP_TABLE, rollupWatermarkKey, type RollupLevel } from './schema.ts';

const LEVELS: readonly RollupLevel[] = ['1m', '1h', '1d'];
const WIDTH: Readonly<Record<RollupLevel, number>> = { '1m': MINUTE_MS, '1h': HOUR_MS, '1d': DAY_MS };

const floorTo = (time: number, width: number): number => Math.floor(time / width) * width;

const MINUTE_FROM_RAW = `
INSERT INTO rollup_1m
SELECT r.point_idx, r.t // ${MINUTE_MS} * ${MINUTE_MS} AS bucket,
       min(r.value_scaled) FILTER (WHERE r.quality = 0) / p.value_divisor,
       max(r.value_scaled) FILTER (WHERE r.quality = 0) / p.value_divisor,
       sum(r.value_scaled) FILTER (WHERE r.quality = 0) / p.value_divisor,
       count(*), count(*) FILTER (WHERE r.quality = 0)
FROM raw_readings r JOIN points p ON p.point_idx = r.point_idx
WHERE r.t >= $1 AND r.t < $2
GROUP BY r.point_idx, bucket, p.value_divisor`;

const coarserFromFiner = (level: RollupLevel, finer: RollupLevel): string => `
INSERT INTO ${ROLLUP_TABLE[level]}
SELECT point_idx, bucket // ${WIDTH[level]} * ${WIDTH[level]} AS coarse,
       min(min_value), max(max_value), sum(sum_value), sum(count), sum(good_count)
FROM ${ROLLUP_TABLE[finer]}
WHERE bucket >= $1 AND bucket < $2
GROUP BY point_idx, coarse`;

const BUILD_SQL: Readonly<Record<RollupLevel, string>> = {
  '1m': MINUTE_FROM_RAW,
  '1h': coarserFromFiner('1h', '1m'),
  '1d': coarserFromFiner('1d', '1h'),
};

export type Watermarks = Readonly<Record<RollupLevel, number | null>>;

export class RollupMaintainer {
  /** Bucket start below which each level is complete; null until the first raw rows were rolled. */
  private readonly complete: Record<RollupLevel, number | null> = { '1m': null, '1h': null, '1d': null };
  /** Earliest bucket start that must be rebuilt because readings arrived for an already rolled minute. */
  private readonly dirtyFrom: Record<RollupLevel, number> = { '1m': Infinity, '1h': Infinity, '1d': Infinity };
  runs = 0;

  constructor(private readonly connection: SerialConnection) {}

  get watermarks(): Watermarks {
    return { ...this.complete };
  }

  async load(): Promise<void> {
    const rows = await this.connection.rows('SELECT key, max(value) AS value FROM store_meta GROUP BY key');
    for (const level of LEVELS) {
      const row = rows.find((candidate) => candidate.key === rollupWatermarkKey(level));
      this.complete[level] = row ? num(row.value) : null;
    }
  }

  /** Latest committed receive time (for a restart: nothing in memory yet). */
  async latestRawTime(): Promise<number | null> {
    const since = this.complete['1m'] ?? 0;
    const [row] = await this.connection.rows('SELECT max(t) AS t FROM raw_readings WHERE t >= $1', [since]);
    return numOrNull(row?.t);
  }

  /** Called after each raw commit with the oldest receive time it held: late rows reopen their rolled buckets. */
  noteCommitted(minTime: number): void {
    const minuteDone = this.complete['1m'];
    if (minuteDone === null || minTime >= minuteDone) return;
    for (const level of LEVELS) {
      this.dirtyFrom[level] = Math.min(this.dirtyFrom[level], floorTo(minTime, WIDTH[level]));
    }
  }

  /**
   * Builds `level` over [from, to) in windows of at most ROWS_PER_WINDOW source rows (a catch-up over hours of raw rows
   * would otherwise be one aggregate larger than the memory limit), each window in one transaction with the watermark.
   * Buckets in [from, done) are rebuilt: the first transaction deletes them, and the watermark moves back to the end
   * of each window built, so a crash meanwhile leaves the rest to rebuild at the next start.
   */
  private async build(level: RollupLevel, from: number, done: number, to: number): Promise<void> {
    const source = level === '1m' ? { table: 'raw_readings', key: 't' } : { table: ROLLUP_TABLE[level === '1h' ? '1m' : '1h'], key: 'bucket' };
    let rebuilding = from < done;
    let cursor = from;
    const dirtyAtStart = this.dirtyFrom[level];
    const commitUntil = async (until: number): Promise<void> => {
      await this.connection.transaction(async (tx) => {
        if (rebuilding) await tx.run(`DELETE FROM ${ROLLUP_TABLE[level]} WHERE bucket >= $1 AND bucket < $2`, [from, done]);
        await tx.run(BUILD_SQL[level], [cursor, until]);
        await tx.run('DELETE FROM store_meta WHERE key = $1', [rollupWatermarkKey(level)]);
        await tx.run('INSERT INTO store_meta VALUES ($1, $2)', [rollupWatermarkKey(level), until]);
      });
      rebuilding = false;
      cursor = until;
      this.complete[level] = until;
      // A late reading noted meanwhile (an earlier bucket) stays marked for the next run.
      if (this.dirtyFrom[level] === dirtyAtStart) this.dirtyFrom[level] = Infinity;
    };
    const windows = keyWindows(this.connection, { ...source, where: '', from, to, align: WIDTH[level], maxRows: ROWS_PER_WINDOW });
    for await (const window of windows) await commitUntil(window.to);
    if (cursor < to) await commitUntil(to);
  }

  /** Rolls every minute that ends at or before `closedUntil`, then the hours and days those complete. */
  async rollUp(closedUntil: number): Promise<void> {
    this.runs += 1;
    if (this.complete['1m'] === null) {
      const [row] = await this.connection.rows('SELECT min(t) AS t FROM raw_readings');
      const first = numOrNull(row?.t);
      if (first === null) return;
      for (const level of LEVELS) this.complete[level] = floorTo(first, WIDTH[level]);
    }
    let finerDone = floorTo(closedUntil, MINUTE_MS);
    for (const level of LEVELS) {
      const done = this.complete[level] as number;
      const target = Math.max(done, floorTo(finerDone, WIDTH[level]));
      const rebuildFrom = Math.min(this.dirtyFrom[level], done);
      if (target > rebuildFrom) await this.build(level, rebuildFrom, done, target);
      finerDone = this.complete[level] as number;
    }
  }
}
