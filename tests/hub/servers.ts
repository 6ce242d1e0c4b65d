/**
 * Real hub services for the tests, each its own process on a free loopback port in a temp dir, never a system
 * service: nats-server with JetStream, VictoriaMetrics and PostgreSQL (Debian's packages, which scripts/setup.sh
 * installs for the tests). Each can be stopped and started again on the same port and data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_CONSUMER, HUB_STREAM, runHubCli } from '@hazmon/hub';
import { gatewayInboxPrefix, gatewayPublishSubjects, type UplinkKind, uplinkMessageId, uplinkSubject } from '@hazmon/uplink/contract';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NodeConnectionOptions } from '@nats-io/transport-node';
import { selfSignedCertificate, waitFor } from '@hazmon/test-support';

const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A child process whose output is kept for the failure message, stopped with `signal` and waited for. */
export class ServiceProcess {
  readonly output: string[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly stopSignal: NodeJS.Signals = 'SIGTERM',
  ) {}

  start(): void {
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => this.output.push(chunk.toString());
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
  }

  async stop(signal: NodeJS.Signals = this.stopSignal): Promise<void> {
    if (this.child === null) return;
    this.child.kill(signal);
    await this.exited;
    this.child = null;
  }

  get lastOutput(): string {
    return `${this.name}: ${this.output.join('').slice(-2000)}`;
  }
}

/** A gateway's NATS user: may publish only its own uplink subjects. */
export interface GatewayUser {
  readonly gateway: string;
  readonly password: string;
}

