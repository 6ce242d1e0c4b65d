/**
 * The batch loop and its kernels (windows stepped in place, conditions through their quiet intervals, the limit
 * band) against the references: naive window recomputes, and the same readings given one by one to the full path
 * (processReading).
 */
import { QUALITY_CODE, ReadingRowBuffer, type Reading } from '@hazmon/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlarmEngine } from './engine.ts';
import type { EngineEvent } from './events.ts';
import type { EngineSnapshot } from './snapshot.ts';
import { naiveAggregates } from './window-naive.ts';

const T0 = 1_700_000_000_000;

const stepArbitrary = fc.record({
  point: fc.integer({ min: 0, max: 1 }),
  // Whole seconds too: the delays (0-3 s) then run out exactly at a reading.
  gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 900 }), fc.integer({ min: 0, max: 9_000 }), fc.integer({ min: 0, max: 150_000 }), fc.constantFrom(1_000, 2_000, 3_000)),
  value: fc.oneof(fc.double({ min: -20, max: 120, noNaN: true }), fc.constantFrom(4, 5, 10, 12, 60, 70, 71, 90, 92)),
  quality: fc.constantFrom('good', 'good', 'good', 'good', 'uncertain', 'bad'),
  chunkEnd: fc.boolean(),
});

/**
 * Exactly equal, NaN to NaN, and -0 to 0: the snapshot goes through JSON here, which writes -0 as 0 (an in-process
 * reload keeps the sign; no limit tells them apart).
 */
function same(actual: number, expected: number): boolean {
  return actual === expected || (Number.isNaN(actual) && Number.isNaN(expected));
}

