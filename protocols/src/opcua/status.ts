/** Maps OPC UA status codes and data values to Reading quality and value. */

import type { StatusCode, Variant } from 'node-opcua';
import type { Quality } from '../reading.ts';

/** Severity is the top two bits: 00 Good, 01 Uncertain, 10/11 Bad. */
export function qualityOfStatus(statusCode: StatusCode): Quality {
  const severity = statusCode.value >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad';
}

/** OPC UA's Good status is the code 0 (Part 4, 7.39). */
export function isGoodStatus(statusCode: StatusCode): boolean {
  return statusCode.value === 0;
}

/** "BadSensorFailure (0x808D0000)". */
export function describeStatus(statusCode: StatusCode): string {
  return `${statusCode.name} (0x${statusCode.value.toString(16).toUpperCase().padStart(8, '0')})`;
}

const TWO_POW_32 = 2 ** 32;
// Numbers fixed by OPC UA Part 6 (VariantArrayType.Scalar, the Int64/UInt64 built-in type ids), so this module needs no node-opcua at run time.
const SCALAR = 0;
const INT64 = 8;
const UINT64 = 9;

/** A scalar number or boolean out of a Variant, or undefined when the value is not one (arrays, strings, structures). */
export function scalarOf(variant: Variant): number | boolean | undefined {
  if (variant.arrayType !== SCALAR) return undefined;
  const value: unknown = variant.value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  // node-opcua carries 64-bit integers as [high, low] 32-bit words
  if ((variant.dataType === INT64 || variant.dataType === UINT64) && Array.isArray(value) && value.length === 2) {
    const [high, low] = value as [number, number];
    return high * TWO_POW_32 + low;
  }
  return undefined;
}
