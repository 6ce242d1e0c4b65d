/**
 * The latest reading of every point, for a page that opens or a regulator's pull: kept in typed arrays indexed by
 * point (a few bytes per point, nothing retained per reading), the reason kept only while a point is not good.
 */
import type { Quality, QualityReason, Reading } from '@hazmon/protocols';
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
  /** The version at which each slot last changed. */
  private versions = new Float64Array(0);
  private indexOf = new Map<string, number>();
  private ids: readonly string[] = [];
  private values = new Float64Array(0);
  private sourceTimes = new Float64Array(0);
  private receiveTimes = new Float64Array(0);
  /** Receive time of each point's latest good reading, NaN before one: kept while later readings are bad. */
  private lastGoodTimes = new Float64Array(0);
  private qualities = new Uint8Array(0);
  /** NUMBER, FALSE, TRUE or EMPTY (no value). */
  private kinds = new Uint8Array(0);
  private readonly reasons = new Map<number, QualityReason>();
  /** 1 where `reasons` holds the slot: a good reading after it asks the map nothing (one bad detector on a plant otherwise cost every reading a hash lookup). */
  private withReason = new Uint8Array(0);

  constructor(pointIds: readonly string[]) {
    this.resize(pointIds);
  }

  /** The points after a config reload: kept points keep their latest value, new ones start empty. */
  resize(pointIds: readonly string[]): void {
    const previous = {
      indexOf: this.indexOf,
      values: this.values,
      sourceTimes: this.sourceTimes,
      receiveTimes: this.receiveTimes,
      lastGoodTimes: this.lastGoodTimes,
      qualities: this.qualities,
      kinds: this.kinds,
      reasons: new Map(this.reasons),
    };
    const count = pointIds.length;
    this.ids = [...pointIds];
    this.indexOf = new Map(pointIds.map((id, i) => [id, i]));
    this.values = new Float64Array(count);
    this.sourceTimes = new Float64Array(count).fill(Number.NaN);
    this.receiveTimes = new Float64Array(count).fill(Number.NaN);
    this.lastGoodTimes = new Float64Array(count).fill(Number.NaN);
    this.qualities = new Uint8Array(count).fill(NONE);
    this.kinds = new Uint8Array(count).fill(EMPTY);
    // Every kept point counts as changed: a live view then sends each point of the new config once.
    this.version += 1;
    this.versions = new Float64Array(count).fill(this.version);
    this.reasons.clear();
    this.withReason = new Uint8Array(count);
    pointIds.forEach((id, i) => {
      const j = previous.indexOf.get(id);
      if (j === undefined) return;
      this.values[i] = previous.values[j]!;
      this.sourceTimes[i] = previous.sourceTimes[j]!;
      this.receiveTimes[i] = previous.receiveTimes[j]!;
      this.lastGoodTimes[i] = previous.lastGoodTimes[j]!;
      this.qualities[i] = previous.qualities[j]!;
      this.kinds[i] = previous.kinds[j]!;
      const reason = previous.reasons.get(j);
      if (reason) this.setReason(i, reason);
    });
  }

  /** The slot of a point (what `noteAt` and `noteValue` take), -1 for a point not kept; changes with `resize`. */
  slotOf(pointId: string): number {
    return this.indexOf.get(pointId) ?? -1;
  }

  /** A reading of the point in slot `i` (`slotOf`). */
  noteAt(i: number, reading: Reading): void {
    this.versions[i] = ++this.version;
    const value = reading.value;
    this.kinds[i] = value === null ? EMPTY : value === true ? TRUE : value === false ? FALSE : NUMBER;
    this.values[i] = typeof value === 'number' ? value : 0;
    this.sourceTimes[i] = reading.sourceTime ?? Number.NaN;
    this.receiveTimes[i] = reading.receiveTime;
    this.qualities[i] = QUALITY_CODE[reading.quality];
    if (reading.quality === 'good') this.lastGoodTimes[i] = reading.receiveTime;
    if (reading.reason) this.setReason(i, reading.reason);
    else if (this.withReason[i] === 1) this.clearReason(i);
  }

  /** A good number with no reason (`ReadingRows`' plain row; `sourceTime` NaN for none) of the point in slot `i`: no object. */
  noteValue(i: number, receiveTime: number, value: number, sourceTime: number): void {
    this.versions[i] = ++this.version;
    this.kinds[i] = NUMBER;
    this.values[i] = value;
    this.sourceTimes[i] = sourceTime;
    this.receiveTimes[i] = receiveTime;
    this.lastGoodTimes[i] = receiveTime;
    this.qualities[i] = GOOD;
    if (this.withReason[i] === 1) this.clearReason(i);
  }

  private setReason(i: number, reason: QualityReason): void {
    this.reasons.set(i, reason);
    this.withReason[i] = 1;
  }

  private clearReason(i: number): void {
    this.reasons.delete(i);
    this.withReason[i] = 0;
  }

  /** The latest value of each point asked for (default all), in config order; unknown ids are left out. */
  list(pointIds?: readonly string[]): LatestValue[] {
    const indices = pointIds === undefined ? this.ids.map((_, i) => i) : pointIds.map((id) => this.indexOf.get(id)).filter((i): i is number => i !== undefined);
    return indices.map((i) => this.at(i));
  }

  /**
   * Each point with a reading whose latest value changed after `version` (0: every point), in config order, handed to
   * `visit`; returns the version to pass next time. One scan of a typed array.
   */
  changedSince(version: number, visit: LatestChangeVisitor): number {
    for (let i = 0; i < this.versions.length; i += 1) {
      if (!(this.versions[i]! > version)) continue;
      const quality = QUALITIES[this.qualities[i]!];
      if (quality === undefined) continue;
      const kind = this.kinds[i]!;
      visit(this.ids[i]!, kind === EMPTY ? null : kind === TRUE ? true : kind === FALSE ? false : this.values[i]!, quality, this.receiveTimes[i]!);
    }
    return this.version;
  }

  /** What list() gives, every point in config order, handed to `visit` field by field. */
  each(visit: LatestValueVisitor): void {
    for (let i = 0; i < this.ids.length; i += 1)
      visit(this.ids[i]!, this.valueAt(i), QUALITIES[this.qualities[i]!] ?? null, this.reasons.get(i) ?? null, finite(this.sourceTimes[i]!), finite(this.receiveTimes[i]!));
  }

  /** Each point with a good reading since start, in config order, with that reading's receive time, though later ones were not good. */
  eachLastGood(visit: LastGoodVisitor): void {
    for (let i = 0; i < this.ids.length; i += 1) if (!Number.isNaN(this.lastGoodTimes[i]!)) visit(this.ids[i]!, this.lastGoodTimes[i]!);
  }

  private valueAt(i: number): LatestValue['value'] {
    const kind = this.kinds[i]!;
    return kind === EMPTY ? null : kind === TRUE ? true : kind === FALSE ? false : this.values[i]!;
  }

  private at(i: number): LatestValue {
    return {
      pointId: this.ids[i]!,
      value: this.valueAt(i),
      quality: QUALITIES[this.qualities[i]!] ?? null,
      reason: this.reasons.get(i) ?? null,
      sourceTime: finite(this.sourceTimes[i]!),
      receiveTime: finite(this.receiveTimes[i]!),
    };
  }
}
