/**
 * Loads the agent's site config file into one resolved AgentConfig, or throws HazmonConfigError listing every problem
 * with file, line:column, field path and the bad value.
 *
 * @example
 * const config = loadAgentConfig('/etc/hazmon/site.yaml');
 * new ModbusPoller(...config.devices); new AlarmEngine(config.engine, sink);
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { messageOf } from '@hazmon/errors';
import type { LineConfig, Locator, OpcuaConnectionConfig, ReadyDevice } from '@hazmon/protocols';
import { yamlLocator } from '@hazmon/protocols';
import type { EngineConfig } from '../engine/index.ts';
import type { StoreOptions, StorePointDefinition } from '../store/index.ts';
import type { AlarmHelpTable } from './areas.ts';
import { checkHelp } from './areas.ts';
import { buildCatalog } from './catalog.ts';
import type { ConfigIssue } from './errors.ts';
import { HazmonConfigError } from './errors.ts';
import type { PathPart } from './issues.ts';
import { IssueList } from './issues.ts';
import type { PlanPosition } from './plan.ts';
import { checkPlan } from './plan.ts';
import { compileRules, tripValueOf } from './rules.ts';
import type {
  ApiConfig,
  ConfigSectionName,
  ConfigSections,
  HealthLimits,
  HeartbeatConfig,
  MetricsListenConfig,
  OutputConfig,
  SiteConfig,
  UpkeepIntervals,
  UplinkConfig,
  UserConfig,
} from './schema.ts';
import { configSections } from './schema.ts';
import { storePointDefinitions } from './store-points.ts';
import { parseYamlDocument, readYamlData } from './yaml-data.ts';

export interface LoadConfigOptions {
  /** Folder of device profiles; default the shipped `protocols/profiles/`. */
  readonly profilesDir?: string;
}

/** An output with its trip value settled. */
export type ResolvedOutput = OutputConfig & { readonly tripValue: boolean | number };

export interface AgentConfig {
  /** Absolute path of the file it came from. */
  readonly file: string;
  readonly site: SiteConfig;
  readonly lines: readonly LineConfig[];
  /** Ready to hand to a ModbusPoller: decoders and poll plans built. */
  readonly devices: readonly ReadyDevice[];
  readonly opcua: readonly OpcuaConnectionConfig[];
  /** Bump-test and calibration intervals by Modbus device id (`devices[].upkeep`); devices without are left out. */
  readonly upkeep: Readonly<Record<string, UpkeepIntervals>>;
  /** Parsed and compiled once by the engine; pass to `new AlarmEngine(config.engine, sink)`. */
  readonly engine: EngineConfig;
  /** Every point that produces readings, with its regulatory metadata. */
  readonly storePoints: readonly StorePointDefinition[];
  /** Store settings except the runtime's own callbacks; the path is absolute. */
  readonly store: Required<Pick<StoreOptions, 'path' | 'memoryLimitMb' | 'readTimeoutMs' | 'rawRetentionDays' | 'minuteRollupRetentionDays' | 'coarseRollupRetentionDays'>>;
  readonly outputs: readonly ResolvedOutput[];
  readonly users: readonly UserConfig[];
  readonly api: ApiConfig;
  /** Where `hazmon run` serves /metrics and /healthz; null = not served. */
  readonly metrics: MetricsListenConfig | null;
  /** The uplink to the regulator hub (file paths absolute); null = none. Sent as `site.gatewayCode`. */
  readonly uplink: UplinkConfig | null;
  readonly health: HealthLimits;
  /** The point written periodically toward a PLC; null = no heartbeat. */
  readonly heartbeat: HeartbeatConfig | null;
  /** Each point's place on the site plan (`site.plan`, whose image path is absolute here), by point id. */
  readonly positions: Readonly<Record<string, PlanPosition>>;
  /** The help the config gives for alarms beyond the area presets (alarmHelpOf resolves an alarm's). */
  readonly alarmHelp: AlarmHelpTable;
  /** Alarm conditions the engine compiled, for summaries. */
  readonly alarmCount: number;
}

const SECTION_NAMES = Object.keys(configSections) as ConfigSectionName[];

/**
 * The largest config file loaded. A site of 10,000 gas detectors, each device and point written out in full
 * (generated-configs.ts: largeSite), is 5.1 MiB; the limit leaves three times that. Checking a file costs memory in
 * proportion to its size (yaml's Document, needed to place problems, takes ~70 bytes per byte of a file of problems),
 * so past the limit it is refused before it is read.
 */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** HazmonConfigError for a file of `bytes`, when that is over MAX_CONFIG_FILE_BYTES. */
