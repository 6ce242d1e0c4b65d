/** The bounded reading queue: order kept as committed readings leave, refusal when full, encoding. */
import { describe, expect, it } from 'vitest';
import { point, reading } from '../../test/fixtures/store/test-helpers.ts';
import { PointRegistry } from './points.ts';
import { HAS_SOURCE_TIME, HAS_VALUE, RawReadingQueue } from './raw-queue.ts';
import { ReasonTexts } from './reason-texts.ts';
import { REASON_CODE } from '@hazmon/protocols';

function registry(): PointRegistry {
  const points = new PointRegistry();
  points.set(0, point('A').pointId, 100, 1000);
  points.set(1, point('B').pointId, 10, 1000);
  return points;
}

describe('RawReadingQueue', () => {
  const texts = new ReasonTexts(1);

  it('rounds the capacity up to a power of two and refuses silly ones', () => {
    expect(new RawReadingQueue(5).capacity).toBe(8);
    expect(() => new RawReadingQueue(1)).toThrowError(expect.objectContaining({ code: 'HAZMON_STORE_CONFIG_INVALID' }));
  });

  it('keeps readings in order as committed ones leave and refuses when full', () => {
    const points = registry();
    const queue = new RawReadingQueue(4);
    let next = 0;
    const seen: number[] = [];
    for (let round = 0; round < 10; round++) {
      while (queue.offer(0, reading('A', next, next / 100), points, texts)) next += 1;
      expect(queue.depth).toBe(4);
      const take = 1 + (round % 4);
      for (let i = 0; i < take; i++) seen.push(queue.valueScaled[queue.slot(i)] ?? -1);
      queue.consume(take);
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
  });

  it('queues a batch of plain values as offerValue does, stopping before a row it cannot queue', () => {
    const points = registry();
    const one = new RawReadingQueue(8);
    for (const [index, value] of [
      [0, 1.23],
      [1, 20.94],
    ] as const)
      one.offerValue(index, 5000, value, points);
    const batch = new RawReadingQueue(8);
    const indexes = Int32Array.of(0, 1, 0, 7, 1);
    const values = Float64Array.of(1.23, 20.94, Number.NaN, 1, 2);
    const unstamped = new Float64Array(5).fill(Number.NaN);
    // Row 2 is not a finite number, row 3 names a point the store never handed out: each stops the batch before it.
    expect(batch.offerValues(5000, indexes, values, unstamped, 0, 5, points)).toBe(2);
    expect(batch.offerValues(5000, indexes, values, unstamped, 3, 5, points)).toBe(3);
    expect(batch.offerValues(5000, indexes, values, unstamped, 4, 5, points)).toBe(5);
    const columns = (queue: RawReadingQueue, rows: number) =>
      Array.from({ length: rows }, (_, row) => [queue.pointIndex[row], queue.time[row], queue.sourceTime[row], queue.valueScaled[row], queue.quality[row], queue.flags[row]]);
    expect(columns(batch, 2)).toEqual(columns(one, 2));
    expect([batch.depth, batch.valueScaled[2], batch.flags[2]]).toEqual([3, 20, HAS_VALUE]);
    // A full queue stops it too; a time that is not epoch ms stops it at once.
    const full = new RawReadingQueue(2);
    expect(full.offerValues(5000, Int32Array.of(0, 0, 0), Float64Array.of(1, 2, 3), new Float64Array(3).fill(Number.NaN), 0, 3, points)).toBe(2);
    expect(batch.offerValues(-1, indexes, values, unstamped, 0, 2, points)).toBe(0);
  });

  it("queues plain values with a source time (an OPC UA server's) as offer does the same readings; one that is not epoch ms stops the batch", () => {
    const points = registry();
    const one = new RawReadingQueue(8);
    one.offer(0, reading('A', 5000, 1.23, { sourceTime: 4990 }), points, texts);
    one.offer(1, reading('B', 5000, 20.94), points, texts);
    const batch = new RawReadingQueue(8);
    const stopped = batch.offerValues(5000, Int32Array.of(0, 1, 0), Float64Array.of(1.23, 20.94, 5), Float64Array.of(4990, Number.NaN, -1), 0, 3, points);
    const columns = (queue: RawReadingQueue) =>
      Array.from({ length: queue.depth }, (_, row) => [queue.pointIndex[row], queue.time[row], queue.sourceTime[row], queue.valueScaled[row], queue.quality[row], queue.flags[row]]);
    expect([stopped, columns(batch)]).toEqual([2, columns(one)]);
    expect(batch.flags[0]).toBe(HAS_VALUE | HAS_SOURCE_TIME);
  });

  it('moves the readings still waiting to the first slot once the ones before them are committed', () => {
    const points = registry();
    const queue = new RawReadingQueue(8);
    for (let i = 0; i < 3; i++) queue.offer(0, reading('A', i, i), points, texts);
    queue.consume(2);
    expect([queue.depth, queue.slot(0), queue.valueScaled[0], queue.time[0]]).toEqual([1, 0, 200, 2]);
    queue.offer(0, reading('A', 3, 3), points, texts);
    expect([queue.slot(1), queue.valueScaled[1]]).toEqual([1, 300]);
    queue.consume(2);
    expect(queue.depth).toBe(0);
    queue.offer(0, reading('A', 4, 4), points, texts);
    expect([queue.slot(0), queue.valueScaled[0]]).toEqual([0, 400]);
  });

  it('encodes scaling, flags, quality, reason and the reason text id (one id per distinct text)', () => {
    const points = registry();
    const queue = new RawReadingQueue(8);
    const texts = new ReasonTexts(7);
    queue.offer(1, reading('B', 1000, 20.94, { sourceTime: 990 }), points, texts);
    queue.offer(0, reading('A', 1001, null, { quality: 'bad', reason: { code: 'signal_out_of_range', message: '3.2 mA' } }), points, texts);
    queue.offer(0, reading('A', 1002, true), points, texts);
    queue.offer(0, reading('A', 1003, null, { quality: 'bad', reason: { code: 'signal_out_of_range', message: '3.2 mA' } }), points, texts);
    const [b, a, flag, again] = [queue.slot(0), queue.slot(1), queue.slot(2), queue.slot(3)];
    expect([queue.reasonText[b], queue.reasonText[a], queue.reasonText[flag], queue.reasonText[again]]).toEqual([0, 7, 0, 7]);
    expect([queue.pointIndex[b], queue.valueScaled[b], queue.flags[b], queue.sourceTime[b]]).toEqual([1, 209, HAS_VALUE | HAS_SOURCE_TIME, 990]);
    expect([queue.flags[a], queue.quality[a], queue.reason[a]]).toEqual([0, 2, REASON_CODE.signal_out_of_range]);
    expect(queue.valueScaled[flag]).toBe(100);
  });

  it('encodes a good number by point index as offer does the same reading', () => {
    const points = registry();
    const queue = new RawReadingQueue(8);
    queue.offerValue(1, 1000, 20.94, points);
    queue.offer(1, reading('B', 1000, 20.94), points, texts);
    const columns = [queue.pointIndex, queue.time, queue.sourceTime, queue.valueScaled, queue.quality, queue.reason, queue.reasonText, queue.flags];
    expect(columns.map((column) => column[queue.slot(0)])).toEqual(columns.map((column) => column[queue.slot(1)]));
    expect(() => queue.offerValue(1, 1001, Number.NaN, points)).toThrowError(expect.objectContaining({ code: 'HAZMON_STORE_BAD_READING' }));
    expect(() => queue.offerValue(1, 1001.5, 1, points)).toThrowError(/point "B" receiveTime/);
    expect(() => queue.offerValue(9, 1001, 1, points)).toThrowError(expect.objectContaining({ code: 'HAZMON_STORE_UNKNOWN_POINT' }));
    expect(queue.depth).toBe(2);
  });
});
