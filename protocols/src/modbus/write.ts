/** Writes a coil or register and reads the same address back; a mismatch is an error naming device and register. */
import type { ReadyDevice, ReadyPoint } from './device.ts';
import { makeRegisterEncoder } from './decode.ts';
import { ModbusWriteError } from './errors.ts';
import type { JobOutcome, LineJob, ModbusCounters, ModbusLine } from './line.ts';
import { registerLabel } from './point.ts';

type WriteFunction = 5 | 6 | 16;

/** Runs one urgent job on the line and resolves with its outcome (its register bytes copied: the line's are lent for `done` only). */
function run(line: ModbusLine, job: Omit<LineJob, 'done' | 'urgent'>): Promise<JobOutcome> {
  return new Promise((resolve) =>
    line.enqueue({ ...job, urgent: true, done: (outcome) => resolve(outcome.ok && outcome.registers ? { ...outcome, registers: Buffer.from(outcome.registers) } : outcome) }),
  );
}

/** Raw words for a register write, checked to fit the point's type. */
function encodeRegisters(device: ReadyDevice, point: ReadyPoint, value: number): number[] {
  const { spec } = point;
  if (spec.type === 'bool' || spec.type === 'bit') throw new TypeError('bits are written as coils');
  let raw = point.scaling.toRaw(value);
  const integer = spec.type !== 'float32' && spec.type !== 'float64';
  if (integer) raw = Math.round(raw);
  const limits: Record<string, [number, number]> = {
    int16: [-32768, 32767],
    uint16: [0, 65535],
    int32: [-2147483648, 2147483647],
    uint32: [0, 4294967295],
  };
  const limit = limits[spec.type];
  if (!Number.isFinite(raw) || (limit && (raw < limit[0] || raw > limit[1]))) {
    throw new ModbusWriteError('HAZMON_MODBUS_NOT_WRITABLE', `${device.label} ${spec.id} ${registerLabel(spec.table, spec.address)}: ${value} is raw ${raw}, which does not fit ${spec.type}`);
  }
  const bytes = Buffer.alloc(point.width * 2);
  makeRegisterEncoder(spec.type, spec.order)(raw, bytes, 0);
  const words: number[] = [];
  for (let i = 0; i < point.width; i++) words.push(bytes.readUInt16BE(i * 2));
  return words;
}

/**
 * Writes `value` (engineering units for registers, boolean for coils) to a writable point and, unless the
 * profile says the device clears it by itself, reads it back and compares the raw words.
 */
export async function writePoint(line: ModbusLine, device: ReadyDevice, point: ReadyPoint, value: number | boolean, counters: ModbusCounters): Promise<void> {
  const { spec } = point;
  const register = `${spec.id} ${registerLabel(spec.table, spec.address)}`;
  if (!spec.writable) throw new ModbusWriteError('HAZMON_MODBUS_NOT_WRITABLE', `${device.label} ${register} is not declared writable`);
  const coil = spec.table === 'coil';
  if (coil !== (typeof value === 'boolean')) {
    throw new ModbusWriteError('HAZMON_MODBUS_NOT_WRITABLE', `${device.label} ${register} takes a ${coil ? 'boolean' : 'number'}, got ${JSON.stringify(value)}`);
  }
  const words = coil ? [] : encodeRegisters(device, point, value as number);
  const functionCode: WriteFunction = coil ? 5 : words.length === 1 ? 6 : 16;
  const payload = coil ? (value as boolean) : functionCode === 6 ? words[0]! : words;
  const label = `${device.label} FC${String(functionCode).padStart(2, '0')} ${register}`;
  counters.writes += 1;
  const base = { unitId: device.unitId, address: spec.address, quantity: point.width, counters };
  const written = await run(line, { ...base, functionCode, payload });
  if (!written.ok) {
    counters.writeFailures += 1;
    throw new ModbusWriteError('HAZMON_MODBUS_WRITE_FAILED', `${label}: ${written.detail}`);
  }
  if (!spec.readBack) return;
  const readBack = await run(line, { ...base, functionCode: coil ? 1 : 3 });
  if (!readBack.ok) {
    counters.writeFailures += 1;
    throw new ModbusWriteError('HAZMON_MODBUS_WRITE_FAILED', `${label}: read-back failed: ${readBack.detail}`);
  }
  const seen = coil ? [readBack.bits?.[0] === true] : readWords(readBack.registers, words.length);
  const expected = coil ? [value as boolean] : words;
  if (seen.some((item, i) => item !== expected[i])) {
    counters.writeFailures += 1;
    throw new ModbusWriteError('HAZMON_MODBUS_READBACK_MISMATCH', `${label}: wrote ${JSON.stringify(expected)}, read back ${JSON.stringify(seen)}`);
  }
}

function readWords(bytes: Buffer | null, count: number): number[] {
  const words: number[] = [];
  for (let i = 0; i < count; i++) words.push(bytes && bytes.length >= (i + 1) * 2 ? bytes.readUInt16BE(i * 2) : -1);
  return words;
}
