import { describe, expect, it } from 'vitest';
import { tcpFixtures } from '../test-support.ts';
import { IGD_COILS, IGD_STATUS, IgdToc635, igdOptionsSchema, igdRawFromLel } from './igd-toc-635.ts';

describe('igd-toc-635', () => {
  const tcp = tcpFixtures();

  it('maps -10..110 %LEL linearly onto raw 0..1200', () => {
    expect([igdRawFromLel(-10), igdRawFromLel(0), igdRawFromLel(50), igdRawFromLel(110), igdRawFromLel(200)]).toEqual([0, 100, 600, 1200, 1200]);
  });

  it('reads one input register per detector from 30001 and status registers from 33001 (address 3000)', async () => {
    const device = new IgdToc635('igd', igdOptionsSchema.parse({ channels: 4, alarmThresholds: [10, 20, 40] }));
    device.set('channel1.concentration', 25);
    device.set('channel2.sensorFault', 1);
    device.set('channel3.disabled', 1);
    device.set('channel4.concentration', 120);
    device.set('channel4.commsFault', 1);
    const fixture = await tcp.serve({ 5: device });
    const client = await fixture.connect(5);
    expect((await client.readInputRegisters(0, 4)).data).toEqual([350, 100, 100, 1200]);
    const status = (await client.readInputRegisters(3000, 4)).data;
    expect(status[0]).toBe(IGD_STATUS.alarm1 | IGD_STATUS.alarm2);
    expect(status[1]).toBe(IGD_STATUS.fault);
    expect(status[2]).toBe(IGD_STATUS.disabled);
    expect(status[3]).toBe(IGD_STATUS.overRange | IGD_STATUS.commsFault);
    await expect(client.readInputRegisters(0, 5)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it('flags under range and raises alarm level 3', async () => {
    const device = new IgdToc635('igd', igdOptionsSchema.parse({ channels: 2 }));
    device.set('channel1.concentration', -8);
    device.set('channel2.concentration', 45);
    const fixture = await tcp.serve({ 5: device });
    const client = await fixture.connect(5);
    expect((await client.readInputRegisters(3000, 2)).data).toEqual([IGD_STATUS.underRange, IGD_STATUS.alarm1 | IGD_STATUS.alarm2 | IGD_STATUS.alarm3]);
  });

  it('holds mute on coil 1 (address 0) and clears latched alarms with coil 2 (address 1)', async () => {
    const device = new IgdToc635('igd', igdOptionsSchema.parse({ channels: 1, latchAlarms: true }));
    const fixture = await tcp.serve({ 5: device });
    const client = await fixture.connect(5);
    device.set('channel1.concentration', 30);
    device.set('channel1.concentration', 0);
    expect((await client.readInputRegisters(3000, 1)).data[0]).toBe(IGD_STATUS.alarm1 | IGD_STATUS.alarm2);
    await client.writeCoil(IGD_COILS.mute, true);
    expect(device.get('muted')).toBe(1);
    await client.writeCoil(IGD_COILS.reset, true);
    expect((await client.readInputRegisters(3000, 1)).data[0]).toBe(0);
    expect((await client.readCoils(0, 2)).data.slice(0, 2)).toEqual([true, false]);
  });
});
