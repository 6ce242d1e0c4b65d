import { describe, expect, it } from 'vitest';
import { float32FromWords, tcpFixtures } from '../test-support.ts';
import { HoneywellMidas, MIDAS_STATUS, midasOptionsSchema } from './honeywell-midas.ts';

describe('honeywell-midas over Modbus TCP', () => {
  const tcp = tcpFixtures();

  it('sends the concentration at 40003-40004 as CDAB (low word first)', async () => {
    const device = new HoneywellMidas('midas', midasOptionsSchema.parse({}));
    device.set('concentration', 7.25);
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const [low, high] = (await client.readHoldingRegisters(2, 2)).data;
    expect(float32FromWords(high!, low!)).toBe(7.25);
  });

  it('toggles the heartbeat bit 11 every 2 s of simulated time', async () => {
    const device = new HoneywellMidas('midas', midasOptionsSchema.parse({}));
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const heartbeat = async (): Promise<boolean> => ((await client.readHoldingRegisters(0, 1)).data[0]! & MIDAS_STATUS.heartbeat) !== 0;
    const seen = [await heartbeat()];
    device.advance(1000);
    seen.push(await heartbeat());
    device.advance(1000);
    seen.push(await heartbeat());
    device.advance(2000);
    seen.push(await heartbeat());
    expect(seen).toEqual([false, false, true, false]);
  });

  it('sets alarm bits and relays, fault state, fault code, temperature, cell life and thresholds', async () => {
    const device = new HoneywellMidas('midas', midasOptionsSchema.parse({ alarmThresholds: [10, 20], temperatureC: -5, cellLifeHours: 1200 }));
    device.set('concentration', 15);
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    let registers = (await client.readHoldingRegisters(0, 16)).data;
    expect(registers[0]).toBe(MIDAS_STATUS.alarm1 | MIDAS_STATUS.relay1);
    expect(registers[7]).toBe(0xfffb); // -5 degC as int16
    expect(registers[8]).toBe(1200);
    expect(float32FromWords(registers[13]!, registers[12]!)).toBe(10);
    expect(float32FromWords(registers[15]!, registers[14]!)).toBe(20);
    device.set('sensorFault', 1);
    device.set('faultCode', 42);
    registers = (await client.readHoldingRegisters(0, 6)).data;
    const status = registers[0]!;
    expect(status & MIDAS_STATUS.stateMask).toBe(MIDAS_STATUS.stateFault);
    expect((status >> MIDAS_STATUS.faultLevelShift) & 3).toBe(MIDAS_STATUS.faultLevelFault);
    expect(status & (MIDAS_STATUS.alarm1 | MIDAS_STATUS.alarm2)).toBe(0);
    expect(status & MIDAS_STATUS.relayFault).toBe(MIDAS_STATUS.relayFault);
    expect(registers[5]).toBe(42);
  });

  it('reports warm-up in the state bits', async () => {
    const device = new HoneywellMidas('midas', midasOptionsSchema.parse({ warmUpMs: 1000 }));
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    expect((await client.readHoldingRegisters(0, 1)).data[0]! & MIDAS_STATUS.stateMask).toBe(MIDAS_STATUS.stateWarmUp);
  });
});
