/** Turns checked point definitions plus a device's line and unit id into the ready-to-poll structure. */
import type { FlagSpec, ResolvedPoint } from './point.ts';
import { READ_FUNCTION, registerLabel, typeWidth } from './point.ts';
import type { RegisterDecoder, Scaling } from './decode.ts';
import { linearScaling, makeRegisterDecoder, makeScaling } from './decode.ts';
import { NE43 } from './ne43.ts';
import type { PlanItem, PlanOptions } from './plan.ts';
import { PollSchedule } from './plan.ts';

/** What a status flag means for the quality of the measurements it governs. */
export const HEALTH_CATEGORIES = ['fault', 'out_of_range', 'warm_up', 'maintenance'] as const;
export type HealthCategory = (typeof HEALTH_CATEGORIES)[number];
/** Flag names per category, as a profile's `health` section lists them. */
export type HealthMap = Readonly<Partial<Record<HealthCategory, readonly string[]>>>;

/** Bit per category in a status point's state; checked in this order, worst first. */
export const CATEGORY_BIT: Readonly<Record<HealthCategory, number>> = { fault: 1, out_of_range: 2, warm_up: 4, maintenance: 8 };

/** A flag compiled to mask-and-compare. */
export interface CompiledFlag {
  readonly name: string;
  readonly shift: number;
  readonly mask: number;
  readonly low: number;
  readonly high: number;
  /** CATEGORY_BIT bits this flag raises when set (0: informational only). */
  readonly categories: number;
}

export interface ReadyPoint {
  readonly spec: ResolvedPoint;
  /** Reading.pointId: `<device id>.<point id>`, built once. */
  readonly readingId: string;
  /** Registers or bits read. */
  readonly width: number;
  /** Null for bool points on bit tables. */
  readonly decode: RegisterDecoder | null;
  readonly scaling: Scaling;
  /** NE43 points: maps 4..20 mA onto the range after the band check. */
  readonly loop: Scaling | null;
  readonly flags: readonly CompiledFlag[];
  /** Indexes (into ReadyDevice.points) of the status points that set this measurement's quality. */
  readonly governedBy: readonly number[];
  /** Index of the unit-code point that names this point's unit, or -1. */
  readonly unitFrom: number;
}

export interface ReadyDevice {
  readonly id: string;
  readonly model: string;
  readonly line: string;
  readonly unitId: number;
  readonly points: readonly ReadyPoint[];
  /** Plan item i is points[polled[i]]. */
  readonly polled: readonly number[];
  readonly schedule: PollSchedule;
  /** Label used in every message: `device gas-3 (unit 7)`. */
  readonly label: string;
}

export interface BuildDeviceInput {
  readonly id: string;
  readonly model: string;
  readonly line: string;
  readonly unitId: number;
  readonly points: readonly ResolvedPoint[];
  readonly health?: HealthMap;
  readonly plan?: PlanOptions;
}

/** Builds decoders, flags and the poll schedule once; the points must already have passed checkPoint/findOverlap. */
export function buildReadyDevice(input: BuildDeviceInput): ReadyDevice {
  const categoriesOf = new Map<string, number>();
  for (const category of HEALTH_CATEGORIES) {
    for (const flag of input.health?.[category] ?? []) categoriesOf.set(flag, (categoriesOf.get(flag) ?? 0) | CATEGORY_BIT[category]);
  }
  const statusIndexes = input.points.flatMap((point, index) => (point.role === 'status' ? [index] : []));
  const indexOf = new Map(input.points.map((point, index) => [point.id, index]));
  const points = input.points.map((spec): ReadyPoint => {
    const governedBy = spec.role !== 'measurement' ? NONE : spec.status ? spec.status.map((id) => indexOf.get(id)!) : statusIndexes;
    const { width, decode, scaling, loop } = decodingOf(spec);
    const flagEntries = Object.entries(spec.flags);
    return {
      spec,
      readingId: `${input.id}.${spec.id}`,
      width,
      decode,
      scaling,
      loop,
      flags: flagEntries.length === 0 ? NONE : flagEntries.map(([name, flag]) => compileFlag(name, flag, categoriesOf.get(name) ?? 0)),
      governedBy,
      unitFrom: spec.unitFrom === null ? -1 : indexOf.get(spec.unitFrom)!,
    };
  });
  const polled = points.flatMap((point, index) => (point.spec.poll ? [index] : []));
  const items: PlanItem[] = polled.map((index) => decodingOf(points[index]!.spec).planItem);
  return {
    id: input.id,
    model: input.model,
    line: input.line,
    unitId: input.unitId,
    points,
    polled,
    schedule: new PollSchedule(items, input.plan),
    label: `device ${input.id} (unit ${input.unitId})`,
  };
}

/** What decodes and plans a point: a function of its resolved definition alone, so devices of one profile share it. */
interface PointDecoding extends Pick<ReadyPoint, 'width' | 'decode' | 'scaling' | 'loop'> {
  readonly planItem: PlanItem;
}

const decodings = new WeakMap<ResolvedPoint, PointDecoding>();
/** Shared by every point without flags or governing status points. */
const NONE: readonly never[] = Object.freeze([]);

function decodingOf(spec: ResolvedPoint): PointDecoding {
  let decoding = decodings.get(spec);
  if (decoding === undefined) {
    const width = typeWidth(spec.type);
    decoding = {
      width,
      decode: spec.type === 'bool' ? null : makeRegisterDecoder(spec.type, spec.order, spec.bit),
      scaling: makeScaling(spec),
      loop: spec.signal === 'ne43' && spec.range ? linearScaling([NE43.spanLowMa, NE43.spanHighMa], spec.range) : null,
      planItem: { table: spec.table, address: spec.address, width, intervalMs: spec.intervalMs, first: spec.role === 'status' || spec.units !== null },
    };
    decodings.set(spec, decoding);
  }
  return decoding;
}

function compileFlag(name: string, flag: FlagSpec, categories: number): CompiledFlag {
  if (typeof flag === 'number') return { name, shift: flag, mask: 1, low: 1, high: 1, categories };
  const [lowBit, highBit] = flag.bits;
  return { name, shift: lowBit, mask: 2 ** (highBit - lowBit + 1) - 1, low: flag.in[0], high: flag.in[1], categories };
}

/** `FC03 @40003 x2`: function, first register as the manual numbers it, and quantity. */
export function describeRequest(table: ResolvedPoint['table'], address: number, quantity: number): string {
  return `FC${String(READ_FUNCTION[table]).padStart(2, '0')} ${registerLabel(table, address)} x${quantity}`;
}
