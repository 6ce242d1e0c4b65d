import { describe, expect, it } from 'vitest';
import type { Reading } from '../reading.ts';
import { ReadingRowBuffer } from '../reading-rows.ts';
import type { ReadyDevice } from '../modbus/device.ts';
import { ModbusConfigError } from '../modbus/errors.ts';
import { isBitTable } from '../modbus/point.ts';
import { DeviceReadings } from '../modbus/readings.ts';
import type { ModbusDeviceConfig } from './device.ts';
import { createModbusDevice } from './device.ts';
import { listProfiles, loadProfile } from './load.ts';

/** A hand-made register image: protocol address -> 16-bit word (registers) or 0/1 (bits). */
interface Image {
  holding?: Record<number, number>;
  input?: Record<number, number>;
  coil?: Record<number, number>;
  discrete_input?: Record<number, number>;
}

/** Decodes the image exactly as a poll of tick 0 (every polled point) would, without a network. */
function decode(device: ReadyDevice, image: Image): Map<string, Reading> {
  const state = new DeviceReadings(device);
  const noIndex = new Int32Array(device.points.length).fill(-1);
  const rows = new ReadingRowBuffer(0);
  rows.reset(1_700_000_000_000);
  for (const request of device.schedule.requestsAt(0)) {
    const table = image[request.table] ?? {};
    if (isBitTable(request.table)) {
      const bits = Array.from({ length: request.quantity }, (_, i) => table[request.address + i] === 1);
      state.fromResponse(request, null, bits, noIndex, rows);
    } else {
      const bytes = Buffer.alloc(request.quantity * 2);
      for (let i = 0; i < request.quantity; i++) bytes.writeUInt16BE(table[request.address + i] ?? 0, i * 2);
      state.fromResponse(request, bytes, null, noIndex, rows);
    }
  }
  return new Map(rows.readings().map((reading) => [reading.pointId.slice(device.id.length + 1), reading]));
}

function device(model: string, extra: Partial<ModbusDeviceConfig> = {}): ReadyDevice {
  return createModbusDevice(loadProfile(model), { id: 'dev', profile: model, line: 'line', unitId: 1, ...extra });
}

// IEEE-754 float32 bit patterns, written out by hand (high word, low word).
const F12_5 = [0x4148, 0x0000];
const F25 = [0x41c8, 0x0000];
const F20 = [0x41a0, 0x0000];
const F40 = [0x4220, 0x0000];
const F2 = [0x4000, 0x0000];
const F8 = [0x4100, 0x0000];
const F12 = [0x4140, 0x0000];
const F3_7 = [0x406c, 0xcccd];
const F21_5 = [0x41ac, 0x0000];
const F1500 = [0x44bb, 0x8000];
const F100 = [0x42c8, 0x0000];
const F35 = [0x420c, 0x0000];
const abcd = (address: number, [high, low]: number[]) => ({ [address]: high!, [address + 1]: low! });
const cdab = (address: number, [high, low]: number[]) => ({ [address]: low!, [address + 1]: high! });

describe('shipped profiles', () => {
  it('all nine models load', () => {
    expect(listProfiles()).toEqual(['analog-input-4-20ma', 'dust-collector', 'honeywell-midas', 'honeywell-xnx', 'igd-toc-635', 'motor-starter', 'msa-ultima-x', 'shutoff-valve', 'tank-gauge']);
    for (const model of listProfiles()) expect(loadProfile(model).model).toBe(model);
  });

  it('refuses an unknown model naming the known ones', () => {
    expect(() => loadProfile('honeywell-xyz')).toThrow(ModbusConfigError);
    expect(() => loadProfile('honeywell-xyz')).toThrow(expect.objectContaining({ code: 'HAZMON_PROFILE_NOT_FOUND', message: expect.stringMatching(/known: analog-input-4-20ma/) }));
  });
});

