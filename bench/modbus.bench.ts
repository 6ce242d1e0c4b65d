/**
 * Modbus TCP over loopback: points per second with the request planner against one request per point
 * (the baseline), both measured in this run against the same in-process server.
 */
import { ReadingRowBuffer } from '../protocols/src/reading-rows.ts';
import type { ReadyDevice } from '../protocols/src/modbus/device.ts';
import { buildReadyDevice } from '../protocols/src/modbus/device.ts';
import type { JobOutcome } from '../protocols/src/modbus/line.ts';
import { ModbusLine, newCounters } from '../protocols/src/modbus/line.ts';
import type { PlanStrategy } from '../protocols/src/modbus/plan.ts';
import type { PointSpec } from '../protocols/src/modbus/point.ts';
import { READ_FUNCTION, resolvePoint } from '../protocols/src/modbus/point.ts';
import { DeviceReadings } from '../protocols/src/modbus/readings.ts';
import { startTestServer } from '../protocols/src/modbus/test-server.ts';
import { recordFigure } from './figures.ts';

const UNITS = 4;
const SECONDS_PER_STRATEGY = Number(process.env.HAZMON_BENCH_SECONDS ?? 5);

/** Per unit: 40 float32 measurements back to back, then 20 status words 20 registers further on. */
function points(): PointSpec[] {
  const floats = Array.from({ length: 40 }, (_, i): PointSpec => ({ id: `gas${i}`, table: 'holding', address: i * 2, type: 'float32', unit: 'ppm' }));
  const words = Array.from({ length: 20 }, (_, i): PointSpec => ({ id: `word${i}`, table: 'holding', address: 100 + i, type: 'uint16' }));
  return [...floats, ...words];
}

function devices(strategy: PlanStrategy): ReadyDevice[] {
  return Array.from({ length: UNITS }, (_, unit) =>
    buildReadyDevice({ id: `dev${unit + 1}`, model: 'bench', line: 'bench', unitId: unit + 1, points: points().map(resolvePoint), plan: { strategy } }),
  );
}

/** Polls every device's full plan back to back for the given time; returns readings per second and requests. */
async function measure(line: ModbusLine, strategy: PlanStrategy): Promise<{ pointsPerSecond: number; requests: number; cycles: number }> {
  const ready = devices(strategy);
  const states = ready.map((device) => new DeviceReadings(device));
  const noIndex = ready.map((device) => new Int32Array(device.points.length).fill(-1));
  const rowsByRequest = new Map<object, ReadingRowBuffer>();
  const rowsOf = (request: object) => rowsByRequest.get(request) ?? rowsByRequest.set(request, new ReadingRowBuffer(0)).get(request)!;
  const counters = newCounters();
  let readings = 0;
  let cycles = 0;
  const started = performance.now();
  const deadline = started + SECONDS_PER_STRATEGY * 1000;
  while (performance.now() < deadline) {
    await Promise.all(
      ready.flatMap((device, d) =>
        device.schedule.requestsAt(0).map(
          (request) =>
            new Promise<void>((resolve, reject) =>
              line.enqueue({
                unitId: device.unitId,
                functionCode: READ_FUNCTION[request.table],
                address: request.address,
                quantity: request.quantity,
                counters,
                done: (outcome: JobOutcome) => {
                  if (!outcome.ok) return reject(new Error(`${device.label}: ${outcome.detail}`));
                  const rows = rowsOf(request);
                  rows.reset(Date.now());
                  states[d]!.fromResponse(request, outcome.registers, outcome.bits, noIndex[d]!, rows);
                  readings += rows.length;
                  resolve();
                },
              }),
            ),
        ),
      ),
    );
    cycles += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return { pointsPerSecond: readings / seconds, requests: counters.requests, cycles };
}

const server = await startTestServer();
const line = new ModbusLine({ id: 'bench', kind: 'tcp', host: '127.0.0.1', port: server.port });
line.start();
while (!line.isOpen) await new Promise((resolve) => setTimeout(resolve, 10));

const pointCount = UNITS * points().length;
const planned = await measure(line, 'merge');
const baseline = await measure(line, 'single');
await line.stop();
await server.close();

const perCycle = (result: { requests: number; cycles: number }) => (result.requests / result.cycles).toFixed(0);
console.log(`Modbus TCP over loopback, ${UNITS} units x ${points().length} points = ${pointCount} points, ${SECONDS_PER_STRATEGY} s per strategy`);
console.log(`planner (merge):            ${planned.pointsPerSecond.toFixed(0)} points/s (${perCycle(planned)} requests per cycle)`);
console.log(`baseline (one per point):   ${baseline.pointsPerSecond.toFixed(0)} points/s (${perCycle(baseline)} requests per cycle)`);
recordFigure({
  name: `Modbus TCP over loopback, ${pointCount} points, request planner`,
  value: planned.pointsPerSecond,
  unit: 'points/s',
  baseline: { name: 'one request per point', value: baseline.pointsPerSecond },
});
console.log(`ratio planner / baseline:   ${(planned.pointsPerSecond / baseline.pointsPerSecond).toFixed(1)}x`);
