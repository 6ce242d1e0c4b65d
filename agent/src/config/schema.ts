/** The site config file's sections as zod schemas, composed from the protocol, engine and store schemas rather than redefined. */
import { deviceConfigSchema, lineConfigSchema, opcuaConnectionSchema } from '@hazmon/protocols';
import { z } from 'zod';
import { GAS_NAMES, engineConfigSchema } from '../engine/index.ts';
import {
  DEFAULT_STORE_MEMORY_LIMIT_MB,
  DEFAULT_STORE_READ_TIMEOUT_S,
  MAX_STORE_MEMORY_LIMIT_MB,
  MAX_STORE_READ_TIMEOUT_S,
  MIN_RAW_RETENTION_DAYS,
  MIN_STORE_MEMORY_LIMIT_MB,
} from '../store/limits.ts';
import { AREA_KINDS } from './area-presets.ts';
import { PASSWORD_HASH_PATTERN } from './password.ts';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'an id starts with a letter or digit and holds letters, digits, _ . -');
const text = z.string().min(1);
const finite = z.number().finite();

/** What an alarm means for the person in front of it: shown beside the alarm. Any subset; the rest comes from the area's preset. */
export const alarmHelpSchema = z.strictObject({
  cause: text.optional(),
  consequence: text.optional(),
  /** Minutes within which someone must act. */
  responseMinutes: z.number().positive().max(1440).optional(),
  action: text.optional(),
});

const areaSchema = z.strictObject({
  id,
  name: text.optional(),
  /** Major hazard source code of this area; its leak points inherit it. */
  hazardSourceCode: text.optional(),
  /** The kind of area: its preset (area-presets.ts) gives the area's gas points their standard and every alarm of the area its help. */
  kind: z.enum(AREA_KINDS).optional(),
  /**
   * Outputs the area's preset trips, each by the alarms the preset names for its kind of output: of every point of the
   * area, or of the points given with it (a tank's own level and pressure for its own inlet valve).
   */
  interlock: z.strictObject({ outputs: z.array(z.union([id, z.strictObject({ output: id, points: z.array(id).min(1) })])).min(1) }).optional(),
});

const substanceSchema = z.strictObject({
  name: text,
  casNumber: text.optional(),
  /** q: the largest quantity present, tonnes. */
  quantityT: z.number().nonnegative().finite(),
  /** Q: the critical quantity of GB 18218, tonnes. */
  criticalQuantityT: z.number().positive().finite(),
  /** beta: the correction factor of the substance's hazard class. */
  beta: z.number().positive().finite(),
});

const majorHazardSchema = z.strictObject({
  /** alpha: the correction for people exposed nearby. */
  alpha: z.number().positive().finite(),
  substances: z.array(substanceSchema).min(1),
});

/** True for a time zone name this Node's Intl knows (`Asia/Shanghai`, `UTC`); offsets such as `+08:00` are refused: a zone keeps its rules through the year. */
function isTimeZoneName(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const PLAN_IMAGE_TYPES = { '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' } as const;

/** The site plan ("one map"): an image whose coordinates, in plan units from its top left, place the points. */
const planSchema = z.strictObject({
  /** The image file, relative to the config file's folder. */
  image: text.regex(/\.(svg|png|jpe?g)$/i, 'a plan image is a .svg, .png or .jpg file'),
  width: z.number().positive().finite(),
  height: z.number().positive().finite(),
});

const siteSchema = z.strictObject({
  id,
  name: text,
  /** IANA time zone the dashboard shows times in (stored times stay UTC). */
  timeZone: z.string().refine(isTimeZoneName, 'not an IANA time zone name (e.g. Asia/Shanghai, UTC)').default('Asia/Shanghai'),
  plan: planSchema.optional(),
  /** Gateway code the provincial platform assigned to this gateway. */
  gatewayCode: text.optional(),
  /** The enterprise as the regulator knows it: its code (keyed by the administrative code, e.g. 1101100012NR) and name. */
  enterprise: z.strictObject({ code: text, name: text }).optional(),
  areas: z.array(areaSchema).default([]),
  /** The site's hazardous-chemical inventories, for the major-hazard grade (R = alpha * sum(beta_i q_i / Q_i), GB 18218). */
  majorHazard: majorHazardSchema.optional(),
});

const enginePointSchema = engineConfigSchema.shape.points.element;
/** The engine's preset, with gas and unit taken from the point when left out. */
const presetSchema = enginePointSchema.shape.preset.unwrap().partial({ gas: true, unit: true });
/** The engine's per-point rule set; id, site, area, unit and resolution come from the point entry. */
export const pointRulesSchema = enginePointSchema.omit({ id: true, site: true, area: true, unit: true, resolution: true }).extend({ preset: presetSchema.optional() });

/** One monitored point: a reading id (`<device>.<point>` or an OPC UA point id), its rules and its regulatory metadata. */
const pointEntrySchema = z.strictObject({
  id: text,
  description: text.optional(),
  /** Area of the site; voting groups only count detectors of their own area. */
  area: text.optional(),
  gas: z.enum(GAS_NAMES).optional(),
  /** Default: the device point's unit. */
  unit: z.string().optional(),
  /**
   * Stored values are rounded to this (engineering units), and alarm texts show values at it. Default: 1 for booleans
   * and unscaled integers, else 0.001.
   */
  resolution: z.number().positive().finite().optional(),
  indicatorCode: text.optional(),
  equipmentCode: text.optional(),
  tagNumber: text.optional(),
  /** Measuring range; default the device point's range. */
  range: z.tuple([finite, finite]).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  latitude: z.number().min(-90).max(90).optional(),
  /** Default: the area's. */
  hazardSourceCode: text.optional(),
  casNumber: z
    .string()
    .regex(/^[1-9][0-9]{1,6}-[0-9]{2}-[0-9]$/, 'a CAS number looks like 74-82-8')
    .optional(),
  disabled: z.strictObject({ by: text, at: z.iso.datetime({ offset: true }), reason: text }).optional(),
  rules: pointRulesSchema.optional(),
  /** Where the point is on the site plan, in plan units from its top left. */
  position: z.strictObject({ x: z.number().nonnegative().finite(), y: z.number().nonnegative().finite() }).optional(),
  /** Help for the point's alarms by rule (hi, hihi, lo, lolo, stale, comms_loss, a window's name, ...); `all` for every alarm of the point. Field by field over the area preset's. */
  help: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'a rule name (hi, hihi, stale, ...) or all'), alarmHelpSchema).optional(),
});

