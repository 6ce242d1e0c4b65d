/** The bounded reading queue: order kept as committed readings leave, refusal when full, encoding. */
import { describe, expect, it } from 'vitest';
import { point, reading } from '../../test/fixtures/store/test-helpers.ts';
import { PointRegistry } from './points.ts';
import { HAS_SOURCE_TIME, HAS_VALUE, RawReadingQueue } from './raw-queue.ts';
import { ReasonTexts } from './reason-texts.ts';
import { REASON_CODE, ReadingRowBuffer, type Reading } from '@hazmon/protocols';

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

  /** A source's batch: plain rows of [point, value, source time (NaN: none)], a Reading for rows given one. */
  function batchOf(receiveTime: number, rows: readonly (readonly [number, number, number] | Reading)[]): ReadingRowBuffer {
    const buffer = new ReadingRowBuffer(rows.length);
    buffer.reset(receiveTime);
    for (const row of rows) {
      if ('pointId' in row) buffer.addReading(0, row);
      else buffer.addValue(row[0], `p${row[0]}`, 'ppm', row[1], row[2]);
    }
    return buffer;
  }
  const columns = (queue: RawReadingQueue) =>
    Array.from({ length: queue.depth }, (_, row) => [queue.pointIndex[row], queue.time[row], queue.sourceTime[row], queue.valueScaled[row], queue.quality[row], queue.flags[row]]);
  // The batch's point is a route; the store's index of route r is storeIndex[r] (-1: a point the store does not keep).
  const storeIndex = Int32Array.of(0, 1, -1, 7);

  it("queues a batch's plain rows as offerValue does, skipping rows with a Reading or no store index, stopping before a row it cannot queue", () => {
    const points = registry();
    const one = new RawReadingQueue(8);
    for (const [index, value] of [
      [0, 1.23],
      [1, 20.94],
    ] as const)
      one.offerValue(index, 5000, value, points);
    const batch = new RawReadingQueue(8);
    const rows = batchOf(5000, [[0, 1.23, Number.NaN], reading('A', 5000, 9), [2, 5, Number.NaN], [1, 20.94, Number.NaN], [0, Number.NaN, Number.NaN], [3, 1, Number.NaN], [1, 2, Number.NaN]]);
    // Row 4 is not a finite number, row 5 names a point the store never handed out: each stops the batch before it.
    expect(batch.offerRows(rows, storeIndex, 0, points)).toBe(4);
    expect(columns(batch)).toEqual(columns(one));
    expect(batch.offerRows(rows, storeIndex, 5, points)).toBe(5);
    expect(batch.offerRows(rows, storeIndex, 6, points)).toBe(7);
    expect([batch.depth, batch.valueScaled[2], batch.flags[2]]).toEqual([3, 20, HAS_VALUE]);
    // A full queue stops it too; a receive time that is not epoch ms at its first plain row.
    const full = new RawReadingQueue(2);
    expect(
      full.offerRows(
        batchOf(5000, [
          [0, 1, Number.NaN],
          [0, 2, Number.NaN],
          [0, 3, Number.NaN],
        ]),
        storeIndex,
        0,
        points,
      ),
    ).toBe(2);
    expect(batch.offerRows(batchOf(-1, [reading('A', 5000, 9), [0, 1, Number.NaN]]), storeIndex, 0, points)).toBe(1);
  });

  it('queues a batch of plain rows at its receive time (a Modbus answer) as offerValue does, stopping before a row it cannot queue', () => {
    const points = registry();
    const one = new RawReadingQueue(8);
    for (const [index, value] of [
      [0, 1.23],
      [1, 20.94],
      [0, 3],
    ] as const)
      one.offerValue(index, 5000, value, points);
    const batch = new RawReadingQueue(8);
    // What the slots held before: every column of a slot is written, not only point and value.
    batch.offer(1, reading('B', 1, 2, { sourceTime: 1, quality: 'bad', reason: { code: 'timeout', message: 'x' } }), points, texts);
    batch.consume(1);
    const rows = batchOf(5000, [
      [0, 1.23, Number.NaN],
      [2, 5, Number.NaN],
      [1, 20.94, Number.NaN],
      [0, 3, Number.NaN],
      [0, 2 ** 40, Number.NaN],
      [1, 1, Number.NaN],
    ]);
    expect(rows.atReceiveTime).toBe(true);
    // Row 4 does not fit a 32-bit step count: it stops the batch before it.
    expect(batch.offerRows(rows, storeIndex, 0, points)).toBe(4);
    expect(columns(batch)).toEqual(columns(one));
    expect([batch.reason[0], batch.reasonText[0]]).toEqual([0, 0]);
    const full = new RawReadingQueue(2);
    expect(full.offerRows(rows, storeIndex, 0, points)).toBe(3);
    expect(full.depth).toBe(2);
  });

  it("queues plain rows with a source time (an OPC UA server's) as offer does the same readings; one that is not epoch ms stops the batch", () => {
    const points = registry();
    const one = new RawReadingQueue(8);
    one.offer(0, reading('A', 5000, 1.23, { sourceTime: 4990 }), points, texts);
    one.offer(1, reading('B', 5000, 20.94), points, texts);
    const batch = new RawReadingQueue(8);
    const stopped = batch.offerRows(
      batchOf(5000, [
        [0, 1.23, 4990],
        [1, 20.94, Number.NaN],
        [0, 5, -1],
      ]),
      storeIndex,
      0,
      points,
    );
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
