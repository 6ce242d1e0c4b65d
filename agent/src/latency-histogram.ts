/** Fixed-bucket latency histogram (counts per upper bound in ms): preallocated, no allocation per sample. Shared by the store (flushes) and the runtime (shut-off path). */

/** Default upper bounds in ms; the last bucket counts everything slower. */
export const LATENCY_BOUNDS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

export interface LatencySnapshot {
  readonly boundsMs: readonly number[];
  /** counts[i] = samples <= boundsMs[i] and above the previous bound; the extra last entry = above every bound. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly maxMs: number;
  readonly sumMs: number;
}

export class LatencyHistogram {
  private readonly counts: Float64Array;
  private count = 0;
  private maxMs = 0;
  private sumMs = 0;

  constructor(private readonly boundsMs: readonly number[] = LATENCY_BOUNDS_MS) {
    this.counts = new Float64Array(boundsMs.length + 1);
  }

  record(ms: number): void {
    const value = Math.max(0, ms);
    let bucket = 0;
    while (bucket < this.boundsMs.length && value > this.boundsMs[bucket]!) bucket += 1;
    this.counts[bucket] = this.counts[bucket]! + 1;
    this.count += 1;
    this.sumMs += value;
    if (value > this.maxMs) this.maxMs = value;
  }

  snapshot(): LatencySnapshot {
    return { boundsMs: this.boundsMs, counts: [...this.counts], count: this.count, maxMs: this.maxMs, sumMs: this.sumMs };
  }
}
