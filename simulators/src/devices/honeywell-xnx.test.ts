import { describe, expect, it } from 'vitest';
import { float32FromWords, tcpFixtures } from '../test-support.ts';
import { HoneywellXnx, XNX_STATUS, xnxOptionsSchema } from './honeywell-xnx.ts';

describe('honeywell-xnx over Modbus TCP', () => {
  const tcp = tcpFixtures();

  async function readAll(device: HoneywellXnx): Promise<number[]> {
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    return (await client.readHoldingRegisters(0, 38)).data;
  }

  it('puts the concentration at 40003-40004 as float32, the unit code at 40011 and the loop current at 40037-40038', async () => {
    const device = new HoneywellXnx('xnx', xnxOptionsSchema.parse({ unitCode: 5, rangeMax: 100 }));
    device.set('concentration', 12.5);
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const registers = (await client.readHoldingRegisters(0, 38)).data;
    expect(float32FromWords(registers[2]!, registers[3]!)).toBe(12.5);
    expect(registers[10]).toBe(5);
    expect(float32FromWords(registers[36]!, registers[37]!)).toBe(6);
    expect(registers[5]).toBe(0);
  });

  it('sets alarm 1 and alarm 2 bits as the concentration crosses the thresholds, and clears them below', async () => {
    const device = new HoneywellXnx('xnx', xnxOptionsSchema.parse({ alarmThresholds: [20, 40] }));
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const status = async (): Promise<number> => (await client.readHoldingRegisters(5, 1)).data[0]!;
    device.set('concentration', 25);
    expect(await status()).toBe(XNX_STATUS.alarm1);
    device.set('concentration', 45);
    expect(await status()).toBe(XNX_STATUS.alarm1 | XNX_STATUS.alarm2);
    device.set('concentration', 5);
    expect(await status()).toBe(0);
  });

  it('reports a sensor fault with a 1000-1999 fault number, the fault bit, no alarms and 3.5 mA', async () => {
    const device = new HoneywellXnx('xnx', xnxOptionsSchema.parse({}));
    device.set('concentration', 60);
    device.set('sensorFault', 1);
    const registers = await readAll(device);
    expect(registers[5]).toBe(XNX_STATUS.fault);
    expect(registers[4]).toBeGreaterThanOrEqual(1000);
    expect(registers[4]).toBeLessThan(2000);
    expect(float32FromWords(registers[36]!, registers[37]!)).toBe(3.5);
  });

  it('shows warm-up as a warning that ends by itself after warmUpMs of simulated time', async () => {
    const device = new HoneywellXnx('xnx', xnxOptionsSchema.parse({ warmUpMs: 30_000 }));
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    expect((await client.readHoldingRegisters(4, 2)).data).toEqual([2, XNX_STATUS.warning]);
    device.advance(29_000);
    expect(device.get('warmUp')).toBe(1);
    device.advance(1_000);
    expect((await client.readHoldingRegisters(4, 2)).data).toEqual([0, 0]);
  });
});
