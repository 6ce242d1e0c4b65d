/** Sliding time window over panes: count, sum, min, max, first reading and exact time-weighted integral, O(1) amortized per reading. */

/**
 * Pane k covers the half-open interval (k*paneMs, (k+1)*paneMs]. At time `now` the window holds every pane
 * whose interval reaches past `now - windowMs`, so its span is exactly (windowStart(now), now] with
 * windowStart(now) = floor((now - windowMs) / paneMs) * paneMs. With paneMs = 1 and integer epoch-ms times
 * that is exactly (now - windowMs, now]: a raw window. With larger panes the span is at most one pane longer
 * than windowMs and equals it exactly when now - windowMs falls on a pane boundary.
 *
 * Panes are created only when a good reading falls in them, so a raw window stores one entry per reading
 * (ring grows by doubling if readings come faster than expected) and a paned window at most
 * ceil(windowMs / paneMs) + 1 entries (never grows).
 *
 * Time-weighted integral: a good reading's value holds until the next reading of any quality, or for at most
 * holdMs. Each closed segment is credited whole to the pane where it started; the one segment that started
 * before the window and ends inside it (the straddler) and the open segment of the latest reading are
 * clipped at query time, so the integral over (windowStart, now] is exact.
 */
export interface WindowShape {
  readonly windowMs: number;
  readonly paneMs: number;
  readonly holdMs: number;
}

/** Plain-data copy of a window's state for snapshots; arrays list the panes oldest first. */
export interface WindowSnapshot {
  readonly shape: WindowShape;
  readonly panes: number[][];
  readonly openT: number;
  readonly openV: number;
  readonly straddler: [number, number, number];
}

const PANE_FIELDS = 12;

function nextPowerOfTwo(n: number): number {
  let size = 4;
  while (size < n) size *= 2;
  return size;
}

export class PaneWindow implements WindowShape {
  readonly windowMs: number;
  readonly paneMs: number;
  readonly holdMs: number;
  private capacity = 0;
  private mask = 0;
  private paneIndex: Float64Array = new Float64Array(0);
  private count: Float64Array = new Float64Array(0);
  private sum: Float64Array = new Float64Array(0);
  private min: Float64Array = new Float64Array(0);
  private max: Float64Array = new Float64Array(0);
  private firstT: Float64Array = new Float64Array(0);
  private firstV: Float64Array = new Float64Array(0);
  private lastT: Float64Array = new Float64Array(0);
  private lastV: Float64Array = new Float64Array(0);
  private lastEnd: Float64Array = new Float64Array(0);
  private twSum: Float64Array = new Float64Array(0);
  private twCover: Float64Array = new Float64Array(0);
  private minDeque: Int32Array = new Int32Array(0);
  private maxDeque: Int32Array = new Int32Array(0);
  /** Sequence numbers: the oldest pane is `head`, the next new pane gets `tail`. */
  private head = 0;
  private tail = 0;
  private minHead = 0;
  private minTail = 0;
  private maxHead = 0;
  private maxTail = 0;
  private runCount = 0;
  private runSum = 0;
  private runTwSum = 0;
  private runTwCover = 0;
  private evictionsSinceRecompute = 0;
  /** Latest good reading, whose value is still held (NaN when the latest reading was not good). */
  private openT = Number.NaN;
  private openV = Number.NaN;
  private openSeq = -1;
  /** The last segment that started in an evicted pane: start, end (NaN while open), value. */
  private strS = Number.NaN;
  private strE = Number.NaN;
  private strV = Number.NaN;

  constructor(shape: WindowShape, expectedPanes: number) {
    this.windowMs = shape.windowMs;
    this.paneMs = shape.paneMs;
    this.holdMs = shape.holdMs;
    this.allocate(nextPowerOfTwo(expectedPanes + 2));
  }

  /** Start (exclusive) of the window at `now`. */
  windowStart(now: number): number {
    return Math.floor((now - this.windowMs) / this.paneMs) * this.paneMs;
  }

