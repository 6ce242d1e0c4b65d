/**
 * The hub's config file (YAML): NATS, PostgreSQL, VictoriaMetrics, the API's listener and the bureau's staff who sign
 * in to its page. Secrets are never in it: it names files the service reads (the first line of each), and a user has
 * a scrypt hash, never a password. Every problem names its field.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PASSWORD_HASH_PATTERN } from '@hazmon/dashboard/http-kit';
import { messageOf } from '@hazmon/errors';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { parse } from 'yaml';
import { z } from 'zod';
import { HubError } from './errors.ts';

const file = z.string().min(1);
const url = (protocols: readonly string[]) =>
  z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    `a URL (${protocols.join(' or ')})`,
  );

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** What a signed-in person may do: `regulator` reads every route (the API has no writes). */
export const HUB_ROLES = ['regulator'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

const userSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'a name of 1 to 64 letters, digits, dots, dashes, underscores or @'),
  role: z.enum(HUB_ROLES),
  passwordHash: z.string().regex(PASSWORD_HASH_PATTERN, 'a scrypt hash as `hazmon-hub hash-password` prints it ($scrypt$ln=...), never a password'),
});

const configSchema = z.strictObject({
  nats: z.strictObject({
    servers: z.array(url(['nats:', 'tls:'])).min(1),
    user: z.string().min(1),
    passwordFile: file,
    tls: z.strictObject({ ca: file }).optional(),
    /** 3 on a 3-node cluster. */
    replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(1),
    /** The hub's user in the NATS system account: link health and refusals (link-monitor.ts). */
    system: z
      .strictObject({
        user: z.string().min(1),
        passwordFile: file,
        /** The account of the gateways' users. */
        account: z.string().min(1),
        /** nats-server log files to follow for publish permission violations (2.9 sends no event for them). */
        serverLogs: z.array(file).default([]),
      })
      .optional(),
  }),
  postgres: z.strictObject({
    /** Without the password: postgres://user@host:port/db */
    url: url(['postgres:', 'postgresql:']).refine((text) => new URL(text).password === '', 'no password in the URL: give passwordFile'),
    passwordFile: file.optional(),
  }),
  victoriaMetrics: z.strictObject({ url: url(['http:', 'https:']) }),
  api: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(0).max(65535),
      tls: z.strictObject({ cert: file, key: file }).optional(),
      /** Plain HTTP off loopback lets tokens cross the network readable: refused unless said so. */
      allowPlainHttp: z.boolean().default(false),
      /** A gateway with no message for this long is offline (its health comes every 30 s by default). */
      offlineAfterS: z.number().int().min(30).max(86_400).default(120),
    })
    .refine((api) => api.tls !== undefined || api.allowPlainHttp || LOOPBACK.test(api.host), { message: 'off loopback the API needs tls (or allowPlainHttp: true)', path: ['tls'] }),
  /** The bureau's staff who sign in to the page with a name and password; machines keep their bearer tokens. */
  users: z
    .array(userSchema)
    .default([])
    .superRefine((users, context) => {
      const seen = new Set<string>();
      users.forEach((user, index) => {
        if (seen.has(user.name)) context.addIssue({ code: 'custom', message: `user ${user.name} is named twice`, path: [index, 'name'] });
        seen.add(user.name);
      });
    }),
});

export interface HubUser {
  readonly name: string;
  readonly role: HubRole;
  readonly passwordHash: string;
}

export interface HubConfig {
  readonly nats: NodeConnectionOptions;
  /** The link monitor's NATS connection (system account), the gateways' account and the server logs; null without `nats.system`. */
  readonly system: { readonly nats: NodeConnectionOptions; readonly account: string; readonly serverLogs: readonly string[] } | null;
  readonly replicas: number;
  readonly postgresUrl: string;
  readonly victoriaMetricsUrl: string;
  readonly api: { readonly host: string; readonly port: number; readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null; readonly offlineAfterMs: number };
  readonly users: readonly HubUser[];
}

/** The first line of a secret's file; an error names the field that gave the path. */
function readFileOf(field: string, path: string, firstLineOnly: boolean): string {
  try {
    const text = readFileSync(path, 'utf8');
    return firstLineOnly ? (text.split(/\r?\n/)[0] ?? '') : text;
  } catch (error) {
    throw new HubError('HAZMON_HUB_CONFIG', `${field}: cannot read ${path} (${messageOf(error)})`, { cause: error });
  }
}

/** Reads and checks the file; relative paths are from its folder. Throws a HubError naming the file and field. */
export function loadHubConfig(path: string): HubConfig {
  const source = readFileOf('config', path, false);
  let data: unknown;
  try {
    data = parse(source);
  } catch (error) {
    throw new HubError('HAZMON_HUB_CONFIG', `${path}: not YAML (${messageOf(error)})`, { cause: error });
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const message = issue.code === 'unrecognized_keys' ? 'is not a field of the hub config' : issue.message;
    throw new HubError('HAZMON_HUB_CONFIG', `${path}: ${where.map(String).join('.') || '(top)'}: ${message}`);
  }
  const config = parsed.data;
  const folder = dirname(path);
  const at = (relative: string) => resolve(folder, relative);
  const postgresUrl = new URL(config.postgres.url);
  if (config.postgres.passwordFile !== undefined) postgresUrl.password = encodeURIComponent(readFileOf('postgres.passwordFile', at(config.postgres.passwordFile), true));
  const tls = config.api.tls;
  const natsTls = config.nats.tls && { tls: { caFile: at(config.nats.tls.ca) } };
  const system = config.nats.system;
  return {
    nats: {
      servers: config.nats.servers,
      user: config.nats.user,
      pass: readFileOf('nats.passwordFile', at(config.nats.passwordFile), true),
      ...natsTls,
    },
    system:
      system === undefined
        ? null
        : {
            nats: { servers: config.nats.servers, user: system.user, pass: readFileOf('nats.system.passwordFile', at(system.passwordFile), true), ...natsTls },
            account: system.account,
            serverLogs: system.serverLogs.map(at),
          },
    replicas: config.nats.replicas,
    postgresUrl: postgresUrl.toString(),
    victoriaMetricsUrl: config.victoriaMetrics.url.replace(/\/+$/, ''),
    api: {
      host: config.api.host,
      port: config.api.port,
      tls: tls === undefined ? null : { cert: Buffer.from(readFileOf('api.tls.cert', at(tls.cert), false)), key: Buffer.from(readFileOf('api.tls.key', at(tls.key), false)) },
      offlineAfterMs: config.api.offlineAfterS * 1000,
    },
    users: config.users,
  };
}
