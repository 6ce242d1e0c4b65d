/**
 * A source's batch of readings (one Modbus request's, one OPC UA notification's) as rows a consumer reads by index:
 * a plain row (a good, finite number with no flags, at the batch's receive time) is columns: the consumer's index of
 * its point, its value, its source time (an OPC UA server's; none from Modbus) and whether it restates a value; any
 * other row (bad or uncertain with its reason, status flags, a boolean) also carries its `Reading`. So the common
 * reading costs no object, and a consumer that needs objects (a subscriber, a log line) builds them: `readingAt`,
 * `readings`.
 *
 * @example
 * poller = new ModbusPoller({ lines, devices, pointIndex: (id) => routes.indexOf(id), onRows: (rows) => {
 *   for (let row = 0; row < rows.length; row++) {
 *     const reading = rows.objectAt(row);
 *     if (reading === undefined) latest[rows.point[row]!] = rows.value[row]!; else handle(reading);
 *   }
 * } });
 */
import type { Reading } from './reading.ts';

export interface ReadingRows {
  readonly length: number;
  /** Epoch ms UTC when the gateway received the batch: every plain row's time. */
  readonly receiveTime: number;
  /** Per row, the consumer's index of its point (the source's `pointIndex` option); -1 for none. */
  readonly point: Int32Array;
  /** Per row, the value of a plain row (NaN for a row with a Reading). */
  readonly value: Float64Array;
  /** Per row, a plain row's source time (epoch ms UTC, a whole number >= 0); NaN for none and for a row with a Reading. */
  readonly sourceTime: Float64Array;
  /** Per row, 1 for a plain row that restates a value the source stated before (`Reading.restated`), else 0. */
  readonly restated: Uint8Array;
  /**
   * True when every row is a plain row at the batch's receive time (no Reading, no source time, not restated): all a
   * consumer needs of each row is then its point and value (a Modbus answer of plain numbers).
   */
  readonly atReceiveTime: boolean;
  /** The row's Reading, or undefined for a plain row. */
  objectAt(row: number): Reading | undefined;
  /** The row's unit, without building its Reading. */
  unitAt(row: number): string;
  /** The row as a Reading: its own, or one built for a plain row. */
  readingAt(row: number): Reading;
  /** Every row as a Reading, in row order (a fresh array; plain rows' objects built on each call). */
  readings(): Reading[];
}

/**
 * The rows a source fills and hands to its consumer, then refills for its next batch: a consumer reads them in the
 * callback and keeps nothing but what `readings()` / `readingAt()` built. Grows when a batch is longer than any before.
 */
export class ReadingRowBuffer implements ReadingRows {
  length = 0;
  receiveTime = 0;
  atReceiveTime = true;
  point: Int32Array;
  value: Float64Array;
  sourceTime: Float64Array;
  restated: Uint8Array;
  /** Per row: the point id and unit a plain row's Reading is built with, or the row's own Reading. */
  private ids: string[];
  private units: string[];
  private objects: (Reading | undefined)[];
  /** The rows of `addPlainRun` (one run a batch): their ids and units by row - runFirst, not copied per row. */
  private runFirst = 0;
  private runLength = 0;
  private runIds: readonly string[] = [];
  private runUnits: readonly string[] = [];

  constructor(capacity: number) {
    this.point = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.sourceTime = new Float64Array(capacity);
    this.restated = new Uint8Array(capacity);
    this.ids = new Array<string>(capacity).fill('');
    this.units = new Array<string>(capacity).fill('');
    this.objects = new Array<Reading | undefined>(capacity).fill(undefined);
  }

  /** Starts a batch received at `receiveTime`, forgetting the last one. */
  reset(receiveTime: number): void {
    this.length = 0;
    this.receiveTime = receiveTime;
    this.atReceiveTime = true;
    this.runLength = 0;
  }

