/**
 * Device comms health through the whole agent against the simulator: garbage and truncated answers are no answers
 * (one comms alarm for the whole fault, not one per reconnect), a link that answers now and then between failures
 * keeps its one alarm until it has answered for the return hold, and exception responses raise a device alarm naming
 * device, function, register and code, with `hazmon_device_up` at 0 while any of these is raised.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderMetrics, type Agent } from '@hazmon/agent';
import type { CommsFault } from '@hazmon/simulators';
import { rawRows, runtimeAlarms, startPlant, waitFor, waitForRows, type Plant } from './fixture.ts';

let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

/** Well over the flapping test's answering spells (1.1 s): a sleep that overshoots on a loaded machine must not reach it. */
const RETURN_HOLD_MS = 3000;
const COMMS = 'GD-1/comms_loss';

function deviceUp(agent: Agent, deviceId: string): number {
  const line = renderMetrics({ agent: agent.stats() })
    .split('\n')
    .find((text) => text.startsWith(`hazmon_device_up{device="${deviceId}"}`));
  return Number(line?.split(' ')[1]);
}

/** Samples device_up every 50 ms while `during` runs; returns the values seen. */
async function sampleDeviceUp(agent: Agent, during: () => Promise<void>): Promise<number[]> {
  const seen: number[] = [];
  const timer = setInterval(() => seen.push(deviceUp(agent, 'GD-1')), 50);
  try {
    await during();
  } finally {
    clearInterval(timer);
  }
  return seen;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('device comms health', () => {
  it.each<[CommsFault]>([['garbled'], ['truncated']])(
    '%s answers for 4 s: one comms alarm, device down throughout, back after the return hold',
    async (fault) => {
      plant = await startPlant({ speed: 1 });
      const agent = await plant.startAgent({ commsReturnHoldMs: RETURN_HOLD_MS });
      await waitFor('first good polls', () => agent.stats().readings > 10);

      plant.site.setCommsFault('GD-1', fault);
      await waitFor('comms alarm', () => runtimeAlarms(plant!.events, COMMS)[0]);
      const during = await sampleDeviceUp(agent, () => sleep(4000));
      const raised = runtimeAlarms(plant.events, COMMS);
      expect(
        raised.map((event) => event.active),
        'raised once, never cleared by a garbage answer',
      ).toEqual([true]);
      expect(raised[0]!.why).toMatch(/GD-1 \(unit 1\) FC03 @40001/);
      expect(new Set(during)).toEqual(new Set([0]));

      plant.site.setCommsFault('GD-1', 'none');
      const cleared = await waitFor('comms alarm cleared', () => runtimeAlarms(plant!.events, COMMS).find((event) => !event.active));
      expect(cleared.why).toMatch(/GD-1 answers again .*\d+ failed request\(s\)/);
      expect(deviceUp(agent, 'GD-1')).toBe(1);
      expect(runtimeAlarms(plant.events, COMMS)).toHaveLength(2);
    },
    60_000,
  );

  it('a link that answers between failures keeps one alarm until it has answered for the return hold', async () => {
    plant = await startPlant({ speed: 1 });
    const agent = await plant.startAgent({ commsReturnHoldMs: RETURN_HOLD_MS });
    await waitFor('first good polls', () => agent.stats().readings > 10);
    const during = await sampleDeviceUp(agent, async () => {
      // Polled each second: every fault spell fails a request, every answering spell (shorter than the hold) answers one.
      for (let flap = 0; flap < 4; flap++) {
        plant!.site.setCommsFault('GD-1', 'noAnswer');
        await sleep(1500);
        plant!.site.setCommsFault('GD-1', 'none');
        await sleep(1100);
      }
    });
    const events = runtimeAlarms(plant.events, COMMS);
    expect(events.map((event) => event.active)).toEqual([true]);
    expect(during.slice(during.indexOf(0))).not.toContain(1);

    const cleared = await waitFor('comms alarm cleared', () => runtimeAlarms(plant!.events, COMMS).find((event) => !event.active));
    expect(cleared.details).toMatchObject({ interruptions: expect.any(Number) });
    expect(cleared.details['interruptions']).toBeGreaterThan(0);
  }, 60_000);

  it('exception responses raise a device alarm naming device, function, register and code; device_up 0 until data again', async () => {
    plant = await startPlant({ speed: 1 });
    const agent = await plant.startAgent({ commsReturnHoldMs: RETURN_HOLD_MS });
    await waitFor('first good polls', () => agent.stats().readings > 10);

    plant.site.setCommsFault('GD-1', 'busy');
    const refused = await waitFor('exception alarm', () => runtimeAlarms(plant!.events, 'GD-1/modbus_exception')[0]);
    expect(refused).toMatchObject({ active: true, priority: 'high', details: { exceptionCode: 6 } });
    expect(refused.why).toMatch(/^device GD-1 \(unit 1\) FC03 @40001 x\d+: exception 6: slave device busy$/);
    expect(deviceUp(agent, 'GD-1')).toBe(0);
    expect(runtimeAlarms(plant.events, COMMS)).toEqual([]);
    const pointAlarm = await waitFor('point bad_quality', () => plant!.events.find((e) => e.type === 'alarm' && e.alarmId === 'GD-1.concentration/bad_quality' && e.conditionActive));
    expect(pointAlarm).toMatchObject({ why: expect.stringMatching(/^quality bad \(exception: device GD-1 \(unit 1\) FC03 @40001 x\d+: exception 6/) });
    // The store keeps each bad reading's message, not only its code.
    const stored = await waitForRows(
      () => rawRows(agent.reader, 'GD-1.concentration', 0, Date.now() + 60_000),
      (rows) => rows.some((row) => row.reason === 'exception'),
    );
    expect(stored.find((row) => row.reason === 'exception')?.reasonText).toMatch(/^device GD-1 \(unit 1\) FC03 @40001 x\d+: exception 6: slave device busy$/);

    plant.site.setCommsFault('GD-1', 'none');
    await waitFor('exception alarm cleared', () => runtimeAlarms(plant!.events, 'GD-1/modbus_exception').find((event) => !event.active));
    expect(deviceUp(agent, 'GD-1')).toBe(1);
    expect(runtimeAlarms(plant.events, 'GD-1/modbus_exception')).toHaveLength(2);
  }, 60_000);
});