export interface NatsServer {
  readonly url: string;
  /** With TLS: the CA file a client trusts (the server's self-signed certificate, for 127.0.0.1). */
  readonly caFile: string | null;
  /** The hub's user (publishes anywhere: it runs the stream and the consumer). */
  readonly hubUser: { readonly user: string; readonly password: string };
  /** With `system`: the hub's user in the system account (SYS) and the gateways' account; its log file. */
  readonly systemUser?: { readonly user: string; readonly password: string; readonly account: string } | null;
  readonly logFile?: string | null;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The NATS user of a gateway: its code. */
export function gatewayUserName(gateway: string): string {
  return `gw-${gateway}`;
}

/** The hub's NATS user, the same on every server the tests start. */
export const HUB_USER = { user: 'hub', password: 'hub-secret' } as const;

/** The config's accounts block: the hub's user and one user per gateway allowed only its own subjects. */
export function natsAccounts(gateways: readonly GatewayUser[], systemUser: { readonly user: string; readonly password: string } | null = null, moreUsers: readonly string[] = []): string {
  const users = [
    `{ user: ${HUB_USER.user}, password: ${HUB_USER.password} }`,
    ...gateways.map(
      ({ gateway, password }) =>
        `{ user: ${JSON.stringify(gatewayUserName(gateway))}, password: ${JSON.stringify(password)}, permissions: { publish: { allow: [${JSON.stringify(gatewayPublishSubjects(gateway))}] }, subscribe: { allow: [${JSON.stringify(`${gatewayInboxPrefix(gateway)}.>`)}, "_INBOX.>"] } } }`,
    ),
    ...moreUsers,
  ];
  const system = systemUser ? `, SYS { users: [ { user: ${systemUser.user}, password: ${systemUser.password} } ] }` : '';
  return `accounts { HAZMON { jetstream: enabled, users: [
  ${users.join('\n  ')}
] }${system} }`;
}

/**
 * nats-server with JetStream in a temp dir; one account, the hub's user and one user per gateway with its
 * permissions (its inbox, as the uplink connects, and `_INBOX.>` for the tests' plain clients); with `tls`, clients
 * must speak TLS (a self-signed certificate for 127.0.0.1); with `system`, a system account with the hub's system user
 * and a log file. `moreUsers`: entries of the account's users as written in the config file (e.g. what `hazmon-hub
 * gateway add` prints).
 */
export async function startNats(gateways: readonly GatewayUser[], options: { readonly tls?: boolean; readonly system?: boolean; readonly moreUsers?: readonly string[] } = {}): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-nats-'));
  const certificate = options.tls ? selfSignedCertificate(dir) : null;
  const port = await freePort();
  const config = join(dir, 'nats.conf');
  const systemUser = options.system ? { user: 'hub-sys', password: 'hub-sys-secret', account: 'HAZMON' } : null;
  const logFile = options.system ? join(dir, 'nats.log') : null;
  writeFileSync(
    config,
    `listen: 127.0.0.1:${port}
${certificate ? `tls { cert_file: ${JSON.stringify(certificate.cert)}, key_file: ${JSON.stringify(certificate.key)} }` : ''}
jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))}, max_memory_store: 64MB, max_file_store: 1GB }
${natsAccounts(gateways, systemUser, options.moreUsers)}
${systemUser ? `system_account: SYS\nlog_file: ${JSON.stringify(logFile)}` : ''}
`,
  );
  const process = new ServiceProcess('nats-server', 'nats-server', ['-c', config]);
  const start = async () => {
    process.start();
    await waitFor(`nats-server on ${port}`, () => tcpOpen(port), { timeoutMs: 15_000 }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${process.lastOutput}`);
    });
  };
  await start();
  return {
    url: `${certificate ? 'tls' : 'nats'}://127.0.0.1:${port}`,
    caFile: certificate?.cert ?? null,
    hubUser: HUB_USER,
    systemUser,
    logFile,
    stop: () => process.stop(),
    start,
    async close() {
      await process.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface VictoriaMetrics {
  readonly url: string;
  /** Stops it (SIGTERM: it flushes what it holds) and starts it again on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Single-node VictoriaMetrics keeping one sample per series and timestamp (a redelivered minute is written twice). */
export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-vm-'));
  const port = await freePort();
  const process = new ServiceProcess('victoria-metrics', 'victoria-metrics', [
    `-storageDataPath=${join(dir, 'data')}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-dedup.minScrapeInterval=1ms',
    '-retentionPeriod=100y',
  ]);
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    process.start();
    await waitFor(`victoria-metrics on ${port}`, async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true, { timeoutMs: 15_000 }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${process.lastOutput}`);
    });
  };
  await start();
  return {
    url,
    stop: () => process.stop(),
    start,
    async close() {
      await process.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Postgres {
  /** postgres://hazmon@127.0.0.1:<port>/hazmon */
  readonly url: string;
  /** Stops it (fast shutdown) and starts it again on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL 15 in a temp dir (as the `postgres` user when the tests run as root: it refuses root), trust auth on loopback. */
export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-pg-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? { uid: Number(run('id', ['-u', 'postgres']).trim()), gid: Number(run('id', ['-g', 'postgres']).trim()) } : null;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const as = (command: string, args: readonly string[]): [string, string[]] =>
    asRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', command, ...args]] : [command, [...args]];
  const data = join(dir, 'data');
  run(...as(`${POSTGRES_BIN}/initdb`, ['-D', data, '-U', 'hazmon', '--auth=trust', '-E', 'UTF8', '--no-sync']));
  const [command, args] = as(`${POSTGRES_BIN}/postgres`, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  // SIGINT: PostgreSQL's fast shutdown.
  const server = new ServiceProcess('postgres', command, args, 'SIGINT');
  const start = async () => {
    server.start();
    await waitFor(`postgres on ${port}`, () => spawnSync(`${POSTGRES_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)]).status === 0, { timeoutMs: 20_000 }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${server.lastOutput}`);
    });
  };
  await start();
  run(`${POSTGRES_BIN}/createdb`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'hazmon', 'hazmon']);
  return {
    url: `postgres://hazmon@127.0.0.1:${port}/hazmon`,
    stop: () => server.stop(),
    start,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.status}: ${result.stderr}${result.error ? String(result.error) : ''}`);
  return result.stdout;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every `hazmon_point_<field>` sample of a gateway in VictoriaMetrics: `<point>@<minute ms>` -> field -> its values (one each when written once). */
export async function victoriaSamples(victoria: VictoriaMetrics, gateway: string): Promise<Map<string, Record<string, number[]>>> {
  await fetch(`${victoria.url}/internal/force_flush`);
  const response = await fetch(`${victoria.url}/api/v1/export`, { method: 'POST', body: new URLSearchParams({ 'match[]': `{__name__=~"hazmon_point_.*",gateway="${gateway}"}` }) });
  const samples = new Map<string, Record<string, number[]>>();
  for (const line of (await response.text()).split('\n').filter(Boolean)) {
    const series = JSON.parse(line) as { metric: { __name__: string; point: string }; values: number[]; timestamps: number[] };
    const field = series.metric.__name__.replace('hazmon_point_', '');
    series.timestamps.forEach((timestamp, index) => {
      const key = `${series.metric.point}@${timestamp}`;
      const fields = samples.get(key) ?? {};
      (fields[field] ??= []).push(series.values[index]!);
      samples.set(key, fields);
    });
  }
  return samples;
}

/** The hub user's connection options (TLS when the server has it). */
export function hubConnection(nats: NatsServer) {
  return { servers: nats.url, user: nats.hubUser.user, pass: nats.hubUser.password, ...(nats.caFile && { tls: { caFile: nats.caFile } }) };
}

/** Messages the hub's stream holds per subject, and what its ingest consumer has yet to take or acknowledge. */
export function streamState(nats: NatsServer): Promise<{ subjects: Record<string, number>; unfinished: number }> {
  return streamStateOver(hubConnection(nats));
}

/** As `streamState`, through the hub's connection options (a cluster's). */
export async function streamStateOver(hub: NodeConnectionOptions): Promise<{ subjects: Record<string, number>; unfinished: number }> {
  const connection = await connectNats(hub);
  try {
    const manager = await jetstreamManager(connection);
    const info = await manager.streams.info(HUB_STREAM, { subjects_filter: '>' });
    const consumer = await manager.consumers.info(HUB_STREAM, HUB_CONSUMER);
    return { subjects: info.state.subjects ?? {}, unfinished: consumer.num_pending + consumer.num_ack_pending };
  } finally {
    await connection.close();
  }
}

export interface GatewayPublisher {
  /** Publishes one contract message to JetStream under the contract's subject and message id (`key`: seq, minute.part, ...). */
  send(kind: UplinkKind, key: string | number, body: unknown): Promise<void>;
  close(): Promise<void>;
}

/** A gateway's own NATS user, publishing straight to the hub's stream as the uplink would. */
export async function gatewayPublisher(nats: NatsServer, { gateway, password }: GatewayUser): Promise<GatewayPublisher> {
  const connection = await connectNats({ servers: nats.url, user: gatewayUserName(gateway), pass: password, ...(nats.caFile && { tls: { caFile: nats.caFile } }) });
  const client = jetstream(connection);
  return {
    async send(kind, key, body) {
      await client.publish(uplinkSubject(gateway, kind), JSON.stringify(body), { msgID: uplinkMessageId(gateway, kind, key) });
    },
    close: () => connection.close(),
  };
}

/** Runs `hazmon-hub` in process: its exit code and what it printed on stdout and stderr. */
export async function hubCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runHubCli(argv, {
    stdin: Readable.from([]),
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stopSignal: new Promise(() => undefined),
  });
  return { code, out, err };
}