  /** Adds a reading; `good` false ends the held value without adding a pane. Times must not go backwards. */
  add(t: number, v: number, good: boolean): void {
    this.closeOpenSegment(t);
    this.evict(t);
    if (!good) {
      this.openT = Number.NaN;
      return;
    }
    const k = Math.ceil(t / this.paneMs) - 1;
    let slot: number;
    if (this.tail > this.head && this.paneIndex[(this.tail - 1) & this.mask] === k) {
      slot = (this.tail - 1) & this.mask;
      this.count[slot]! += 1;
      this.sum[slot]! += v;
      if (v < this.min[slot]!) this.min[slot] = v;
      if (v > this.max[slot]!) this.max[slot] = v;
    } else {
      if (this.tail - this.head === this.capacity) this.grow();
      slot = this.tail & this.mask;
      this.paneIndex[slot] = k;
      this.count[slot] = 1;
      this.sum[slot] = v;
      this.min[slot] = v;
      this.max[slot] = v;
      this.firstT[slot] = t;
      this.firstV[slot] = v;
      this.twSum[slot] = 0;
      this.twCover[slot] = 0;
      this.tail += 1;
    }
    this.lastT[slot] = t;
    this.lastV[slot] = v;
    this.lastEnd[slot] = Number.NaN;
    this.runCount += 1;
    this.runSum += v;
    this.pushExtreme(this.tail - 1, this.min[slot]!, true);
    this.pushExtreme(this.tail - 1, this.max[slot]!, false);
    this.openT = t;
    this.openV = v;
    this.openSeq = this.tail - 1;
  }

  /** Drops panes that left the window at `now`; call before reading aggregates at a tick. */
  evict(now: number): void {
    const firstKept = Math.floor((now - this.windowMs) / this.paneMs);
    while (this.tail > this.head && this.paneIndex[this.head & this.mask]! < firstKept) {
      const slot = this.head & this.mask;
      this.runCount -= this.count[slot]!;
      this.runSum -= this.sum[slot]!;
      this.runTwSum -= this.twSum[slot]!;
      this.runTwCover -= this.twCover[slot]!;
      this.strS = this.lastT[slot]!;
      this.strE = this.lastEnd[slot]!;
      this.strV = this.lastV[slot]!;
      if (this.minTail > this.minHead && this.minDeque[this.minHead & this.mask] === this.head) this.minHead += 1;
      if (this.maxTail > this.maxHead && this.maxDeque[this.maxHead & this.mask] === this.head) this.maxHead += 1;
      this.head += 1;
      this.evictionsSinceRecompute += 1;
    }
    // Running sums lose a little precision with every subtraction; re-adding the live panes once per
    // `capacity` evictions keeps the error bounded at O(1) amortized cost.
    if (this.evictionsSinceRecompute >= this.capacity) this.recompute();
  }

  get readingCount(): number {
    return this.runCount;
  }

  average(): number {
    return this.runCount > 0 ? this.runSum / this.runCount : Number.NaN;
  }

  minimum(): number {
    return this.minTail > this.minHead ? this.min[this.minDeque[this.minHead & this.mask]! & this.mask]! : Number.NaN;
  }

  maximum(): number {
    return this.maxTail > this.maxHead ? this.max[this.maxDeque[this.maxHead & this.mask]! & this.mask]! : Number.NaN;
  }

  /** Oldest good reading in the window (for rate of change); NaN when empty. */
  oldestTime(): number {
    return this.tail > this.head ? this.firstT[this.head & this.mask]! : Number.NaN;
  }

  oldestValue(): number {
    return this.tail > this.head ? this.firstV[this.head & this.mask]! : Number.NaN;
  }

  /** Integral of the held value over (windowStart(now), now]; call evict(now) first. */
  timeWeightedIntegral(now: number): number {
    return this.timeWeighted(now, true);
  }

  /** Milliseconds of (windowStart(now), now] covered by a held good value; call evict(now) first. */
  coveredMs(now: number): number {
    return this.timeWeighted(now, false);
  }

  snapshot(): WindowSnapshot {
    const panes: number[][] = [];
    for (let seq = this.head; seq < this.tail; seq += 1) {
      const slot = seq & this.mask;
      panes.push(this.fieldArrays().map((field) => field[slot]!));
    }
    return {
      shape: { windowMs: this.windowMs, paneMs: this.paneMs, holdMs: this.holdMs },
      panes,
      openT: this.openT,
      openV: this.openV,
      straddler: [this.strS, this.strE, this.strV],
    };
  }

  restore(snapshot: WindowSnapshot): void {
    this.allocate(nextPowerOfTwo(Math.max(this.capacity, snapshot.panes.length + 2)));
    this.head = 0;
    this.tail = 0;
    this.minHead = this.minTail = this.maxHead = this.maxTail = 0;
    this.openSeq = -1;
    for (const pane of snapshot.panes) {
      if (pane.length !== PANE_FIELDS) throw new RangeError(`window pane has ${pane.length} fields, expected ${PANE_FIELDS}`);
      const slot = this.tail & this.mask;
      this.fieldArrays().forEach((field, i) => (field[slot] = pane[i]!));
      this.pushExtreme(this.tail, this.min[slot]!, true);
      this.pushExtreme(this.tail, this.max[slot]!, false);
      if (this.lastT[slot] === snapshot.openT) this.openSeq = this.tail;
      this.tail += 1;
    }
    this.openT = snapshot.openT ?? Number.NaN;
    this.openV = snapshot.openV ?? Number.NaN;
    [this.strS, this.strE, this.strV] = snapshot.straddler.map((x) => x ?? Number.NaN) as [number, number, number];
    this.recompute();
  }

