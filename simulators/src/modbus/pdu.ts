/** Answers one Modbus request PDU against a unit's memory, with the exception responses a real device gives. */

import type { ModbusUnit } from './memory.ts';

const EXCEPTION_ILLEGAL_FUNCTION = 0x01;
const EXCEPTION_ILLEGAL_DATA_ADDRESS = 0x02;
const EXCEPTION_ILLEGAL_DATA_VALUE = 0x03;
export const EXCEPTION_SERVER_DEVICE_BUSY = 0x06;

/** Largest PDU the protocol allows (function code + 252 data bytes). */
export const MAX_PDU_LENGTH = 253;

const MAX_READ_BITS = 2000;
const MAX_READ_REGISTERS = 125;
const MAX_WRITE_BITS = 1968;
const MAX_WRITE_REGISTERS = 123;

export function writeException(functionCode: number, exceptionCode: number, res: Buffer, resOffset: number): number {
  res[resOffset] = (functionCode | 0x80) & 0xff;
  res[resOffset + 1] = exceptionCode;
  return 2;
}

/**
 * Handles the request PDU req[reqOffset, reqOffset+reqLength) and writes the response PDU at res[resOffset];
 * returns the response PDU length. `res` must have MAX_PDU_LENGTH bytes free. Allocates nothing.
 */
export function handleRequestPdu(unit: ModbusUnit, req: Buffer, reqOffset: number, reqLength: number, res: Buffer, resOffset: number): number {
  const functionCode = req[reqOffset] ?? 0;
  switch (functionCode) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
      return read(unit, functionCode, req, reqOffset, reqLength, res, resOffset);
    case 0x05:
      return writeSingleCoil(unit, req, reqOffset, reqLength, res, resOffset);
    case 0x06:
      return writeSingleRegister(unit, req, reqOffset, reqLength, res, resOffset);
    case 0x0f:
    case 0x10:
      return writeMultiple(unit, functionCode, req, reqOffset, reqLength, res, resOffset);
    default:
      return writeException(functionCode, EXCEPTION_ILLEGAL_FUNCTION, res, resOffset);
  }
}

/** FC01-04: one function; bits pack eight to a byte, registers go big-endian two bytes each. */
function read(unit: ModbusUnit, fc: number, req: Buffer, o: number, len: number, res: Buffer, r: number): number {
  if (len !== 5) return writeException(fc, EXCEPTION_ILLEGAL_DATA_VALUE, res, r);
  const bits = fc <= 0x02;
  const address = req.readUInt16BE(o + 1);
  const quantity = req.readUInt16BE(o + 3);
  if (quantity < 1 || quantity > (bits ? MAX_READ_BITS : MAX_READ_REGISTERS)) return writeException(fc, EXCEPTION_ILLEGAL_DATA_VALUE, res, r);
  const memory = unit.memory;
  const table = fc === 0x01 ? memory.coils : fc === 0x02 ? memory.discreteInputs : fc === 0x03 ? memory.holdingRegisters : memory.inputRegisters;
  if (!table.isDefined(address, quantity)) return writeException(fc, EXCEPTION_ILLEGAL_DATA_ADDRESS, res, r);
  const byteCount = bits ? (quantity + 7) >> 3 : quantity * 2;
  res[r] = fc;
  res[r + 1] = byteCount;
  const values = table.values;
  if (bits) {
    res.fill(0, r + 2, r + 2 + byteCount);
    for (let i = 0; i < quantity; i++) if (values[address + i] === 1) res[r + 2 + (i >> 3)]! |= 1 << (i & 7);
  } else {
    for (let i = 0; i < quantity; i++) res.writeUInt16BE(values[address + i]!, r + 2 + i * 2);
  }
  return 2 + byteCount;
}

/** Write responses echo the first five request bytes (function, address, value or quantity). */
function echoHeader(req: Buffer, o: number, res: Buffer, r: number): number {
  req.copy(res, r, o, o + 5);
  return 5;
}

function writeSingleCoil(unit: ModbusUnit, req: Buffer, o: number, len: number, res: Buffer, r: number): number {
  if (len !== 5) return writeException(0x05, EXCEPTION_ILLEGAL_DATA_VALUE, res, r);
  const address = req.readUInt16BE(o + 1);
  const value = req.readUInt16BE(o + 3);
  if (value !== 0xff00 && value !== 0x0000) return writeException(0x05, EXCEPTION_ILLEGAL_DATA_VALUE, res, r);
  if (!unit.memory.coils.isWritable(address, 1)) return writeException(0x05, EXCEPTION_ILLEGAL_DATA_ADDRESS, res, r);
  unit.writeCoil(address, value === 0xff00);
  return echoHeader(req, o, res, r);
}

function writeSingleRegister(unit: ModbusUnit, req: Buffer, o: number, len: number, res: Buffer, r: number): number {
  if (len !== 5) return writeException(0x06, EXCEPTION_ILLEGAL_DATA_VALUE, res, r);
  const address = req.readUInt16BE(o + 1);
  if (!unit.memory.holdingRegisters.isWritable(address, 1)) {
    return writeException(0x06, EXCEPTION_ILLEGAL_DATA_ADDRESS, res, r);
  }
  unit.writeRegister(address, req.readUInt16BE(o + 3));
  return echoHeader(req, o, res, r);
}

/** FC15 and FC16: quantity, byte count and frame length must agree before anything is written. */
function writeMultiple(unit: ModbusUnit, fc: number, req: Buffer, o: number, len: number, res: Buffer, r: number): number {
  if (len < 6) return writeException(fc, EXCEPTION_ILLEGAL_DATA_VALUE, res, r);
  const bits = fc === 0x0f;
  const address = req.readUInt16BE(o + 1);
  const quantity = req.readUInt16BE(o + 3);
  const byteCount = req[o + 5]!;
  const maxQuantity = bits ? MAX_WRITE_BITS : MAX_WRITE_REGISTERS;
  const expectedBytes = bits ? (quantity + 7) >> 3 : quantity * 2;
  if (quantity < 1 || quantity > maxQuantity || byteCount !== expectedBytes || len !== 6 + byteCount) {
    return writeException(fc, EXCEPTION_ILLEGAL_DATA_VALUE, res, r);
  }
  const table = bits ? unit.memory.coils : unit.memory.holdingRegisters;
  if (!table.isWritable(address, quantity)) return writeException(fc, EXCEPTION_ILLEGAL_DATA_ADDRESS, res, r);
  if (bits) {
    for (let i = 0; i < quantity; i++) unit.writeCoil(address + i, (req[o + 6 + (i >> 3)]! & (1 << (i & 7))) !== 0);
  } else {
    for (let i = 0; i < quantity; i++) unit.writeRegister(address + i, req.readUInt16BE(o + 6 + i * 2));
  }
  return echoHeader(req, o, res, r);
}
