import { describe, expect, it } from 'vitest';
import { tcpFixtures } from '../test-support.ts';
import { decodeRegisters } from '../word-order.ts';
import { DUST_REGISTERS, DUST_STATUS, DustCollector, dustCollectorOptionsSchema } from './dust-collector.ts';

describe('dust-collector', () => {
  const tcp = tcpFixtures();

  it('serves differential pressure and inlet temperature as float32, a spark as a flag, a count and a status bit', async () => {
    const device = new DustCollector('DC-1', dustCollectorOptionsSchema.parse({ differentialPressurePa: 1200.5, inletTemperatureC: 31.25 }));
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const read = async () => Uint16Array.from((await client.readHoldingRegisters(0, 7)).data);
    let words = await read();
    expect(decodeRegisters('float32', 'ABCD', words, DUST_REGISTERS.differentialPressure)).toBe(1200.5);
    expect(decodeRegisters('float32', 'ABCD', words, DUST_REGISTERS.inletTemperature)).toBe(31.25);
    expect([words[DUST_REGISTERS.sparkDetected], words[DUST_REGISTERS.sparkCount], words[DUST_REGISTERS.status]]).toEqual([0, 0, 0]);
    device.set('spark', 1);
    device.set('spark', 1); // still the same spark: counted once
    device.set('sensorFault', 1);
    words = await read();
    expect([words[DUST_REGISTERS.sparkDetected], words[DUST_REGISTERS.sparkCount], words[DUST_REGISTERS.status]]).toEqual([1, 1, DUST_STATUS.spark | DUST_STATUS.fault]);
    device.set('spark', 0);
    device.set('spark', 1);
    expect(device.get('sparkCount')).toBe(2);
  });
});
