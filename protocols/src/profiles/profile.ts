/** The device-profile file format: zod schema and types for `protocols/profiles/<model>.yaml`. */
import { z } from 'zod';
import type { HealthMap } from '../modbus/device.ts';
import { HEALTH_CATEGORIES } from '../modbus/device.ts';
import type { PointSpec } from '../modbus/point.ts';
import { pointSchema } from '../modbus/point.ts';

/** A profile point may stand for several channels: `{n}` in its texts runs 1..count, the address steps by `step`. */
const repeatSchema = z.strictObject({
  count: z.number().int().min(1).max(256),
  step: z.number().int().min(0).max(1000),
});

export const profilePointSchema = pointSchema.extend({ repeat: repeatSchema.optional() });

/** Fields that apply to every point unless the point sets them. */
const pointDefaultsSchema = z.strictObject({
  table: pointSchema.shape.table.optional(),
  order: pointSchema.shape.order,
  intervalMs: pointSchema.shape.intervalMs,
  unit: pointSchema.shape.unit,
});

const serialSchema = z.strictObject({
  baudRate: z.number().int().positive(),
  parity: z.enum(['none', 'even', 'odd']),
  dataBits: z.union([z.literal(7), z.literal(8)]),
  stopBits: z.union([z.literal(1), z.literal(2)]),
});

const flagList = z.array(z.string()).optional();

export const profileSchema = z.strictObject({
  model: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a model name is lower-case words joined by -'),
  vendor: z.string().optional(),
  description: z.string().optional(),
  /** Serial settings the device ships with (RTU lines may override). */
  serial: serialSchema.optional(),
  defaults: pointDefaultsSchema.optional(),
  /** Which status flags make the device's measurements bad (fault, out_of_range) or uncertain (warm_up, maintenance). */
  health: z.strictObject(Object.fromEntries(HEALTH_CATEGORIES.map((category) => [category, flagList])) as Record<(typeof HEALTH_CATEGORIES)[number], typeof flagList>).optional(),
  points: z.array(z.unknown()).min(1),
});

export type SerialSettings = z.output<typeof serialSchema>;

/** One point after repeat expansion, remembering where in the file it came from. */
export interface ProfilePoint {
  readonly spec: PointSpec;
  /** Index in the file's `points` list. */
  readonly source: number;
  /** Channel number for repeated points (1-based), else 0. */
  readonly channel: number;
}

/** A checked, expanded profile. */
export interface ModbusProfile {
  readonly model: string;
  readonly vendor: string;
  readonly description: string;
  /** File it was loaded from (or the name given to parseProfile). */
  readonly file: string;
  readonly serial: SerialSettings | null;
  readonly health: HealthMap;
  readonly points: readonly ProfilePoint[];
}
