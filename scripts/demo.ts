/**
 * The demo: the demo plant's simulated devices (simulators/sites/demo-plant.yaml), and the gateway's own `hazmon run`
 * on them (the agent and its web server, one process, as on a gateway) with an embedded DuckDB file under .tmp/demo/.
 * Enters the detectors' upkeep history through the dashboard's API (scripts/demo-upkeep.ts), prints the dashboard's
 * address and the demo logins, then one line per alarm event; the plant's story loops every
 * 4 minutes. Ctrl-C stops both.
 *
 * node --import tsx scripts/demo.ts [--duration SECONDS] [--port PORT] [--dir DIR] [--help]: USAGE below.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { startSite, type RunningSite } from '@hazmon/simulators';
import { recordDemoUpkeep, type UpkeepPlan } from './demo-upkeep.ts';

const SITE_FILE = fileURLToPath(new URL('../simulators/sites/demo-plant.yaml', import.meta.url));
const CONFIG_FILE = fileURLToPath(new URL('../agent/examples/demo-plant.yaml', import.meta.url));
const HAZMON = fileURLToPath(new URL('../gateway/bin/hazmon.js', import.meta.url));
const DEFAULT_DEMO_DIR = fileURLToPath(new URL('../.tmp/demo/', import.meta.url));
/** Kept from one run to the next: the agent's OPC UA client certificate is made once, not at every start. */
const OPCUA_PKI_DIR = fileURLToPath(new URL('../.tmp/demo-opcua-pki/', import.meta.url));
const STORE_FILE = 'hazmon.duckdb';
const DASHBOARD_PORT = 8080;
/** Ports tried after 8080 before giving up. */
const PORT_ATTEMPTS = 20;
/** The demo config's users (agent/examples/demo-plant.yaml): each one's password is demo-<name>. */
const DEMO_ROLES = ['viewer', 'operator', 'supervisor', 'admin'] as const;

const USAGE = `usage: bash scripts/demo.sh [--duration SECONDS] [--port PORT] [--dir DIR]
  --duration  stop by itself after SECONDS (default: run until Ctrl-C)
  --port      the dashboard's port (default 8080, or the next free one; 0: any free port)
  --dir       where the demo writes its config and DuckDB file, made afresh at start (default .tmp/demo/)`;

function fail(message: string): never {
  console.error(`demo: ${message}`);
  process.exit(2);
}

