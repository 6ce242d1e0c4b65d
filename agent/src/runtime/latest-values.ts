/**
 * The latest reading of every point, for a page that opens or a regulator's pull: kept in typed arrays indexed by
 * point (a few bytes per point, nothing retained per reading), the reason kept only while a point is not good.
 */
import type { Quality, QualityReason, Reading, ReadingRows } from '@hazmon/protocols';
import { QUALITY_CODE } from '@hazmon/protocols';

export interface LatestValue {
  readonly pointId: string;
  /** null when the point has not reported since the agent started, or its latest reading had no value. */
  readonly value: number | boolean | null;
  readonly quality: Quality | null;
  readonly reason: QualityReason | null;
  /** Epoch ms UTC as the source stamped it; null when the source has no clock. */
  readonly sourceTime: number | null;
  /** Epoch ms UTC when the gateway received it; null before the first reading. */
  readonly receiveTime: number | null;
}

/** QUALITY_CODE read backwards. */
const QUALITIES: readonly Quality[] = (Object.keys(QUALITY_CODE) as Quality[]).sort((a, b) => QUALITY_CODE[a] - QUALITY_CODE[b]);
const NONE = 255;
const GOOD = QUALITY_CODE.good;
const NUMBER = 0;
const FALSE = 1;
const TRUE = 2;
const EMPTY = 3;

/**
 * A slot's fields, one record of doubles per point (a point's reading writes one place in memory, not one per field:
 * at 200k readings a second seven arrays cost ~22 ns a reading, the record ~10). VERSION: the version at which the
 * slot last changed; STATE: kind (NUMBER, FALSE, TRUE, EMPTY) | quality code << 2 | WITH_REASON; VALUE; SOURCE_TIME and
 * RECEIVE_TIME (NaN for none); LAST_GOOD_TIME: receive time of the latest good reading, NaN before one, kept while
 * later readings are not good.
 */
const VERSION = 0;
const STATE = 1;
const VALUE = 2;
const SOURCE_TIME = 3;
const RECEIVE_TIME = 4;
const LAST_GOOD_TIME = 5;
const FIELDS = 6;
/** Set in STATE where `reasons` holds the slot: a good reading after it asks the map nothing (one bad detector on a plant otherwise cost every reading a hash lookup). */
const WITH_REASON = 1 << 10;
const stateOf = (kind: number, quality: number) => kind | (quality << 2);
/** A good number without a reason: a plain row's state. */
const PLAIN = stateOf(NUMBER, GOOD);
const EMPTY_SLOT = [0, stateOf(EMPTY, NONE), 0, Number.NaN, Number.NaN, Number.NaN];

const finite = (time: number) => (Number.isNaN(time) ? null : time);

/** One point whose latest value changed, as arguments: a live view of 10k points polled at 10 Hz makes no object per point. */
export type LatestChangeVisitor = (pointId: string, value: number | boolean | null, quality: Quality, receiveTime: number) => void;

/** A point's latest good reading: when the gateway received it (epoch ms UTC), whatever came after it. */
export type LastGoodVisitor = (pointId: string, receiveTime: number) => void;

/** One point's latest value, as LatestValue's fields in order, as arguments: the points' live answer makes no object per point. */
export type LatestValueVisitor = (
  pointId: LatestValue['pointId'],
  value: LatestValue['value'],
  quality: LatestValue['quality'],
  reason: LatestValue['reason'],
  sourceTime: LatestValue['sourceTime'],
  receiveTime: LatestValue['receiveTime'],
) => void;

export class LatestValues {
  /** Counts every reading noted: a live view asks for what changed after the count it last saw. */
  private version = 0;
  private indexOf = new Map<string, number>();
  private ids: readonly string[] = [];
  /** FIELDS doubles per slot, see VERSION. */
  private slots = new Float64Array(0);
  private readonly reasons = new Map<number, QualityReason>();

