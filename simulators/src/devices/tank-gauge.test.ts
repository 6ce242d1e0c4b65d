import { describe, expect, it } from 'vitest';
import { float32FromWords, tcpFixtures } from '../test-support.ts';
import { TankGauge, tankGaugeOptionsSchema } from './tank-gauge.ts';

describe('tank-gauge', () => {
  const tcp = tcpFixtures();

  it('holds level, pressure and temperature as float32 holding registers 0-5', async () => {
    const device = new TankGauge('tank', tankGaugeOptionsSchema.parse({ levelMm: 4200, pressureKPa: 105.5, temperatureC: 18.25 }));
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const registers = (await client.readHoldingRegisters(0, 6)).data;
    expect(float32FromWords(registers[0]!, registers[1]!)).toBe(4200);
    expect(float32FromWords(registers[2]!, registers[3]!)).toBe(105.5);
    expect(float32FromWords(registers[4]!, registers[5]!)).toBe(18.25);
  });

  it('raises the level with inflow over simulated time, up to the tank height', () => {
    const device = new TankGauge('tank', tankGaugeOptionsSchema.parse({ heightMm: 6000, levelMm: 5000, inflowMmPerS: 10 }));
    device.advance(30_000);
    expect(device.get('level')).toBe(5300);
    device.advance(1_000_000);
    expect(device.get('level')).toBe(6000);
  });
});
