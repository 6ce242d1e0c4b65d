/** Store point definitions for every point that produces readings, with the regulatory metadata of its point entry. */
import { requestedKeepAliveMs } from '@hazmon/protocols';
import { presetLimits } from '../engine/index.ts';
import type { EngineConfig, LimitConfig } from '../engine/index.ts';
import type { StorePointDefinition } from '../store/index.ts';
import type { PointCatalog, SourcePoint } from './catalog.ts';
import { isBooleanPoint, unitOf } from './catalog.ts';
import type { PointEntry, SiteConfig } from './schema.ts';

/** Default resolution of numbers the device does not give a step for: fine enough for %LEL, ppm and mm alike. */
const DEFAULT_RESOLUTION = 0.001;

type Thresholds = Pick<StorePointDefinition, 'lowLow' | 'low' | 'high' | 'highHigh'>;

function limitValue(limit: LimitConfig | undefined, preset: number | undefined): number | null {
  if (limit === undefined) return preset ?? null;
  return typeof limit === 'number' ? limit : limit.value;
}

/** The limits the engine alarms on: explicit ones over the preset's. */
export function thresholdsOf(rules: EngineConfig['points'][number] | undefined): Thresholds {
  if (!rules) return { lowLow: null, low: null, high: null, highHigh: null };
  const preset = rules.preset ? presetLimits(rules.preset.gas, rules.preset.unit, rules.preset.standard, rules.preset.lelSource) : {};
  return {
    lowLow: limitValue(rules.limits.lolo, preset.lolo),
    low: limitValue(rules.limits.lo, preset.lo),
    high: limitValue(rules.limits.hi, preset.hi),
    highHigh: limitValue(rules.limits.hihi, preset.hihi),
  };
}

/** The point's resolution: the entry's, else a default from its source. The store and the engine's texts use it. */
export function resolutionOf(entry: PointEntry | undefined, source: SourcePoint): number {
  return entry?.resolution ?? defaultResolution(source);
}

function defaultResolution(source: SourcePoint): number {
  if (isBooleanPoint(source)) return 1;
  if (source.source === 'opcua') return DEFAULT_RESOLUTION;
  const { point } = source;
  const integer = point.type !== 'float32' && point.type !== 'float64';
  return integer && point.scale === 1 && point.rawRange === null && point.signal === null ? 1 : DEFAULT_RESOLUTION;
}

/**
 * The spacing a point's readings keep, which completeness counts against: a Modbus point's poll interval; an OPC UA
 * point's keep-alive period, as a subscription reports changes only and a steady value is restated once per period
 * (its sampling interval would count a steady, healthy point 10-20 % complete).
 */
function expectedSpacingOf(source: SourcePoint): number {
  if (source.source === 'modbus') return source.point.intervalMs;
  return Math.max(1, Math.round(requestedKeepAliveMs(source.connection)));
}

/** Units that are a percentage of a whole (of the lower explosive limit, of the volume): nothing reads below 0 or above 100. */
const PERCENT_UNIT = /^%\s*(lel|vol|v\/v)$/i;

/**
 * The range a point's limits must lie in: its measuring range, within 0..100 for a %LEL or %vol point. A limit above
 * full scale is never reached: accepted, it would silence the alarm (a mistyped 150 for 15 %LEL).
 */
export function limitRangeOf(definition: Pick<StorePointDefinition, 'unit' | 'rangeLow' | 'rangeHigh'> | undefined): readonly [number | null, number | null] {
  const low = definition?.rangeLow ?? null;
  const high = definition?.rangeHigh ?? null;
  if (definition === undefined || !PERCENT_UNIT.test(definition.unit.trim())) return [low, high];
  return [Math.max(low ?? 0, 0), Math.min(high ?? 100, 100)];
}

/** One definition per catalog point, in catalog order. */
export function storePointDefinitions(catalog: PointCatalog, entries: readonly PointEntry[], engine: EngineConfig, site: SiteConfig): StorePointDefinition[] {
  const entryById = new Map(entries.map((entry) => [entry.id, entry]));
  const rulesById = new Map(engine.points.map((rules) => [rules.id, rules]));
  const areaById = new Map(site.areas.map((area) => [area.id, area]));
  return [...catalog.points.values()].map((source): StorePointDefinition => {
    const entry = entryById.get(source.id);
    const range = entry?.range ?? (source.source === 'modbus' ? source.point.range : null);
    const disabled = entry?.disabled;
    return {
      pointId: source.id,
      unit: entry?.unit ?? unitOf(source),
      resolution: resolutionOf(entry, source),
      pollIntervalMs: expectedSpacingOf(source),
      valueKind: isBooleanPoint(source) ? 'boolean' : 'number',
      description: entry?.description ?? null,
      indicatorCode: entry?.indicatorCode ?? null,
      equipmentCode: entry?.equipmentCode ?? null,
      gatewayCode: site.gatewayCode ?? null,
      tagNumber: entry?.tagNumber ?? null,
      ...thresholdsOf(rulesById.get(source.id)),
      rangeLow: range?.[0] ?? null,
      rangeHigh: range?.[1] ?? null,
      longitude: entry?.longitude ?? null,
      latitude: entry?.latitude ?? null,
      hazardSourceCode: entry?.hazardSourceCode ?? (entry?.area === undefined ? null : (areaById.get(entry.area)?.hazardSourceCode ?? null)),
      casNumber: entry?.casNumber ?? null,
      disabled: disabled ? { by: disabled.by, at: Date.parse(disabled.at), reason: disabled.reason } : null,
    };
  });
}
