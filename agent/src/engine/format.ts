/** Numbers as a person reads them in event texts: at the point's resolution, or without float noise. */

/**
 * Significant digits without a resolution: a float32 reading (39.99999761581421 for 40) is exact to ~7, so 6 drop its
 * noise and keep what a detector measures. Integer digits are never dropped.
 */
const SIGNIFICANT_DIGITS = 6;

/**
 * `value` rounded to the resolution with as many decimals as the resolution has (0.01: "40.00"), or without one to
 * SIGNIFICANT_DIGITS with trailing zeros trimmed ("54.9", "7.05399", "1234567"). Only for texts: events keep the number.
 */
export function formatValue(value: number, resolution: number | undefined): string {
  if (!Number.isFinite(value)) return String(value);
  if (resolution !== undefined) return (Math.round(value / resolution) * resolution).toFixed(decimalsOf(resolution));
  const integerDigits = value === 0 ? 1 : Math.floor(Math.log10(Math.abs(value))) + 1;
  return String(Number(value.toPrecision(Math.min(100, Math.max(SIGNIFICANT_DIGITS, integerDigits)))));
}

/** Decimals of a resolution as written: 0.05 -> 2, 1e-7 -> 7, 2.5e-7 -> 8, 10 -> 0. */
function decimalsOf(resolution: number): number {
  const [mantissa = '', exponent = '0'] = String(resolution).split('e');
  const fractionDigits = mantissa.split('.')[1]?.length ?? 0;
  return Math.min(100, Math.max(0, fractionDigits - Number(exponent)));
}
