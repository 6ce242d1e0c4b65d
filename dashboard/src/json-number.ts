/**
 * A number's JSON text (what JSON.stringify and String give for a finite number) written into an output buffer
 * without a JS string: a page of 60k aggregate rows has 180k min, avg and max values, and a string per value
 * was a sixth of the page's time and much of its garbage.
 *
 * Values that String writes in fixed notation (1e-6 <= |x| < 1e15 here) are written from exact arithmetic: String's
 * text is the decimal with the fewest significant digits that parses back to the value, and of those the nearest.
 * - At most 15 digits (a plant's readings over a divisor, integers): any two such decimals are different doubles
 *   (DBL_DIG), so the one that divides back to exactly the value is the text.
 * - 16 or 17 digits (an average): the value times 10^k as an exact sum of two doubles (Dekker's product) at 17
 *   digits, its nearest integer and the nearest at 16 digits (from the 17th digit and the remainder), and whether each
 *   over 10^k lies within half an ulp of the value, which decides if it parses back.
 *   Where that test is too close to call (a tie, a power of two, within a rounding of the bound) String writes it.
 * Other values (exponents, larger, Infinity) are written from String(value).
 */

/** 10^0 .. 10^22, each exact as a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);
/** Decimals below this have at most 15 significant digits. */
const FIFTEEN_DIGITS = 1e15;
/** Below this String writes an exponent. */
const SMALLEST_FIXED = 1e-6;
const ZERO = 48;
const MINUS = 45;
const DOT = 46;
/** 2^27 + 1: splits a double into two halves whose products are exact (Dekker). */
const SPLITTER = 134_217_729;
/** The high half of a double (Dekker's split); the low half is the value less it. */
const highHalf = (value: number) => SPLITTER * value - (SPLITTER * value - value);
/** Each power of ten's high and low halves, split once here rather than for every number. */
const POWER_HIGH = POWERS_OF_TEN.map(highHalf);
const POWER_LOW = POWERS_OF_TEN.map((power, exponent) => power - POWER_HIGH[exponent]!);
const HUNDRED_MILLION = 1e8;
/** The value's bits: its exponent gives its ulp. */
const BITS = new Float64Array(1);
const BITS_WORDS = new Uint32Array(BITS.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH_WORD = LITTLE_ENDIAN ? 1 : 0;
const LOW_WORD = 1 - HIGH_WORD;
/** Relative margin around a bound within which a test computed in doubles is left to String. */
const MARGIN = 2 ** -40;
/** The longest text String gives for a number ("-1.2345678901234567e-308"). */
export const MAX_NUMBER_BYTES = 24;

/**
 * Writes the text of `value` (finite or not; NaN gives "NaN" as String does) at `at` in `out`, which must have
 * MAX_NUMBER_BYTES free there; returns the index after it. `view` is a DataView of `out` (viewOf): digits go in four
 * at a time through it. Nothing is written past the text's end.
 */
export function writeNumber(out: Uint8Array, view: DataView, at: number, value: number): number {
  // 0 and -0 alike: JSON.stringify(-0) is "0".
  if (value === 0) {
    out[at] = ZERO;
    return at + 1;
  }
  const magnitude = value < 0 ? -value : value;
  if (magnitude >= SMALLEST_FIXED && magnitude < FIFTEEN_DIGITS) {
    // The fraction digits that make 15 significant digits: 15 less the integer digits, or 15 and the zeros after the point.
    let fractionDigits = 15;
    if (magnitude >= 1) {
      let integerDigits = 1;
      while (magnitude >= POWERS_OF_TEN[integerDigits]!) integerDigits++;
      fractionDigits -= integerDigits;
    } else {
      while (magnitude * POWERS_OF_TEN[fractionDigits - 14]! < 1) fractionDigits++;
    }
    // Within 0.25 of the decimal's digits (below 1e15 a double's relative error 2^-53 is < 0.12 of a unit).
    if (Math.round(magnitude * POWERS_OF_TEN[fractionDigits]!) / POWERS_OF_TEN[fractionDigits]! === magnitude) {
      // The one decimal of at most 15 digits that is this double, with the fewest fraction digits: String's text.
      for (let fewest = 0; ; fewest++) {
        const digits = Math.round(magnitude * POWERS_OF_TEN[fewest]!);
        if (digits / POWERS_OF_TEN[fewest]! === magnitude) {
          if (value < 0) out[at++] = MINUS;
          const high = Math.floor(digits / HUNDRED_MILLION);
          return writeFixed(out, view, at, high, digits - high * HUNDRED_MILLION, fewest);
        }
      }
    }
    const end = writeLongDecimal(out, view, value < 0 ? at + 1 : at, magnitude, fractionDigits);
    if (end >= 0) {
      if (value < 0) out[at] = MINUS;
      return end;
    }
  }
  const text = String(value);
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * The 16 or 17 significant digits of `magnitude` (whose shortest decimal has more than 15; 15 of them are
 * `fifteenFractionDigits` fraction digits) in fixed notation when exact arithmetic can tell they are String's; else
 * -1 and nothing written. One exact product, at 17 digits: the nearest 16-digit integer and its distance follow from
 * the 17-digit one's last digit and remainder (a second product per value cost as much as the rest of the number).
 */
function writeLongDecimal(out: Uint8Array, view: DataView, at: number, magnitude: number, fifteenFractionDigits: number): number {
  BITS[0] = magnitude;
  const high = BITS_WORDS[HIGH_WORD]!;
  // A power of two (zero mantissa) has a nearer neighbour below than above: not worth the asymmetric bound.
  if ((high & 0xfffff) === 0 && BITS_WORDS[LOW_WORD] === 0) return -1;
  // The ulp, 2^(exponent - 52), built from its bits (magnitude >= 1e-6: the ulp is a normal double).
  BITS_WORDS[HIGH_WORD] = (high & 0x7ff00000) - (52 << 20);
  BITS_WORDS[LOW_WORD] = 0;
  const ulp = BITS[0]!;
  const fractionDigits = fifteenFractionDigits + 2;
  const scale = POWERS_OF_TEN[fractionDigits]!;
  // magnitude * scale = product + error exactly (Dekker's two-product; scale <= 10^22 is exact).
  const product = magnitude * scale;
  const magnitudeHigh = highHalf(magnitude);
  const magnitudeLow = magnitude - magnitudeHigh;
  const scaleHigh = POWER_HIGH[fractionDigits]!;
  const scaleLow = POWER_LOW[fractionDigits]!;
  const error = magnitudeHigh * scaleHigh - product + magnitudeHigh * scaleLow + magnitudeLow * scaleHigh + magnitudeLow * scaleLow;
  // The nearest integer to product + error, as whole + step; product - whole is exact (both large, close, and a
  // multiple of product's ulp, >= 2^-3 above 1e15).
  const whole = Math.round(product);
  const fraction = product - whole;
  const step = Math.round(fraction + error);
  // The exact scaled value less that integer, in [-0.5, 0.5]; half an ulp scaled: the bound within which an integer parses back.
  const remainder = fraction + error - step;
  const bound = (scale * ulp) / 2;
  let upper = Math.floor(whole / HUNDRED_MILLION);
  let lower = whole - upper * HUNDRED_MILLION + step;
  while (lower < 0) {
    lower += HUNDRED_MILLION;
    upper--;
  }
  while (lower >= HUNDRED_MILLION) {
    lower -= HUNDRED_MILLION;
    upper++;
  }
  // 17 digits: upper has 9.
  if (upper < 1e8 || upper >= 1e9) return -1;
  // Both halves are below 10^9, so int32: their divisions are integer ones.
  // At 16 digits the scaled value is the 17-digit integer's tenth: its digits but the last, and (last digit +
  // remainder) / 10, whose nearest integer (0 or 1) is added; both distances in units of the 17th digit.
  const lowerDigits = lower | 0;
  const upperDigits = upper | 0;
  const lastDigit = lowerDigits - ((lowerDigits / 10) | 0) * 10;
  const tenths = lastDigit + remainder;
  const roundUp = tenths > 5 ? 1 : 0;
  const distance16 = Math.abs(tenths - 10 * roundUp);
  const distance17 = Math.abs(remainder);
  // A tie between two integers, or a distance too close to its bound to tell in doubles: String decides.
  if (Math.abs(tenths - 5) < 10 * MARGIN || Math.abs(distance16 - bound) < bound * MARGIN) return -1;
  if (distance16 <= bound) {
    let upper16 = (upperDigits / 10) | 0;
    let lower16 = (upperDigits - upper16 * 10) * 10_000_000 + ((lowerDigits / 10) | 0) + roundUp;
    if (lower16 >= HUNDRED_MILLION) {
      lower16 -= HUNDRED_MILLION;
      upper16++;
    }
    // Exactly 16 digits, and not a trailing zero (fewer digits would parse back): else left to String.
    if (upper16 >= 1e8 || lower16 === ((lower16 / 10) | 0) * 10) return -1;
    return writeFixed(out, view, at, upper16, lower16, fractionDigits - 1);
  }
  if (Math.abs(distance17 - 0.5) < MARGIN || Math.abs(distance17 - bound) < bound * MARGIN || distance17 > bound || lastDigit === 0) return -1;
  return writeFixed(out, view, at, upperDigits, lowerDigits, fractionDigits);
}

/**
 * The integer upper * 10^8 + lower (lower < 10^8; at most 17 digits, not ending in 0 when fractionDigits > 0) over
 * 10^fractionDigits, in fixed notation. The digits are written from the right, four at a time as one little-endian
 * word through `view` where four remain (a 17-digit number: four words and one digit, where pairs took eight stores
 * of two bytes and twice the divisions), then the integer digits moved one place left for the point: calls per half
 * and a division at the point cost more than the digits (most numbers here have a few integer digits).
 */
function writeFixed(out: Uint8Array, view: DataView, at: number, upper: number, lower: number, fractionDigits: number): number {
  let length: number;
  if (upper > 0) {
    let upperDigits = 9;
    while (upper < POWERS_OF_TEN[upperDigits - 1]!) upperDigits--;
    length = 8 + upperDigits;
  } else {
    length = 1;
    while (length < 8 && lower >= POWERS_OF_TEN[length]!) length++;
  }
  const integerDigits = length - fractionDigits;
  let end: number;
  if (integerDigits > 0) {
    end = at + length + (fractionDigits > 0 ? 1 : 0);
  } else {
    // 0.000ddd: "0." and the zeros before the digits.
    out[at] = ZERO;
    out[at + 1] = DOT;
    for (let i = 0; i < -integerDigits; i++) out[at + 2 + i] = ZERO;
    end = at + 2 - integerDigits + length;
  }
  // Both halves are below 10^9, so int32: their divisions are integer ones.
  let position = end;
  let rest = lower | 0;
  if (upper > 0) {
    // Lower's 8 digits, leading zeros included: two words.
    const next = (rest / 10_000) | 0;
    view.setInt32(position - 4, DIGIT_QUADS[rest - next * 10_000]!, true);
    view.setInt32(position - 8, DIGIT_QUADS[next]!, true);
    position -= 8;
    rest = upper | 0;
  }
  // The leading digits: the number has no leading zero, so a rest of 0 means every digit is written.
  while (rest >= 1000) {
    const next = (rest / 10_000) | 0;
    position -= 4;
    view.setInt32(position, DIGIT_QUADS[rest - next * 10_000]!, true);
    rest = next;
  }
  while (rest >= 10) {
    const next = (rest / 100) | 0;
    const pair = (rest - next * 100) << 1;
    out[--position] = DIGIT_PAIRS[pair + 1]!;
    out[--position] = DIGIT_PAIRS[pair]!;
    rest = next;
  }
  if (rest > 0) out[--position] = ZERO + rest;
  if (integerDigits > 0 && fractionDigits > 0) {
    // The digits begin one place after `at`: the integer digits move left and the point takes their last place.
    for (let i = 0; i < integerDigits; i++) out[at + i] = out[at + 1 + i]!;
    out[at + integerDigits] = DOT;
  }
  return end;
}

/** "00" to "99": each number below 100's two digits, written a pair at a time (half the divisions of one at a time). */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, index) => ZERO + (index % 2 === 0 ? Math.floor(index / 20) : (index >> 1) % 10));
/** "0000" to "9999": each number below 10,000's four digits as the little-endian word that stores them in one write. */
const DIGIT_QUADS = Int32Array.from(
  { length: 10_000 },
  (_, n) => (ZERO + ((n / 1000) | 0)) | ((ZERO + (((n / 100) | 0) % 10)) << 8) | ((ZERO + (((n / 10) | 0) % 10)) << 16) | ((ZERO + (n % 10)) << 24),
);

/** A DataView of `out`, for writeNumber and the writers' word copies (regulator/word-pieces.ts): one per output chunk. */
export function viewOf(out: Uint8Array): DataView {
  return new DataView(out.buffer, out.byteOffset, out.byteLength);
}
