import { describe, expect, it } from 'vitest';
import { float32FromWords, tcpFixtures } from '../test-support.ts';
import { MSA_RESET_COIL, MSA_STATUS, MsaUltimaX, msaOptionsSchema } from './msa-ultima-x.ts';

describe('msa-ultima-x', () => {
  const tcp = tcpFixtures();

  it('maps base+201 to protocol address 1201 with status bits, and base+207 to a float32 reading, MSW first', async () => {
    const device = new MsaUltimaX('msa', msaOptionsSchema.parse({ alarmThresholds: [10, 20, 40], rangeMax: 100 }));
    device.set('concentration', 30);
    const fixture = await tcp.serve({ 3: device });
    const client = await fixture.connect(3);
    const registers = (await client.readHoldingRegisters(1200, 13)).data;
    expect(registers[1]).toBe(MSA_STATUS.lowAlarm | MSA_STATUS.midAlarm);
    expect(float32FromWords(registers[7]!, registers[8]!)).toBe(30);
    expect(float32FromWords(registers[9]!, registers[10]!)).toBe(25);
    expect(float32FromWords(registers[11]!, registers[12]!)).toBeCloseTo(8.8, 5);
    await expect(client.readHoldingRegisters(200, 2)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it('keeps latched alarms until coil 19 (address 18) resets them', async () => {
    const device = new MsaUltimaX('msa', msaOptionsSchema.parse({ latchAlarms: true, alarmThresholds: [10, 20, 40] }));
    const fixture = await tcp.serve({ 3: device });
    const client = await fixture.connect(3);
    const status = async (): Promise<number> => (await client.readHoldingRegisters(1201, 1)).data[0]!;
    device.set('concentration', 50);
    device.set('concentration', 0);
    expect(await status()).toBe(MSA_STATUS.lowAlarm | MSA_STATUS.midAlarm | MSA_STATUS.highAlarm);
    await client.writeCoil(MSA_RESET_COIL, true);
    expect(await status()).toBe(0);
    expect((await client.readCoils(MSA_RESET_COIL, 1)).data[0]).toBe(false);
  });

  it('reports fault bits at base+202 and warm-up at base+201 bit 4', async () => {
    const device = new MsaUltimaX('msa', msaOptionsSchema.parse({ warmUpMs: 5000 }));
    const fixture = await tcp.serve({ 3: device });
    const client = await fixture.connect(3);
    expect((await client.readHoldingRegisters(1201, 2)).data).toEqual([MSA_STATUS.warmUp, 0]);
    device.advance(5000);
    device.set('sensorFault', 1);
    device.set('faultCode', 0x0010);
    expect((await client.readHoldingRegisters(1201, 2)).data).toEqual([MSA_STATUS.fault, 0x0010]);
  });

  it('moves the whole map with baseAddress', async () => {
    const device = new MsaUltimaX('msa', msaOptionsSchema.parse({ baseAddress: 0 }));
    device.set('sensorFault', 1);
    const fixture = await tcp.serve({ 3: device });
    const client = await fixture.connect(3);
    expect((await client.readHoldingRegisters(201, 1)).data[0]).toBe(MSA_STATUS.fault);
  });
});