const engineVotingGroupSchema = engineConfigSchema.shape.votingGroups.unwrap().element;
const engineActionSchema = engineConfigSchema.shape.actions.unwrap().element;
/** The engine's voting group; its site is the config's site. */
const votingGroupSchema = engineVotingGroupSchema.omit({ site: true }).extend({ help: alarmHelpSchema.optional() });
const actionSchema = engineActionSchema;
export const OUTPUT_KINDS = engineActionSchema.shape.kind.options;

const outputSchema = z.strictObject({
  id,
  /** What the people on site call it, e.g. 厨房燃气紧急切断阀: shown with its actions. */
  name: text.optional(),
  kind: z.enum(OUTPUT_KINDS),
  /** The point written to trip the output: a writable Modbus point `<device>.<point>` or an OPC UA point id. */
  command: text,
  /** Value written to trip. Default false for a shut-off valve (fail-safe: de-energize to close), else true. */
  tripValue: z.union([z.boolean(), finite]).optional(),
  /** Limit switches read back after a trip; required for shut-off valves. `open` is left out for a valve with a closed switch only. */
  feedback: z.strictObject({ closed: text, open: text.optional() }).optional(),
  /** Closed (and not open, when there is an open switch) within this long after the command, or a shut-off discrepancy alarm. */
  travelTimeS: z.number().positive().max(60).default(3),
  /** Further write attempts when the command write itself fails. */
  retries: z.number().int().min(0).max(10).default(2),
});

export const USER_ROLES = ['viewer', 'operator', 'supervisor', 'admin'] as const;
/** Roles that may reset a latched action (and so release a shut-off). */
export const RESET_ROLES: readonly (typeof USER_ROLES)[number][] = ['supervisor', 'admin'];

const userSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'a user name is lower-case letters, digits, _ . -'),
  role: z.enum(USER_ROLES),
  passwordHash: z.string().regex(PASSWORD_HASH_PATTERN, 'not a password hash: make one with `hazmon hash-password`'),
});

const retentionSchema = z.strictObject({
  rawDays: z.number().int().min(MIN_RAW_RETENTION_DAYS, `raw readings must be kept at least ${MIN_RAW_RETENTION_DAYS} days (major hazard source rules)`).default(MIN_RAW_RETENTION_DAYS),
  minuteRollupDays: z.number().int().positive().default(1830),
  /** Hourly and daily rollups; null keeps them forever. */
  coarseRollupDays: z.number().int().positive().nullable().default(null),
});

