/**
 * A device in a config is a profile + line + unit id (+ per-point overrides); this turns it into the ready-to-poll
 * structure the ModbusPoller takes.
 *
 * @example
 * const device = createModbusDevice(loadProfile('honeywell-xnx'), { id: 'gas-3', profile: 'honeywell-xnx', line: 'plant', unitId: 7, points: { concentration: { unit: 'ppm' } } });
 */
import { z } from 'zod';
import type { ReadyDevice } from '../modbus/device.ts';
import { buildReadyDevice } from '../modbus/device.ts';
import type { PlanOptions } from '../modbus/plan.ts';
import { checkPoint, pointSchema, resolvePoint } from '../modbus/point.ts';
import type { Locator } from './load.ts';
import { checkProfilePoints, fail, failOnIssues } from './load.ts';
import type { ModbusProfile, ProfilePoint } from './profile.ts';

/** What a device config may change per point. */
const pointOverrideSchema = pointSchema.pick({ intervalMs: true, range: true, rawRange: true, unit: true, scale: true, offset: true, poll: true, order: true, description: true }).partial();
export type PointOverride = z.input<typeof pointOverrideSchema>;

const planSchema = z.strictObject({
  strategy: z.enum(['merge', 'single']).optional(),
  maxGapRegisters: z.number().int().min(0).max(125).optional(),
  maxGapBits: z.number().int().min(0).max(2000).optional(),
  maxRegisters: z.number().int().min(1).max(125).optional(),
  maxBits: z.number().int().min(1).max(2000).optional(),
});

export const deviceConfigSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a device id starts with a letter and holds letters, digits, _ -'),
  profile: z.string(),
  line: z.string().min(1),
  unitId: z.number().int().min(0).max(255),
  /** Poll only channels 1..channels of a repeated (multi-channel) profile. */
  channels: z.number().int().min(1).optional(),
  points: z.record(z.string(), z.unknown()).optional(),
  plan: planSchema.optional(),
});
export type ModbusDeviceConfig = z.input<typeof deviceConfigSchema>;

export interface CreateDeviceOptions {
  /** Named in error messages (the agent's config file); default `<device config>`. */
  readonly file?: string;
  /** Field path of this device in that file, e.g. `devices[2]`. */
  readonly path?: readonly (string | number)[];
  /** Planner settings for every device unless the device sets its own. */
  readonly plan?: PlanOptions;
}

/** Applies the device's overrides to the profile's points, checks the result and builds decoders and the plan. */
export function createModbusDevice(profile: ModbusProfile, config: ModbusDeviceConfig, options: CreateDeviceOptions = {}): ReadyDevice {
  const base = options.path ?? [];
  const locator: Locator = { file: options.file ?? '<device config>', at: () => ({}) };
  const parsed = deviceConfigSchema.safeParse(config);
  if (!parsed.success) failOnIssues(locator, 'HAZMON_DEVICE_INVALID', base, config, parsed.error);
  const device = parsed.data;
  if (device.profile !== profile.model) {
    fail(locator, 'HAZMON_DEVICE_INVALID', [...base, 'profile'], `the profile given is ${JSON.stringify(profile.model)}`, device.profile);
  }
  const byId = new Map(profile.points.map((point) => [point.spec.id, point]));
  const overrides = new Map<string, z.output<typeof pointOverrideSchema>>();
  for (const [id, raw] of Object.entries(device.points ?? {})) {
    const path = [...base, 'points', id];
    if (!byId.has(id)) fail(locator, 'HAZMON_DEVICE_INVALID', path, `profile ${profile.model} has no such point`, id);
    const override = pointOverrideSchema.strict().safeParse(raw);
    if (!override.success) failOnIssues(locator, 'HAZMON_DEVICE_INVALID', path, raw, override.error);
    overrides.set(id, override.data);
  }
  const points: ProfilePoint[] = [];
  for (const point of profile.points) {
    if (device.channels !== undefined && point.channel > device.channels) continue;
    const override = overrides.get(point.spec.id);
    if (!override) {
      points.push(point);
      continue;
    }
    const spec = { ...point.spec, ...override };
    const problem = checkPoint(spec);
    if (problem) fail(locator, 'HAZMON_DEVICE_INVALID', [...base, 'points', spec.id, ...problem.path], problem.problem, problem.value);
    points.push({ ...point, spec });
  }
  // Dropped channels must not leave dangling status references.
  checkProfilePoints({ file: profile.file, at: () => ({}) }, points, profile.health);
  return buildReadyDevice({
    id: device.id,
    model: profile.model,
    line: device.line,
    unitId: device.unitId,
    points: points.map((point) => resolvePoint(point.spec)),
    health: profile.health,
    plan: { ...options.plan, ...device.plan },
  });
}