  constructor(pointIds: readonly string[]) {
    this.resize(pointIds);
  }

  /** The points after a config reload: kept points keep their latest value, new ones start empty. */
  resize(pointIds: readonly string[]): void {
    const previous = { indexOf: this.indexOf, slots: this.slots, reasons: new Map(this.reasons) };
    const count = pointIds.length;
    this.ids = [...pointIds];
    this.indexOf = new Map(pointIds.map((id, i) => [id, i]));
    this.slots = new Float64Array(count * FIELDS);
    this.reasons.clear();
    // Every kept point counts as changed: a live view then sends each point of the new config once.
    this.version += 1;
    pointIds.forEach((id, i) => {
      const j = previous.indexOf.get(id);
      const at = i * FIELDS;
      if (j === undefined) this.slots.set(EMPTY_SLOT, at);
      else this.slots.set(previous.slots.subarray(j * FIELDS, (j + 1) * FIELDS), at);
      this.slots[at + VERSION] = this.version;
      this.slots[at + STATE] = this.stateAt(i) & ~WITH_REASON;
      const reason = j === undefined ? undefined : previous.reasons.get(j);
      if (reason) this.setReason(i, reason);
    });
  }

  /** The slot of a point (what `noteAt` and `noteValue` take), -1 for a point not kept; changes with `resize`. */
  slotOf(pointId: string): number {
    return this.indexOf.get(pointId) ?? -1;
  }

  /** A reading of the point in slot `i` (`slotOf`). */
  noteAt(i: number, reading: Reading): void {
    const at = i * FIELDS;
    const slots = this.slots;
    const value = reading.value;
    const withReason = this.stateAt(i) & WITH_REASON;
    slots[at + VERSION] = ++this.version;
    slots[at + STATE] = stateOf(value === null ? EMPTY : value === true ? TRUE : value === false ? FALSE : NUMBER, QUALITY_CODE[reading.quality]) | withReason;
    slots[at + VALUE] = typeof value === 'number' ? value : 0;
    slots[at + SOURCE_TIME] = reading.sourceTime ?? Number.NaN;
    slots[at + RECEIVE_TIME] = reading.receiveTime;
    if (reading.quality === 'good') slots[at + LAST_GOOD_TIME] = reading.receiveTime;
    if (reading.reason) this.setReason(i, reading.reason);
    else if (withReason !== 0) this.clearReason(i);
  }

  /** A good number with no reason (`ReadingRows`' plain row; `sourceTime` NaN for none) of the point in slot `i`: no object. */
  noteValue(i: number, receiveTime: number, value: number, sourceTime: number): void {
    const at = i * FIELDS;
    const slots = this.slots;
    if (slots[at + STATE] !== PLAIN) this.clearReasonOf(i);
    slots[at + VERSION] = ++this.version;
    slots[at + STATE] = PLAIN;
    slots[at + VALUE] = value;
    slots[at + SOURCE_TIME] = sourceTime;
    slots[at + RECEIVE_TIME] = receiveTime;
    slots[at + LAST_GOOD_TIME] = receiveTime;
  }

  /**
   * noteValue for every row of a batch of plain rows at its receive time (`ReadingRows.atReceiveTime`, a Modbus answer
   * of plain numbers), row r in slot `slotByRoute[rows.point[r]]` (-1: not kept): one loop with the records in locals,
   * not a call per row from the caller's loop over the rows.
   */
  noteRowsAtReceiveTime(rows: ReadingRows, slotByRoute: Int32Array): void {
    if (!rows.atReceiveTime) throw new Error('noteRowsAtReceiveTime: a row of the batch has a source time or a Reading');
    const { point, value, receiveTime, length } = rows;
    const slots = this.slots;
    let version = this.version;
    for (let row = 0; row < length; row += 1) {
      const i = slotByRoute[point[row]!] ?? -1;
      if (i < 0) continue;
      const at = i * FIELDS;
      if (slots[at + STATE] !== PLAIN) this.clearReasonOf(i);
      slots[at + VERSION] = ++version;
      slots[at + STATE] = PLAIN;
      slots[at + VALUE] = value[row]!;
      slots[at + SOURCE_TIME] = Number.NaN;
      slots[at + RECEIVE_TIME] = receiveTime;
      slots[at + LAST_GOOD_TIME] = receiveTime;
    }
    this.version = version;
  }

