import { describe, expect, it } from 'vitest';
import { float32FromWords, tcpFixtures } from '../test-support.ts';
import { AnalogInputModule, analogInputOptionsSchema } from './analog-input.ts';
import { loopCurrentMa, NE43 } from './loop-current.ts';

describe('analog-input-4-20ma', () => {
  const tcp = tcpFixtures();

  it('follows the concentration 4-20 mA over the channel range, as float mA and as microampere counts', async () => {
    const device = new AnalogInputModule('ai', analogInputOptionsSchema.parse({ channels: 3, ranges: { '2': { rangeMin: 0, rangeMax: 50 } } }));
    device.set('channel1.concentration', 50);
    device.set('channel2.concentration', 25);
    const fixture = await tcp.serve({ 7: device });
    const client = await fixture.connect(7);
    const floats = (await client.readInputRegisters(0, 6)).data;
    expect(float32FromWords(floats[0]!, floats[1]!)).toBe(12);
    expect(float32FromWords(floats[2]!, floats[3]!)).toBe(12);
    expect(float32FromWords(floats[4]!, floats[5]!)).toBe(4);
    expect((await client.readInputRegisters(100, 3)).data).toEqual([12000, 12000, 4000]);
    expect(device.get('channel1.current')).toBe(12);
  });

  it('drops to NE43 fault currents: 3.5 mA on sensor fault, 21.5 mA far over range, 0 mA on a broken wire', async () => {
    const device = new AnalogInputModule('ai', analogInputOptionsSchema.parse({ channels: 4 }));
    device.set('channel1.sensorFault', 1);
    device.set('channel2.concentration', 150);
    device.set('channel3.wireBreak', 1);
    device.set('channel4.concentration', -20);
    const fixture = await tcp.serve({ 7: device });
    const client = await fixture.connect(7);
    expect((await client.readInputRegisters(100, 4)).data).toEqual([3500, 21500, 0, 3800]);
  });

  it('keeps the current inside 3.8-20.5 mA for values just outside the range', () => {
    expect(loopCurrentMa(102, 0, 100, false)).toBeCloseTo(20.32, 10);
    expect(loopCurrentMa(-1, 0, 100, false)).toBeCloseTo(3.84, 10);
    expect(loopCurrentMa(-5, 0, 100, false)).toBe(NE43.minValidMa);
    expect(loopCurrentMa(50, 0, 100, true)).toBe(NE43.faultLowMa);
  });

  it('refuses to set the derived current', () => {
    const device = new AnalogInputModule('ai', analogInputOptionsSchema.parse({ channels: 1 }));
    expect(() => device.set('channel1.current', 5)).toThrow(/channel1\.current.*derived/);
    expect(() => device.set('channel9.concentration', 5)).toThrow(/no quantity "channel9.concentration"/);
  });
});
