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

/** Pane record layout: one Float64Array, PANE_FIELDS numbers per pane, so a reading touches one or two cache lines. */
const PANE_FIELDS = 12;
const F_INDEX = 0;
const F_COUNT = 1;
const F_SUM = 2;
const F_MIN = 3;
const F_MAX = 4;
const F_FIRST_T = 5;
const F_FIRST_V = 6;
const F_LAST_T = 7;
const F_LAST_V = 8;
const F_LAST_END = 9;
const F_TW_SUM = 10;
const F_TW_COVER = 11;

function nextPowerOfTwo(n: number): number {
  let size = 4;
  while (size < n) size *= 2;
  return size;
}

export class PaneWindow implements WindowShape {
  readonly windowMs: number;
  readonly paneMs: number;
  readonly holdMs: number;
  /** Off when no time-weighted rule reads this window: skips the held-value bookkeeping per reading. */
  tracksHeldValues = true;
  private capacity = 0;
  private mask = 0;
  private panes: Float64Array = new Float64Array(0);
  /** Monotonic deques of pane sequence numbers: minima in [0, capacity), maxima in [capacity, 2 * capacity). */
  private deques: Int32Array = new Int32Array(0);
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
    if (this.tracksHeldValues) this.closeOpenSegment(t);
    this.evict(t);
    if (!good) {
      this.openT = Number.NaN;
      return;
    }
    const k = Math.ceil(t / this.paneMs) - 1;
    let panes = this.panes;
    let base = ((this.tail - 1) & this.mask) * PANE_FIELDS;
    if (this.tail > this.head && panes[base + F_INDEX] === k) {
      panes[base + F_COUNT]! += 1;
      panes[base + F_SUM]! += v;
      if (v < panes[base + F_MIN]!) panes[base + F_MIN] = v;
      if (v > panes[base + F_MAX]!) panes[base + F_MAX] = v;
    } else {
      if (this.tail - this.head === this.capacity) {
        this.allocate(this.capacity * 2);
        panes = this.panes;
      }
      base = (this.tail & this.mask) * PANE_FIELDS;
      panes[base + F_INDEX] = k;
      panes[base + F_COUNT] = 1;
      panes[base + F_SUM] = v;
      panes[base + F_MIN] = v;
      panes[base + F_MAX] = v;
      panes[base + F_FIRST_T] = t;
      panes[base + F_FIRST_V] = v;
      panes[base + F_TW_SUM] = 0;
      panes[base + F_TW_COVER] = 0;
      this.tail += 1;
    }
    panes[base + F_LAST_T] = t;
    panes[base + F_LAST_V] = v;
    panes[base + F_LAST_END] = Number.NaN;
    this.runCount += 1;
    this.runSum += v;
    this.pushMin(this.tail - 1, panes[base + F_MIN]!);
    this.pushMax(this.tail - 1, panes[base + F_MAX]!);
    this.openT = t;
    this.openV = v;
    this.openSeq = this.tail - 1;
  }

  /** Drops panes that left the window at `now`; call before reading aggregates at a tick. */
  evict(now: number): void {
    const firstKept = Math.floor((now - this.windowMs) / this.paneMs);
    const panes = this.panes;
    while (this.tail > this.head) {
      const base = (this.head & this.mask) * PANE_FIELDS;
      if (panes[base + F_INDEX]! >= firstKept) break;
      this.runCount -= panes[base + F_COUNT]!;
      this.runSum -= panes[base + F_SUM]!;
      this.runTwSum -= panes[base + F_TW_SUM]!;
      this.runTwCover -= panes[base + F_TW_COVER]!;
      this.strS = panes[base + F_LAST_T]!;
      this.strE = panes[base + F_LAST_END]!;
      this.strV = panes[base + F_LAST_V]!;
      if (this.minTail > this.minHead && this.deques[this.minHead & this.mask] === this.head) this.minHead += 1;
      if (this.maxTail > this.maxHead && this.deques[this.capacity + (this.maxHead & this.mask)] === this.head) this.maxHead += 1;
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
    return this.minTail > this.minHead ? this.field(this.deques[this.minHead & this.mask]!, F_MIN) : Number.NaN;
  }

  maximum(): number {
    return this.maxTail > this.maxHead ? this.field(this.deques[this.capacity + (this.maxHead & this.mask)]!, F_MAX) : Number.NaN;
  }

  /** Oldest good reading in the window (for rate of change); NaN when empty. */
  oldestTime(): number {
    return this.tail > this.head ? this.field(this.head, F_FIRST_T) : Number.NaN;
  }

  oldestValue(): number {
    return this.tail > this.head ? this.field(this.head, F_FIRST_V) : Number.NaN;
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
      const base = (seq & this.mask) * PANE_FIELDS;
      panes.push(Array.from(this.panes.subarray(base, base + PANE_FIELDS)));
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
    this.head = 0;
    this.tail = 0;
    this.allocate(nextPowerOfTwo(Math.max(this.capacity, snapshot.panes.length + 2)));
    this.minHead = this.minTail = this.maxHead = this.maxTail = 0;
    this.openSeq = -1;
    const openT = snapshot.openT ?? Number.NaN;
    for (const pane of snapshot.panes) {
      if (pane.length !== PANE_FIELDS) throw new RangeError(`window pane has ${pane.length} fields, expected ${PANE_FIELDS}`);
      const base = (this.tail & this.mask) * PANE_FIELDS;
      this.panes.set(pane.map((x) => x ?? Number.NaN), base);
      this.pushMin(this.tail, this.panes[base + F_MIN]!);
      this.pushMax(this.tail, this.panes[base + F_MAX]!);
      if (this.panes[base + F_LAST_T] === openT) this.openSeq = this.tail;
      this.tail += 1;
    }
    this.openT = openT;
    this.openV = snapshot.openV ?? Number.NaN;
    [this.strS, this.strE, this.strV] = snapshot.straddler.map((x) => x ?? Number.NaN) as [number, number, number];
    this.recompute();
  }

  /** Bytes held in typed arrays by this window. */
  get stateBytes(): number {
    return this.panes.byteLength + this.deques.byteLength;
  }

  private field(seq: number, offset: number): number {
    return this.panes[(seq & this.mask) * PANE_FIELDS + offset]!;
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
      const base = (this.openSeq & this.mask) * PANE_FIELDS;
      this.panes[base + F_TW_SUM]! += duration * this.openV;
      this.panes[base + F_TW_COVER]! += duration;
      this.panes[base + F_LAST_END] = end;
      this.runTwSum += duration * this.openV;
      this.runTwCover += duration;
    } else {
      this.strE = end;
    }
    this.openT = Number.NaN;
  }

  /** Keeps pane minima increasing from front to back; the current pane may already sit at the back. */
  private pushMin(seq: number, value: number): void {
    const deques = this.deques;
    const mask = this.mask;
    let tail = this.minTail;
    if (tail > this.minHead && deques[(tail - 1) & mask] === seq) tail -= 1;
    while (tail > this.minHead && this.field(deques[(tail - 1) & mask]!, F_MIN) >= value) tail -= 1;
    deques[tail & mask] = seq;
    this.minTail = tail + 1;
  }

  private pushMax(seq: number, value: number): void {
    const deques = this.deques;
    const mask = this.mask;
    const offset = this.capacity;
    let tail = this.maxTail;
    if (tail > this.maxHead && deques[offset + ((tail - 1) & mask)] === seq) tail -= 1;
    while (tail > this.maxHead && this.field(deques[offset + ((tail - 1) & mask)]!, F_MAX) <= value) tail -= 1;
    deques[offset + (tail & mask)] = seq;
    this.maxTail = tail + 1;
  }

  private recompute(): void {
    this.runCount = this.runSum = this.runTwSum = this.runTwCover = 0;
    for (let seq = this.head; seq < this.tail; seq += 1) {
      const base = (seq & this.mask) * PANE_FIELDS;
      this.runCount += this.panes[base + F_COUNT]!;
      this.runSum += this.panes[base + F_SUM]!;
      this.runTwSum += this.panes[base + F_TW_SUM]!;
      this.runTwCover += this.panes[base + F_TW_COVER]!;
    }
    this.evictionsSinceRecompute = 0;
  }

  /** (Re)allocates for `capacity` panes, keeping live panes and deque entries at their sequence numbers. */
  private allocate(capacity: number): void {
    const old = { panes: this.panes, deques: this.deques, mask: this.mask, capacity: this.capacity };
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.panes = new Float64Array(capacity * PANE_FIELDS);
    this.deques = new Int32Array(capacity * 2);
    for (let seq = this.head; seq < this.tail; seq += 1) {
      const from = (seq & old.mask) * PANE_FIELDS;
      this.panes.set(old.panes.subarray(from, from + PANE_FIELDS), (seq & this.mask) * PANE_FIELDS);
    }
    for (let seq = this.minHead; seq < this.minTail; seq += 1) this.deques[seq & this.mask] = old.deques[seq & old.mask]!;
    for (let seq = this.maxHead; seq < this.maxTail; seq += 1) this.deques[capacity + (seq & this.mask)] = old.deques[old.capacity + (seq & old.mask)]!;
  }
}