describe('golden decodes of hand-made register images', () => {
  it('honeywell-xnx: float32 concentration, status bits, fault numbers 1000-1999 are faults', () => {
    const xnx = device('honeywell-xnx');
    const base = { 0: 0x0001, 1: 0x0002, ...abcd(2, F12_5), 4: 0, 5: 0x0001, 10: 5, ...abcd(36, F8) };
    const healthy = decode(xnx, { holding: base });
    expect(healthy.get('identification')?.value).toBe(65538);
    expect(healthy.get('concentration')).toMatchObject({ value: 12.5, unit: '%LEL', quality: 'good', sourceTime: null });
    expect(healthy.get('status')?.flags).toEqual({ alarm1: true, alarm2: false, warning: false, fault: false });
    expect(healthy.get('unitCode')?.value).toBe(5);
    expect(healthy.get('outputCurrent')).toMatchObject({ value: 8, unit: 'mA' });
    const ppm = decode(xnx, { holding: { ...base, 10: 4 } });
    expect(ppm.get('concentration')).toMatchObject({ value: 12.5, unit: 'ppm', quality: 'good' });
    const unknownCode = decode(xnx, { holding: { ...base, 10: 99 } });
    expect(unknownCode.get('concentration')?.unit).toBe('%LEL');
    const warning = decode(xnx, { holding: { ...base, 4: 999 } });
    expect(warning.get('concentration')?.quality).toBe('good');
    const fault = decode(xnx, { holding: { ...base, 4: 1234 } });
    expect(fault.get('faultNumber')?.flags).toEqual({ activeFault: true });
    expect(fault.get('concentration')).toMatchObject({ value: 12.5, quality: 'bad', reason: { code: 'device_fault' } });
    expect(fault.get('concentration')?.reason?.message).toBe('device dev (unit 1) faultNumber @40005 = 0x04d2: fault (activeFault)');
    const statusFault = decode(xnx, { holding: { ...base, 5: 1 << 6 } });
    expect(statusFault.get('concentration')?.reason?.code).toBe('device_fault');
  });

  it('honeywell-midas: float32 CDAB, heartbeat bit 11, fault level bits 4-5', () => {
    const midas = device('honeywell-midas');
    const base = { 0: 0x0840, ...cdab(2, F25), 5: 0, 7: 0xfffb, 8: 8760, ...cdab(12, F20), ...cdab(14, F40) };
    const healthy = decode(midas, { holding: base });
    expect(healthy.get('concentration')).toMatchObject({ value: 25, unit: 'ppm', quality: 'good' });
    expect(healthy.get('status')?.flags).toMatchObject({ heartbeat: true, alarm1: true, alarm2: false, faultLevel: false });
    expect(healthy.get('temperature')?.value).toBe(-5);
    expect(healthy.get('cellLifeHours')?.value).toBe(8760);
    expect(healthy.get('alarm1Threshold')?.value).toBe(20);
    expect(healthy.get('alarm2Threshold')?.value).toBe(40);
    const fault = decode(midas, { holding: { ...base, 0: 0x0020, 5: 17 } });
    expect(fault.get('concentration')).toMatchObject({ quality: 'bad', reason: { code: 'device_fault' } });
    expect(fault.get('faultCode')?.flags).toEqual({ faultCodeActive: true });
    const warning = decode(midas, { holding: { ...base, 0: 0x0010, 5: 3 } });
    expect(warning.get('status')?.flags).toMatchObject({ faultWarning: true, faultLevel: false });
    expect(warning.get('concentration')?.quality).toBe('good');
  });

  it('msa-ultima-x: registers at 40000 + offset, warm-up uncertain, sensor missing bad', () => {
    const msa = device('msa-ultima-x');
    expect(loadProfile('msa-ultima-x').serial).toEqual({ baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1 });
    const base = { 1000: 40000, 40201: 0, 40202: 0, ...abcd(40207, F2) };
    const healthy = decode(msa, { holding: base });
    expect(healthy.get('modbusBase')?.value).toBe(40000);
    expect(healthy.get('gas1')).toMatchObject({ value: 2, quality: 'good', unit: '%LEL' });
    expect(healthy.has('gas2')).toBe(false); // not polled unless a device enables it
    const warmUp = decode(msa, { holding: { ...base, 40201: 1 << 4 } });
    expect(warmUp.get('gas1')).toMatchObject({ value: 2, quality: 'uncertain', reason: { code: 'warm_up' } });
    const missing = decode(msa, { holding: { ...base, 40202: 1 << 1 } });
    expect(missing.get('gas1')).toMatchObject({ quality: 'bad', reason: { code: 'device_fault' } });
    expect(missing.get('faultBits')?.flags).toMatchObject({ sensorMissing1: true, faultRelay: false });
    // Warm-up and fault together: fault wins.
    const both = decode(msa, { holding: { ...base, 40201: (1 << 4) | 1 } });
    expect(both.get('gas1')?.reason?.code).toBe('device_fault');
    const enabled = device('msa-ultima-x', { points: { gas2: { poll: true } } });
    expect(decode(enabled, { holding: { ...base, ...abcd(40209, F12_5) } }).get('gas2')?.value).toBe(12.5);
  });

  it('igd-toc-635: raw 0..1200 -> -10..110 %LEL, per-channel status', () => {
    const igd = device('igd-toc-635', { channels: 3 });
    const decoded = decode(igd, { input: { 0: 600, 1: 0, 2: 1200, 3000: 0x0001, 3001: 0x0008, 3002: 0x0080 } });
    expect(decoded.get('detector1')).toMatchObject({ value: 50, quality: 'good', unit: '%LEL' });
    expect(decoded.get('detector1Status')?.flags).toMatchObject({ alarm1: true, fault: false });
    expect(decoded.get('detector2')).toMatchObject({ value: -10, quality: 'bad', reason: { code: 'device_fault' } });
    expect(decoded.get('detector3')).toMatchObject({ value: 110, quality: 'bad', reason: { code: 'signal_out_of_range' } });
    expect(decoded.has('detector4')).toBe(false);
    const disabled = decode(igd, { input: { 0: 600, 3000: 0x0010 } });
    expect(disabled.get('detector1')).toMatchObject({ value: 50, quality: 'uncertain', reason: { code: 'maintenance' } });
  });

  it('analog-input-4-20ma: NE43 bands and 4-20 mA onto the configured range', () => {
    const module = device('analog-input-4-20ma', { channels: 5, points: { channel5: { range: [0, 200], unit: 'ppm' } } });
    const decoded = decode(module, { input: { ...abcd(0, F12), ...abcd(2, F3_7), ...abcd(4, F2), ...abcd(6, F21_5), ...abcd(8, F12) } });
    expect(decoded.get('channel1')).toMatchObject({ value: 50, quality: 'good', unit: '%LEL' });
    expect(decoded.get('channel2')).toMatchObject({ quality: 'uncertain', reason: { code: 'signal_out_of_range' } });
    expect(decoded.get('channel2')?.value).toBeCloseTo(-1.875, 5);
    expect(decoded.get('channel3')).toMatchObject({ value: null, quality: 'bad', reason: { code: 'signal_out_of_range' } });
    expect(decoded.get('channel3')?.reason?.message).toBe('device dev (unit 1) channel3 @30005: loop current 2.00 mA in the NE43 fault band <= 3.6 mA');
    expect(decoded.get('channel4')).toMatchObject({ value: null, quality: 'bad' });
    expect(decoded.get('channel5')).toMatchObject({ value: 100, unit: 'ppm', quality: 'good' });
  });

  it('tank-gauge: level, pressure and temperature as float32', () => {
    const decoded = decode(device('tank-gauge'), { holding: { ...abcd(0, F1500), ...abcd(2, F100), ...abcd(4, F35) } });
    expect(decoded.get('level')).toMatchObject({ value: 1500, unit: 'mm', quality: 'good' });
    expect(decoded.get('pressure')).toMatchObject({ value: 100, unit: 'kPa' });
    expect(decoded.get('temperature')).toMatchObject({ value: 35, unit: 'degC' });
  });

  it('shutoff-valve: command coil and limit switches', () => {
    const decoded = decode(device('shutoff-valve'), { coil: { 0: 1 }, discrete_input: { 0: 0, 1: 1 } });
    expect(decoded.get('command')?.value).toBe(true);
    expect(decoded.get('closed')?.value).toBe(false);
    expect(decoded.get('open')?.value).toBe(true);
  });

  it('motor-starter: command coil, auxiliary contact and overload relay', () => {
    const decoded = decode(device('motor-starter'), { coil: { 0: 1 }, discrete_input: { 0: 1, 1: 0 } });
    expect([decoded.get('command')?.value, decoded.get('running')?.value, decoded.get('overload')?.value]).toEqual([true, true, false]);
  });

  it('dust-collector: differential pressure and inlet temperature as float32, the spark flag, the fault bit making them bad', () => {
    const spark = decode(device('dust-collector'), { holding: { ...abcd(0, F1500), ...abcd(2, F35), 4: 1, 5: 3, 6: 0b01 } });
    expect(spark.get('differentialPressure')).toMatchObject({ value: 1500, unit: 'Pa', quality: 'good' });
    expect(spark.get('inletTemperature')).toMatchObject({ value: 35, unit: 'degC', quality: 'good' });
    expect([spark.get('sparkDetected')?.value, spark.get('sparkCount')?.value]).toEqual([1, 3]);
    const fault = decode(device('dust-collector'), { holding: { ...abcd(0, F1500), ...abcd(2, F35), 4: 0, 5: 3, 6: 0b10 } });
    expect(fault.get('differentialPressure')).toMatchObject({ quality: 'bad', reason: { code: 'device_fault' } });
  });
});

