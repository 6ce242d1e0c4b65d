/** Sliding time window over panes: count, sum, min, max, first reading and exact time-weighted integral, O(1) amortized per reading. */

/**
 * Pane k covers the half-open interval (k*paneMs, (k+1)*paneMs]. At time `now` the window holds every pane
 * whose interval reaches past `now - windowMs`, so its span is exactly (windowStart(now), now] with
 * windowStart(now) = floor((now - windowMs) / paneMs) * paneMs. With paneMs = 1 and integer epoch-ms times
 * that is exactly (now - windowMs, now]: a raw window. With larger panes the span is at most one pane longer
 * than windowMs and equals it exactly when now - windowMs falls on a pane boundary.
 *
 * Panes are created only when a good reading falls in them. A raw window (paneMs = 1) stores each reading as a
 * slim entry (time, value, and the held-value fields only if tracked); its ring grows by doubling if readings
 * come faster than expected. A paned window stores at most ceil(windowMs / paneMs) + 1 full panes (never grows).
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
  /** False when no time-weighted rule reads the window: skips the held-value bookkeeping. Default true. */
  readonly tracksHeldValues?: boolean;
}

/** Plain-data copy of a window's state for snapshots; arrays list the panes oldest first. */
export interface WindowSnapshot {
  readonly shape: WindowShape;
  readonly panes: number[][];
  readonly openT: number;
  readonly openV: number;
  readonly straddler: [number, number, number];
}

/**
 * Entry layout in one Float64Array, `stride` numbers per entry, so a reading touches one or two cache lines.
 * Paned: all fourteen fields. Raw: time and value stand for every field (count 1, pane index from the time),
 * followed by the four held-value fields when tracked. Then, for each extreme a rule reads (maximum first), the
 * entry's suffix extreme while it is in the front part of the ring (see `boundary`).
 */
const PANED_FIELDS = 14;
/**
 * sumError and twSumError: the rounding errors of the entry's sum and time-weighted sum (each product's and each
 * addition's), summed apart, so an exact recompute (exactRuleValueInto) has them. A raw entry's value is exact.
 */
export const PANED_LAYOUT = { index: 0, count: 1, sum: 2, min: 3, max: 4, firstT: 5, firstV: 6, lastT: 7, lastV: 8, lastEnd: 9, twSum: 10, twCover: 11, sumError: 12, twSumError: 13 } as const;
const RAW_LAYOUT = { index: -1, count: -1, sum: 1, min: 1, max: 1, firstT: 0, firstV: 1, lastT: 0, lastV: 1, lastEnd: 2, twSum: 3, twCover: 4, twSumError: 5 };
/** Numbers of a raw entry that keeps held values (time, value, lastEnd, twSum, twCover, twSumError). */
const RAW_HELD_FIELDS = 6;

/**
 * A window's running numbers and ring positions sit in a header of Header.Count numbers in a Float64Array, not in
 * object fields: V8 keeps each double-valued field in a box of its own, and the engine's batch loop steps a window
 * without held values in place through this layout (WINDOW_HEADER) without calling into the window. The header is
 * apart from the entries: the engine packs all headers side by side in point order (packInto), so the batch loop
 * reads them as one stream, which the hardware prefetches, rather than one more line at each window's region.
 * What only time-weighted windows use (held values) is in a second header of Held.Count numbers, packed apart
 * again, so that the stream the batch loop reads is one 64-byte line per window.
 */