  /**
   * `count` plain rows at the batch's receive time, added at once: returns the first, whose `point` and `value` (and
   * the next count - 1 rows') the caller writes; the rows' ids and units are `ids[r]` and `units[r]` for the run's
   * r-th row (kept by reference: a source's arrays made once). A row of the run that is not a plain number after all
   * is replaced with `setReading`.
   */
  addPlainRun(count: number, ids: readonly string[], units: readonly string[]): number {
    const first = this.length;
    while (this.point.length < first + count) this.grow();
    this.length = first + count;
    this.sourceTime.fill(Number.NaN, first, first + count);
    this.restated.fill(0, first, first + count);
    // A loop, not Array.prototype.fill: on an array of objects that runs in V8's C++ runtime, slower for a few rows.
    for (let row = first; row < first + count; row++) this.objects[row] = undefined;
    if (this.runLength === 0) {
      this.runFirst = first;
      this.runLength = count;
      this.runIds = ids;
      this.runUnits = units;
    } else {
      for (let r = 0; r < count; r++) {
        this.ids[first + r] = ids[r]!;
        this.units[first + r] = units[r]!;
      }
    }
    return first;
  }

  /** Replaces row `row` (of `addPlainRun`) with a row that keeps its Reading. */
  setReading(row: number, point: number, reading: Reading): void {
    this.point[row] = point;
    this.value[row] = Number.NaN;
    this.objects[row] = reading;
    this.atReceiveTime = false;
  }

  /**
   * A plain row: a good, finite number with no flags, received at the batch's receive time; `sourceTime` NaN for none,
   * else epoch ms (a whole number >= 0: a source time the store would refuse goes in a Reading).
   */
  addValue(point: number, pointId: string, unit: string, value: number, sourceTime = Number.NaN, restated = false): void {
    const row = this.nextRow();
    this.point[row] = point;
    this.value[row] = value;
    this.sourceTime[row] = sourceTime;
    this.restated[row] = restated ? 1 : 0;
    this.ids[row] = pointId;
    this.units[row] = unit;
    this.objects[row] = undefined;
    if (restated || !Number.isNaN(sourceTime)) this.atReceiveTime = false;
  }

  /** A row that keeps its Reading (anything but a plain row). */
  addReading(point: number, reading: Reading): void {
    const row = this.nextRow();
    this.point[row] = point;
    this.value[row] = Number.NaN;
    this.sourceTime[row] = Number.NaN;
    this.restated[row] = 0;
    this.objects[row] = reading;
    this.atReceiveTime = false;
  }

  objectAt(row: number): Reading | undefined {
    return this.objects[row];
  }

  unitAt(row: number): string {
    return this.objects[row]?.unit ?? this.unitOf(row);
  }

  readingAt(row: number): Reading {
    const object = this.objects[row];
    if (object !== undefined) return object;
    const run = row - this.runFirst;
    const inRun = run >= 0 && run < this.runLength;
    const pointId = inRun ? this.runIds[run]! : this.ids[row]!;
    const value = this.value[row]!;
    const unit = this.unitOf(row);
    const receiveTime = this.receiveTime;
    const sourceTime = Number.isNaN(this.sourceTime[row]) ? null : this.sourceTime[row]!;
    if (this.restated[row] === 1) return { pointId, value, unit, sourceTime, receiveTime, quality: 'good', restated: true };
    return { pointId, value, unit, sourceTime, receiveTime, quality: 'good' };
  }

  readings(): Reading[] {
    return Array.from({ length: this.length }, (_, row) => this.readingAt(row));
  }

  private unitOf(row: number): string {
    const run = row - this.runFirst;
    return run >= 0 && run < this.runLength ? this.runUnits[run]! : this.units[row]!;
  }

  private nextRow(): number {
    if (this.length === this.point.length) this.grow();
    return this.length++;
  }

  private grow(): void {
    const capacity = Math.max(8, this.point.length * 2);
    const point = new Int32Array(capacity);
    point.set(this.point);
    const value = new Float64Array(capacity);
    value.set(this.value);
    const sourceTime = new Float64Array(capacity);
    sourceTime.set(this.sourceTime);
    const restated = new Uint8Array(capacity);
    restated.set(this.restated);
    this.point = point;
    this.value = value;
    this.sourceTime = sourceTime;
    this.restated = restated;
    const added = capacity - this.ids.length;
    this.ids = this.ids.concat(new Array<string>(added).fill(''));
    this.units = this.units.concat(new Array<string>(added).fill(''));
    this.objects = this.objects.concat(new Array<Reading | undefined>(added).fill(undefined));
  }
}
