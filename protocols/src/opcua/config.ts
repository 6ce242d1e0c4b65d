/** OPC UA connection and point configuration: types, zod schemas and the parse function that names the bad field. */

import { quote } from '@hazmon/errors';
import { z } from 'zod';
import { OpcuaError } from './errors.ts';

const MAX_NAMESPACE_INDEX = 0xffff;
const MAX_NUMERIC_IDENTIFIER = 0xffffffff;
/** OPC UA Part 6 NodeId text: optional `ns=<index>;` then `i=<uint32>`, `s=<text>`, `g=<guid>` or `b=<base64>`. */
const NODE_ID_TEXT = /^(?:ns=(\d{1,5});)?(?:i=(\d{1,10})|s=.+|g=[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|b=[A-Za-z0-9+/]+={0,2})$/s;

/** Checks NodeId syntax here rather than with node-opcua's parser, so validating a config does not load node-opcua. */
export function isNodeIdText(text: string): boolean {
  const match = NODE_ID_TEXT.exec(text);
  if (match === null) return false;
  const [, namespace, numeric] = match;
  return (namespace === undefined || Number(namespace) <= MAX_NAMESPACE_INDEX) && (numeric === undefined || Number(numeric) <= MAX_NUMERIC_IDENTIFIER);
}

const nodeIdSchema = z.string().refine(isNodeIdText, {
  message: 'not an OPC UA NodeId such as "ns=1;s=TankFarm.T101.Level" or "i=2258"',
});

const deadbandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('absolute'), value: z.number().nonnegative() }),
  /** Percent of the node's EURange; the server refuses it for nodes without one. */
  z.strictObject({ type: z.literal('percent'), value: z.number().min(0).max(100) }),
]);

export const opcuaPointSchema = z.strictObject({
  id: z.string().min(1),
  nodeId: nodeIdSchema,
  /**
   * What the node's values are: `bool` for a Boolean node, so the store keeps and exports its readings as booleans
   * (its registration is fixed once rows exist, and the server may be out of reach when the agent starts, so it is
   * declared here rather than learned); a value of another type from a `bool` point is a bad reading. `hazmon browse`
   * prints it for Boolean nodes. Default `number`.
   */
  type: z.enum(['number', 'bool']).default('number'),
  /** Overrides the unit taken from the node's EngineeringUnits property. */
  unit: z.string().optional(),
  samplingIntervalMs: z.number().nonnegative().default(1000),
  queueSize: z.number().int().positive().default(10),
  deadband: deadbandSchema.optional(),
});

export const opcuaEndpointSchema = z.strictObject({
  endpointUrl: z.string().regex(/^opc\.tcp:\/\/[^/]+/, { message: 'must start with opc.tcp://host:port' }),
  securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
  /** Only Basic256Sha256 is offered for Sign/SignAndEncrypt; ignored with securityMode None. */
  securityPolicy: z.enum(['Basic256Sha256']).default('Basic256Sha256'),
  /** Absent: anonymous. */
  user: z.strictObject({ userName: z.string().min(1), password: z.string() }).optional(),
  /** Folder for the client's own certificate and trusted/rejected server certificates. Default: a folder under the OS temp dir. */
  pkiDir: z.string().min(1).optional(),
  /** Accept a server certificate that is not in the trusted folder yet (first-contact trust). Default false. */
  trustUnknownServerCertificate: z.boolean().default(false),
  requestTimeoutMs: z.number().int().positive().default(10_000),
});

export const opcuaConnectionSchema = opcuaEndpointSchema.extend({
  id: z.string().min(1),
  publishingIntervalMs: z.number().positive().default(500),
  /** Silence longer than this many keep-alive periods counts as a lost connection. Default 3. */
  keepAliveMissesAllowed: z.number().int().positive().default(3),
  /**
   * Waits between attempts, doubling from initialDelayMs up to maxDelayMs. An attempt at a server that is down is a
   * refused connection, cheap for both sides, and the wait is blindness after the server is back: so 1 s at most.
   */
  reconnect: z
    .strictObject({
      initialDelayMs: z.number().int().positive().default(250),
      maxDelayMs: z.number().int().positive().default(1000),
    })
    .default({ initialDelayMs: 250, maxDelayMs: 1000 }),
  points: z.array(opcuaPointSchema).min(1),
});

export type OpcuaPointConfig = z.output<typeof opcuaPointSchema>;
export type OpcuaEndpointConfig = z.output<typeof opcuaEndpointSchema>;
export type OpcuaConnectionConfig = z.output<typeof opcuaConnectionSchema>;
/** What a config file may leave out (defaults filled by the parse functions). */
export type OpcuaEndpointInput = z.input<typeof opcuaEndpointSchema>;
export type OpcuaConnectionInput = z.input<typeof opcuaConnectionSchema>;

function parseWith<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(root)';
  const value = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], input);
  throw new OpcuaError('HAZMON_OPCUA_CONFIG_INVALID', `${where} ${path}: ${issue.message} (got ${quote(value)})`);
}

/** Validates an OPC UA connection config; `where` (file or section) prefixes the error message. */
export function parseOpcuaConnection(input: unknown, where = 'opcua connection'): OpcuaConnectionConfig {
  const config = parseWith(opcuaConnectionSchema, input, where);
  const seen = new Set<string>();
  config.points.forEach((point, index) => {
    if (seen.has(point.id)) throw new OpcuaError('HAZMON_OPCUA_CONFIG_INVALID', `${where} points.${index}.id: point id appears twice (got ${quote(point.id)})`);
    seen.add(point.id);
  });
  return config;
}

/** Validates an endpoint config (as used by browseOpcuaVariables). */
export function parseOpcuaEndpoint(input: unknown, where = 'opcua endpoint'): OpcuaEndpointConfig {
  return parseWith(opcuaEndpointSchema, input, where);
}