const storeSectionSchema = z.strictObject({
  /** DuckDB file; relative paths are taken from the config file's folder. */
  path: text.default('hazmon.duckdb'),
  /** DuckDB's memory limit in MiB: what its cached blocks and query state may hold; large queries spill to `<path>.tmp`. */
  memoryLimitMb: z
    .number()
    .int()
    .min(MIN_STORE_MEMORY_LIMIT_MB, `DuckDB needs at least ${MIN_STORE_MEMORY_LIMIT_MB} MiB for the store's queries`)
    .max(MAX_STORE_MEMORY_LIMIT_MB, `at most ${MAX_STORE_MEMORY_LIMIT_MB} MiB`)
    .default(DEFAULT_STORE_MEMORY_LIMIT_MB),
  /** The longest one read of the store may run (a trend, a page, an export's window), in seconds; a longer one is stopped. */
  readTimeoutS: z.number().int().min(1).max(MAX_STORE_READ_TIMEOUT_S, `at most ${MAX_STORE_READ_TIMEOUT_S} s`).default(DEFAULT_STORE_READ_TIMEOUT_S),
});

/** True for an address only this machine can reach: plain HTTP there cannot be sniffed on the plant network. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The web server of `hazmon run` (the dashboard and the regulator API). */
const apiSchema = z
  .strictObject({
    host: text.default('127.0.0.1'),
    /** 0 picks a free port (logged at start). */
    port: z.number().int().min(0).max(65535).default(8080),
    /** Serve HTTPS with this certificate and key (PEM files, relative paths from the config file's folder). */
    tls: z.strictObject({ cert: text, key: text }).optional(),
    /** Serve plain HTTP on a host other than loopback: passwords and session cookies cross the network readable (warned at start). */
    allowPlainHttp: z.boolean().default(false),
  })
  .superRefine((api, context) => {
    if (api.tls === undefined && !api.allowPlainHttp && !isLoopbackHost(api.host)) {
      context.addIssue({ code: 'custom', path: ['host'], message: `plain HTTP off loopback would send passwords readable: give api.tls { cert, key }, or set api.allowPlainHttp: true` });
    }
  });

/** The HTTP listener of `hazmon run` for GET /metrics (Prometheus text) and GET /healthz; absent = no listener. */
const metricsSchema = z.strictObject({
  /** Loopback by default: expose it wider only behind a firewall, it has no authentication. */
  host: text.default('127.0.0.1'),
  /** 0 picks a free port (logged at start). 9464 is the usual exporter port. */
  port: z.number().int().min(0).max(65535),
});

/** A NATS server URL: nats://host:port, or tls://host:port (TLS from the first byte). */
const natsUrl = z.string().regex(/^(nats|tls):\/\/[^\s/@]+:\d{1,5}$/, 'a NATS server URL: nats://host:port or tls://host:port');