function refuseOversized(file: string, bytes: number): void {
  if (bytes <= MAX_CONFIG_FILE_BYTES) return;
  const problem = `the file is ${bytes} bytes (${mebibytes(bytes)}), over the ${MAX_CONFIG_FILE_BYTES} bytes (${mebibytes(MAX_CONFIG_FILE_BYTES)}) a config file may have; a site of 10,000 points needs about 5 MiB`;
  throw new HazmonConfigError(file, [{ code: 'HAZMON_CONFIG_TOO_LARGE', file, path: '', line: 1, column: 1, problem, value: bytes }]);
}

/** Reads and loads a config file; `file` is resolved against the working directory. */
export function loadAgentConfig(file: string, options: LoadConfigOptions = {}): AgentConfig {
  const path = resolve(file);
  let text: string;
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    // Sized on the open file, so what is read is the file that was measured.
    refuseOversized(path, fstatSync(descriptor).size);
    text = readFileSync(descriptor, 'utf8');
  } catch (error) {
    if (error instanceof HazmonConfigError) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? messageOf(error);
    throw new HazmonConfigError(path, [{ code: 'HAZMON_CONFIG_UNREADABLE', file: path, path: '', line: 1, column: 1, problem: `cannot read the file (${reason})`, value: path }]);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
  return parseAgentConfig(text, path, options);
}

/** The folder, beside the store, of the OPC UA clients' certificates and trust lists when a connection names none. */
const DEFAULT_OPCUA_PKI_DIR = 'opcua-pki';

/**
 * An OPC UA connection's PKI folder: relative to the config file's folder, as `store.path` is; by default a folder
 * beside the store, so the client certificate a server was told to trust, and the server certificates trusted,
 * survive a restart (and sit where the service may write).
 */
function opcuaPkiDir(file: string, storePath: string, pkiDir: string | undefined): string {
  return pkiDir === undefined ? join(dirname(storePath), DEFAULT_OPCUA_PKI_DIR) : resolve(dirname(file), pkiDir);
}

/** Loads config text; `file` names it in messages and anchors the relative store path and OPC UA PKI folders. */
export function parseAgentConfig(text: string, file: string, options: LoadConfigOptions = {}): AgentConfig {
  refuseOversized(file, Buffer.byteLength(text, 'utf8'));
  const raw = parseYaml(text, file);
  const issues = new IssueList(lazyYamlLocator(file, text), raw);
  const sections = parseSections(raw, issues);
  checkUniqueIds(sections, issues);
  const catalog = sections.devices && sections.lines && sections.opcua ? buildCatalog(sections, file, options.profilesDir, issues) : null;
  const rules = compileRules(sections, catalog, issues);
  const plan = checkPlan(sections, file, issues);
  const alarmHelp = checkHelp(sections, issues);
  if (sections.retention && sections.retention.minuteRollupDays < sections.retention.rawDays) {
    issues.add('HAZMON_CONFIG_INVALID', ['retention', 'minuteRollupDays'], `must not be shorter than rawDays (${sections.retention.rawDays})`);
  }
  checkUplinkGateway(sections, issues);
  if (issues.count > 0 || !rules || !catalog || !isComplete(sections)) throw new HazmonConfigError(file, issues.listed, issues.count);
  const storePath = resolve(dirname(file), sections.store.path);
  return {
    file,
    site: sections.site.plan === undefined ? sections.site : { ...sections.site, plan: { ...sections.site.plan, image: plan.image! } },
    lines: sections.lines,
    devices: catalog.devices,
    opcua: sections.opcua.map((connection) => ({ ...connection, pkiDir: opcuaPkiDir(file, storePath, connection.pkiDir) })),
    upkeep: Object.fromEntries(sections.devices.flatMap((device) => (device.upkeep === undefined ? [] : [[device.id, device.upkeep]]))),
    engine: rules.engine,
    storePoints: storePointDefinitions(catalog, sections.points, rules.engine, sections.site),
    store: {
      path: storePath,
      memoryLimitMb: sections.store.memoryLimitMb,
      readTimeoutMs: sections.store.readTimeoutS * 1000,
      rawRetentionDays: sections.retention.rawDays,
      minuteRollupRetentionDays: sections.retention.minuteRollupDays,
      coarseRollupRetentionDays: sections.retention.coarseRollupDays,
    },
    outputs: sections.outputs.map((output) => ({ ...output, tripValue: tripValueOf(output) })),
    users: sections.users,
    api: sections.api.tls === undefined ? sections.api : { ...sections.api, tls: { cert: resolve(dirname(file), sections.api.tls.cert), key: resolve(dirname(file), sections.api.tls.key) } },
    metrics: sections.metrics,
    uplink: sections.uplink === null ? null : resolveUplinkFiles(sections.uplink, dirname(file)),
    health: sections.health,
    heartbeat: sections.heartbeat,
    positions: plan.positions,
    alarmHelp,
    alarmCount: rules.alarmCount,
  };
}

