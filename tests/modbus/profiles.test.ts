/** Every shipped profile decodes its independently written simulator: values, units, quality reasons and flags. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningSite } from '@hazmon/simulators';
import { profileDevice, rtuLineFor, startPolling, startTestSite, tcpLineFor, trackResources, type PollingRig } from '../helpers/harness.ts';

const track = trackResources();
let site: RunningSite;
let rig: PollingRig;

const SERIAL_8E1 = { baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1 } as const;

beforeAll(async () => {
  site = track(
    await startTestSite({
      name: 'profiles',
      tcp: [
        {
          name: 'plant',
          port: 0,
          devices: [
            { id: 'xnx', unitId: 1, model: 'honeywell-xnx', options: { unitCode: 4, alarmThresholds: [20, 40] } },
            { id: 'midas', unitId: 2, model: 'honeywell-midas', options: { alarmThresholds: [25, 50] } },
            { id: 'msa', unitId: 3, model: 'msa-ultima-x', options: { alarmThresholds: [10, 20, 40] } },
            { id: 'igd', unitId: 4, model: 'igd-toc-635', options: { channels: 3 } },
            { id: 'ai', unitId: 5, model: 'analog-input-4-20ma', options: { channels: 4 } },
            { id: 'tank', unitId: 6, model: 'tank-gauge', options: { levelMm: 6500, pressureKPa: 101.3, temperatureC: 21.5 } },
            { id: 'valve', unitId: 7, model: 'shutoff-valve', options: { open: false, travelTimeMs: 2000 } },
          ],
        },
      ],
      rtu: [{ name: 'rs485', path: 'pty', ...SERIAL_8E1, devices: [{ id: 'msa-rtu', unitId: 9, model: 'msa-ultima-x', options: { alarmThresholds: [10, 20, 40] } }] }],
    }),
  );
  const devices = [
    profileDevice('honeywell-xnx', { id: 'xnx', line: 'plant', unitId: 1 }),
    profileDevice('honeywell-midas', { id: 'midas', line: 'plant', unitId: 2 }),
    profileDevice('msa-ultima-x', { id: 'msa', line: 'plant', unitId: 3, points: { gas2: { poll: true }, gas3: { poll: true } } }),
    profileDevice('igd-toc-635', { id: 'igd', line: 'plant', unitId: 4, channels: 3 }),
    profileDevice('analog-input-4-20ma', { id: 'ai', line: 'plant', unitId: 5, channels: 4 }),
    profileDevice('tank-gauge', { id: 'tank', line: 'plant', unitId: 6 }),
    profileDevice('shutoff-valve', { id: 'valve', line: 'plant', unitId: 7 }),
    profileDevice('msa-ultima-x', { id: 'msa-rtu', line: 'rs485', unitId: 9 }, 200),
  ];
  rig = track(startPolling([tcpLineFor(site, 'xnx', 'plant'), rtuLineFor(site, 'msa-rtu', 'rs485')], devices));
}, 60_000);

describe('honeywell-xnx profile on the XNX simulator', () => {
  it('decodes the float32 concentration in the unit the transmitter reports, with alarm flags following its thresholds', async () => {
    const xnx = site.device('xnx');
    xnx.set('concentration', 37.5);
    const since = rig.log.mark();
    const reading = await rig.log.next('xnx.concentration', (r) => r.value === 37.5 && r.unit === 'ppm', since);
    expect(reading.quality).toBe('good');
    expect(reading.reason).toBeUndefined();
    const status = await rig.log.next('xnx.status', (r) => r.flags?.alarm1 === true, since);
    expect(status.flags).toMatchObject({ alarm1: true, alarm2: false, fault: false });

    xnx.set('concentration', 45);
    const both = await rig.log.next('xnx.status', (r) => r.flags?.alarm2 === true);
    expect(both.flags).toMatchObject({ alarm1: true, alarm2: true });
    xnx.set('concentration', 5);
    await rig.log.next('xnx.status', (r) => r.flags?.alarm1 === false && r.flags.alarm2 === false);
    expect((await rig.log.next('xnx.identification', () => true, 0)).value).toBe(0x584e5801);
  });

  it('turns a fault number 1000-1999 into bad device_fault, and recovers when the fault clears', async () => {
    const xnx = site.device('xnx');
    xnx.set('concentration', 12.25);
    xnx.set('faultCode', 1234);
    xnx.set('sensorFault', 1);
    const number = await rig.log.next('xnx.faultNumber', (r) => r.value === 1234);
    expect(number.flags).toMatchObject({ activeFault: true });
    const bad = await rig.log.next('xnx.concentration', (r) => r.quality === 'bad');
    expect(bad.reason?.code).toBe('device_fault');
    expect(bad.value).toBe(12.25);

    xnx.set('sensorFault', 0);
    const good = await rig.log.next('xnx.concentration', (r) => r.quality === 'good');
    expect(good.value).toBe(12.25);
    expect((await rig.log.current('xnx.faultNumber')).flags).toMatchObject({ activeFault: false });
  });
});

describe('honeywell-midas profile on the Midas simulator', () => {
  it('decodes the CDAB float concentration and thresholds, alarm flags, and a heartbeat that toggles every 2 s of sim time', async () => {
    const midas = site.device('midas');
    midas.set('concentration', 30.5);
    const status = await rig.log.next('midas.status', (r) => r.flags?.alarm1 === true);
    expect(status.flags).toMatchObject({ alarm1: true, alarm2: false, faultLevel: false });
    const concentration = await rig.log.next('midas.concentration', (r) => r.value === 30.5);
    expect(concentration).toMatchObject({ unit: 'ppm', quality: 'good' });
    expect((await rig.log.next('midas.alarm1Threshold', () => true, 0)).value).toBe(25);
    expect((await rig.log.next('midas.alarm2Threshold', () => true, 0)).value).toBe(50);
    expect((await rig.log.next('midas.temperature', () => true, 0)).value).toBe(25);

    const before = (await rig.log.current('midas.status')).flags!.heartbeat;
    site.clock.step(1000);
    expect((await rig.log.current('midas.status')).flags!.heartbeat).toBe(before);
    site.clock.step(1000);
    expect((await rig.log.current('midas.status')).flags!.heartbeat).toBe(!before);
    site.clock.step(2000);
    expect((await rig.log.current('midas.status')).flags!.heartbeat).toBe(before);
  });

  it('reports a sensor fault (fault level 2) as bad device_fault with the fault code', async () => {
    const midas = site.device('midas');
    midas.set('sensorFault', 1);
    const bad = await rig.log.next('midas.concentration', (r) => r.quality === 'bad');
    expect(bad.reason?.code).toBe('device_fault');
    expect((await rig.log.current('midas.faultCode')).value).toBe(1);
    midas.set('sensorFault', 0);
    await rig.log.next('midas.concentration', (r) => r.quality === 'good');
  });
});

describe('msa-ultima-x profile on the MSA simulator', () => {
  it('reads the base register 40000 and gas readings of sensors 1-3 at 40207/40209/40211', async () => {
    const msa = site.device('msa');
    msa.set('concentration', 37.5);
    msa.set('sensor2.concentration', 4.5);
    msa.set('sensor3.concentration', 80.25);
    expect((await rig.log.next('msa.modbusBase', () => true, 0)).value).toBe(40000);
    expect(await rig.log.next('msa.gas1', (r) => r.value === 37.5)).toMatchObject({ unit: '%LEL', quality: 'good' });
    expect((await rig.log.next('msa.gas2', (r) => r.value === 4.5)).quality).toBe('good');
    expect((await rig.log.next('msa.gas3', (r) => r.value === 80.25)).quality).toBe('good');
    const status = await rig.log.next('msa.status', (r) => r.flags?.midAlarm === true);
    expect(status.flags).toMatchObject({ lowAlarm: true, midAlarm: true, highAlarm: false, fault: false, warmUp: false });
  });

  it('marks warm-up uncertain warm_up and a sensor fault bad device_fault', async () => {
    const msa = site.device('msa');
    msa.set('concentration', 8);
    msa.set('warmUp', 1);
    const warming = await rig.log.next('msa.gas1', (r) => r.quality === 'uncertain');
    expect(warming.reason?.code).toBe('warm_up');
    msa.set('warmUp', 0);
    msa.set('sensorFault', 1);
    const bad = await rig.log.next('msa.gas1', (r) => r.quality === 'bad');
    expect(bad.reason?.code).toBe('device_fault');
    expect((await rig.log.next('msa.faultBits', (r) => r.value === 1)).flags).toMatchObject({ faultRelay: true });
    msa.set('sensorFault', 0);
    expect((await rig.log.next('msa.gas1', (r) => r.quality === 'good')).value).toBe(8);
  });

  it('decodes the same map over RTU on a socat pty pair at 19200 8E1', async () => {
    const msa = site.device('msa-rtu');
    msa.set('concentration', 42.75);
    expect(await rig.log.next('msa-rtu.gas1', (r) => r.value === 42.75)).toMatchObject({ unit: '%LEL', quality: 'good' });
    expect((await rig.log.next('msa-rtu.status', (r) => r.flags?.highAlarm === true)).flags).toMatchObject({ lowAlarm: true, midAlarm: true });
    expect((await rig.log.next('msa-rtu.modbusBase', () => true, 0)).value).toBe(40000);
    msa.set('sensorFault', 1);
    expect((await rig.log.next('msa-rtu.gas1', (r) => r.quality === 'bad')).reason?.code).toBe('device_fault');
    msa.set('sensorFault', 0);
  });
});

describe('igd-toc-635 profile on the IGD controller simulator', () => {
  it('maps raw 0..1200 onto -10..110 %LEL per detector, with alarm bits', async () => {
    const igd = site.device('igd');
    igd.set('channel2.concentration', 37.5); // raw (37.5 + 10) * 10 = 475
    igd.set('channel3.concentration', 15);
    const detector2 = await rig.log.next('igd.detector2', (r) => r.value === 37.5);
    expect(detector2).toMatchObject({ unit: '%LEL', quality: 'good' });
    expect((await rig.log.next('igd.detector3', (r) => r.value === 15)).quality).toBe('good');
    expect((await rig.log.next('igd.detector2Status', (r) => r.flags?.alarm2 === true)).flags).toMatchObject({ alarm1: true, alarm3: false });
    expect((await rig.log.current('igd.detector1')).value).toBe(0);
  });

  it('over range -> bad signal_out_of_range, fault -> bad device_fault, disabled -> uncertain maintenance', async () => {
    const igd = site.device('igd');
    igd.set('channel1.concentration', 105);
    expect((await rig.log.next('igd.detector1', (r) => r.quality === 'bad')).reason?.code).toBe('signal_out_of_range');
    igd.set('channel1.concentration', 5);
    igd.set('channel2.sensorFault', 1);
    igd.set('channel3.disabled', 1);
    expect((await rig.log.next('igd.detector2', (r) => r.quality === 'bad')).reason?.code).toBe('device_fault');
    expect((await rig.log.next('igd.detector3', (r) => r.quality === 'uncertain')).reason?.code).toBe('maintenance');
    // Each detector's quality follows its own status word only.
    expect(await rig.log.next('igd.detector1', (r) => r.value === 5)).toMatchObject({ quality: 'good' });
    igd.set('channel2.sensorFault', 0);
    igd.set('channel3.disabled', 0);
  });
});

describe('analog-input-4-20ma profile on the AI module simulator', () => {
  it('scales 4-20 mA onto the range and turns NE43 fault currents into bad signal_out_of_range', async () => {
    const ai = site.device('ai');
    ai.set('channel1.concentration', 37.5); // 4 + 16 * 0.375 = 10 mA
    ai.set('channel2.sensorFault', 1); // 3.5 mA
    ai.set('channel3.wireBreak', 1); // 0 mA
    ai.set('channel4.concentration', 120); // would pass 20.5 mA: 21.5 mA
    expect(await rig.log.next('ai.channel1', (r) => r.value === 37.5)).toMatchObject({ unit: '%LEL', quality: 'good' });
    for (const id of ['ai.channel2', 'ai.channel3', 'ai.channel4']) {
      const reading = await rig.log.next(id, (r) => r.quality === 'bad');
      expect(reading.reason?.code, id).toBe('signal_out_of_range');
    }
    ai.set('channel2.sensorFault', 0);
    ai.set('channel2.concentration', 50);
    expect((await rig.log.next('ai.channel2', (r) => r.quality === 'good')).value).toBe(50);
  });
});

describe('tank-gauge profile on the tank gauge simulator', () => {
  it('decodes level, pressure and temperature as float32', async () => {
    const tank = site.device('tank');
    tank.set('level', 7321.5);
    tank.set('pressure', 99.8);
    expect(await rig.log.next('tank.level', (r) => r.value === 7321.5)).toMatchObject({ unit: 'mm', quality: 'good' });
    expect(await rig.log.next('tank.pressure', (r) => r.value === Math.fround(99.8))).toMatchObject({ unit: 'kPa', quality: 'good' });
    expect(await rig.log.next('tank.temperature', () => true, 0)).toMatchObject({ value: 21.5, unit: 'degC', quality: 'good' });
  });
});

describe('shutoff-valve profile on the valve simulator', () => {
  it('follows the limit switches through travel on simulated time after open and close commands', async () => {
    await rig.log.next('valve.closed', (r) => r.value === true, 0);
    expect((await rig.log.next('valve.open', () => true, 0)).value).toBe(false);

    await rig.poller.write('valve', 'command', true);
    site.clock.step(1000); // half of the 2 s stroke: neither switch
    expect((await rig.log.current('valve.closed')).value).toBe(false);
    expect((await rig.log.current('valve.open')).value).toBe(false);
    expect((await rig.log.current('valve.command')).value).toBe(true);
    site.clock.step(1000);
    expect((await rig.log.current('valve.open')).value).toBe(true);
    expect((await rig.log.current('valve.closed')).value).toBe(false);

    await rig.poller.write('valve', 'command', false);
    site.clock.step(2000);
    expect((await rig.log.current('valve.closed')).value).toBe(true);
    expect((await rig.log.current('valve.open')).value).toBe(false);
  });

  it('shows a broken feedback wire as both switches false', async () => {
    const valve = site.device('valve');
    valve.set('feedbackBroken', 1);
    expect((await rig.log.current('valve.closed')).value).toBe(false);
    expect((await rig.log.current('valve.open')).value).toBe(false);
    valve.set('feedbackBroken', 0);
  });
});