const enum Header {
  /** Fields every reading touches, in the header's one cache line. */
  Head = 0,
  Tail = 1,
  RunCount = 2,
  RunSum = 3,
  /**
   * Minimum and maximum over a sliding window as two stacks in the ring itself, with no deque: entries before the
   * boundary (the front part) carry the extreme from themselves to the boundary, computed when the front part ran
   * empty and took over everything after it (a flip, once per ring length at most); entries after it (the back part)
   * are summed up by one running extreme. The window's extreme is the front's first suffix extreme against the
   * back's. Every access is at the head, the tail or the header: no pointer into the middle of the ring, so a
   * reading touches the lines it touches anyway. A paned window keeps its latest pane in the back part, where a
   * reading joining the pane only raises the back's extremes.
   */
  Boundary = 4,
  BackMax = 5,
  BackMin = 6,
  /** The window's length, a constant: here because the batch loop reads it with the rest, not from an array apart. */
  WindowMs = 7,
  Count = 8,
}
/** Offsets in the held-value header. */
const enum Held {
  RunTwSum = 0,
  RunTwCover = 1,
  OpenT = 2,
  OpenV = 3,
  /** Entry of the latest good reading, whose value is still held (see openT); -1 for none. */
  OpenSeq = 4,
  StrS = 5,
  StrE = 6,
  StrV = 7,
  Count = 8,
}
/** Header values of an empty window: no entries, sums or extremes; then no open segment or straddler. */
const EMPTY_HEADER = [0, 0, 0, 0, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
const EMPTY_HELD = [0, 0, Number.NaN, Number.NaN, -1, Number.NaN, Number.NaN, Number.NaN];

/**
 * The running sums are re-added from the entries once per RECOMPUTE_RINGS ring lengths of evictions (recompute):
 * often enough that rounding error stays at a few ulps of the window's values, rarely enough that the re-adding
 * costs ~1/4 of an addition per reading (once per ring length it cost ~3 % of the engine's time at 10k points).
 */
export const RECOMPUTE_RINGS = 4;

/** Low bits of a sequence number within one recompute period of a ring with this mask (capacity - 1). */
function recomputePeriodMask(mask: number): number {
  return (mask + 1) * RECOMPUTE_RINGS - 1;
}

/**
 * Offsets into the header of a window, for the engine's in-place stepping of windows without held values; entries
 * follow the header, PANED_LAYOUT for a paned window, (time, value) for a raw one. See PaneWindow.inPlaceLayout.
 */
export const WINDOW_HEADER = {
  length: Header.Count,
  heldLength: Held.Count,
  runSum: Header.RunSum,
  runCount: Header.RunCount,
  head: Header.Head,
  tail: Header.Tail,
  boundary: Header.Boundary,
  backMax: Header.BackMax,
  backMin: Header.BackMin,
  windowMs: Header.WindowMs,
} as const;

/** Where a window's storage is, for stepping it in place. */
export interface InPlaceLayout {
  /** Entries at panes[pbase...]; the header at hbase of the array the window was packed into (packInto). */
  readonly panes: Float64Array;
  readonly pbase: number;
  readonly hbase: number;
  readonly mask: number;
  /** Numbers per entry: 2 for a raw window (time, value), PANED_LAYOUT's 12 for a paned one, plus the extremes'. */
  readonly stride: number;
  /** Entry offsets of the suffix maximum and minimum (front part), -1 when the window does not keep that extreme. */
  readonly suffixMax: number;
  readonly suffixMin: number;
}

/** What a rule reads from a window (ruleValueInto): an aggregate, or the rate of change per minute. */
export const AGGREGATE_AVG = 0;
export const AGGREGATE_MIN = 1;
export const AGGREGATE_MAX = 2;
export const AGGREGATE_TWA = 3;
export const RATE_PER_MINUTE = 4;

/** 2^27 + 1: splits a double into two halves whose products are exact (Dekker). */
const SPLITTER = 134_217_729;

/** The rounding error of sum = a + b: a + b - sum, exactly (Fast2Sum on the larger first, as Neumaier sums). */
function additionError(a: number, b: number, sum: number): number {
  return Math.abs(a) >= Math.abs(b) ? a - sum + b : b - sum + a;
}

/** The rounding error of product = a * b: a * b - product, exactly (Dekker's product; JavaScript has no fused multiply-add). */
function productError(a: number, b: number, product: number): number {
  const aSplit = SPLITTER * a;
  const aHigh = aSplit - (aSplit - a);
  const aLow = a - aHigh;
  const bSplit = SPLITTER * b;
  const bHigh = bSplit - (bSplit - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

/** array[sumAt] += a * b, the product's and the addition's rounding errors added to array[errorAt]. */
function accumulateProduct(array: Float64Array, sumAt: number, errorAt: number, a: number, b: number): void {
  const product = a * b;
  const sum = array[sumAt]! + product;
  array[errorAt]! += productError(a, b, product) + additionError(array[sumAt]!, product, sum);
  array[sumAt] = sum;
}

/**
 * A sum kept as a rounded value and the rounding errors of its additions (Neumaier), divided with the remainder
 * taken into account: the average of n equal values is that value, which a plain sum and division miss (0.1 added
 * 10 times is 0.9999999999999999; 12.027 * 7134 / 7134 is 12.026999999999997). For rare paths only.
 */
class ExactSum {
  private high = 0;
  private low = 0;

  add(x: number): void {
    const sum = this.high + x;
    this.low += additionError(this.high, x, sum);
    this.high = sum;
  }

  /** Adds a * b exactly: the product and its rounding error. */
  addProduct(a: number, b: number): void {
    const product = a * b;
    this.add(product);
    this.low += productError(a, b, product);
  }

  value(): number {
    return this.high + this.low;
  }

  /** (high + low) / divisor, correctly rounded but for ties: the quotient's remainder, exact by Dekker's product, corrects it. */
  dividedBy(divisor: number): number {
    const quotient = this.high / divisor;
    const product = quotient * divisor;
    return quotient + (this.high - product - productError(quotient, divisor, product) + this.low) / divisor;
  }
}

/** The held segments clipped to the window (PaneWindow.clipHeldSegments): straddler ms, value, open segment ms, value. */
const CLIPPED = new Float64Array(4);

/** Hands add()'s and evict()'s numbers to addFrom() and evictFrom(). */
const ARGUMENTS = new Float64Array(2);

function nextPowerOfTwo(n: number): number {
  let size = 4;
  while (size < n) size *= 2;
  return size;
}

export class PaneWindow implements WindowShape {
  readonly windowMs: number;
  readonly paneMs: number;
  readonly holdMs: number;
  readonly tracksHeldValues: boolean;
  /** One entry per reading, no merging: paneMs is 1. */
  private readonly raw: boolean;
  /**
   * -1 for a raw window, whose entries sit newest first in memory (slot ~seq & mask), so that flip(), which walks
   * from the newest entry back, reads the ring upwards: at 10k points its loads missed the cache downwards (see
   * kernel.ts ringEntry). 0 for a paned window, oldest first: its entries are ~2 cache lines, and each reading
   * writes a new one after the latest and reads the head's successor, which the hardware prefetches upwards only
   * (newest first, a 15-minute window ran ~10 % slower). The XOR works on the low 32 bits, which is all the mask
   * keeps of a sequence number up to 2^53.
   */
  private readonly slotOrder: number;
  /** Numbers of an entry without the suffix extremes: what a snapshot keeps. */
  private readonly dataStride: number;
  private stride: number;
  private oSuffixMax = -1;
  private oSuffixMin = -1;
  private readonly oSum: number;
  private readonly oMin: number;
  private readonly oMax: number;
  private readonly oFirstT: number;
  private readonly oFirstV: number;
  private readonly oLastT: number;
  private readonly oLastV: number;
  private readonly oLastEnd: number;
  private readonly oTwSum: number;
  private readonly oTwSumError: number;
  private readonly oTwCover: number;
  private capacity = 0;
  private mask = 0;
  /**
   * Entries live in panes[pbase, pbase + capacity * stride): a private array, or a region of an engine-wide one
   * (packInto) so that all windows sit side by side and a reading does not chase a pointer per array.
   */
  private panes: Float64Array = new Float64Array(0);
  private pbase = 0;
  /** The header: header[hbase, hbase + Header.Count), and the held-value one at header[gbase...]: a private array until packInto. */
  private header: Float64Array = new Float64Array(Header.Count + Held.Count);
  private hbase = 0;
  private gbase = Header.Count;
  /** Whether the minimum / maximum are kept; a window no min (max) rule reads skips that work (see trackExtremes). */
  private tracksMinimum = false;
  private tracksMaximum = false;

  constructor(shape: WindowShape, expectedPanes: number) {
    this.windowMs = shape.windowMs;
    this.paneMs = shape.paneMs;
    this.holdMs = shape.holdMs;
    this.tracksHeldValues = shape.tracksHeldValues ?? true;
    this.raw = shape.paneMs === 1;
    this.slotOrder = this.raw ? -1 : 0;
    const layout = this.raw ? RAW_LAYOUT : PANED_LAYOUT;
    this.dataStride = this.raw ? (this.tracksHeldValues ? RAW_HELD_FIELDS : 2) : PANED_FIELDS;
    this.stride = this.dataStride;
    this.oSum = layout.sum;
    this.oMin = layout.min;
    this.oMax = layout.max;
    this.oFirstT = layout.firstT;
    this.oFirstV = layout.firstV;
    this.oLastT = layout.lastT;
    this.oLastV = layout.lastV;
    this.oLastEnd = layout.lastEnd;
    this.oTwSum = layout.twSum;
    this.oTwSumError = layout.twSumError;
    this.oTwCover = layout.twCover;
    this.allocate(nextPowerOfTwo(expectedPanes + 2));
    this.header.set(EMPTY_HEADER, this.hbase);
    this.header[this.hbase + Header.WindowMs] = this.windowMs;
    this.header.set(EMPTY_HELD, this.gbase);
    this.trackExtremes(true, true);
  }

  /** Start (exclusive) of the window at `now`. */
  windowStart(now: number): number {
    return Math.floor((now - this.windowMs) / this.paneMs) * this.paneMs;
  }

  /** Adds a reading; `good` false ends the held value without adding an entry. Times must not go backwards. */
  add(t: number, v: number, good: boolean): void {
    ARGUMENTS[0] = t;
    ARGUMENTS[1] = v;
    this.addFrom(ARGUMENTS, 0, good);
  }

  /**
   * add() with the time at source[at] and the value at source[at + 1]: V8 boxes a double passed to a call it
   * does not inline, so the engine hands over its point record instead of two numbers.
   */
  addFrom(source: Float64Array, at: number, good: boolean): void {
    const t = source[at]!;
    const v = source[at + 1]!;
    if (this.tracksHeldValues) this.closeOpenSegment(t);
    this.evictFrom(source, at);
    if (!good) {
      if (this.tracksHeldValues) this.openT = Number.NaN;
      return;
    }
    let panes = this.panes;
    let base = this.offsetOf(this.tail - 1);
    if (!this.raw && this.tail > this.head && panes[base + PANED_LAYOUT.index] === Math.ceil(t / this.paneMs) - 1) {
      panes[base + PANED_LAYOUT.count]! += 1;
      const paneSum = panes[base + PANED_LAYOUT.sum]!;
      const joined = paneSum + v;
      panes[base + PANED_LAYOUT.sumError]! += additionError(paneSum, v, joined);
      panes[base + PANED_LAYOUT.sum] = joined;
      if (v < panes[base + this.oMin]!) panes[base + this.oMin] = v;
      if (v > panes[base + this.oMax]!) panes[base + this.oMax] = v;
      panes[base + this.oLastT] = t;
      panes[base + this.oLastV] = v;
    } else {
      if (this.tail - this.head === this.capacity) {
        this.allocate(this.capacity * 2);
        panes = this.panes;
      }
      base = this.offsetOf(this.tail);
      if (this.raw) {
        panes[base] = t;
        panes[base + 1] = v;
      } else {
        panes[base + PANED_LAYOUT.index] = Math.ceil(t / this.paneMs) - 1;
        panes[base + PANED_LAYOUT.count] = 1;
        panes[base + PANED_LAYOUT.sumError] = 0;
        panes.fill(v, base + this.oSum, base + this.oMax + 1);
        panes[base + this.oFirstT] = t;
        panes[base + this.oFirstV] = v;
        panes[base + this.oLastT] = t;
        panes[base + this.oLastV] = v;
      }
      if (this.tracksHeldValues) {
        panes[base + this.oTwSum] = 0;
        panes[base + this.oTwSumError] = 0;
        panes[base + this.oTwCover] = 0;
      }
      this.tail += 1;
    }
    if (this.tracksHeldValues) panes[base + this.oLastEnd] = Number.NaN;
    this.runCount += 1;
    this.runSum += v;
    // The new entry, or the latest pane it joined, is in the back part.
    if (this.tracksMaximum && v > this.backMax) this.backMax = v;
    if (this.tracksMinimum && v < this.backMin) this.backMin = v;
    // Only time-weighted aggregates read the held value (see timeWeighted).
    if (!this.tracksHeldValues) return;
    this.openT = t;
    this.openV = v;
    this.openSeq = this.tail - 1;
  }

  /**
   * Keeps only the extremes some rule reads: each kept one costs a number per entry and a flip now and then. Call
   * at compile time, before the first reading.
   */
  trackExtremes(minimum: boolean, maximum: boolean): void {
    if (this.tail !== 0) throw new RangeError('trackExtremes() after the first reading');
    this.tracksMinimum = minimum;
    this.tracksMaximum = maximum;
    this.oSuffixMax = maximum ? this.dataStride : -1;
    this.oSuffixMin = minimum ? this.dataStride + (maximum ? 1 : 0) : -1;
    this.stride = this.dataStride + (minimum ? 1 : 0) + (maximum ? 1 : 0);
    this.allocate(this.capacity);
  }

  /** Drops entries that left the window at `now`; call before reading aggregates at a tick. */
  evict(now: number): void {
    ARGUMENTS[0] = now;
    this.evictFrom(ARGUMENTS, 0);
  }

  /** evict() with the time at source[at] (see addFrom). */
  private evictFrom(source: Float64Array, at: number): void {
    const now = source[at]!;
    const firstKept = Math.floor((now - this.windowMs) / this.paneMs);
    const panes = this.panes;
    const headBefore = this.head;
    const extremes = this.tracksMaximum || this.tracksMinimum;
    while (this.tail > this.head) {
      const base = this.offsetOf(this.head);
      if (this.paneIndexAt(base) >= firstKept) break;
      this.runCount -= this.raw ? 1 : panes[base + PANED_LAYOUT.count]!;
      this.runSum -= panes[base + this.oSum]!;
      if (this.tracksHeldValues) {
        this.runTwSum -= panes[base + this.oTwSum]!;
        this.runTwCover -= panes[base + this.oTwCover]!;
        this.strS = panes[base + this.oLastT]!;
        this.strE = panes[base + this.oLastEnd]!;
        this.strV = panes[base + this.oLastV]!;
      }
      if (extremes && this.head === this.boundary) this.flip();
      this.head += 1;
    }
    if (extremes && this.head > this.boundary) this.emptied();
    // Nothing left: the sums are exactly 0, not what rounding left of the subtractions (a gap would carry it on).
    if (this.head === this.tail) this.resetSums();
    // Once per RECOMPUTE_RINGS ring lengths of evictions (the head crossed a multiple of that), see recompute().
    const period = recomputePeriodMask(this.mask);
    if ((this.head & ~period) !== (headBefore & ~period)) this.recompute();
  }

  get readingCount(): number {
    return this.runCount;
  }

  average(): number {
    return this.runCount > 0 ? this.runSum / this.runCount : Number.NaN;
  }

  minimum(): number {
    if (!this.tracksMinimum) throw new RangeError('minimum() of a window built without its minimum (trackExtremes)');
    if (this.tail === this.head) return Number.NaN;
    return this.head < this.boundary ? Math.min(this.field(this.head, this.oSuffixMin), this.backMin) : this.backMin;
  }

  maximum(): number {
    if (!this.tracksMaximum) throw new RangeError('maximum() of a window built without its maximum (trackExtremes)');
    if (this.tail === this.head) return Number.NaN;
    return this.head < this.boundary ? Math.max(this.field(this.head, this.oSuffixMax), this.backMax) : this.backMax;
  }

  /**
   * The number a rule compares: `kind` is an AGGREGATE_* code or RATE_PER_MINUTE (from the oldest good reading in
   * the window to the latest; NaN, no value, without time between them). Reads the time at io[1] and, for the
   * rate, the latest good value at io[2]; writes the result to io[0]. Numbers pass through `io` and the fields are read directly because V8 boxes a double
   * passed to or returned from a call it does not inline (an allocation per reading on the hot path).
   */
  ruleValueInto(kind: number, io: Float64Array): void {
    const t = io[1]!;
    let result: number;
    if (kind === AGGREGATE_AVG) result = this.runCount > 0 ? this.runSum / this.runCount : Number.NaN;
    else if (kind === AGGREGATE_MIN) result = this.minimum();
    else if (kind === AGGREGATE_MAX) result = this.maximum();
    else if (kind === AGGREGATE_TWA) {
      // No covered time is no value (NaN leaves a condition as it is): the running integral keeps a rounding
      // remainder after its entries leave, and remainder / 0 would be an infinity that clears or raises the alarm.
      const covered = this.timeWeighted(t, false);
      result = covered > 0 ? this.timeWeighted(t, true) / covered : Number.NaN;
    } else if (this.tail > this.head) {
      // A window holding one good reading (no time elapsed) has no rate: NaN, which leaves the condition as it is.
      const base = this.offsetOf(this.head);
      const oldestTime = this.panes[base + this.oFirstT]!;
      result = t > oldestTime ? ((io[2]! - this.panes[base + this.oFirstV]!) * 60_000) / (t - oldestTime) : Number.NaN;
    } else {
      result = Number.NaN;
    }
    io[0] = result;
  }

  /**
   * ruleValueInto with the sums re-added from the entries, compensated, and a correctly rounded division: the
   * aggregate exactly as the values in the window give it (a window of equal values gives that value), where the
   * running sums carry the rounding of every addition and eviction since their last recompute. O(entries): the engine
   * calls it only for a value close to a limit (see condition.ts QUIET_MARGIN) and on request (windowValue).
   */
  exactRuleValueInto(kind: number, io: Float64Array): void {
    if (kind !== AGGREGATE_AVG && kind !== AGGREGATE_TWA) {
      this.ruleValueInto(kind, io);
      return;
    }
    const sum = new ExactSum();
    const covered = new ExactSum();
    for (let seq = this.head; seq < this.tail; seq += 1) {
      const base = this.offsetOf(seq);
      if (kind === AGGREGATE_AVG) {
        sum.add(this.panes[base + this.oSum]!);
        if (!this.raw) sum.add(this.panes[base + PANED_LAYOUT.sumError]!);
      } else {
        sum.add(this.panes[base + this.oTwSum]!);
        sum.add(this.panes[base + this.oTwSumError]!);
        covered.add(this.panes[base + this.oTwCover]!);
      }
    }
    if (kind === AGGREGATE_AVG) {
      io[0] = this.runCount > 0 ? sum.dividedBy(this.runCount) : Number.NaN;
      return;
    }
    this.clipHeldSegments(io[1]!);
    sum.addProduct(CLIPPED[0]!, CLIPPED[1]!);
    sum.addProduct(CLIPPED[2]!, CLIPPED[3]!);
    covered.add(CLIPPED[0]!);
    covered.add(CLIPPED[2]!);
    // No covered time is no value, as in ruleValueInto.
    const coveredMs = covered.value();
    io[0] = coveredMs > 0 ? sum.dividedBy(coveredMs) : Number.NaN;
  }

  /** Oldest good reading in the window (for rate of change); NaN when empty. */
  oldestTime(): number {
    return this.tail > this.head ? this.field(this.head, this.oFirstT) : Number.NaN;
  }

  oldestValue(): number {
    return this.tail > this.head ? this.field(this.head, this.oFirstV) : Number.NaN;
  }

  /** Latest good reading's value in the window; NaN when empty. */
  newestValue(): number {
    return this.tail > this.head ? this.field(this.tail - 1, this.oLastV) : Number.NaN;
  }

  /** An independent window with the same shape, extremes and entries (for looking ahead without touching this one). */
  copy(): PaneWindow {
    const copy = new PaneWindow(this, this.tail - this.head);
    copy.trackExtremes(this.tracksMinimum, this.tracksMaximum);
    copy.restore(this.snapshot());
    return copy;
  }

  /** Integral of the held value over (windowStart(now), now]; call evict(now) first. Needs tracksHeldValues. */
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
      const base = this.offsetOf(seq);
      panes.push(Array.from(this.panes.subarray(base, base + this.dataStride)));
    }
    return {
      shape: { windowMs: this.windowMs, paneMs: this.paneMs, holdMs: this.holdMs, tracksHeldValues: this.tracksHeldValues },
      panes,
      openT: this.openT,
      openV: this.openV,
      straddler: [this.strS, this.strE, this.strV],
    };
  }

  restore(snapshot: WindowSnapshot): void {
    this.head = 0;
    this.tail = 0;
    const needed = nextPowerOfTwo(snapshot.panes.length + 2);
    if (needed > this.capacity) this.allocate(needed);
    this.emptied();
    this.openSeq = -1;
    const openT = snapshot.openT ?? Number.NaN;
    for (const pane of snapshot.panes) {
      if (pane.length !== this.dataStride) throw new RangeError(`window entry has ${pane.length} fields, expected ${this.dataStride}`);
      const base = this.offsetOf(this.tail);
      this.panes.set(
        pane.map((x) => x ?? Number.NaN),
        base,
      );
      this.backMax = Math.max(this.backMax, this.panes[base + this.oMax]!);
      this.backMin = Math.min(this.backMin, this.panes[base + this.oMin]!);
      if (this.panes[base + this.oLastT] === openT) this.openSeq = this.tail;
      this.tail += 1;
    }
    this.openT = openT;
    this.openV = snapshot.openV ?? Number.NaN;
    [this.strS, this.strE, this.strV] = snapshot.straddler.map((x) => x ?? Number.NaN) as [number, number, number];
    this.recompute();
  }

  /** Numbers of storage this window's entries need (see packInto); the header needs WINDOW_HEADER.length more. */
  get panesLength(): number {
    return this.capacity * this.stride;
  }

  /**
   * Moves the entries into a region of a shared array (panesLength numbers at pbase) and the headers into another
   * (WINDOW_HEADER.length numbers at hbase, WINDOW_HEADER.heldLength at gbase); the engine packs all its windows
   * side by side this way. A window that later outgrows its region moves its entries back to a private array; the
   * headers stay.
   */
  packInto(panes: Float64Array, pbase: number, headers: Float64Array, hbase: number, gbase: number): void {
    headers.set(this.header.subarray(this.hbase, this.hbase + Header.Count), hbase);
    headers.set(this.header.subarray(this.gbase, this.gbase + Held.Count), gbase);
    this.header = headers;
    this.hbase = hbase;
    this.gbase = gbase;
    this.relocate(panes, pbase, this.capacity);
  }

  /**
   * Storage of a window without held values, which the engine steps in place (WINDOW_HEADER); null for windows
   * that keep held values (time-weighted). Valid until the window moves: after add() or restore(), ask again.
   */
  inPlaceLayout(): InPlaceLayout | null {
    if (this.tracksHeldValues) return null;
    return {
      panes: this.panes,
      pbase: this.pbase,
      hbase: this.hbase,
      mask: this.mask,
      stride: this.stride,
      suffixMax: this.oSuffixMax,
      suffixMin: this.oSuffixMin,
    };
  }

  /** Bytes of typed-array storage this window holds. */
  get stateBytes(): number {
    return (Header.Count + Held.Count + this.panesLength) * Float64Array.BYTES_PER_ELEMENT;
  }

  private paneIndexAt(base: number): number {
    return this.raw ? Math.ceil(this.panes[base]!) - 1 : this.panes[base + PANED_LAYOUT.index]!;
  }

  private field(seq: number, offset: number): number {
    return this.panes[this.offsetOf(seq) + offset]!;
  }

  /** Entry `seq` sits at ring slot (seq ^ slotOrder) & mask (see slotOrder). */
  private offsetOf(seq: number): number {
    return this.pbase + ((seq ^ this.slotOrder) & this.mask) * this.stride;
  }

  // Header numbers (see Header.Count). Ring positions, live entry count:
  private get head(): number {
    return this.header[this.hbase + Header.Head]!;
  }
  private set head(value: number) {
    this.header[this.hbase + Header.Head] = value;
  }
  private get tail(): number {
    return this.header[this.hbase + Header.Tail]!;
  }
  private set tail(value: number) {
    this.header[this.hbase + Header.Tail] = value;
  }
  /** First entry of the back part (see Header.Boundary); the back part's extremes (-Infinity / +Infinity when empty): */
  private get boundary(): number {
    return this.header[this.hbase + Header.Boundary]!;
  }
  private set boundary(value: number) {
    this.header[this.hbase + Header.Boundary] = value;
  }
  private get backMax(): number {
    return this.header[this.hbase + Header.BackMax]!;
  }
  private set backMax(value: number) {
    this.header[this.hbase + Header.BackMax] = value;
  }
  private get backMin(): number {
    return this.header[this.hbase + Header.BackMin]!;
  }
  private set backMin(value: number) {
    this.header[this.hbase + Header.BackMin] = value;
  }
  private get runCount(): number {
    return this.header[this.hbase + Header.RunCount]!;
  }
  private set runCount(value: number) {
    this.header[this.hbase + Header.RunCount] = value;
  }
  private get openSeq(): number {
    return this.header[this.gbase + Held.OpenSeq]!;
  }
  private set openSeq(value: number) {
    this.header[this.gbase + Held.OpenSeq] = value;
  }
  // Running sums of the live entries:
  private get runSum(): number {
    return this.header[this.hbase + Header.RunSum]!;
  }
  private set runSum(value: number) {
    this.header[this.hbase + Header.RunSum] = value;
  }
  private get runTwSum(): number {
    return this.header[this.gbase + Held.RunTwSum]!;
  }
  private set runTwSum(value: number) {
    this.header[this.gbase + Held.RunTwSum] = value;
  }
  private get runTwCover(): number {
    return this.header[this.gbase + Held.RunTwCover]!;
  }
  private set runTwCover(value: number) {
    this.header[this.gbase + Held.RunTwCover] = value;
  }
  // Latest good reading, whose value is still held (NaN when the latest reading was not good):
  private get openT(): number {
    return this.header[this.gbase + Held.OpenT]!;
  }
  private set openT(value: number) {
    this.header[this.gbase + Held.OpenT] = value;
  }
  private get openV(): number {
    return this.header[this.gbase + Held.OpenV]!;
  }
  private set openV(value: number) {
    this.header[this.gbase + Held.OpenV] = value;
  }
  // The last segment that started in an evicted entry: start, end (NaN while open), value:
  private get strS(): number {
    return this.header[this.gbase + Held.StrS]!;
  }
  private set strS(value: number) {
    this.header[this.gbase + Held.StrS] = value;
  }
  private get strE(): number {
    return this.header[this.gbase + Held.StrE]!;
  }
  private set strE(value: number) {
    this.header[this.gbase + Held.StrE] = value;
  }
  private get strV(): number {
    return this.header[this.gbase + Held.StrV]!;
  }
  private set strV(value: number) {
    this.header[this.gbase + Held.StrV] = value;
  }
  private timeWeighted(now: number, integral: boolean): number {
    this.clipHeldSegments(now);
    return integral ? this.runTwSum + CLIPPED[0]! * CLIPPED[1]! + CLIPPED[2]! * CLIPPED[3]! : this.runTwCover + CLIPPED[0]! + CLIPPED[2]!;
  }

  /**
   * The held segments not credited to entries, clipped to (windowStart(now), now], into CLIPPED: the straddler's
   * covered ms and value, then the still-open segment's (the latest good reading's); 0 and 0 for one that is not there.
   */
  private clipHeldSegments(now: number): void {
    const start = this.windowStart(now);
    CLIPPED.fill(0);
    const openInWindow = this.openSeq >= this.head && !Number.isNaN(this.openT);
    if (!Number.isNaN(this.strE)) {
      CLIPPED[0] = Math.max(0, this.strE - Math.max(this.strS, start));
      CLIPPED[1] = this.strV;
    }
    if (!Number.isNaN(this.openT) && (openInWindow || Number.isNaN(this.strE))) {
      CLIPPED[2] = Math.max(0, Math.min(now, this.openT + this.holdMs) - Math.max(this.openT, start));
      CLIPPED[3] = this.openV;
    }
  }

  private closeOpenSegment(t: number): void {
    if (Number.isNaN(this.openT)) return;
    const end = Math.min(t, this.openT + this.holdMs);
    const duration = Math.max(0, end - this.openT);
    if (this.openSeq >= this.head) {
      const base = this.offsetOf(this.openSeq);
      accumulateProduct(this.panes, base + this.oTwSum, base + this.oTwSumError, duration, this.openV);
      this.panes[base + this.oTwCover]! += duration;
      this.panes[base + this.oLastEnd] = end;
      this.runTwSum += duration * this.openV;
      this.runTwCover += duration;
    } else {
      this.strE = end;
    }
    this.openT = Number.NaN;
  }

  /**
   * The front part ran empty: it takes over the back part (but a paned window's latest pane, which may still grow),
   * each entry getting the extremes from itself to the new boundary. Each entry is flipped once, so O(1) amortized.
   */
  flip(): void {
    const end = this.raw ? this.tail : this.tail - 1;
    // Fields in locals: the loop walks the whole ring once per ring length of readings, the engine's longest loop.
    const { panes, pbase, mask, stride, slotOrder, oMax, oMin, oSuffixMax, oSuffixMin } = this;
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (let seq = end - 1, head = this.head; seq >= head; seq -= 1) {
      const base = pbase + ((seq ^ slotOrder) & mask) * stride;
      if (oSuffixMax >= 0) panes[base + oSuffixMax] = max = Math.max(max, panes[base + oMax]!);
      if (oSuffixMin >= 0) panes[base + oSuffixMin] = min = Math.min(min, panes[base + oMin]!);
    }
    this.boundary = end;
    this.backMax = end < this.tail ? this.field(end, this.oMax) : Number.NEGATIVE_INFINITY;
    this.backMin = end < this.tail ? this.field(end, this.oMin) : Number.POSITIVE_INFINITY;
  }

  /** The window ran empty: its running sums are exactly 0. */
  resetSums(): void {
    this.runCount = 0;
    this.runSum = 0;
    this.runTwSum = 0;
    this.runTwCover = 0;
  }

  /** The last entry left (the head passed the boundary only then): both parts are empty. */
  emptied(): void {
    this.boundary = this.head;
    this.backMax = Number.NEGATIVE_INFINITY;
    this.backMin = Number.POSITIVE_INFINITY;
  }

  /**
   * Re-adds the running sums from the live entries. Subtracting evicted entries loses a little precision each time;
   * doing this once per RECOMPUTE_RINGS * `capacity` evictions keeps the error bounded at O(1) amortized cost.
   */
  recompute(): void {
    const { panes, pbase, mask, stride, slotOrder, raw, oSum, tracksHeldValues, oTwSum, oTwCover } = this;
    let count = 0;
    let sum = 0;
    let twSum = 0;
    let twCover = 0;
    for (let seq = this.head, tail = this.tail; seq < tail; seq += 1) {
      const base = pbase + ((seq ^ slotOrder) & mask) * stride;
      count += raw ? 1 : panes[base + PANED_LAYOUT.count]!;
      sum += panes[base + oSum]!;
      if (!tracksHeldValues) continue;
      twSum += panes[base + oTwSum]!;
      twCover += panes[base + oTwCover]!;
    }
    this.runCount = count;
    this.runSum = sum;
    this.runTwSum = twSum;
    this.runTwCover = twCover;
  }

  /** (Re)allocates a private array for `capacity` entries, keeping live entries at their sequence numbers. */
  private allocate(capacity: number): void {
    this.relocate(new Float64Array(capacity * this.stride), 0, capacity);
  }

  /** Moves the entries to the given storage with room for `capacity` entries. */
  private relocate(panes: Float64Array, pbase: number, capacity: number): void {
    const oldPanes = this.panes;
    const entries: [number, number][] = [];
    for (let seq = this.head; seq < this.tail; seq += 1) entries.push([seq, this.offsetOf(seq)]);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.panes = panes;
    this.pbase = pbase;
    for (const [seq, from] of entries) this.panes.set(oldPanes.subarray(from, from + this.stride), this.offsetOf(seq));
  }
}
