/** A point's four limits and the order the agent demands of them (lolo < lo < hi < hihi, each one the point has). */
export const LIMITS = ['lolo', 'lo', 'hi', 'hihi'] as const;
export type LimitName = (typeof LIMITS)[number];
export type Limits = Readonly<Record<LimitName, number | null>>;

/** The first pair out of order among the limits the point has, or null when they rise strictly. */
export function orderBroken(limits: Limits): readonly [LimitName, LimitName] | null {
  let previous: LimitName | null = null;
  for (const limit of LIMITS) {
    const value = limits[limit];
    if (value === null) continue;
    if (previous !== null && limits[previous]! >= value) return [previous, limit];
    previous = limit;
  }
  return null;
}
