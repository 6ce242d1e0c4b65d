/** Ready decoders and encoders, built once per point from type + word order + scaling; the poll path only calls them. */
import type { ResolvedPoint, ValueType, WordOrder } from './point.ts';
import { typeWidth } from './point.ts';

/** Reads one raw value from the big-endian register bytes of a response, starting at byteOffset. */
export type RegisterDecoder = (bytes: Buffer, byteOffset: number) => number;
/** Writes one raw value as wire bytes (what a write request carries) at byteOffset. */
export type RegisterEncoder = (value: number, out: Buffer, byteOffset: number) => void;

/**
 * For each byte of the value in canonical big-endian order, the index of the wire byte it comes from.
 * ABCD: most significant word first, bytes as is. CDAB: words reversed. BADC: bytes swapped in each word. DCBA: both.
 * With four words (float64) CDAB reverses all four words, as Telegraf and most vendors do.
 */
export function wireByteIndex(words: number, order: WordOrder): Uint8Array {
  const reverseWords = order === 'CDAB' || order === 'DCBA';
  const swapBytes = order === 'BADC' || order === 'DCBA';
  const layout = new Uint8Array(words * 2);
  for (let word = 0; word < words; word++) {
    const wireWord = reverseWords ? words - 1 - word : word;
    layout[word * 2] = wireWord * 2 + (swapBytes ? 1 : 0);
    layout[word * 2 + 1] = wireWord * 2 + (swapBytes ? 0 : 1);
  }
  return layout;
}

// One scratch buffer is enough: decoders run synchronously and never interleave.
const scratch = Buffer.alloc(8);

type CanonicalRead = (buffer: Buffer) => number;
const CANONICAL_READ: Readonly<Record<Exclude<ValueType, 'bool' | 'bit'>, CanonicalRead>> = {
  int16: (b) => b.readInt16BE(0),
  uint16: (b) => b.readUInt16BE(0),
  int32: (b) => b.readInt32BE(0),
  uint32: (b) => b.readUInt32BE(0),
  float32: (b) => b.readFloatBE(0),
  float64: (b) => b.readDoubleBE(0),
};
type CanonicalWrite = (buffer: Buffer, value: number) => void;
const CANONICAL_WRITE: Readonly<Record<Exclude<ValueType, 'bool' | 'bit'>, CanonicalWrite>> = {
  int16: (b, v) => b.writeInt16BE(v, 0),
  uint16: (b, v) => b.writeUInt16BE(v, 0),
  int32: (b, v) => b.writeInt32BE(v, 0),
  uint32: (b, v) => b.writeUInt32BE(v, 0),
  float32: (b, v) => b.writeFloatBE(v, 0),
  float64: (b, v) => b.writeDoubleBE(v, 0),
};

/** A decoder for a register-table value; `bit` types yield 0 or 1. */
export function makeRegisterDecoder(type: ValueType, order: WordOrder, bit = 0): RegisterDecoder {
  if (type === 'bool') throw new TypeError('bool values live on bit tables and need no register decoder');
  if (type === 'bit') {
    const swap = order === 'BADC' || order === 'DCBA';
    return swap ? (bytes, at) => (bytes.readUInt16LE(at) >> bit) & 1 : (bytes, at) => (bytes.readUInt16BE(at) >> bit) & 1;
  }
  const layout = wireByteIndex(typeWidth(type), order);
  const read = CANONICAL_READ[type];
  if (order === 'ABCD') return directRead(type);
  const length = layout.length;
  return (bytes, at) => {
    for (let i = 0; i < length; i++) scratch[i] = bytes[at + layout[i]!]!;
    return read(scratch);
  };
}

function directRead(type: Exclude<ValueType, 'bool' | 'bit'>): RegisterDecoder {
  switch (type) {
    case 'int16':
      return (bytes, at) => bytes.readInt16BE(at);
    case 'uint16':
      return (bytes, at) => bytes.readUInt16BE(at);
    case 'int32':
      return (bytes, at) => bytes.readInt32BE(at);
    case 'uint32':
      return (bytes, at) => bytes.readUInt32BE(at);
    case 'float32':
      return (bytes, at) => bytes.readFloatBE(at);
    case 'float64':
      return (bytes, at) => bytes.readDoubleBE(at);
  }
}

/** An encoder for a numeric register value (the inverse of makeRegisterDecoder). */
export function makeRegisterEncoder(type: Exclude<ValueType, 'bool' | 'bit'>, order: WordOrder): RegisterEncoder {
  const layout = wireByteIndex(typeWidth(type), order);
  const write = CANONICAL_WRITE[type];
  return (value, out, at) => {
    write(scratch, value);
    for (let i = 0; i < layout.length; i++) out[at + layout[i]!] = scratch[i]!;
  };
}

/** Raw value -> engineering value, and back for writes. */
export interface Scaling {
  readonly toEngineering: (raw: number) => number;
  readonly toRaw: (engineering: number) => number;
}

const IDENTITY: Scaling = { toEngineering: (raw) => raw, toRaw: (engineering) => engineering };

/** Whether the scaling gives the raw value back unchanged (no scale, offset or range), so a hot loop can skip its call. */
export function isIdentityScaling(scaling: Scaling): boolean {
  return scaling === IDENTITY;
}

/**
 * Builds the point's scaling once: rawRange -> range linearly, else raw * scale + offset.
 * NE43 points use this for counts -> mA, check the band, then map with `loopScaling`.
 */
export function makeScaling(point: Pick<ResolvedPoint, 'scale' | 'offset' | 'rawRange' | 'range' | 'signal'>): Scaling {
  if (point.signal !== 'ne43' && point.rawRange && point.range) return linearScaling(point.rawRange, point.range);
  const { scale, offset } = point;
  if (scale === 1 && offset === 0) return IDENTITY;
  return { toEngineering: (raw) => raw * scale + offset, toRaw: (engineering) => (engineering - offset) / scale };
}

/** Maps the span `from` linearly onto `to` (and back). */
export function linearScaling(from: readonly [number, number], to: readonly [number, number]): Scaling {
  const gain = (to[1] - to[0]) / (from[1] - from[0]);
  const [fromLow] = from;
  const [toLow] = to;
  return { toEngineering: (raw) => toLow + (raw - fromLow) * gain, toRaw: (engineering) => fromLow + (engineering - toLow) / gain };
}