describe('device configs', () => {
  it('refuses an override of a point the profile lacks, naming the config path', () => {
    const profile = loadProfile('tank-gauge');
    expect(() => createModbusDevice(profile, { id: 'tank-1', profile: 'tank-gauge', line: 'l', unitId: 1, points: { volume: { unit: 'm3' } } }, { file: 'site.yaml', path: ['devices', 0] })).toThrow(
      expect.objectContaining({
        code: 'HAZMON_DEVICE_INVALID',
        message: 'site.yaml devices[0].points.volume: profile tank-gauge has no such point (got "volume")',
      }),
    );
  });

  it('refuses a bad override value and a bad unit id', () => {
    const profile = loadProfile('tank-gauge');
    expect(() => createModbusDevice(profile, { id: 't', profile: 'tank-gauge', line: 'l', unitId: 1, points: { level: { intervalMs: 0 } } })).toThrow(/points\.level\.intervalMs/);
    expect(() => createModbusDevice(profile, { id: 't', profile: 'tank-gauge', line: 'l', unitId: 300 })).toThrow(/unitId.*got 300/);
  });

  it('shares what a point decodes with between devices of one profile, and gives an overridden point its own', () => {
    const profile = loadProfile('tank-gauge');
    const first = createModbusDevice(profile, { id: 'tank-1', profile: 'tank-gauge', line: 'l', unitId: 1 });
    const second = createModbusDevice(profile, { id: 'tank-2', profile: 'tank-gauge', line: 'l', unitId: 2, points: { level: { scale: 0.1 } } });
    const pressure = (device: ReadyDevice) => device.points.find((point) => point.spec.id === 'pressure')!;
    const level = (device: ReadyDevice) => device.points.find((point) => point.spec.id === 'level')!;
    expect(pressure(second).spec).toBe(pressure(first).spec);
    expect(pressure(second).decode).toBe(pressure(first).decode);
    expect([pressure(first).readingId, pressure(second).readingId]).toEqual(['tank-1.pressure', 'tank-2.pressure']);
    expect(level(second).spec).not.toBe(level(first).spec);
    expect([level(first).scaling.toEngineering(1500), level(second).scaling.toEngineering(1500)]).toEqual([1500, 150]);
  });

  it('applies interval overrides to the plan', () => {
    const slow = device('tank-gauge', { points: { level: { intervalMs: 10_000 } } });
    expect(slow.schedule.tickMs).toBe(10_000);
    expect(slow.schedule.requestsAt(1).map((r) => [r.address, r.quantity])).toEqual([[0, 6]]);
  });
});
