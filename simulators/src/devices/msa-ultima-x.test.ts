import { describe, expect, it } from 'vitest';
import { float32FromWords, tcpFixtures } from '../test-support.ts';
import { MSA_BASE_REGISTER, MSA_DEFAULT_BASE, MSA_RESET_COIL, MSA_STATUS, MsaUltimaX, msaOptionsSchema } from './msa-ultima-x.ts';

describe('msa-ultima-x', () => {
  const tcp = tcpFixtures();

  it('holds the base 40000 at register 1000 and serves base+201 at 40201, gas 1-3 as float32 at 40207/40209/40211, MSW first', async () => {
    const device = new MsaUltimaX('msa', msaOptionsSchema.parse({ alarmThresholds: [10, 20, 40], rangeMax: 100 }));
    device.set('concentration', 30);
    device.set('sensor2.concentration', 4.5);
    device.set('sensor3.concentration', 71.25);
    const fixture = await tcp.serve({ 3: device });
    const client = await fixture.connect(3);
    expect((await client.readHoldingRegisters(MSA_BASE_REGISTER, 1)).data).toEqual([MSA_DEFAULT_BASE]);
    const registers = (await client.readHoldingRegisters(40200, 13)).data;
    expect(registers[1]).toBe(MSA_STATUS.lowAlarm | MSA_STATUS.midAlarm);
    expect(float32FromWords(registers[7]!, registers[8]!)).toBe(30);
    expect(float32FromWords(registers[9]!, registers[10]!)).toBe(4.5);
    expect(float32FromWords(registers[11]!, registers[12]!)).toBe(71.25);
    // The old reading of the manual (base+N at 1000+N) must not answer.
    await expect(client.readHoldingRegisters(1201, 1)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it('keeps latched alarms until coil 19 (address 18) resets them', async () => {
    const device = new MsaUltimaX('msa', msaOptionsSchema.parse({ latchAlarms: true, alarmThresholds: [10, 20, 40] }));
    const fixture = await tcp.serve({ 3: device });
    const client = await fixture.connect(3);
    const status = async (): Promise<number> => (await client.readHoldingRegisters(40201, 1)).data[0]!;
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
    expect((await client.readHoldingRegisters(40201, 2)).data).toEqual([MSA_STATUS.warmUp, 0]);
    device.advance(5000);
    device.set('sensorFault', 1);
    device.set('faultCode', 0x0010);
    expect((await client.readHoldingRegisters(40201, 2)).data).toEqual([MSA_STATUS.fault, 0x0010]);
  });

  it('moves the whole map with baseAddress and reports that base at register 1000', async () => {
    const device = new MsaUltimaX('msa', msaOptionsSchema.parse({ baseAddress: 2000 }));
    device.set('sensorFault', 1);
    const fixture = await tcp.serve({ 3: device });
    const client = await fixture.connect(3);
    expect((await client.readHoldingRegisters(MSA_BASE_REGISTER, 1)).data).toEqual([2000]);
    expect((await client.readHoldingRegisters(2201, 1)).data[0]).toBe(MSA_STATUS.fault);
  });
});
