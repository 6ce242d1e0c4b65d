import { describe, expect, it } from 'vitest';
import { createModbusDevice } from '../profiles/device.ts';
import { parseProfile } from '../profiles/load.ts';
import { ReadingRowBuffer } from '../reading-rows.ts';
import { DeviceReadings } from './readings.ts';

// Every numeric type and word order, scaled three ways; on its own, every point is a plain number.
const POINTS = `
  - { id: a, address: 0, type: int16, unit: ppm, intervalMs: 100 }
  - { id: b, address: 1, type: uint16, unit: ppm, intervalMs: 100 }
  - { id: c, address: 2, type: int16, order: BADC, unit: ppm, scale: 0.1, intervalMs: 100 }
  - { id: d, address: 3, type: uint16, order: CDAB, unit: ppm, scale: 2, offset: -3, intervalMs: 100 }
  - { id: e, address: 4, type: int32, unit: bar, intervalMs: 100 }
  - { id: f, address: 6, type: uint32, order: CDAB, unit: bar, intervalMs: 100 }
  - { id: g, address: 8, type: float32, unit: m3/h, intervalMs: 100 }
  - { id: h, address: 10, type: float32, order: DCBA, unit: m3/h, rawRange: [0, 1000], range: [-10, 110], intervalMs: 100 }
  - { id: i, address: 12, type: float64, unit: degC, intervalMs: 100 }
  - { id: j, address: 16, type: int16, unit: '%LEL', rawRange: [0, 1200], range: [-10, 110], intervalMs: 100 }`;
const PLAIN = parseProfile(`model: plain\ndefaults: { table: holding }\npoints:${POINTS}`, 'plain.yaml');
// The same points beside a status word governing none of them: its request takes the general path (`addRegister`).
const GENERAL = parseProfile(`model: general\ndefaults: { table: holding }\npoints:${POINTS}\n  - { id: status, address: 20, type: uint16, intervalMs: 100, flags: { spare: 0 } }`, 'general.yaml');

function rowsOf(readings: DeviceReadings, registers: Buffer, pointIndex: Int32Array) {
  const [request] = readings.device.schedule.requestsAt(0);
  const out = new ReadingRowBuffer(1);
  out.reset(1_765_000_000_000);
  readings.fromResponse(request!, registers, null, pointIndex, out);
  return out.readings().map((reading, row) => ({ ...reading, row: out.point[row], plain: out.objectAt(row) === undefined }));
}

describe('DeviceReadings on a request of plain numbers', () => {
  const plain = new DeviceReadings(createModbusDevice(PLAIN, { id: 'dev', profile: 'plain', line: 'plant', unitId: 1 }));
  const general = new DeviceReadings(createModbusDevice(GENERAL, { id: 'dev', profile: 'general', line: 'plant', unitId: 1 }));
  const plainIndex = Int32Array.from(plain.device.points, (_, index) => 100 + index);
  const generalIndex = Int32Array.from(general.device.points, (_, index) => 100 + index);

  it('makes every row the general path makes, in order, for random register bytes', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    let bad = 0;
    for (let round = 0; round < 500; round++) {
      const registers = Buffer.alloc(42);
      for (let i = 0; i < registers.length; i++) registers[i] = random() & 0xff;
      // Every fourth round a NaN float32 for g: a bad decode reading in the middle of plain rows.
      if (round % 4 === 0) registers.writeUInt32BE(0x7fc00000, 16); // g at register 8
      const expected = rowsOf(general, registers, generalIndex).filter((reading) => reading.pointId !== 'dev.status');
      const actual = rowsOf(plain, registers, plainIndex);
      expect(actual).toEqual(expected);
      bad += actual.filter((reading) => reading.quality === 'bad').length;
    }
    expect(bad).toBeGreaterThanOrEqual(125);
  });

  it('decodes the 16-bit types as Buffer does, sign and byte order included', () => {
    const registers = Buffer.alloc(42);
    registers.writeInt16BE(-2, 0);
    registers.writeUInt16BE(0xfffe, 2);
    registers.writeInt16LE(-300, 4); // BADC: bytes swapped
    registers.writeUInt16BE(40_000, 6);
    const rows = rowsOf(plain, registers, plainIndex);
    expect(rows.slice(0, 4)).toMatchObject([
      { pointId: 'dev.a', value: -2, plain: true, row: 100 },
      { pointId: 'dev.b', value: 65_534, plain: true, row: 101 },
      { pointId: 'dev.c', value: -300 * 0.1, plain: true, row: 102 },
      { pointId: 'dev.d', value: 40_000 * 2 - 3, plain: true, row: 103 },
    ]);
  });

  it('takes the consumer indexes of the pointIndex it is given each time', () => {
    const registers = Buffer.alloc(42);
    expect(rowsOf(plain, registers, plainIndex).map((row) => row.row)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    const other = Int32Array.from(plain.device.points, (_, index) => 200 + index);
    expect(rowsOf(plain, registers, other).map((row) => row.row)).toEqual([200, 201, 202, 203, 204, 205, 206, 207, 208, 209]);
  });

  it('refuses an answer too short for its points as the general path does', () => {
    expect(() => rowsOf(plain, Buffer.alloc(33), plainIndex)).toThrow(RangeError);
    expect(() => rowsOf(general, Buffer.alloc(33), generalIndex)).toThrow(RangeError);
  });
});