/** Equal up to float rounding (running sums vs a fresh sum). */
function close(actual: number, expected: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

/** Points A and B with limits (deadband, on-delay), a 10 s average and health settings: the readings and rows comparisons' rules. */
const POINTS_A_B_WITH_HEALTH = {
  points: ['A', 'B'].map((id) => ({
    id,
    limits: { hi: 70, hihi: 90 },
    deadband: 2,
    onDelayS: 1,
    windows: [{ name: 'avg10', aggregate: 'avg', windowS: 10, above: 60 }],
    health: { staleS: 5, faultFlags: ['fault'] },
  })),
};
/** The points rows are routed to by their index; 'no-rules' is in no engine's config. */
const ROUTED_IDS = ['A', 'B', 'no-rules'];

/**
 * Each batch, its rows put in by `fill` at its receive time, judged by processRows on one engine and by
 * processReadings (the same rows as Readings, the point without rules left out) on another: the same events, state
 * and stats.
 */
function expectRowsJudgedAsReadings<B extends { readonly gapMs: number }>(batches: readonly B[], fill: (rows: ReadingRowBuffer, batch: B, time: number) => void): void {
  const rowsEvents: EngineEvent[] = [];
  const readingsEvents: EngineEvent[] = [];
  const byRows = new AlarmEngine(POINTS_A_B_WITH_HEALTH, (event) => rowsEvents.push(event));
  const byReadings = new AlarmEngine(POINTS_A_B_WITH_HEALTH, (event) => readingsEvents.push(event));
  const engineIndex = Int32Array.from(ROUTED_IDS, (id) => byRows.pointIndex(id));
  const rows = new ReadingRowBuffer(4);
  let time = T0;
  for (const batch of batches) {
    time += batch.gapMs;
    rows.reset(time);
    fill(rows, batch, time);
    byRows.processRows(rows, engineIndex);
    byReadings.processReadings(rows.readings().filter((reading) => reading.pointId !== 'no-rules'));
  }
  expect(rowsEvents).toEqual(readingsEvents);
  expect(byRows.snapshot()).toEqual(byReadings.snapshot());
  expect(byRows.stats()).toEqual(byReadings.stats());
}

describe('batch loop', () => {
  it('raw and paned windows, rules and events equal naive recomputes and the one-by-one path (ring growth, restore included)', () => {
    fc.assert(
      fc.property(
        fc.array(stepArbitrary, { minLength: 1, maxLength: 250 }),
        fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 1_200 })),
        fc.constantFrom(undefined, 1, 7, 60),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 250 }),
        (steps, windowS, paneOption, expectedIntervalS, delayS, restoreAt) => {
          // Raw windows (1 ms panes) up to 5 minutes unless panes are given; longer ones default to window / 480.
          const defaultPaneMs = (ms: number) => (ms <= 300_000 ? 1 : Math.round(ms / 480));
          const paneS = paneOption !== undefined && paneOption < windowS ? paneOption : undefined;
          const windowShape = { windowMs: windowS * 1000, paneMs: paneS === undefined ? defaultPaneMs(windowS * 1000) : paneS * 1000, holdMs: 60_000 };
          const rateShape = { ...windowShape, paneMs: defaultPaneMs(windowS * 1000) };
          const rules = {
            limits: { hihi: 90, hi: 70, lo: 10, lolo: 5 },
            deadband: 2,
            onDelayS: delayS,
            offDelayS: delayS,
            expectedIntervalS,
            windows: [
              { name: 'avg', aggregate: 'avg', windowS, paneS, above: 60, deadband: 1 },
              { name: 'min', aggregate: 'min', windowS, paneS, below: 0 },
              { name: 'max', aggregate: 'max', windowS, paneS, above: 85, onDelayS: delayS },
            ],
            rate: { windowS, risingPerMinute: 30, fallingPerMinute: 30 },
            health: { staleS: 3_600, stuck: { epsilon: 0.5, forS: 30 } },
          };
          const config = {
            points: [
              { id: 'A', ...rules },
              { id: 'B', ...rules },
            ],
          };
          const batchEvents: EngineEvent[] = [];
          let batched = new AlarmEngine(config, (event) => batchEvents.push(event));
          const singleEvents: EngineEvent[] = [];
          const single = new AlarmEngine(config, (event) => singleEvents.push(event));
          const history = [0, 1].map(() => ({ times: [] as number[], values: [] as number[], quality: [] as string[], good: [] as boolean[] }));
          const pending: Reading[] = [];
          const clocks = [T0, T0];

          const flush = () => {
            const length = pending.length;
            const quality = { good: 0, uncertain: 1, bad: 2 } as const;
            batched.processBatch({
              length,
              point: Int32Array.from(pending, (r) => batched.pointIndex(r.pointId)),
              time: Float64Array.from(pending, (r) => r.sourceTime!),
              value: Float64Array.from(pending, (r) => r.value as number),
              quality: Uint8Array.from(pending, (r) => quality[r.quality]),
            });
            pending.length = 0;
            history.forEach((h, i) => {
              const last = h.times.length - 1;
              if (last < 0) return;
              const id = i === 0 ? 'A' : 'B';
              const now = h.times[last]!;
              const naive = naiveAggregates(windowShape, h.times, h.values, h.good, last, now);
              expect(close(batched.windowValue(id, 'avg').value, naive.average)).toBe(true);
              expect(same(batched.windowValue(id, 'min').value, naive.minimum), `min vs ${naive.minimum}`).toBe(true);
              expect(same(batched.windowValue(id, 'max').value, naive.maximum), `max vs ${naive.maximum}`).toBe(true);
              expect(batched.windowValue(id, 'avg').count).toBe(naive.count);
              const oldest = naiveAggregates(rateShape, h.times, h.values, h.good, last, now);
              if (h.good[last] && oldest.count > 0) {
                const rate = now > oldest.oldestTime ? ((h.values[last]! - oldest.oldestValue) * 60_000) / (now - oldest.oldestTime) : Number.NaN;
                expect(close(batched.windowValue(id, 'rate_rising').value, rate)).toBe(true);
              }
            });
          };

          steps.forEach((step, i) => {
            if (i === restoreAt) {
              flush();
              const snapshot = JSON.parse(JSON.stringify(batched.snapshot())) as EngineSnapshot;
              batched = new AlarmEngine(config, (event) => batchEvents.push(event));
              expect(batched.restore(snapshot).skipped).toEqual([]);
            }
            clocks[step.point]! += step.gapMs;
            const time = clocks[step.point]!;
            const h = history[step.point]!;
            // The engine drops an exact repeat (same time, value and quality) as a duplicate.
            const previous = h.times.length - 1;
            const duplicate = previous >= 0 && h.times[previous] === time && h.values[previous] === step.value && h.quality[previous] === step.quality;
            const reading: Reading = { pointId: step.point === 0 ? 'A' : 'B', value: step.value, unit: '', sourceTime: time, receiveTime: time, quality: step.quality };
            const eventsBefore = singleEvents.length;
            single.processReading(single.pointIndex(reading.pointId), time, step.value, QUALITY_CODE[step.quality], 0, 0);
            pending.push(reading);
            if (!duplicate) {
              h.times.push(time);
              h.values.push(step.value);
              h.quality.push(step.quality);
              h.good.push(step.quality === 'good');
            }
            // A window or rate rule that changed on this reading reports the value the kernel compared: it must be
            // the naive aggregate (checks the kernels' own reads of the window, not only the window's state). A delay
            // that ran out before the reading completed at its due time, with the value that started it.
            const last = h.times.length - 1;
            const naive = naiveAggregates(windowShape, h.times, h.values, h.good, last, time);
            const oldest = naiveAggregates(rateShape, h.times, h.values, h.good, last, time);
            const expectedByRule: Record<string, number> = {
              avg: naive.average,
              min: naive.minimum,
              max: naive.maximum,
              rate_rising: time > oldest.oldestTime ? ((step.value - oldest.oldestValue) * 60_000) / (time - oldest.oldestTime) : Number.NaN,
            };
            expectedByRule.rate_falling = expectedByRule.rate_rising!;
            for (const event of singleEvents.slice(eventsBefore)) {
              if (event.type !== 'alarm' || event.who !== 'engine' || !(event.rule in expectedByRule) || step.quality !== 'good' || event.why.endsWith('-delay elapsed)')) continue;
              expect(close(event.value!, expectedByRule[event.rule]!), `${event.rule} ${event.value} vs ${expectedByRule[event.rule]}`).toBe(true);
            }
            if (step.chunkEnd) flush();
          });
          flush();
          // Alarm-system health (floods, chattering) goes through the snapshot with the rest.
          const restored = restoreAt < steps.length;
          // As JSON, like the snapshot the restore went through (it writes -0 as 0).
          const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
          expect(asJson(batchEvents)).toEqual(asJson(singleEvents));
          expect(asJson(batched.snapshot())).toEqual(asJson(single.snapshot()));
          // Counters start again in a restored engine.
          if (!restored) expect(batched.stats()).toEqual(single.stats());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('paned windows stepped in place', () => {
  it('the extremes come from the next pane when the front pane leaves, and from the pane itself when a reading joins it', () => {
    const engine = new AlarmEngine(
      {
        points: [
          {
            id: 'A',
            windows: [
              { name: 'max', aggregate: 'max', windowS: 60, paneS: 10, above: 85 },
              { name: 'min', aggregate: 'min', windowS: 60, paneS: 10, below: -50 },
            ],
          },
        ],
      },
      () => undefined,
    );
    const feed = (seconds: number, value: number) =>
      engine.processBatch({ length: 1, point: Int32Array.of(0), time: Float64Array.of(T0 + seconds * 1000), value: Float64Array.of(value), quality: Uint8Array.of(0) });
    // Panes of 10 s: (0, 10] holds 90 and -40, (10, 20] holds 50 and -20.
    feed(1, 90);
    feed(2, -40);
    feed(11, 50);
    feed(12, -20);
    expect([engine.windowValue('A', 'max').value, engine.windowValue('A', 'min').value]).toEqual([90, -40]);
    // At 75 s the window is (10 s, 75 s]: the first pane left, the second holds both extremes.
    feed(75, 30);
    expect([engine.windowValue('A', 'max').value, engine.windowValue('A', 'min').value]).toEqual([50, -20]);
    expect(engine.windowValue('A', 'max').count).toBe(3);
    // A reading that joins the latest pane moves its extremes.
    feed(76, 70);
    expect(engine.windowValue('A', 'max').value).toBe(70);
  });
});

describe('batch loop with several rule shapes', () => {
  // Three shapes: all inline, in a switch; seven: the batch loop runs the four commonest inline and calls the others.
  it.each([3, 7])('points of %i shapes give the events and state of the one-by-one path', (shapeCount) => {
    const shapes = [
      { limits: { hi: 70, lo: 10 }, deadband: 2 },
      { windows: [{ name: 'avg', aggregate: 'avg', windowS: 10, above: 60 }] },
      { windows: [{ name: 'max', aggregate: 'max', windowS: 10, above: 85 }] },
      { windows: [{ name: 'min', aggregate: 'min', windowS: 10, paneS: 2, below: 5 }] },
      { rate: { windowS: 10, risingPerMinute: 30 } },
      { limits: { hi: 70 }, health: { stuck: { epsilon: 0.5, forS: 5 } } },
      {
        limits: { hihi: 90 },
        onDelayS: 1,
        windows: [
          { name: 'avg', aggregate: 'avg', windowS: 30, above: 60 },
          { name: 'max', aggregate: 'max', windowS: 30, above: 85 },
        ],
      },
    ];
    const config = { points: shapes.slice(0, shapeCount).flatMap((rules, shape) => Array.from({ length: shape + 1 }, (_, n) => ({ id: `S${shape}-${n}`, ...rules }))) };
    fc.assert(
      fc.property(
        fc.array(fc.record({ point: fc.nat(config.points.length - 1), gapMs: fc.integer({ min: 0, max: 3_000 }), value: fc.constantFrom(0, 4, 20, 50, 65, 72, 88, 95), chunkEnd: fc.boolean() }), {
          maxLength: 400,
        }),
        (steps) => {
          const batchEvents: EngineEvent[] = [];
          const batched = new AlarmEngine(config, (event) => batchEvents.push(event));
          const singleEvents: EngineEvent[] = [];
          const single = new AlarmEngine(config, (event) => singleEvents.push(event));
          const pending: { point: number; time: number; value: number }[] = [];
          const flush = () => {
            batched.processBatch({
              length: pending.length,
              point: Int32Array.from(pending, (r) => r.point),
              time: Float64Array.from(pending, (r) => r.time),
              value: Float64Array.from(pending, (r) => r.value),
              quality: new Uint8Array(pending.length),
            });
            pending.length = 0;
          };
          let time = T0;
          for (const step of steps) {
            time += step.gapMs;
            const pointId = config.points[step.point]!.id;
            single.processReading(single.pointIndex(pointId), time, step.value, QUALITY_CODE.good, 0, 0);
            pending.push({ point: batched.pointIndex(pointId), time, value: step.value });
            if (step.chunkEnd) flush();
          }
          flush();
          expect(batchEvents).toEqual(singleEvents);
          expect(batched.snapshot()).toEqual(single.snapshot());
          expect(batched.stats()).toEqual(single.stats());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('processReadings', () => {
  it('gives a long array of Reading objects (unknown points, reasons with messages, fault flags) the events and state of one reading a call', () => {
    const readingArbitrary = fc.record({
      pointId: fc.constantFrom('A', 'B', 'nope'),
      gapMs: fc.integer({ min: 0, max: 3_000 }),
      value: fc.oneof(fc.double({ min: -20, max: 120, noNaN: true }), fc.constantFrom(12, 60, 71, 90, 92), fc.constant(null), fc.boolean()),
      quality: fc.constantFrom('good', 'good', 'good', 'uncertain', 'bad'),
      reason: fc.option(fc.record({ code: fc.constantFrom('timeout', 'decode', 'device_fault', 'maintenance', 'exception'), message: fc.string({ maxLength: 8 }) }), { nil: undefined }),
      fault: fc.boolean(),
    });
    const config = POINTS_A_B_WITH_HEALTH;
    fc.assert(
      // More readings than processReadings' columns hold (256), so a call runs several batches.
      fc.property(fc.array(readingArbitrary, { minLength: 1, maxLength: 700 }), (steps) => {
        let time = T0;
        const readings: Reading[] = steps.map(({ pointId, gapMs, value, quality, reason, fault }) => {
          time += gapMs;
          return { pointId, value, unit: '', sourceTime: time, receiveTime: time, quality: quality as Reading['quality'], ...(reason === undefined ? {} : { reason }), flags: { fault } } as Reading;
        });
        const allEvents: EngineEvent[] = [];
        const oneEvents: EngineEvent[] = [];
        const all = new AlarmEngine(config, (event) => allEvents.push(event));
        const one = new AlarmEngine(config, (event) => oneEvents.push(event));
        all.processReadings(readings);
        for (const reading of readings) one.processReadings([reading]);
        expect(allEvents).toEqual(oneEvents);
        expect(all.snapshot()).toEqual(one.snapshot());
        expect(all.stats()).toEqual(one.stats());
      }),
      { numRuns: 40 },
    );
  });

  it('processRows: plain rows and rows with a Reading, by resolved index, as processReadings takes the same readings; points without rules skipped', () => {
    const rowArbitrary = fc.record({
      route: fc.constantFrom(0, 1, 2),
      value: fc.oneof(fc.double({ min: -20, max: 120, noNaN: true }), fc.constantFrom(12, 60, 71, 90, 92), fc.constant(null), fc.boolean()),
      quality: fc.constantFrom('good', 'good', 'good', 'uncertain', 'bad'),
      reason: fc.option(fc.record({ code: fc.constantFrom('timeout', 'decode', 'device_fault'), message: fc.string({ maxLength: 8 }) }), { nil: undefined }),
      fault: fc.boolean(),
      // an OPC UA server's source time, before or after the batch's receive time; a restated value counts as of the receive time
      sourceAgeMs: fc.option(fc.integer({ min: -200, max: 2_000 }), { nil: undefined }),
      restated: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 3_000 }), rows: fc.array(rowArbitrary, { maxLength: 300 }) }), { minLength: 1, maxLength: 6 }), (batches) =>
        expectRowsJudgedAsReadings(batches, (rows, batch, time) => {
          for (const { route, value, quality, reason, fault, sourceAgeMs, restated } of batch.rows) {
            const pointId = ROUTED_IDS[route]!;
            if (quality === 'good' && typeof value === 'number' && reason === undefined && !fault)
              rows.addValue(route, pointId, '', value, sourceAgeMs === undefined ? Number.NaN : time - sourceAgeMs, restated);
            else rows.addReading(route, { pointId, value, unit: '', sourceTime: null, receiveTime: time, quality, ...(reason === undefined ? {} : { reason }), flags: { fault } } as Reading);
          }
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('processRows: a batch of plain rows at its receive time (a Modbus answer of plain numbers), longer than the columns, as processReadings takes it', () => {
    const rowArbitrary = fc.record({ route: fc.constantFrom(0, 1, 2), value: fc.oneof(fc.double({ min: -20, max: 120, noNaN: true }), fc.constantFrom(12, 60, 71, 90, 92)) });
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 3_000 }), asRun: fc.boolean(), rows: fc.array(rowArbitrary, { maxLength: 600 }) }), { minLength: 1, maxLength: 6 }),
        (batches) =>
          expectRowsJudgedAsReadings(batches, (rows, batch) => {
            if (batch.asRun) {
              const first = rows.addPlainRun(
                batch.rows.length,
                batch.rows.map(({ route }) => ROUTED_IDS[route]!),
                batch.rows.map(() => ''),
              );
              batch.rows.forEach(({ route, value }, r) => {
                rows.point[first + r] = route;
                rows.value[first + r] = value;
              });
            } else for (const { route, value } of batch.rows) rows.addValue(route, ROUTED_IDS[route]!, '', value);
            expect(rows.atReceiveTime).toBe(true);
          }),
      ),
      { numRuns: 40 },
    );
  });

  it('quotes each reading its own reason message when a batch raises health alarms on several points', () => {
    const events: EngineEvent[] = [];
    const engine = new AlarmEngine({ points: [{ id: 'A' }, { id: 'B' }] }, (event) => events.push(event));
    const bad = (pointId: string, message: string): Reading => ({ pointId, value: null, unit: '', sourceTime: T0, receiveTime: T0, quality: 'bad', reason: { code: 'exception', message } });
    engine.processReadings([bad('A', 'exception 2 at A'), { pointId: 'nope', value: 1, unit: '', sourceTime: T0, receiveTime: T0, quality: 'good' }, bad('B', 'exception 4 at B')]);
    const whys = events.map((event) => `${event.type} ${'why' in event ? event.why : ''}`);
    expect(whys).toEqual(['alarm quality bad (exception: exception 2 at A)', 'invalid_reading unknown point "nope"', 'alarm quality bad (exception: exception 4 at B)']);
  });
});