  private stateAt(i: number): number {
    return this.slots[i * FIELDS + STATE]!;
  }

  private setReason(i: number, reason: QualityReason): void {
    this.reasons.set(i, reason);
    this.slots[i * FIELDS + STATE] = this.stateAt(i) | WITH_REASON;
  }

  /** Forgets the slot's reason, if it has one (its state is then rewritten by the caller). */
  private clearReasonOf(i: number): void {
    if ((this.stateAt(i) & WITH_REASON) !== 0) this.clearReason(i);
  }

  private clearReason(i: number): void {
    this.reasons.delete(i);
    this.slots[i * FIELDS + STATE] = this.stateAt(i) & ~WITH_REASON;
  }

  /** The latest value of each point asked for (default all), in config order; unknown ids are left out. */
  list(pointIds?: readonly string[]): LatestValue[] {
    const indices = pointIds === undefined ? this.ids.map((_, i) => i) : pointIds.map((id) => this.indexOf.get(id)).filter((i): i is number => i !== undefined);
    return indices.map((i) => this.at(i));
  }

  /**
   * Each point with a reading whose latest value changed after `version` (0: every point), in config order, handed to
   * `visit`; returns the version to pass next time. One scan of the records.
   */
  changedSince(version: number, visit: LatestChangeVisitor): number {
    const slots = this.slots;
    for (let i = 0; i < this.ids.length; i += 1) {
      if (!(slots[i * FIELDS + VERSION]! > version)) continue;
      const quality = this.qualityAt(i);
      if (quality === null) continue;
      visit(this.ids[i]!, this.valueAt(i), quality, slots[i * FIELDS + RECEIVE_TIME]!);
    }
    return this.version;
  }

  /** What list() gives, every point in config order, handed to `visit` field by field. */
  each(visit: LatestValueVisitor): void {
    for (let i = 0; i < this.ids.length; i += 1) {
      visit(this.ids[i]!, this.valueAt(i), this.qualityAt(i), this.reasons.get(i) ?? null, this.timeAt(i, SOURCE_TIME), this.timeAt(i, RECEIVE_TIME));
    }
  }

  /** Each point with a good reading since start, in config order, with that reading's receive time, though later ones were not good. */
  eachLastGood(visit: LastGoodVisitor): void {
    for (let i = 0; i < this.ids.length; i += 1) {
      const lastGood = this.timeAt(i, LAST_GOOD_TIME);
      if (lastGood !== null) visit(this.ids[i]!, lastGood);
    }
  }

  private valueAt(i: number): LatestValue['value'] {
    const kind = this.stateAt(i) & 3;
    return kind === EMPTY ? null : kind === TRUE ? true : kind === FALSE ? false : this.slots[i * FIELDS + VALUE]!;
  }

  private qualityAt(i: number): Quality | null {
    return QUALITIES[(this.stateAt(i) >> 2) & 0xff] ?? null;
  }

  private timeAt(i: number, field: typeof SOURCE_TIME | typeof RECEIVE_TIME | typeof LAST_GOOD_TIME): number | null {
    return finite(this.slots[i * FIELDS + field]!);
  }

  private at(i: number): LatestValue {
    return {
      pointId: this.ids[i]!,
      value: this.valueAt(i),
      quality: this.qualityAt(i),
      reason: this.reasons.get(i) ?? null,
      sourceTime: this.timeAt(i, SOURCE_TIME),
      receiveTime: this.timeAt(i, RECEIVE_TIME),
    };
  }
}
