/**
 * Each point's provincial indicator metadata (Jiangsu WC_ENT_CGQ / WC_ENT_LEAKPOINT and the like) as the store
 * registered it from the config: codes, tag number, range, coordinates, hazard source, CAS number, the disable record.
 */
import type { StorePointDefinition } from '@hazmon/agent';

export interface Indicator {
  readonly description: string | null;
  readonly indicatorCode: string | null;
  readonly equipmentCode: string | null;
  readonly gatewayCode: string | null;
  readonly tagNumber: string | null;
  readonly range: [number, number] | null;
  readonly longitude: number | null;
  readonly latitude: number | null;
  readonly hazardSourceCode: string | null;
  readonly casNumber: string | null;
  readonly pollIntervalMs: number | null;
  /** The step its values are stored at (0.1: one decimal), so values are shown without float noise. */
  readonly resolution: number | null;
  readonly disabled: { readonly by: string; readonly at: number; readonly reason: string } | null;
}

export const NO_INDICATOR: Indicator = {
  description: null,
  indicatorCode: null,
  equipmentCode: null,
  gatewayCode: null,
  tagNumber: null,
  range: null,
  longitude: null,
  latitude: null,
  hazardSourceCode: null,
  casNumber: null,
  pollIntervalMs: null,
  resolution: null,
  disabled: null,
};

export function indicatorOf(point: StorePointDefinition): Indicator {
  return {
    description: point.description ?? null,
    indicatorCode: point.indicatorCode ?? null,
    equipmentCode: point.equipmentCode ?? null,
    gatewayCode: point.gatewayCode ?? null,
    tagNumber: point.tagNumber ?? null,
    range: point.rangeLow == null || point.rangeHigh == null ? null : [point.rangeLow, point.rangeHigh],
    longitude: point.longitude ?? null,
    latitude: point.latitude ?? null,
    hazardSourceCode: point.hazardSourceCode ?? null,
    casNumber: point.casNumber ?? null,
    pollIntervalMs: point.pollIntervalMs,
    resolution: point.resolution,
    disabled: point.disabled ?? null,
  };
}
