import { describe, expect, it } from 'vitest';
import { tcpFixtures } from '../test-support.ts';
import { ShutoffValve, shutoffValveOptionsSchema } from './shutoff-valve.ts';

describe('shutoff-valve', () => {
  const tcp = tcpFixtures();

  function valve(): ShutoffValve {
    return new ShutoffValve('valve', shutoffValveOptionsSchema.parse({ travelTimeMs: 2000, slowTravelFactor: 4 }));
  }

  it('closes on a de-energized command coil and shows closed after the travel time of simulated time', async () => {
    const device = valve();
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const switches = async (): Promise<boolean[]> => (await client.readDiscreteInputs(0, 2)).data.slice(0, 2);
    expect(await switches()).toEqual([false, true]); // [closed, open]
    await client.writeCoil(0, false);
    device.advance(1000);
    expect(await switches()).toEqual([false, false]); // travelling
    device.advance(1000);
    expect(await switches()).toEqual([true, false]);
    expect((await client.readCoils(0, 1)).data[0]).toBe(false);
  });

  it('stuckOpen: stays open after a close command', () => {
    const device = valve();
    device.set('stuckOpen', 1);
    device.set('command', 0);
    device.advance(10_000);
    expect([device.get('closedSwitch'), device.get('openSwitch')]).toEqual([0, 1]);
  });

  it('slowTravel: not closed after the normal travel time, closed after the slowed one', () => {
    const device = valve();
    device.set('slowTravel', 1);
    device.set('command', 0);
    device.advance(2000);
    expect(device.get('closedSwitch')).toBe(0);
    device.advance(6000);
    expect(device.get('closedSwitch')).toBe(1);
  });

  it('feedbackBroken: both limit switches read false although the valve closed', () => {
    const device = valve();
    device.set('feedbackBroken', 1);
    device.set('command', 0);
    device.advance(5000);
    expect([device.get('position'), device.get('closedSwitch'), device.get('openSwitch')]).toEqual([0, 0, 0]);
  });

  it('commandIgnored: the write is acknowledged, nothing moves and the coil reads back the old state', async () => {
    const device = valve();
    device.set('commandIgnored', 1);
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    await client.writeCoil(0, false);
    device.advance(5000);
    expect((await client.readCoils(0, 1)).data[0]).toBe(true);
    expect((await client.readDiscreteInputs(0, 2)).data.slice(0, 2)).toEqual([false, true]);
  });

  it('honours a travel time changed at run time', () => {
    const device = valve();
    device.set('travelTimeMs', 500);
    device.set('command', 0);
    device.advance(500);
    expect(device.get('closedSwitch')).toBe(1);
  });
});
