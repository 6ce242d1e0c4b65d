/** Modbus RTU CRC-16 (polynomial 0xA001, initial 0xFFFF), table driven. */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  TABLE[i] = crc;
}

/** CRC of buffer[start, end); on the wire it goes low byte first. */
export function crc16(buffer: Uint8Array, start: number, end: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ buffer[i]!) & 0xff]!;
  return crc;
}
