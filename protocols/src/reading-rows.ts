/**
 * A source's batch of readings (one Modbus request's, one OPC UA notification's) as rows a consumer reads by index:
 * a plain row (a good, finite number with no flags, at the batch's receive time, no source time) is two columns,
 * the consumer's index of its point and its value; any other row (bad or uncertain with its reason, status flags, a
 * boolean, a source time) also carries its `Reading`. So the common reading costs no object, and a consumer that
 * needs objects (a subscriber, a log line) builds them: `readingAt`, `readings`.
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
  /** The row's Reading, or undefined for a plain row. */
  objectAt(row: number): Reading | undefined;
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
  point: Int32Array;
  value: Float64Array;
  /** Per row: the point id and unit a plain row's Reading is built with, or the row's own Reading. */
  private ids: string[];
  private units: string[];
  private objects: (Reading | undefined)[];

  constructor(capacity: number) {
    this.point = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.ids = new Array<string>(capacity).fill('');
    this.units = new Array<string>(capacity).fill('');
    this.objects = new Array<Reading | undefined>(capacity).fill(undefined);
  }

  /** Starts a batch received at `receiveTime`, forgetting the last one. */
  reset(receiveTime: number): void {
    this.length = 0;
    this.receiveTime = receiveTime;
  }

  /** A plain row: a good, finite number with no flags, as of the batch's receive time. */
  addValue(point: number, pointId: string, unit: string, value: number): void {
    const row = this.nextRow();
    this.point[row] = point;
    this.value[row] = value;
    this.ids[row] = pointId;
    this.units[row] = unit;
    this.objects[row] = undefined;
  }

  /** A row that keeps its Reading (anything but a plain row). */
  addReading(point: number, reading: Reading): void {
    const row = this.nextRow();
    this.point[row] = point;
    this.value[row] = Number.NaN;
    this.objects[row] = reading;
  }

  objectAt(row: number): Reading | undefined {
    return this.objects[row];
  }

  readingAt(row: number): Reading {
    return this.objects[row] ?? { pointId: this.ids[row]!, value: this.value[row]!, unit: this.units[row]!, sourceTime: null, receiveTime: this.receiveTime, quality: 'good' };
  }

  readings(): Reading[] {
    return Array.from({ length: this.length }, (_, row) => this.readingAt(row));
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
    this.point = point;
    this.value = value;
    const added = capacity - this.ids.length;
    this.ids = this.ids.concat(new Array<string>(added).fill(''));
    this.units = this.units.concat(new Array<string>(added).fill(''));
    this.objects = this.objects.concat(new Array<Reading | undefined>(added).fill(undefined));
  }
}