  /** Bytes held in typed arrays by this window. */
  get stateBytes(): number {
    return this.capacity * (PANE_FIELDS * 8 + 2 * 4);
  }

  private timeWeighted(now: number, integral: boolean): number {
    const start = this.windowStart(now);
    let total = integral ? this.runTwSum : this.runTwCover;
    const openInWindow = this.openSeq >= this.head && !Number.isNaN(this.openT);
    if (!Number.isNaN(this.strE)) {
      const covered = Math.max(0, this.strE - Math.max(this.strS, start));
      total += integral ? covered * this.strV : covered;
    }
    if (!Number.isNaN(this.openT) && (openInWindow || Number.isNaN(this.strE))) {
      const end = Math.min(now, this.openT + this.holdMs);
      const covered = Math.max(0, end - Math.max(this.openT, start));
      total += integral ? covered * this.openV : covered;
    }
    return total;
  }

  private closeOpenSegment(t: number): void {
    if (Number.isNaN(this.openT)) return;
    const end = Math.min(t, this.openT + this.holdMs);
    const duration = Math.max(0, end - this.openT);
    if (this.openSeq >= this.head) {
      const slot = this.openSeq & this.mask;
      this.twSum[slot]! += duration * this.openV;
      this.twCover[slot]! += duration;
      this.lastEnd[slot] = end;
      this.runTwSum += duration * this.openV;
      this.runTwCover += duration;
    } else {
      this.strE = end;
    }
    this.openT = Number.NaN;
  }

  private pushExtreme(seq: number, value: number, isMin: boolean): void {
    const deque = isMin ? this.minDeque : this.maxDeque;
    const values = isMin ? this.min : this.max;
    const dHead = isMin ? this.minHead : this.maxHead;
    let dTail = isMin ? this.minTail : this.maxTail;
    // The current pane may already sit at the back; take it off so it can be re-placed after its new extreme.
    if (dTail > dHead && deque[(dTail - 1) & this.mask] === seq) dTail -= 1;
    while (dTail > dHead) {
      const back = values[deque[(dTail - 1) & this.mask]! & this.mask]!;
      if (isMin ? back < value : back > value) break;
      dTail -= 1;
    }
    deque[dTail & this.mask] = seq;
    dTail += 1;
    if (isMin) this.minTail = dTail;
    else this.maxTail = dTail;
  }

  private recompute(): void {
    this.runCount = this.runSum = this.runTwSum = this.runTwCover = 0;
    for (let seq = this.head; seq < this.tail; seq += 1) {
      const slot = seq & this.mask;
      this.runCount += this.count[slot]!;
      this.runSum += this.sum[slot]!;
      this.runTwSum += this.twSum[slot]!;
      this.runTwCover += this.twCover[slot]!;
    }
    this.evictionsSinceRecompute = 0;
  }

  private fieldArrays(): Float64Array[] {
    return [
      this.paneIndex, this.count, this.sum, this.min, this.max, this.firstT,
      this.firstV, this.lastT, this.lastV, this.lastEnd, this.twSum, this.twCover,
    ];
  }

  private allocate(capacity: number): void {
    const old = this.capacity === 0 ? null : { fields: this.fieldArrays(), mask: this.mask, min: this.minDeque, max: this.maxDeque };
    this.capacity = capacity;
    this.mask = capacity - 1;
    const fields = Array.from({ length: PANE_FIELDS }, () => new Float64Array(capacity));
    [
      this.paneIndex, this.count, this.sum, this.min, this.max, this.firstT,
      this.firstV, this.lastT, this.lastV, this.lastEnd, this.twSum, this.twCover,
    ] = fields as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    this.minDeque = new Int32Array(capacity);
    this.maxDeque = new Int32Array(capacity);
    if (old === null) return;
    for (let seq = this.head; seq < this.tail; seq += 1) {
      fields.forEach((field, i) => (field[seq & this.mask] = old.fields[i]![seq & old.mask]!));
    }
    for (let seq = this.minHead; seq < this.minTail; seq += 1) this.minDeque[seq & this.mask] = old.min[seq & old.mask]!;
    for (let seq = this.maxHead; seq < this.maxTail; seq += 1) this.maxDeque[seq & this.mask] = old.max[seq & old.mask]!;
  }

  private grow(): void {
    this.allocate(this.capacity * 2);
  }
}
