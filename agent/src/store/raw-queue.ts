/** Bounded ring of encoded raw readings in preallocated typed arrays: validation and scaling happen here, once. */
import { QUALITY_CODE, REASON_CODE, type Reading, type ReadingRows } from '@hazmon/protocols';
import { quote } from '@hazmon/errors';
import { StoreError } from './errors.ts';
import type { PointRegistry } from './points.ts';
import type { ReasonTexts } from './reason-texts.ts';

const INT32_MAX = 2_147_483_647;
/** Flags per slot. */
export const HAS_VALUE = 1;
export const HAS_SOURCE_TIME = 2;

export class RawReadingQueue {
  readonly capacity: number;
  private readonly mask: number;
  readonly pointIndex: Int32Array<ArrayBuffer>;
  readonly time: Float64Array<ArrayBuffer>;
  readonly sourceTime: Float64Array<ArrayBuffer>;
  readonly valueScaled: Int32Array<ArrayBuffer>;
  readonly quality: Uint8Array<ArrayBuffer>;
  /** 0 when the reading has no reason (good readings). */
  readonly reason: Uint8Array<ArrayBuffer>;
  /** The reason message's id in reason_texts; 0 when the reading has no reason. */
  readonly reasonText: Int32Array<ArrayBuffer>;
  readonly flags: Uint8Array<ArrayBuffer>;
  /** Counts since the queue was last empty; depth = written - read. */
  private written = 0;
  private read = 0;

  constructor(requestedCapacity: number) {
    if (!(Number.isInteger(requestedCapacity) && requestedCapacity >= 2 && requestedCapacity <= 1 << 26)) {
      throw new StoreError('HAZMON_STORE_CONFIG_INVALID', `queueCapacity: ${quote(requestedCapacity)} must be a whole number in 2..67108864`);
    }
    this.capacity = 2 ** Math.ceil(Math.log2(requestedCapacity));
    this.mask = this.capacity - 1;
    this.pointIndex = new Int32Array(this.capacity);
    this.time = new Float64Array(this.capacity);
    this.sourceTime = new Float64Array(this.capacity);
    this.valueScaled = new Int32Array(this.capacity);
    this.quality = new Uint8Array(this.capacity);
    this.reason = new Uint8Array(this.capacity);
    this.reasonText = new Int32Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
  }

  get depth(): number {
    return this.written - this.read;
  }

  /** Slot of the i-th waiting reading (0 = oldest). */
  slot(i: number): number {
    return (this.read + i) & this.mask;
  }

  /**
   * Forgets the n oldest readings once they are committed. The readings queued while that commit ran move to slot 0
   * (a copy of a commit's worth of rows at most), so only the slots of the deepest backlog are ever written: the pages
   * of the rest of the arrays are never touched and cost no resident memory (the default capacity's arrays are ~7 MB;
   * a second's readings of a 10k-point plant fill ~270 kB).
   */
  consume(n: number): void {
    this.read += Math.min(n, this.depth);
    const left = this.written - this.read;
    const from = this.read & this.mask;
    if (left > 0 && from > 0) {
      for (const column of [this.pointIndex, this.time, this.sourceTime, this.valueScaled, this.quality, this.reason, this.reasonText, this.flags]) column.copyWithin(0, from, from + left);
    }
    this.read = 0;
    this.written = left;
  }

  /**
   * Validates and encodes one reading of the point at `index` into the next slot. Returns false, storing nothing,
   * when the queue is full. Throws StoreError for a reading that is wrong (NaN, missing time): nothing is stored either.
   */
  offer(index: number, reading: Reading, points: PointRegistry, texts: ReasonTexts): boolean {
    const { value, receiveTime, sourceTime } = reading;
    const quality = QUALITY_CODE[reading.quality];
    if (quality === undefined) badReading(reading.pointId, 'quality', reading.quality, "must be 'good', 'uncertain' or 'bad'");
    checkTime(reading.pointId, 'receiveTime', receiveTime);
    if (sourceTime !== null && (!Number.isSafeInteger(sourceTime) || sourceTime < 0)) {
      badReading(reading.pointId, 'sourceTime', sourceTime, 'must be epoch ms (a whole number >= 0) or null');
    }
    let scaled = 0;
    if (value === null) {
      if (quality !== QUALITY_CODE.bad) badReading(reading.pointId, 'value', value, `may be null only for bad quality, not ${quote(reading.quality)}`);
    } else {
      scaled = scaledValue(reading.pointId, typeof value === 'boolean' ? (value ? 1 : 0) : value, points.divisorOf(index));
    }
    let reason = 0;
    if (reading.reason !== undefined) {
      reason = REASON_CODE[reading.reason.code] ?? -1;
      if (reason < 0) badReading(reading.pointId, 'reason.code', reading.reason.code, 'is not a known QualityReasonCode');
    }
    if (this.full) return false;
    const reasonText = reason === 0 ? 0 : texts.idOf(reading.reason!.message);
    this.put(index, receiveTime, sourceTime, scaled, quality, reason, reasonText, value !== null);
    return true;
  }

  /** `offer` for a good number of the point at `index` received at `receiveTime`, with no source time or reason. */
  offerValue(index: number, receiveTime: number, value: number, points: PointRegistry): boolean {
    const pointId = points.idOf(index); // throws for an index the store never handed out
    checkTime(pointId, 'receiveTime', receiveTime);
    const scaled = scaledValue(pointId, value, points.divisorOf(index));
    if (this.full) return false;
    this.put(index, receiveTime, null, scaled, QUALITY_CODE.good, 0, 0, true);
    return true;
  }

