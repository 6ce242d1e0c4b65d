/** Modbus point definitions: the types, the zod schema and the cross-field checks run once at set-up. */
import { z } from 'zod';
import type { ModbusConfigErrorCode } from './errors.ts';

export const TABLES = ['coil', 'discrete_input', 'holding', 'input'] as const;
export type Table = (typeof TABLES)[number];

export const VALUE_TYPES = ['bool', 'bit', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** A = most significant byte of the value. ABCD big-endian; CDAB low word first; BADC bytes swapped; DCBA little-endian. */
export const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export type WordOrder = (typeof WORD_ORDERS)[number];

/** What a point is for: measurements get their quality from the device's status flags. */
const ROLES = ['measurement', 'status', 'info', 'command'] as const;
export type Role = (typeof ROLES)[number];

/** Function code that reads each table. */
export const READ_FUNCTION: Readonly<Record<Table, 1 | 2 | 3 | 4>> = { coil: 1, discrete_input: 2, holding: 3, input: 4 };

/** Largest request per table kind (Modbus application protocol v1.1b3, 6.1-6.4). */
export const MAX_REGISTERS_PER_READ = 125;
export const MAX_BITS_PER_READ = 2000;

const uint16 = z.number().int().min(0).max(65535);
const finite = z.number().finite();
const pair = z.tuple([finite, finite]);

/** A flag is one bit of a status word, or a bit field whose value lies in an inclusive range (fault numbers, levels). */
const flagSchema = z.union([z.number().int().min(0).max(15), z.strictObject({ bits: z.tuple([z.number().int().min(0).max(15), z.number().int().min(0).max(15)]), in: pair })]);
export type FlagSpec = z.output<typeof flagSchema>;

export const pointSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9_.{}-]*$/, 'an id starts with a letter and holds letters, digits, _ . -'),
  description: z.string().optional(),
  table: z.enum(TABLES),
  address: uint16,
  type: z.enum(VALUE_TYPES),
  /** Bit index for type `bit` (0 = least significant bit of the register). */
  bit: z.number().int().optional(),
  order: z
    .string()
    .transform((text) => text.toUpperCase())
    .pipe(z.enum(WORD_ORDERS))
    .optional(),
  /** engineering = raw * scale + offset (ignored when rawRange/range map the value). */
  scale: finite.optional(),
  offset: finite.optional(),
  /** Raw span mapped linearly onto `range`, e.g. counts 0..1200 -> -10..110 %LEL. */
  rawRange: pair.optional(),
  /** Engineering span; with signal ne43 the span that 4..20 mA maps onto. */
  range: pair.optional(),
  /** ne43: the scaled value is a loop current in mA, checked against NAMUR NE43 before mapping 4..20 mA onto range. */
  signal: z.enum(['ne43']).optional(),
  unit: z.string().optional(),
  intervalMs: z.number().int().min(10).max(86_400_000).optional(),
  role: z.enum(ROLES).optional(),
  flags: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), flagSchema).optional(),
  /** Ids of the status points whose flags set this measurement's quality; default: every status point. */
  status: z.array(z.string()).optional(),
  /** On a unit-code register: code -> unit text (XNX 40011: 1 mg/m3, 3 %vol, 4 ppm, 5 %LEL). */
  units: z.record(z.string().regex(/^[0-9]+$/, 'a unit code is a whole number'), z.string()).optional(),
  /** Id of the unit-code point whose current code names this measurement's unit (overrides `unit` once read). */
  unitFrom: z.string().optional(),
  /** false: never polled, only written (momentary command coils). */
  poll: z.boolean().optional(),
  writable: z.boolean().optional(),
  /** false for momentary coils the device clears by itself, which cannot read back what was written. */
  readBack: z.boolean().optional(),
});
export type PointInput = z.input<typeof pointSchema>;
export type PointSpec = z.output<typeof pointSchema>;

