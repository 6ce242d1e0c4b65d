/** Bad values for the fuzz tests of the server's bodies and params (tests/dashboard/*fuzz.test.ts). */
import fc from 'fast-check';

/** Any JSON value but a string. */
export const notAString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));

/**
 * Text longer than `max` characters as the server measures it: after trimming (it trims a text before it measures it,
 * so 2,000 spaces and a "!" is "!", which a text of at most 2,000 may be).
 */
export function tooLong(max: number, upTo: number): fc.Arbitrary<string> {
  return fc.string({ minLength: max + 1, maxLength: upTo }).filter((text) => text.trim().length > max);
}
