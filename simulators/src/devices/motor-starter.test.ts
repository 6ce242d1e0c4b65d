import { describe, expect, it } from 'vitest';
import { tcpFixtures } from '../test-support.ts';
import { MotorStarter, motorStarterOptionsSchema } from './motor-starter.ts';

describe('motor-starter', () => {
  const tcp = tcpFixtures();

  it('starts on the command coil and confirms running on its auxiliary contact after the pick-up time', async () => {
    const device = new MotorStarter('fan', motorStarterOptionsSchema.parse({ pickUpTimeMs: 1000 }));
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const inputs = async (): Promise<boolean[]> => (await client.readDiscreteInputs(0, 2)).data.slice(0, 2);
    expect(await inputs()).toEqual([false, false]); // [running, overload]
    await client.writeCoil(0, true);
    device.advance(500);
    expect(await inputs()).toEqual([false, false]);
    device.advance(500);
    expect(await inputs()).toEqual([true, false]);
    expect((await client.readCoils(0, 1)).data[0]).toBe(true);
  });

  it('drops out at once when de-energized (a power cut) and on overload, whatever the command', () => {
    const device = new MotorStarter('contactor', motorStarterOptionsSchema.parse({ running: true }));
    expect(device.get('running')).toBe(1);
    device.writeCoil(0, false);
    device.advance(10);
    expect(device.get('running')).toBe(0);
    device.writeCoil(0, true);
    device.advance(1000);
    expect(device.get('running')).toBe(1);
    device.set('overload', 1);
    device.advance(10);
    expect(device.get('running')).toBe(0);
  });

  it('commandIgnored: acknowledges the write and keeps the old command', () => {
    const device = new MotorStarter('fan', motorStarterOptionsSchema.parse({}));
    device.set('commandIgnored', 1);
    device.writeCoil(0, true);
    device.advance(5000);
    expect([device.get('command'), device.get('running')]).toEqual([0, 0]);
    expect(() => device.set('running', 1)).toThrow(/derived/);
  });
});