function parsedArgs() {
  try {
    return parseArgs({ options: { duration: { type: 'string' }, port: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
}

const args = parsedArgs();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const durationS = args.duration === undefined ? undefined : Number(args.duration);
if (durationS !== undefined && !(durationS > 0)) fail(`--duration must be a positive number of seconds (got ${JSON.stringify(args.duration)})`);
const askedPort = args.port === undefined ? undefined : Number(args.port);
if (askedPort !== undefined && !(Number.isInteger(askedPort) && askedPort >= 0 && askedPort <= 65535)) fail(`--port must be 0..65535 (got ${JSON.stringify(args.port)})`);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** 8080, or the next free port, so the printed address stays the same from one run to the next. */
async function dashboardPort(): Promise<number> {
  if (askedPort !== undefined) return askedPort;
  for (let port = DASHBOARD_PORT; port < DASHBOARD_PORT + PORT_ATTEMPTS; port++) if (await portIsFree(port)) return port;
  return fail(`ports ${DASHBOARD_PORT}-${DASHBOARD_PORT + PORT_ATTEMPTS - 1} are all taken: give one with --port`);
}

/**
 * The example config names placeholder ports and paths; the simulators pick free ones at start. Fill in what the
 * site printed, exactly as an integrator would edit the file, with the store, the plan image's path and the dashboard's port.
 */
function configForSite(site: RunningSite, storePath: string, port: number): string {
  const document = parseDocument(readFileSync(CONFIG_FILE, 'utf8'));
  const endpointOf = new Map(site.endpoints.map((endpoint) => [endpoint.deviceId, endpoint]));
  const devices = document.toJS().devices as { id: string; line: string }[];
  const lines = document.toJS().lines as { id: string; kind: 'tcp' | 'rtu' }[];
  lines.forEach((line, index) => {
    const endpoint = endpointOf.get(devices.find((device) => device.line === line.id)?.id ?? '');
    if (!endpoint) throw new Error(`demo: no simulated device on line ${line.id} of ${CONFIG_FILE}`);
    if (line.kind === 'tcp') document.setIn(['lines', index, 'port'], endpoint.port);
    else document.setIn(['lines', index, 'path'], endpoint.path);
  });
  const tankFarm = site.endpoints.find((endpoint) => endpoint.transport === 'opcua');
  if (tankFarm) document.setIn(['opcua', 0, 'endpointUrl'], tankFarm.endpointUrl);
  document.setIn(['opcua', 0, 'pkiDir'], OPCUA_PKI_DIR);
  // The simulated tank farm makes a new server certificate at each start: there is no one to check it here.
  document.setIn(['opcua', 0, 'trustUnknownServerCertificate'], true);
  // The config is written elsewhere (--dir): its plan image stays where the example names it, beside the example.
  const planImage = document.getIn(['site', 'plan', 'image']);
  if (typeof planImage === 'string') document.setIn(['site', 'plan', 'image'], resolve(dirname(CONFIG_FILE), planImage));
  document.setIn(['store', 'path'], storePath);
  document.setIn(['api', 'port'], port);
  return document.toString();
}

function banner(address: string): string {
  const logins = DEMO_ROLES.map((role) => `  ${role.padEnd(11)} password demo-${role}`);
  return [
    '',
    `hazmon demo: dashboard at ${address}/`,
    'demo logins (name, password):',
    ...logins,
    'The story loops every 4 minutes: tank overfill, NH3 leak, kitchen gas leak with a sticking valve, dust spark,',
    'a detector fault and a comms loss on the RS-485 line. Latched shut-offs wait for a supervisor to reset them.',
    '',
  ].join('\n');
}

const demoDir = resolve(args.dir ?? DEFAULT_DEMO_DIR);
const configPath = join(demoDir, 'demo-plant.yaml');
const storePath = join(demoDir, STORE_FILE);
mkdirSync(demoDir, { recursive: true });
// A fresh store each run; only what the demo itself made goes (the store and its sidecars, the config): --dir may name any folder.
for (const name of readdirSync(demoDir)) if (name.startsWith(STORE_FILE) || name === basename(configPath)) rmSync(join(demoDir, name), { recursive: true, force: true });
const port = await dashboardPort();
const site = await startSite(SITE_FILE);
writeFileSync(configPath, configForSite(site, storePath, port));
console.log(`hazmon demo: ${site.endpoints.length} simulated devices of site ${site.name}; config ${configPath}`);

// The gateway's `hazmon run`, in its own process as on a gateway: the agent, its web server, DuckDB.
// Its own process group: a Ctrl-C in the terminal reaches the demo alone, which stops hazmon with one SIGTERM (hazmon
// run stops on the first signal and would die on a second one, mid-stop).
const hazmon = spawn(process.execPath, [HAZMON, 'run', configPath], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
let pending = '';
hazmon.stdout.setEncoding('utf8');
hazmon.stdout.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    console.log(line);
    const web = /^hazmon run: web server at (\S+)/.exec(line);
    if (web) void startDashboard(web[1]!);
  }
});

/** The detectors' upkeep history first (a fresh store would show every detector overdue), then the address and logins. */
async function startDashboard(address: string): Promise<void> {
  try {
    console.log(`demo: ${await recordDemoUpkeep(address, upkeepPlans())}`);
  } catch (error) {
    console.error(`demo: the upkeep history was not entered, so detectors show overdue: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(banner(address));
}

function upkeepPlans(): UpkeepPlan[] {
  const devices = parseDocument(readFileSync(CONFIG_FILE, 'utf8')).toJS().devices as { id: string; upkeep?: Omit<UpkeepPlan, 'deviceId'> }[];
  return devices.flatMap((device) => (device.upkeep ? [{ deviceId: device.id, ...device.upkeep }] : []));
}

let stopping = false;
const stopHazmon = (): void => {
  if (stopping) return;
  stopping = true;
  hazmon.kill('SIGTERM');
};
// Should the demo itself end otherwise (an error), hazmon does not outlive it.
process.on('exit', () => hazmon.exitCode === null && hazmon.signalCode === null && hazmon.kill('SIGKILL'));
process.on('SIGINT', stopHazmon);
process.on('SIGTERM', stopHazmon);
if (durationS !== undefined) setTimeout(stopHazmon, durationS * 1000).unref();

const code = await new Promise<number>((resolve) => hazmon.on('close', (exitCode) => resolve(exitCode ?? 1)));
await site.stop();
process.exit(code);
