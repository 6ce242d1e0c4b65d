/** The site file format: devices on Modbus TCP ports and RTU lines, OPC UA tank farms, scenarios attached to devices. */

import { z } from 'zod';
import { deviceSpecSchemaWith } from '../devices/registry.ts';
import { COMMS_FAULTS } from '../modbus/unit-host.ts';

/** A scenario file path (relative to the site file) or an inline scenario. */
const scenarioReference = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

const siteDeviceSchema = deviceSpecSchemaWith({
  unitId: z.number().int().min(1).max(247),
  scenario: scenarioReference.optional(),
  /** Comms fault in force from the start (tests and demos of a dead slave). */
  fault: z.enum(COMMS_FAULTS).default('none'),
});

const tcpPortSchema = z.strictObject({
  name: z.string().min(1),
  /** 0 picks a free ephemeral port (what tests use); the bound port is printed. */
  port: z.number().int().min(0).max(65535).default(0),
  devices: z.array(siteDeviceSchema).min(1),
});

const rtuLineSchema = z.strictObject({
  name: z.string().min(1),
  /** A serial device path, or "pty" to create a socat pty pair (clients open the printed client path). */
  path: z.string().min(1).default('pty'),
  baudRate: z.number().int().positive().default(19200),
  parity: z.enum(['none', 'even', 'odd']).default('even'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  devices: z.array(siteDeviceSchema).min(1),
});

const tankSchema = z.strictObject({
  id: z.string().min(1),
  heightMm: z.number().positive(),
  levelMm: z.number().nonnegative(),
  pressureKPa: z.number(),
  temperatureC: z.number(),
  inletFlowMmPerS: z.number().nonnegative().optional(),
  outletFlowMmPerS: z.number().nonnegative().optional(),
  inletTravelTimeMs: z.number().nonnegative().optional(),
  inletOpen: z.boolean().optional(),
  scenario: scenarioReference.optional(),
});

const tankFarmSchema = z.strictObject({
  name: z.string().min(1),
  port: z.number().int().min(0).max(65535).default(0),
  tanks: z.array(tankSchema).min(1),
  users: z.array(z.strictObject({ userName: z.string().min(1), password: z.string().min(1) })).optional(),
  allowAnonymous: z.boolean().optional(),
});

export const siteSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Simulated ms per real ms; 0 stops the clock (tests step it through the running site). */
  speed: z.number().nonnegative().default(1),
  tcp: z.array(tcpPortSchema).default([]),
  rtu: z.array(rtuLineSchema).default([]),
  opcua: z.array(tankFarmSchema).default([]),
});

export type SiteSpec = z.input<typeof siteSchema>;
export type ParsedSite = z.output<typeof siteSchema>;
export type SiteDevice = z.output<typeof siteDeviceSchema>;
