/**
 * `hazmon browse ENDPOINT`: connects to an OPC UA server as a config's connection would and prints its variables as
 * point entries to paste under that connection's `points:`, node ids exactly as this server numbers its namespaces.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { OpcuaEndpointConfig, OpcuaVariableInfo } from '@hazmon/protocols';
import { OpcuaError, browseOpcuaVariables, opcuaEndpointSchema, opcuaPointSchema } from '@hazmon/protocols';
import type { CliIo } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { readPassword } from './hash-password.ts';

const DEFAULT_START_NODE = 'i=85';
const DEFAULT_DEPTH = 8;
/** OPC UA data types whose scalar values a point reads; any other variable is listed as a comment only. */
const READABLE_TYPES = new Set(['Boolean', 'SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Float', 'Double']);
const PLAIN_SCALAR = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The command-line option behind each endpoint field, so a bad value is reported as the option the user typed. */
const OPTION_OF_FIELD: Readonly<Record<string, string>> = {
  endpointUrl: 'ENDPOINT',
  securityMode: '--security-mode',
  securityPolicy: '--security-policy',
  user: '--user',
  pkiDir: '--pki-dir',
  requestTimeoutMs: '--timeout-ms',
};

export interface BrowseArgs {
  readonly endpoint: OpcuaEndpointConfig;
  readonly startNodeId: string;
  readonly maxDepth: number;
  /** Set when --user was given: the password is asked for once the arguments are known good. */
  readonly userName: string | undefined;
}

function wholeNumber(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${option} ${JSON.stringify(value)} is not a whole number >= 1`);
  return Number(value);
}

/** Checks every option before anything is connected; the endpoint fields are checked by the connection config's own schema. */
export function parseBrowseArgs(args: readonly string[]): BrowseArgs {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      'security-mode': { type: 'string' },
      'security-policy': { type: 'string' },
      user: { type: 'string' },
      'pki-dir': { type: 'string' },
      'trust-unknown-server-certificate': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      start: { type: 'string' },
      depth: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`give exactly one endpoint such as opc.tcp://10.0.0.5:4840 (got ${positionals.length})`);
  const endpoint = {
    endpointUrl: positionals[0]!,
    ...(values['security-mode'] === undefined ? {} : { securityMode: values['security-mode'] }),
    ...(values['security-policy'] === undefined ? {} : { securityPolicy: values['security-policy'] }),
    // The password is not known yet; the schema checks the user name alone.
    ...(values.user === undefined ? {} : { user: { userName: values.user, password: '' } }),
    ...(values['pki-dir'] === undefined ? {} : { pkiDir: resolve(values['pki-dir']) }),
    trustUnknownServerCertificate: values['trust-unknown-server-certificate'],
    requestTimeoutMs: wholeNumber('timeout-ms', values['timeout-ms'], 10_000),
  };
  const parsed = opcuaEndpointSchema.safeParse(endpoint);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = OPTION_OF_FIELD[String(issue.path[0])] ?? String(issue.path[0]);
    const given = option === 'ENDPOINT' ? positionals[0] : values[option.slice(2) as keyof typeof values];
    throw new UsageError(`${option} ${JSON.stringify(given)}: ${issue.message}`);
  }
  // A throwaway certificate folder would lose the trust a secure channel needs (and the rejected server certificate).
  if (parsed.data.securityMode !== 'None' && parsed.data.pkiDir === undefined) {
    throw new UsageError(`--security-mode ${parsed.data.securityMode} needs --pki-dir: the folder of the certificates the server and hazmon trust, e.g. the agent's own /var/lib/hazmon/opcua-pki`);
  }
  const startNodeId = values.start ?? DEFAULT_START_NODE;
  if (!opcuaPointSchema.shape.nodeId.safeParse(startNodeId).success) throw new UsageError(`--start ${JSON.stringify(startNodeId)} is not an OPC UA NodeId such as i=85 or "ns=2;s=Plant"`);
  return { endpoint: parsed.data, startNodeId, maxDepth: wholeNumber('depth', values.depth, DEFAULT_DEPTH), userName: values.user };
}

function yamlScalar(text: string): string {
  return PLAIN_SCALAR.test(text) ? text : JSON.stringify(text);
}

/** A reading id from the browse path: the names joined by dots, characters a config id should not hold replaced. */
function pointIdOf(browsePath: string): string {
  return browsePath
    .split('/')
    .map((name) => name.replace(/[^A-Za-z0-9_-]+/g, '_'))
    .join('.');
}

function describeVariable(variable: OpcuaVariableInfo): string {
  const facts = [variable.dataType];
  const units = variable.engineeringUnits;
  if (units) facts.push(units.displayName === '' || units.displayName === units.unit ? `unit ${units.unit}` : `unit ${units.unit} (${units.displayName})`);
  if (variable.euRange) facts.push(`EURange ${variable.euRange.low}..${variable.euRange.high}`);
  facts.push(variable.writable ? 'writable' : 'read-only');
  return `# ${variable.browsePath}: ${facts.join(', ')}`;
}

/** One point entry per readable variable, each under a comment with what the server says of it. */
export function pointEntriesYaml(variables: readonly OpcuaVariableInfo[]): string {
  return variables
    .map((variable) => {
      const about = describeVariable(variable);
      if (!READABLE_TYPES.has(variable.dataType)) return `${about}: not a number or boolean, hazmon cannot read it as a point\n`;
      const fields = [`id: ${yamlScalar(pointIdOf(variable.browsePath))}`, `nodeId: ${JSON.stringify(variable.nodeId)}`];
      if (variable.dataType === 'Boolean') fields.push('type: bool');
      if (variable.engineeringUnits) fields.push(`unit: ${yamlScalar(variable.engineeringUnits.unit)}`);
      return `${about}\n- { ${fields.join(', ')} }\n`;
    })
    .join('');
}

export async function browseCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { endpoint, startNodeId, maxDepth, userName } = parseBrowseArgs(args);
  const withUser = userName === undefined ? endpoint : { ...endpoint, user: { userName, password: await readPassword(`Password of ${userName}: `, io) } };
  let variables: OpcuaVariableInfo[];
  try {
    variables = await browseOpcuaVariables(withUser, { startNodeId, maxDepth }, 'hazmon browse');
  } catch (error) {
    if (!(error instanceof OpcuaError)) throw error;
    io.stderr.write(`hazmon browse: ${String(error)}\n`);
    return EXIT.failed;
  }
  io.stdout.write(
    `# ${variables.length} variables of ${endpoint.endpointUrl} under ${startNodeId} (depth ${maxDepth}).\n` +
      `# Paste under the points: of an opcua connection with this endpointUrl; rename the ids as the site names them\n` +
      `# (each is a reading id, unique across the config); a unit written here overrides the one the server names.\n` +
      pointEntriesYaml(variables),
  );
  return EXIT.ok;
}
