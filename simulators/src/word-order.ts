/** Encodes and decodes typed values to and from 16-bit Modbus registers in any of the four word/byte orders. */

/**
 * Byte orders named after the big-endian bytes A B C D of a 32-bit value as they appear on the wire.
 * For 64-bit values the same rule extends to eight bytes: CDAB reverses the word order, BADC swaps
 * the bytes inside each word, DCBA reverses everything.
 */
export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
export const WORD_ORDERS: readonly WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

export type RegisterValueType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'int64' | 'uint64' | 'float64';
export const REGISTER_VALUE_TYPES: readonly RegisterValueType[] = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'int64', 'uint64', 'float64'];

export function registerCount(type: RegisterValueType): number {
  switch (type) {
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    default:
      return 4;
  }
}

// One scratch buffer: encoding writes big-endian bytes here, then permutes them into registers.
const scratch = new DataView(new ArrayBuffer(8));

function writeBigEndian(type: RegisterValueType, value: number): void {
  switch (type) {
    case 'int16':
      scratch.setInt16(0, value);
      return;
    case 'uint16':
      scratch.setUint16(0, value);
      return;
    case 'int32':
      scratch.setInt32(0, value);
      return;
    case 'uint32':
      scratch.setUint32(0, value);
      return;
    case 'float32':
      scratch.setFloat32(0, value);
      return;
    case 'int64':
      scratch.setBigInt64(0, BigInt(Math.trunc(value)));
      return;
    case 'uint64':
      scratch.setBigUint64(0, BigInt(Math.trunc(value)));
      return;
    case 'float64':
      scratch.setFloat64(0, value);
      return;
  }
}

function readBigEndian(type: RegisterValueType): number {
  switch (type) {
    case 'int16':
      return scratch.getInt16(0);
    case 'uint16':
      return scratch.getUint16(0);
    case 'int32':
      return scratch.getInt32(0);
    case 'uint32':
      return scratch.getUint32(0);
    case 'float32':
      return scratch.getFloat32(0);
    case 'int64':
      return Number(scratch.getBigInt64(0));
    case 'uint64':
      return Number(scratch.getBigUint64(0));
    case 'float64':
      return scratch.getFloat64(0);
  }
}

/** Wire word index i holds big-endian word wordIndex(i); bytes inside it are swapped when swapBytes. */
function sourceWord(order: WordOrder, words: number, wireIndex: number): number {
  return order === 'CDAB' || order === 'DCBA' ? words - 1 - wireIndex : wireIndex;
}

function swapsBytes(order: WordOrder): boolean {
  return order === 'BADC' || order === 'DCBA';
}

/** Writes `value` as `type` into registers[offset..] in the given order. 16-bit types ignore word order except the byte swap. */
export function encodeRegisters(type: RegisterValueType, order: WordOrder, value: number, registers: Uint16Array, offset: number): void {
  writeBigEndian(type, value);
  const words = registerCount(type);
  const swap = swapsBytes(order);
  for (let i = 0; i < words; i++) {
    const word = scratch.getUint16(sourceWord(order, words, i) * 2);
    registers[offset + i] = swap ? ((word & 0xff) << 8) | (word >> 8) : word;
  }
}

/** Inverse of encodeRegisters. */
export function decodeRegisters(type: RegisterValueType, order: WordOrder, registers: Uint16Array, offset: number): number {
  const words = registerCount(type);
  const swap = swapsBytes(order);
  for (let i = 0; i < words; i++) {
    const wire = registers[offset + i] ?? 0;
    scratch.setUint16(sourceWord(order, words, i) * 2, swap ? ((wire & 0xff) << 8) | (wire >> 8) : wire);
  }
  return readBigEndian(type);
}
