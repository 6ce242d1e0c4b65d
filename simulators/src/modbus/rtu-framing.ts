/** Splits a byte stream from an RS-485 line into Modbus RTU request frames (length by function code, CRC, silence). */

import { crc16 } from './crc16.ts';

export type Parity = 'none' | 'even' | 'odd';

export interface SerialFormat {
  baudRate: number;
  parity: Parity;
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

/** 3.5 character times of silence end a frame; above 19200 baud the specification fixes it at 1.75 ms. */
export function interFrameSilenceMs(format: SerialFormat): number {
  if (format.baudRate > 19200) return 1.75;
  const bitsPerChar = 1 + format.dataBits + (format.parity === 'none' ? 0 : 1) + format.stopBits;
  return (3.5 * bitsPerChar * 1000) / format.baudRate;
}

/**
 * Total length of the request frame starting at buf[start] (address + PDU + CRC), or 0 when more bytes are
 * needed to know it, or -1 for a function code whose request length is not known (frame ends at silence).
 */
export function expectedRequestLength(buf: Uint8Array, start: number, available: number): number {
  if (available < 2) return 0;
  const functionCode = buf[start + 1]!;
  if (functionCode >= 0x01 && functionCode <= 0x06) return 8;
  if (functionCode === 0x0f || functionCode === 0x10) return available < 7 ? 0 : 9 + buf[start + 6]!;
  return -1;
}

export function hasValidCrc(buf: Uint8Array, start: number, length: number): boolean {
  if (length < 4) return false;
  const crc = crc16(buf, start, start + length - 2);
  return buf[start + length - 2] === (crc & 0xff) && buf[start + length - 1] === crc >> 8;
}

/** Writes the CRC into the last two bytes of frame[0, length). */
export function appendCrc(frame: Uint8Array, length: number): void {
  const crc = crc16(frame, 0, length - 2);
  frame[length - 2] = crc & 0xff;
  frame[length - 1] = crc >> 8;
}