/** A point with every default applied; what the decoder and planner are built from. */
export interface ResolvedPoint {
  readonly id: string;
  readonly table: Table;
  readonly address: number;
  readonly type: ValueType;
  readonly bit: number;
  readonly order: WordOrder;
  readonly scale: number;
  readonly offset: number;
  readonly rawRange: readonly [number, number] | null;
  readonly range: readonly [number, number] | null;
  readonly signal: 'ne43' | null;
  readonly unit: string;
  readonly intervalMs: number;
  readonly role: Role;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly status: readonly string[] | null;
  readonly units: Readonly<Record<string, string>> | null;
  readonly unitFrom: string | null;
  readonly poll: boolean;
  readonly writable: boolean;
  readonly readBack: boolean;
}

const DEFAULT_INTERVAL_MS = 1000;

/**
 * Each spec object is resolved once: the devices built from one profile then share their points' resolved definitions
 * instead of holding a copy per device (a plant of 80 identical register banks would keep 10,000 copies of 125).
 */
const resolvedSpecs = new WeakMap<PointSpec, ResolvedPoint>();

export function resolvePoint(spec: PointSpec): ResolvedPoint {
  let resolved = resolvedSpecs.get(spec);
  if (resolved === undefined) {
    resolved = resolveSpec(spec);
    resolvedSpecs.set(spec, resolved);
  }
  return resolved;
}

function resolveSpec(spec: PointSpec): ResolvedPoint {
  return {
    id: spec.id,
    table: spec.table,
    address: spec.address,
    type: spec.type,
    bit: spec.bit ?? 0,
    order: spec.order ?? 'ABCD',
    scale: spec.scale ?? 1,
    offset: spec.offset ?? 0,
    rawRange: spec.rawRange ?? null,
    range: spec.range ?? null,
    signal: spec.signal ?? null,
    unit: spec.unit ?? '',
    intervalMs: spec.intervalMs ?? DEFAULT_INTERVAL_MS,
    role: spec.role ?? (spec.flags ? 'status' : 'measurement'),
    flags: spec.flags ?? {},
    status: spec.status ?? null,
    units: spec.units ?? null,
    unitFrom: spec.unitFrom ?? null,
    poll: spec.poll ?? true,
    writable: spec.writable ?? false,
    readBack: spec.readBack ?? true,
  };
}

export function isBitTable(table: Table): boolean {
  return table === 'coil' || table === 'discrete_input';
}

/** Registers (or bits, on bit tables) a value of this type occupies. */
export function typeWidth(type: ValueType): number {
  switch (type) {
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
    default:
      return 1;
  }
}

/**
 * How messages name a register: the manual's five-digit reference while one exists (holding 2 -> `@40003`,
 * coil 18 -> `@00019`). Past address 9998 vendors disagree on six-digit references (MSA's 440201 is protocol
 * address 40201, Modicon's would be 40200), so the protocol address itself is printed: `address 40201`.
 */
export function registerLabel(table: Table, address: number): string {
  if (address > 9998) return `address ${address}`;
  const prefix = { coil: '0', discrete_input: '1', input: '3', holding: '4' }[table];
  return `@${prefix}${String(address + 1).padStart(4, '0')}`;
}

/** A problem found by a cross-field check, with the path below the point and the offending value. */
export interface PointProblem {
  readonly code: ModbusConfigErrorCode;
  readonly path: readonly (string | number)[];
  readonly problem: string;
  readonly value: unknown;
}