/** The host of a NATS server URL, without brackets around an IPv6 address. */
function natsHost(url: string): string {
  return new URL(url.replace(/^(nats|tls):/, 'http:')).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** How the gateway proves who it is to the hub: one of them, from files the service reads (never a secret in this file). */
const uplinkAuthSchema = z
  .strictObject({
    /** A NATS user with the password in `passwordFile` (its first line). */
    user: text.optional(),
    passwordFile: text.optional(),
    /** A NATS credentials file (user JWT and nkey seed), as `nsc` writes it. */
    credsFile: text.optional(),
    /** A file holding an nkey seed (SU...). */
    nkeySeedFile: text.optional(),
  })
  .superRefine((auth, context) => {
    const ways = [auth.user !== undefined || auth.passwordFile !== undefined, auth.credsFile !== undefined, auth.nkeySeedFile !== undefined].filter(Boolean).length;
    if (ways !== 1) context.addIssue({ code: 'custom', path: [], message: 'give exactly one of: user with passwordFile, credsFile, nkeySeedFile' });
    if ((auth.user === undefined) !== (auth.passwordFile === undefined))
      context.addIssue({ code: 'custom', path: [auth.user === undefined ? 'user' : 'passwordFile'], message: 'user and passwordFile go together' });
  });

/** The uplink to the regulator hub over NATS JetStream (uplink/README.md): outbound only, the agent's store as its outbox. */
const uplinkSchema = z
  .strictObject({
    /** The hub's NATS servers; the client moves on to the next when one fails. */
    servers: z.array(natsUrl).min(1),
    auth: uplinkAuthSchema.optional(),
    /** TLS to the hub: `ca` to trust (default the system's), `cert` and `key` for a client certificate (PEM files, relative paths from the config file's folder). */
    tls: z.strictObject({ ca: text.optional(), cert: text.optional(), key: text.optional() }).optional(),
    /** Talk to a server off loopback without TLS: the credentials and the site's data cross the network readable. */
    allowPlainText: z.boolean().default(false),
    /** How often the agent's health is sent (latest wins; not kept in the outbox). */
    healthIntervalS: z.number().int().min(1).max(3600).default(30),
  })
  .superRefine((uplink, context) => {
    if (uplink.tls === undefined && !uplink.allowPlainText) {
      uplink.servers.forEach((url, index) => {
        if (url.startsWith('nats:') && !isLoopbackHost(natsHost(url))) {
          context.addIssue({
            code: 'custom',
            path: ['servers', index],
            message: 'without TLS the credentials and the data cross the network readable: give uplink.tls, or set uplink.allowPlainText: true',
          });
        }
      });
    }
    if (uplink.tls !== undefined && (uplink.tls.cert === undefined) !== (uplink.tls.key === undefined)) {
      context.addIssue({ code: 'custom', path: ['tls', uplink.tls.cert === undefined ? 'cert' : 'key'], message: 'a client certificate needs both cert and key' });
    }
  });

/** Limits past which the agent calls itself unhealthy (runtime alarm, /healthz 503, no systemd watchdog ping). */
const healthSchema = z.strictObject({
  /** Event-loop delay that raises `agent/event_loop_lag` (polls, ticks and shut-offs all wait on the loop). */
  eventLoopLagMs: z.number().int().min(10).max(60_000).default(500),
  /** Queued readings not committed for this long = the store is failing. */
  storeStallS: z.number().positive().max(3600).default(10),
  /** No engine tick for this long = the agent is hung. */
  tickStallS: z.number().positive().max(3600).default(5),
});

/** A value the agent writes to a PLC on a fixed period so the PLC can detect a dead gateway. */
const heartbeatSchema = z.strictObject({
  /** A writable Modbus point `<device>.<point>` or an OPC UA point id. */
  point: text,
  /** toggle: true/false alternately; count: 1, 2, ... 32767, 0, 1, ... Default: toggle for a coil or OPC UA point, count for a register. */
  mode: z.enum(['toggle', 'count']).optional(),
  intervalS: z.number().min(0.1).max(3600).default(5),
});

/** Where the site's own device profiles are: models not shipped with hazmon, or a shipped model adapted. */
const profilesSchema = z.strictObject({
  /**
   * Folder of `<model>.yaml` profiles (relative paths from the config file's folder); a model found there is used
   * instead of the shipped one of that name, any other model comes from the shipped profiles.
   */
  dir: text,
});

/**
 * How often a detector is bump-tested and calibrated (the plant's maintenance plan, from the maker's manual): the next
 * due date of each is the last record's plus this many days, unless the record names its own.
 */
const upkeepIntervalsSchema = z.strictObject({
  bumpTestDays: z.number().int().min(1).max(3660).optional(),
  calibrationDays: z.number().int().min(1).max(3660).optional(),
});

/** A Modbus device (the protocol's fields) with the agent's own: its upkeep intervals. */
const deviceEntrySchema = deviceConfigSchema.extend({ upkeep: upkeepIntervalsSchema.optional() });

/** Every top-level section; each is checked on its own so one bad section does not hide the others' problems. */
export const configSections = {
  site: siteSchema,
  lines: z.array(lineConfigSchema).default([]),
  devices: z.array(deviceEntrySchema).default([]),
  opcua: z.array(opcuaConnectionSchema).default([]),
  points: z.array(pointEntrySchema).default([]),
  votingGroups: z.array(votingGroupSchema).default([]),
  actions: z.array(actionSchema).default([]),
  outputs: z.array(outputSchema).default([]),
  users: z.array(userSchema).default([]),
  retention: retentionSchema.prefault({}),
  store: storeSectionSchema.prefault({}),
  api: apiSchema.prefault({}),
  metrics: metricsSchema.nullable().default(null),
  uplink: uplinkSchema.nullable().default(null),
  health: healthSchema.prefault({}),
  heartbeat: heartbeatSchema.nullable().default(null),
  profiles: profilesSchema.nullable().default(null),
} as const;

export type ConfigSectionName = keyof typeof configSections;
export type ConfigSections = { -readonly [K in ConfigSectionName]: z.output<(typeof configSections)[K]> };

export type SiteConfig = z.output<typeof siteSchema>;
export type AlarmHelpConfig = z.output<typeof alarmHelpSchema>;
export type PointEntry = z.output<typeof pointEntrySchema>;
export type OutputConfig = z.output<typeof outputSchema>;
export type UserRole = (typeof USER_ROLES)[number];
export type UserConfig = z.output<typeof userSchema>;
export type RetentionConfig = z.output<typeof retentionSchema>;
export type ApiConfig = z.output<typeof apiSchema>;
export type MetricsListenConfig = z.output<typeof metricsSchema>;
export type UplinkConfig = z.output<typeof uplinkSchema>;
export type HealthLimits = z.output<typeof healthSchema>;
export type HeartbeatConfig = z.output<typeof heartbeatSchema>;
export type UpkeepIntervals = z.output<typeof upkeepIntervalsSchema>;
