/**
 * A figure per reading point worked out from a config, kept per config object (a reload hands out a new one, so old
 * entries go with it): the whole plant's map when a view wants every point, or only the points asked so far, so a
 * request about one point after a start or a reload does not build 10k entries on its turn. The agent's freshness
 * and the web server's point metadata both are such maps.
 */
export interface PerConfigPoints<Config extends object, Value> {
  /** Every reading point's, built once per config. */
  all(config: Config): ReadonlyMap<string, Value>;
  /** At least these points' (the whole map once built); only reading points are ever added, so it never outgrows the plant. */
  of(config: Config, pointIds: readonly string[]): ReadonlyMap<string, Value>;
}

/** `among(config, wanted)`: the points of `wanted` (every reading point when undefined) and their figures. */
export function perConfigPoints<Config extends object, Value>(among: (config: Config, wanted: ReadonlySet<string> | undefined) => Map<string, Value>): PerConfigPoints<Config, Value> {
  const whole = new WeakMap<Config, ReadonlyMap<string, Value>>();
  const some = new WeakMap<Config, Map<string, Value>>();
  return {
    all(config) {
      let map = whole.get(config);
      if (map === undefined) whole.set(config, (map = among(config, undefined)));
      return map;
    },
    of(config, pointIds) {
      const all = whole.get(config);
      if (all) return all;
      let known = some.get(config);
      if (known === undefined) some.set(config, (known = new Map()));
      const missing = pointIds.filter((id) => !known.has(id));
      if (missing.length > 0) for (const [id, value] of among(config, new Set(missing))) known.set(id, value);
      return known;
    },
  };
}