/** A gateway code is a token of the uplink's NATS subjects (`hazmon.<gatewayCode>.events`): no dots, wildcards or spaces. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

function checkUplinkGateway(sections: Partial<ConfigSections>, issues: IssueList): void {
  if (!sections.uplink || !sections.site) return;
  const code = sections.site.gatewayCode;
  if (code === undefined) issues.add('HAZMON_CONFIG_INVALID', ['uplink'], 'the uplink sends as the gateway: give site.gatewayCode (the code the provincial platform assigned)');
  else if (!SUBJECT_TOKEN.test(code)) issues.add('HAZMON_CONFIG_INVALID', ['site', 'gatewayCode'], 'with an uplink the gateway code names its NATS subjects: 1-64 letters, digits, _ or -');
}

/** The uplink's credential and certificate files, relative to the config file's folder. */
function resolveUplinkFiles(uplink: UplinkConfig, folder: string): UplinkConfig {
  const fromFolder = <T extends Record<string, string | undefined>>(files: T): T =>
    Object.fromEntries(Object.entries(files).map(([key, value]) => [key, key === 'user' || value === undefined ? value : resolve(folder, value)])) as T;
  return { ...uplink, ...(uplink.auth && { auth: fromFolder(uplink.auth) }), ...(uplink.tls && { tls: fromFolder(uplink.tls) }) };
}

/** The file's data, or HazmonConfigError with every syntax error placed. */
function parseYaml(text: string, file: string): unknown {
  const read = readYamlData(text);
  if ('data' in read) return read.data;
  const { document, lines } = read.errors;
  const syntax = document.errors.map((error): ConfigIssue => {
    const { line, col } = lines.linePos(error.pos[0]);
    return { code: 'HAZMON_CONFIG_YAML', file, path: '', line, column: col, problem: error.message.split('\n')[0]!, value: error.code };
  });
  throw new HazmonConfigError(file, syntax);
}

/**
 * Places issues at line:column; the Document that needs is parsed again on the first issue rather than kept through a
 * load that usually finds none (for 10k points it is ~100 MB the rest of the load could not reuse).
 */
function lazyYamlLocator(file: string, text: string): Locator {
  let located: Locator | undefined;
  return {
    file,
    at(path) {
      if (located === undefined) {
        const { document, lines } = parseYamlDocument(text);
        located = yamlLocator(file, document, lines);
      }
      return located.at(path);
    },
  };
}

/** Parses each top-level section on its own; a section that fails is left out (and reported). */
function parseSections(raw: unknown, issues: IssueList): Partial<ConfigSections> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.add('HAZMON_CONFIG_INVALID', [], 'the file must be a mapping of sections (site, lines, devices, points, ...)');
    return {};
  }
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(SECTION_NAMES as string[]).includes(key)) issues.add('HAZMON_CONFIG_INVALID', [key], `unknown section ${JSON.stringify(key)} (sections: ${SECTION_NAMES.join(', ')})`);
  }
  const sections: Partial<Record<ConfigSectionName, unknown>> = {};
  for (const name of SECTION_NAMES) {
    const parsed = configSections[name].safeParse(record[name]);
    if (parsed.success) sections[name] = parsed.data;
    else issues.addZod([name], parsed.error);
  }
  return sections as Partial<ConfigSections>;
}

function isComplete(sections: Partial<ConfigSections>): sections is ConfigSections {
  return SECTION_NAMES.every((name) => sections[name] !== undefined);
}

function checkUniqueIds(sections: Partial<ConfigSections>, issues: IssueList): void {
  const list = (section: PathPart[], items: readonly { id: string }[] | undefined, label: string) =>
    issues.addDuplicates(
      items ?? [],
      (item) => item.id,
      (index) => [...section, index, 'id'],
      label,
    );
  list(['site', 'areas'], sections.site?.areas, 'area');
  list(['lines'], sections.lines, 'line');
  list(['devices'], sections.devices, 'device');
  list(['opcua'], sections.opcua, 'OPC UA connection');
  list(['points'], sections.points, 'point');
  list(['votingGroups'], sections.votingGroups, 'voting group');
  list(['actions'], sections.actions, 'action');
  list(['outputs'], sections.outputs, 'output');
  issues.addDuplicates(
    sections.users ?? [],
    (user) => user.name,
    (index) => ['users', index, 'name'],
    'user',
  );
  // Two lines on one serial port would fight over it at run time.
  const serial = (sections.lines ?? []).flatMap((line, index) => (line.kind === 'rtu' ? [{ path: line.path, index }] : []));
  issues.addDuplicates(
    serial,
    (line) => line.path,
    (n) => ['lines', serial[n]!.index, 'path'],
    'serial port',
  );
}
