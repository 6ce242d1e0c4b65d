/**
 * Rollup sums of the buckets not yet closed, per point in typed arrays, kept up as rows commit: closing a bucket then
 * appends its rows, where an aggregate over a minute of raw rows (600k at 10k points polled each second) would hold
 * several MiB of hash tables for as long as it runs (agent/src/runtime/README.md, Memory).
 */
import { floorTo } from './schema.ts';

/**
 * One bucket's min / max / sum over good readings and counts, indexed by point_idx, in the store's scaled steps
 * (value * value_divisor, whole numbers): sums stay exact (a day of readings every 50 ms of the largest step is below
 * 2^53) and the division happens once, when the row is written.
 */
export class BucketSums {
  min: Int32Array;
  max: Int32Array;
  sum: Float64Array;
  count: Uint32Array;
  good: Uint32Array;

  constructor(points: number) {
    this.min = new Int32Array(points);
    this.max = new Int32Array(points);
    this.sum = new Float64Array(points);
    this.count = new Uint32Array(points);
    this.good = new Uint32Array(points);
  }

  get points(): number {
    return this.count.length;
  }

  /** One raw reading; `scaled` counts only when the reading is good. */
  addReading(point: number, scaled: number, good: boolean): void {
    if (point >= this.count.length) this.grow(point + 1);
    this.count[point]! += 1;
    if (good) this.addGood(point, scaled, scaled, scaled, 1);
  }

  /** A finer bucket's row of the same point (an hour from its minutes, a day from its hours). */
  addBucket(point: number, from: BucketSums): void {
    if (point >= this.count.length) this.grow(point + 1);
    this.count[point]! += from.count[point]!;
    const good = from.good[point]!;
    if (good > 0) this.addGood(point, from.min[point]!, from.max[point]!, from.sum[point]!, good);
  }

  clear(): void {
    this.min.fill(0);
    this.max.fill(0);
    this.sum.fill(0);
    this.count.fill(0);
    this.good.fill(0);
  }

  private addGood(point: number, min: number, max: number, sum: number, good: number): void {
    if (this.good[point] === 0) {
      this.min[point] = min;
      this.max[point] = max;
    } else {
      if (min < this.min[point]!) this.min[point] = min;
      if (max > this.max[point]!) this.max[point] = max;
    }
    this.sum[point]! += sum;
    this.good[point]! += good;
  }

  /** Points registered after the bucket opened (a reload); doubling keeps a run of new indexes cheap. */
  private grow(points: number): void {
    const size = Math.max(points, this.count.length * 2);
    const widen = <T extends Int32Array | Uint32Array | Float64Array>(array: T, make: (n: number) => T): T => {
      const wider = make(size);
      wider.set(array);
      return wider;
    };
    this.min = widen(this.min, (n) => new Int32Array(n));
    this.max = widen(this.max, (n) => new Int32Array(n));
    this.sum = widen(this.sum, (n) => new Float64Array(n));
    this.count = widen(this.count, (n) => new Uint32Array(n));
    this.good = widen(this.good, (n) => new Uint32Array(n));
  }
}

/**
 * The open buckets of one rollup level. A bucket is known here when every row of it went through its sums: it starts
 * at or after `trackedFrom` (what the store held at start-up is not in memory), was not dropped for room,
 * and is not marked `unknown` (a finer bucket of it was built in SQL). `take` answers which: the sums, 'empty' (known,
 * no row) or null (build it in SQL).
 */
export class OpenBuckets {
  private readonly open = new Map<number, BucketSums>();
  private readonly unknown = new Set<number>();
  private trackedFrom = Number.NEGATIVE_INFINITY;
  /** A closed bucket's arrays, cleared, for the next bucket to open (one bucket closes as the next fills). */
  private spare: BucketSums | null = null;

  /**
   * @param width bucket width in ms
   * @param maxOpen buckets kept at once; opening one more drops the oldest to SQL, so memory stays bounded when
   *   buckets are not closed for a while (rollups failing, a clock jump)
   */
  constructor(
    readonly width: number,
    private readonly maxOpen: number,
  ) {}

  /** Forgets every open bucket; buckets before `from` are not known here (the store held rows of them already). */
  reset(from: number): void {
    this.open.clear();
    this.unknown.clear();
    this.trackedFrom = from;
  }

  /** The sums to add a row of `bucket` to, opening it; null when the bucket is not known here (its rows are not kept). */
  sumsFor(bucket: number, points: number): BucketSums | null {
    const sums = this.open.get(bucket);
    if (sums !== undefined) return sums;
    if (bucket < this.trackedFrom || this.unknown.has(bucket)) return null;
    if (this.open.size >= this.maxOpen) {
      // The oldest goes (the one readings to come are least likely to add to), or this one when it is older still.
      const oldest = Math.min(...this.open.keys());
      if (bucket < oldest) {
        this.unknown.add(bucket);
        return null;
      }
      this.forget(oldest);
    }
    const opened = this.spare !== null && this.spare.points >= points ? this.spare : new BucketSums(points);
    if (opened === this.spare) this.spare = null;
    this.open.set(bucket, opened);
    return opened;
  }

  /** Marks every bucket overlapping [from, to) as not known here: a finer bucket in it was built in SQL. */
  markUnknown(from: number, to: number): void {
    for (let bucket = floorTo(from, this.width); bucket < to; bucket += this.width) this.forget(bucket);
  }

  /**
   * Takes `bucket` out for closing: its sums, 'empty' when it is known to hold no row, or null when it must be built
   * in SQL. Give the sums back with release() once their rows are written.
   */
  take(bucket: number): BucketSums | 'empty' | null {
    const sums = this.open.get(bucket);
    this.open.delete(bucket);
    const known = bucket >= this.trackedFrom && !this.unknown.has(bucket);
    this.unknown.delete(bucket);
    if (sums !== undefined) return known ? sums : null;
    return known ? 'empty' : null;
  }

  /** The start of the latest open bucket; -Infinity when none is open. */
  latestOpen(): number {
    let latest = Number.NEGATIVE_INFINITY;
    for (const bucket of this.open.keys()) if (bucket > latest) latest = bucket;
    return latest;
  }

  /** What take() would answer for `bucket`, leaving it open: its sums (still growing as rows commit), 'empty' or null. */
  peek(bucket: number): BucketSums | 'empty' | null {
    if (bucket < this.trackedFrom || this.unknown.has(bucket)) return null;
    return this.open.get(bucket) ?? 'empty';
  }

  release(sums: BucketSums): void {
    sums.clear();
    this.spare = sums;
  }

  private forget(bucket: number): void {
    if (bucket < this.trackedFrom) return;
    const sums = this.open.get(bucket);
    if (sums !== undefined) {
      this.open.delete(bucket);
      this.release(sums);
    }
    this.unknown.add(bucket);
  }
}
