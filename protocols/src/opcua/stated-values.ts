/**
 * What a subscription last said of each point in one session, for restating a value it does not repeat (see
 * OpcuaConnection.deliver): a good number as slots (its value, source time and when it was said, no object), anything
 * else as its Reading. Points are by their position in the connection's config.
 */
import type { Reading } from '../reading.ts';

export class StatedValues {
  /** Per point: the receive time of its last statement; NaN before its first in the session. */
  readonly at: Float64Array;
  /** Per point: the good number last stated (when `readings` holds none) and its source time, NaN for none. */
  readonly value: Float64Array;
  readonly sourceTime: Float64Array;
  /** Per point: the last statement when it was not a plain good number. */
  readonly readings: (Reading | undefined)[];
  /** The points stated in the session, in the order of their first statement: restatements come in that order. */
  readonly order: Int32Array;
  count = 0;

  constructor(points: number) {
    this.at = new Float64Array(points).fill(Number.NaN);
    this.value = new Float64Array(points);
    this.sourceTime = new Float64Array(points);
    this.readings = new Array<Reading | undefined>(points).fill(undefined);
    this.order = new Int32Array(points);
  }

  has(point: number): boolean {
    return !Number.isNaN(this.at[point]);
  }

  noteValue(point: number, receiveTime: number, value: number, sourceTime: number): void {
    this.note(point, receiveTime);
    this.value[point] = value;
    this.sourceTime[point] = sourceTime;
    this.readings[point] = undefined;
  }

  noteReading(point: number, reading: Reading): Reading {
    this.note(point, reading.receiveTime);
    this.readings[point] = reading;
    return reading;
  }

  private note(point: number, receiveTime: number): void {
    if (!this.has(point)) this.order[this.count++] = point;
    this.at[point] = receiveTime;
  }
}
