/**
 * The `hazmon-hub` command (bin/hazmon-hub.js). The hub runs apart from any gateway, so it is a command of its own,
 * not a subcommand of `hazmon` (which carries the agent and its drivers).
 *
 *   hazmon-hub run CONFIG                  the ingest and the regulator API until SIGTERM / SIGINT
 *   hazmon-hub check-config CONFIG         checks the config; names the field of a problem
 *   hazmon-hub token create CONFIG NAME    a regulator token, printed once (only its hash is kept)
 *   hazmon-hub token revoke CONFIG NAME
 *   hazmon-hub token list CONFIG
 *   hazmon-hub gateway add CONFIG CODE [PASSWORD_FILE]   enrols a gateway: its NATS password to PASSWORD_FILE (CODE.password), its NATS user and uplink section printed
 *   hazmon-hub hash-password               a user's passwordHash, the password read at a hidden prompt or from stdin
 *   hazmon-hub openapi                     the regulator API's OpenAPI document
 */
import { hashPasswordCommand } from '@hazmon/dashboard/http-kit';
import { isHazmonError, messageOf } from '@hazmon/errors';
import pg from 'pg';
import { createHubApp, HUB_OPENAPI_PATH } from './api/app.ts';
import { createToken, createTokenTable, listTokens, revokeToken } from './api/tokens.ts';
import { loadHubConfig } from './config.ts';
import { enrolGateway } from './enrol.ts';
import { startHub } from './hub.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface CliIo {
  /** Where `hash-password` reads the password: a terminal (hidden prompt) or a pipe (its first line). */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the process is told to stop (`run` only). */
  readonly stopSignal: Promise<void>;
}

const USAGE = `usage:
  hazmon-hub run CONFIG
  hazmon-hub check-config CONFIG
  hazmon-hub token create|revoke CONFIG NAME
  hazmon-hub token list CONFIG
  hazmon-hub gateway add CONFIG CODE [PASSWORD_FILE]
  hazmon-hub hash-password
  hazmon-hub openapi
`;

const TOKEN_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

async function withDatabase<T>(configPath: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: loadHubConfig(configPath).postgresUrl, application_name: 'hazmon-hub-token' });
  await client.connect();
  try {
    await createTokenTable(client);
    return await work(client);
  } finally {
    await client.end();
  }
}

async function tokenCommand([action, configPath, name, ...rest]: readonly string[], io: CliIo): Promise<number> {
  const usage = (why: string) => {
    io.stderr.write(`hazmon-hub token: ${why}\n${USAGE}`);
    return EXIT.usage;
  };
  if (action === 'list') {
    if (configPath === undefined || name !== undefined) return usage('give exactly one config file');
    const tokens = await withDatabase(configPath, listTokens);
    for (const token of tokens)
      io.stdout.write(`${token.name}\tcreated ${new Date(token.createdAt).toISOString()}${token.revokedAt === null ? '' : `\trevoked ${new Date(token.revokedAt).toISOString()}`}\n`);
    return EXIT.ok;
  }
  if (action !== 'create' && action !== 'revoke') return usage(`unknown action ${JSON.stringify(action ?? '')} (create, revoke, list)`);
  if (configPath === undefined || name === undefined || rest.length > 0) return usage('give a config file and a token name');
  if (!TOKEN_NAME.test(name)) return usage(`name ${JSON.stringify(name)}: 1 to 64 letters, digits, _ . @ -`);
  if (action === 'create') {
    const token = await withDatabase(configPath, (client) => createToken(client, name, Date.now()));
    if (token === null) {
      io.stderr.write(`hazmon-hub token create: a token named ${name} exists already (a revoked name stays taken)\n`);
      return EXIT.failure;
    }
    io.stdout.write(`${token}\n`);
    return EXIT.ok;
  }
  if (!(await withDatabase(configPath, (client) => revokeToken(client, name, Date.now())))) {
    io.stderr.write(`hazmon-hub token revoke: no live token named ${name}\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

async function gatewayCommand([action, configPath, code, passwordFile, ...rest]: readonly string[], io: CliIo): Promise<number> {
  if (action !== 'add' || configPath === undefined || code === undefined || rest.length > 0) {
    io.stderr.write(`hazmon-hub gateway: give add, a config file and a gateway code\n${USAGE}`);
    return EXIT.usage;
  }
  const file = passwordFile ?? `${code}.password`;
  const enrolment = enrolGateway(code, loadHubConfig(configPath), file, Date.now());
  io.stdout.write(`# ${code}'s NATS password is in ${file} (mode 0600): copy it to the gateway as its uplink.auth.passwordFile, then delete it here.
# 1. Add this entry to the users of the account HAZMON on every NATS server, then reload them (nats-server --signal reload):
${enrolment.natsUser}
# 2. The gateway's config (site.gatewayCode and the uplink section):
${enrolment.gatewayConfig}`);
  return EXIT.ok;
}

async function run(configPath: string, io: CliIo): Promise<number> {
  const log = (line: string) => void io.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const hub = await startHub(loadHubConfig(configPath), log);
  log(`hub: ingest running; regulator API on ${hub.url}${HUB_OPENAPI_PATH}`);
  await io.stopSignal;
  log('hub: stopping');
  await hub.close();
  return EXIT.ok;
}

export async function runHubCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'run':
      case 'check-config': {
        if (args.length !== 1) break;
        if (command === 'run') return await run(args[0]!, io);
        loadHubConfig(args[0]!);
        io.stdout.write(`${args[0]}: ok\n`);
        return EXIT.ok;
      }
      case 'token':
        return await tokenCommand(args, io);
      case 'gateway':
        return await gatewayCommand(args, io);
      case 'hash-password':
        // No argument: a password on the command line would be in the shell's history.
        if (args.length !== 0) break;
        return await hashPasswordCommand(args, io);
      case 'openapi': {
        if (args.length !== 0) break;
        const document = await createHubApp(() => {
          throw new Error('the OpenAPI document is built without databases');
        }).request(HUB_OPENAPI_PATH);
        io.stdout.write(`${JSON.stringify(await document.json(), null, 2)}\n`);
        return EXIT.ok;
      }
    }
  } catch (error) {
    io.stderr.write(`hazmon-hub ${command}: ${isHazmonError(error) ? error.message : messageOf(error)}\n`);
    return EXIT.failure;
  }
  io.stderr.write(USAGE);
  return EXIT.usage;
}