  /**
   * `offerValue` for the plain rows of a source's batch from row `from` on (`ReadingRows`: a good number at the batch's
   * receive time, with a source time or NaN), read from the batch's own columns in one loop: `storeIndex[rows.point[row]]`
   * is the store's index of a row's point. A row with a Reading, or whose point has no store index (< 0), is skipped:
   * the caller stores those alone. Stops before the first plain row it cannot queue (a value that is not finite or does
   * not fit, a time that is not epoch ms, an unknown index, the queue full) and returns that row, `rows.length` when
   * it queued them all; `offer` (`offerValue` for a row with no source time) then says what is wrong with it.
   */
  offerRows(rows: ReadingRows, storeIndex: Int32Array, from: number, points: PointRegistry): number {
    const { receiveTime, point, value, sourceTime: sourceTimes, length } = rows;
    const timeValid = Number.isSafeInteger(receiveTime) && receiveTime >= 0;
    if (rows.atReceiveTime && timeValid) return this.offerRowsAtReceiveTime(rows, storeIndex, from, points);
    for (let row = from; row < length; row++) {
      const index = storeIndex[point[row]!] ?? -1;
      if (index < 0 || rows.objectAt(row) !== undefined) continue;
      // NaN (a value not finite) fails both comparisons.
      const scaled = Math.round(value[row]! * points.divisorOf(index));
      if (!timeValid || !(scaled <= INT32_MAX && scaled >= -INT32_MAX) || !points.has(index) || this.full) return row;
      const sourceTime = sourceTimes[row]!;
      const stamped = !Number.isNaN(sourceTime);
      if (stamped && !(Number.isSafeInteger(sourceTime) && sourceTime >= 0)) return row;
      // put()'s stores written out: a call would box the time again.
      const slot = this.written & this.mask;
      this.pointIndex[slot] = index;
      this.time[slot] = receiveTime;
      this.sourceTime[slot] = stamped ? sourceTime : 0;
      this.valueScaled[slot] = scaled;
      this.quality[slot] = QUALITY_CODE.good;
      this.reason[slot] = 0;
      this.reasonText[slot] = 0;
      this.flags[slot] = stamped ? HAS_VALUE | HAS_SOURCE_TIME : HAS_VALUE;
      this.written += 1;
    }
    return length;
  }

  /**
   * offerRows for rows that are all plain at a valid receive time (`ReadingRows.atReceiveTime`): per row only its
   * point and scaled value go into the slot; the slots' time, source time, quality, reason and flags are filled once.
   */
  private offerRowsAtReceiveTime(rows: ReadingRows, storeIndex: Int32Array, from: number, points: PointRegistry): number {
    const { point, value, length } = rows;
    const first = this.written;
    let stopped = length;
    for (let row = from; row < length; row++) {
      const index = storeIndex[point[row]!] ?? -1;
      if (index < 0) continue;
      // NaN (a value not finite) fails both comparisons.
      const scaled = Math.round(value[row]! * points.divisorOf(index));
      if (!(scaled <= INT32_MAX && scaled >= -INT32_MAX) || !points.has(index) || this.full) {
        stopped = row;
        break;
      }
      const slot = this.written & this.mask;
      this.pointIndex[slot] = index;
      this.valueScaled[slot] = scaled;
      this.written += 1;
    }
    this.fillGoodAt(first, this.written - first, rows.receiveTime);
    return stopped;
  }

  /** The columns but point and value of `count` slots from the `first` written: good readings received at `time`. */
  private fillGoodAt(first: number, count: number, time: number): void {
    // In at most two runs: the ring's end, then its start.
    for (let done = 0; done < count; ) {
      const from = (first + done) & this.mask;
      const to = Math.min(from + count - done, this.capacity);
      this.time.fill(time, from, to);
      this.sourceTime.fill(0, from, to);
      this.quality.fill(QUALITY_CODE.good, from, to);
      this.reason.fill(0, from, to);
      this.reasonText.fill(0, from, to);
      this.flags.fill(HAS_VALUE, from, to);
      done += to - from;
    }
  }

  private get full(): boolean {
    return this.written - this.read >= this.capacity;
  }

  private put(index: number, time: number, sourceTime: number | null, scaled: number, quality: number, reason: number, reasonText: number, hasValue: boolean): void {
    const slot = this.written & this.mask;
    this.pointIndex[slot] = index;
    this.time[slot] = time;
    this.sourceTime[slot] = sourceTime ?? 0;
    this.valueScaled[slot] = scaled;
    this.quality[slot] = quality;
    this.reason[slot] = reason;
    this.reasonText[slot] = reasonText;
    this.flags[slot] = (hasValue ? HAS_VALUE : 0) | (sourceTime === null ? 0 : HAS_SOURCE_TIME);
    this.written += 1;
  }
}

function checkTime(pointId: string, field: string, time: number): void {
  if (!Number.isSafeInteger(time) || time < 0) badReading(pointId, field, time, 'must be epoch ms (a whole number >= 0)');
}

/** The value as a step count at the point's resolution (1 / divisor); throws when it is not finite or does not fit. */
function scaledValue(pointId: string, numeric: number, divisor: number): number {
  if (typeof numeric !== 'number' || !Number.isFinite(numeric)) badReading(pointId, 'value', numeric, 'must be a finite number, a boolean or null');
  const scaled = Math.round(numeric * divisor);
  if (scaled > INT32_MAX || scaled < -INT32_MAX) {
    badReading(pointId, 'value', numeric, `does not fit the point's resolution ${1 / divisor} (stored as a 32-bit step count)`);
  }
  return scaled;
}

function badReading(pointId: string, field: string, value: unknown, why: string): never {
  throw new StoreError('HAZMON_STORE_BAD_READING', `writeReading: point ${quote(pointId)} ${field} ${quote(value)} ${why}`);
}
