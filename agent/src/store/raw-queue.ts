/** Bounded ring of encoded raw readings in preallocated typed arrays: validation and scaling happen here, once. */
import { QUALITY_CODE, REASON_CODE, type Reading } from '@hazmon/protocols';
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
  readonly pointIndex: Int32Array;
  readonly time: Float64Array;
  readonly sourceTime: Float64Array;
  readonly valueScaled: Int32Array;
  readonly quality: Uint8Array;
  /** 0 when the reading has no reason (good readings). */
  readonly reason: Uint8Array;
  /** The reason message's id in reason_texts; 0 when the reading has no reason. */
  readonly reasonText: Int32Array;
  readonly flags: Uint8Array;
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
   * Forgets the n oldest readings once they are committed. An emptied queue starts again at slot 0 (every flush
   * empties it), so only the slots of the deepest backlog are ever written: the pages of the rest of the arrays are
   * never touched and cost no resident memory (the default capacity's arrays are ~7 MB; a second's readings of a
   * 10k-point plant fill ~270 kB).
   */
  consume(n: number): void {
    this.read += Math.min(n, this.depth);
    if (this.read === this.written) {
      this.read = 0;
      this.written = 0;
    }
  }

  /**
   * Validates and encodes one reading into the next slot. Returns false, storing nothing, when the queue is full.
   * Throws StoreError for a reading that is wrong (unknown point, NaN, missing time): nothing is stored either.
   */
  offer(reading: Reading, points: PointRegistry, texts: ReasonTexts): boolean {
    const index = points.require(reading.pointId, 'writeReading');
    const { value, receiveTime, sourceTime } = reading;
    const quality = QUALITY_CODE[reading.quality];
    if (quality === undefined) badReading(reading, 'quality', reading.quality, "must be 'good', 'uncertain' or 'bad'");
    if (!Number.isSafeInteger(receiveTime) || receiveTime < 0) badReading(reading, 'receiveTime', receiveTime, 'must be epoch ms (a whole number >= 0)');
    if (sourceTime !== null && (!Number.isSafeInteger(sourceTime) || sourceTime < 0)) {
      badReading(reading, 'sourceTime', sourceTime, 'must be epoch ms (a whole number >= 0) or null');
    }
    let scaled = 0;
    if (value === null) {
      if (quality !== QUALITY_CODE.bad) badReading(reading, 'value', value, `may be null only for bad quality, not ${quote(reading.quality)}`);
    } else {
      const numeric = typeof value === 'boolean' ? (value ? 1 : 0) : value;
      if (typeof numeric !== 'number' || !Number.isFinite(numeric)) badReading(reading, 'value', value, 'must be a finite number, a boolean or null');
      scaled = Math.round(numeric * points.divisorOf(index));
      if (scaled > INT32_MAX || scaled < -INT32_MAX) {
        badReading(reading, 'value', value, `does not fit the point's resolution ${1 / points.divisorOf(index)} (stored as a 32-bit step count)`);
      }
    }
    let reason = 0;
    if (reading.reason !== undefined) {
      reason = REASON_CODE[reading.reason.code] ?? -1;
      if (reason < 0) badReading(reading, 'reason.code', reading.reason.code, 'is not a known QualityReasonCode');
    }
    if (this.written - this.read >= this.capacity) return false;
    const slot = this.written & this.mask;
    this.pointIndex[slot] = index;
    this.time[slot] = receiveTime;
    this.sourceTime[slot] = sourceTime ?? 0;
    this.valueScaled[slot] = scaled;
    this.quality[slot] = quality;
    this.reason[slot] = reason;
    this.reasonText[slot] = reason === 0 ? 0 : texts.idOf(reading.reason!.message);
    this.flags[slot] = (value === null ? 0 : HAS_VALUE) | (sourceTime === null ? 0 : HAS_SOURCE_TIME);
    this.written += 1;
    return true;
  }
}

function badReading(reading: Reading, field: string, value: unknown, why: string): never {
  throw new StoreError('HAZMON_STORE_BAD_READING', `writeReading: point ${quote(reading.pointId)} ${field} ${quote(value)} ${why}`);
}
