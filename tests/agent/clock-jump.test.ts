/**
 * The gateway's wall clock stepped an hour forward, then back, under a running agent on the simulated plant: hazmon
 * keeps its own steady time, so no point goes stale and no alarm comes or goes from the step, readings keep their
 * pace and are stored, a leak after the steps is caught, and each step is raised and logged as `agent/clock_jump`.
 */
import { afterEach, expect, it } from 'vitest';
import { type Plant, rawRows, runtimeAlarms, startPlant, waitFor, waitForRows } from './fixture.ts';

const POINT = 'GD-1.concentration';
const HOUR_MS = 3_600_000;

let plant: Plant | undefined;
afterEach(async () => {
  await plant?.close();
  plant = undefined;
});

it('a wall clock step forward and back: no false alarm, no lost reading or event, the step raised and logged', async () => {
  plant = await startPlant({ speed: 4 });
  let stepMs = 0;
  const logged: string[] = [];
  const agent = await plant.startAgent({ wallClock: () => Date.now() + stepMs, log: (line) => logged.push(line) });
  await waitForRows(
    () => rawRows(agent.reader, POINT),
    (rows) => rows.length >= 3,
  );
  const alarmChanges = () =>
    plant!.events.filter((event) => event.type === 'alarm' || (event.type === 'runtime_alarm' && event.alarmId !== 'agent/clock_jump' && event.alarmId !== 'agent/event_loop_lag'));
  const before = alarmChanges().length;

  stepMs = HOUR_MS;
  const forward = await waitFor('the forward step raised', () => runtimeAlarms(plant!.events, 'agent/clock_jump').find((event) => event.transition === 'raised'), { timeoutMs: 20_000 });
  expect(forward.why).toMatch(/stepped by \+3600\.0 s/);
  expect(logged.some((line) => line.includes('stepped by +3600.0 s'))).toBe(true);
  // A few polls after the step: the point keeps its pace (no gap of an hour, no stale), nothing raised or cleared.
  const forwardRows = (await rawRows(agent.reader, POINT)).length;
  await waitForRows(
    () => rawRows(agent.reader, POINT),
    (rows) => rows.length >= forwardRows + 3,
  );

  stepMs = 0;
  const back = await waitFor('the step back clears it', () => runtimeAlarms(plant!.events, 'agent/clock_jump').find((event) => event.transition === 'cleared'), { timeoutMs: 20_000 });
  expect(back.why).toMatch(/stepped by -3600\.0 s and is back in step/);
  const backRows = (await rawRows(agent.reader, POINT)).length;
  await waitForRows(
    () => rawRows(agent.reader, POINT),
    (rows) => rows.length >= backRows + 3,
  );
  expect(alarmChanges().slice(before)).toEqual([]);
  expect(logged.filter((line) => line.includes('could not store'))).toEqual([]);

  const rows = await rawRows(agent.reader, POINT);
  const gaps = rows.slice(1).map((row, i) => row.time - rows[i]!.time);
  expect(Math.max(...gaps)).toBeLessThan(HOUR_MS / 2);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
  expect(rows.every((row) => Math.abs(row.time - Date.now()) < HOUR_MS / 2)).toBe(true);

  // Judging goes on: a leak after the steps raises hi, stored.
  plant.site.device('GD-1').set('concentration', 25);
  await waitFor(
    'hi raised after the steps',
    async () => (await agent.reader.alarmEventsAfter(0, 10_000)).find((row) => row.details?.['alarmId'] === `${POINT}/hi` && row.stateAfter === 'unacknowledged_active'),
    { timeoutMs: 20_000 },
  );
}, 90_000);
