/** NAMUR NE43 signal bands for 4-20 mA loops: which currents are measurements and which are device faults. */
import type { Quality } from '../reading.ts';

/** Currents in mA. Valid measuring signal 3.8..20.5; at or beyond 3.6 / 21.0 the transmitter signals a failure. */
export const NE43 = { faultLowMa: 3.6, validLowMa: 3.8, validHighMa: 20.5, faultHighMa: 21.0, spanLowMa: 4, spanHighMa: 20 } as const;

/** good inside the valid band, bad at or beyond the fault limits (and for NaN), uncertain in between. */
export function ne43Quality(milliamps: number): Quality {
  if (milliamps >= NE43.validLowMa && milliamps <= NE43.validHighMa) return 'good';
  if (milliamps > NE43.faultLowMa && milliamps < NE43.faultHighMa) return 'uncertain';
  return 'bad';
}
