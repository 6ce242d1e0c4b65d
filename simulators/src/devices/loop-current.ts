/** 4-20 mA loop current for a value over a range, with the NAMUR NE43 signal bands. */

export const NE43 = {
  /** Current a transmitter drives on a detected fault (NE43: <= 3.6 mA). */
  faultLowMa: 3.5,
  /** Current for a value far above the range (NE43: >= 21.0 mA is a failure). */
  faultHighMa: 21.5,
  /** Measuring signal saturates here below the range. */
  minValidMa: 3.8,
  /** Above this the signal is no longer a measurement. */
  maxValidMa: 20.5,
} as const;

/**
 * Loop current for `value` over [rangeMin, rangeMax]: 4-20 mA inside the range, saturating at 3.8 mA below it,
 * and the NE43 failure currents on a fault (3.5 mA) or when the value is beyond the 20.5 mA saturation (21.5 mA).
 */
export function loopCurrentMa(value: number, rangeMin: number, rangeMax: number, fault: boolean): number {
  if (fault) return NE43.faultLowMa;
  const ma = 4 + (16 * (value - rangeMin)) / (rangeMax - rangeMin);
  if (ma > NE43.maxValidMa) return NE43.faultHighMa;
  return Math.max(ma, NE43.minValidMa);
}
