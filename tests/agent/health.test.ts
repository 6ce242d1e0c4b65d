/** Device comms loss through the whole agent: the simulator stops answering, the alarm names why, it clears on recovery. */
import { afterEach, describe, expect, it } from 'vitest';
import { runtimeAlarms, startPlant, waitFor, waitForRows, type Plant } from './fixture.ts';

let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

describe('device health', () => {
  it('comms loss -> device and point comms_loss alarms with the reason -> recovery when the device answers again', async () => {
    plant = await startPlant({ speed: 1 });
    const agent = await plant.startAgent();
    const events = plant.events;
    await waitFor('first good polls', () => agent.stats().readings > 10);
    expect(runtimeAlarms(events, 'GD-1/comms_loss')).toEqual([]);

    plant.site.setCommsFault('GD-1', 'noAnswer');
    const lost = await waitFor('device comms loss', () => runtimeAlarms(events, 'GD-1/comms_loss')[0]);
    expect(lost).toMatchObject({ active: true, priority: 'high', details: { reason: 'timeout' } });
    expect(lost.why).toMatch(/timeout: .*GD-1/);
    const pointAlarm = await waitFor('engine comms_loss', () => events.find((e) => e.type === 'alarm' && e.alarmId === 'GD-1.concentration/comms_loss' && e.conditionActive));
    expect(pointAlarm).toMatchObject({ why: expect.stringMatching(/timeout/) });
    expect(agent.stats().devicesInCommsLoss).toEqual(['GD-1']);
    // The valve on the same port keeps answering: one dead slave does not take the others down.
    expect(runtimeAlarms(events, 'XV-1/comms_loss')).toEqual([]);

    plant.site.setCommsFault('GD-1', 'none');
    const recovered = await waitFor('device answers again', () => runtimeAlarms(events, 'GD-1/comms_loss').find((event) => !event.active));
    expect(recovered.why).toMatch(/answers again/);
    await waitFor('engine comms_loss cleared', () => events.find((e) => e.type === 'alarm' && e.alarmId === 'GD-1.concentration/comms_loss' && !e.conditionActive));
    expect(agent.stats().devicesInCommsLoss).toEqual([]);

    const stored = await waitForRows(
      () => agent.reader.alarmEventsAfter(0),
      (rows) => rows.some((row) => row.pointId === 'GD-1' && row.kind === 'cleared'),
    );
    const comms = stored.filter((row) => row.pointId === 'GD-1' && row.ruleId === 'comms_loss').map((row) => row.kind);
    expect(comms).toEqual(['raised', 'cleared']);
    const pointComms = stored.filter((row) => row.pointId === 'GD-1.concentration' && row.ruleId === 'comms_loss');
    expect(pointComms[0]).toMatchObject({ kind: 'raised', priority: 'high', details: { value: null } });
    expect(agent.stats().persistFailures).toBe(0);
  }, 60_000);

  it('a store queue that overflows raises store alarms and counts every dropped reading', async () => {
    plant = await startPlant({ speed: 1 });
    // A queue of 2 readings flushed once a second overflows at the first multi-point poll answer.
    const agent = await plant.startAgent({ store: { queueCapacity: 2, flushIntervalMs: 1000, flushBatchRows: 1_000_000 } });
    const dropped = await waitFor('readings_dropped alarm', () => runtimeAlarms(plant!.events, 'store/readings_dropped')[0]);
    expect(dropped).toMatchObject({ active: true, priority: 'high', why: expect.stringMatching(/dropped/) });
    expect(runtimeAlarms(plant.events, 'store/back_pressure')[0]).toMatchObject({ active: true });
    const stats = agent.stats();
    expect(stats.storeDropped).toBeGreaterThan(0);
    expect(stats.storeDropped).toBe(stats.store.rawDropped);
  }, 60_000);
});