/** Checks that the fields of one point agree with each other; returns the first problem or undefined. */
export function checkPoint(point: PointSpec): PointProblem | undefined {
  const invalid = (path: string, problem: string, value: unknown): PointProblem => ({
    code: 'HAZMON_POINT_INVALID',
    path: [path],
    problem,
    value,
  });
  const bitTable = isBitTable(point.table);
  if (bitTable && point.type !== 'bool') {
    return invalid('type', `a ${point.table} holds single bits; use type bool, not ${point.type}`, point.type);
  }
  if (!bitTable && point.type === 'bool') {
    return invalid('type', `type bool needs a coil or discrete_input table; on ${point.table} registers use type bit`, point.type);
  }
  if (point.type === 'bit') {
    if (point.bit === undefined) return invalid('bit', 'type bit needs a bit index 0..15', point.bit);
    if (point.bit < 0 || point.bit > 15) return invalid('bit', 'a register has bits 0..15', point.bit);
  } else if (point.bit !== undefined) {
    return invalid('bit', `bit applies only to type bit, not ${point.type}`, point.bit);
  }
  const last = point.address + typeWidth(point.type) - 1;
  if (last > 65535) return invalid('address', `a ${point.type} at ${point.address} ends at ${last}, beyond 65535`, point.address);
  if ((point.rawRange === undefined) !== (point.range === undefined) && point.signal !== 'ne43') {
    return invalid(point.rawRange ? 'range' : 'rawRange', 'rawRange and range go together', point.rawRange ?? point.range);
  }
  if (point.rawRange && point.rawRange[0] === point.rawRange[1]) {
    return invalid('rawRange', 'rawRange needs two different ends', point.rawRange);
  }
  if (point.signal === 'ne43') {
    if (!point.range) return invalid('range', 'signal ne43 needs the range 4..20 mA maps onto', point.range);
    if (point.rawRange) return invalid('rawRange', 'signal ne43 maps 4..20 mA; use scale/offset to get mA from counts', point.rawRange);
  }
  const numeric = point.type !== 'bool' && point.type !== 'bit';
  if (!numeric && (point.scale !== undefined || point.offset !== undefined || point.rawRange || point.signal)) {
    return invalid('type', 'scaling applies to numbers, not to a bool or bit', point.type);
  }
  if (point.flags && point.type !== 'uint16' && point.type !== 'int16') {
    return invalid('flags', `flags decode a 16-bit status word, not a ${point.type}`, point.type);
  }
  for (const [name, flag] of Object.entries(point.flags ?? {})) {
    if (typeof flag !== 'number' && flag.bits[0] > flag.bits[1]) {
      return { code: 'HAZMON_POINT_INVALID', path: ['flags', name, 'bits'], problem: 'bits go low..high', value: flag.bits };
    }
  }
  if (point.writable && point.table !== 'coil' && point.table !== 'holding') {
    return invalid('writable', `a ${point.table} cannot be written`, point.writable);
  }
  if (point.units && point.type !== 'uint16' && point.type !== 'int16') {
    return invalid('units', `unit codes are 16-bit integers, not ${point.type}`, point.type);
  }
  if (point.writable && point.type === 'bit') {
    return invalid('writable', 'a single bit of a register cannot be written without touching its neighbours', point.writable);
  }
  return undefined;
}

/**
 * Finds two points of one device that share registers incompatibly. Compatible: bit points over a word,
 * or identical spans read as 16-bit integers (status word as uint16 beside int16). Everything else is refused,
 * because a half-overlapping float would decode garbage without any error at poll time.
 */
export function findOverlap(points: readonly PointSpec[]): { index: number; other: number } | undefined {
  const order = points.map((_, index) => index).sort((a, b) => compareSpan(points[a]!, points[b]!));
  for (let i = 0; i < order.length; i++) {
    const a = points[order[i]!]!;
    const aEnd = a.address + typeWidth(a.type);
    for (let j = i + 1; j < order.length; j++) {
      const b = points[order[j]!]!;
      if (b.table !== a.table || b.address >= aEnd) break;
      if (!compatible(a, b)) return { index: Math.max(order[i]!, order[j]!), other: Math.min(order[i]!, order[j]!) };
    }
  }
  return undefined;
}

function compareSpan(a: PointSpec, b: PointSpec): number {
  return a.table === b.table ? a.address - b.address : a.table < b.table ? -1 : 1;
}

function compatible(a: PointSpec, b: PointSpec): boolean {
  if (a.type === 'bit' || b.type === 'bit') return !(a.type === 'bit' && b.type === 'bit' && a.bit === b.bit && a.address === b.address);
  const sixteen = (type: ValueType) => type === 'int16' || type === 'uint16';
  return a.address === b.address && sixteen(a.type) && sixteen(b.type);
}
