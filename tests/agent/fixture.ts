/** A simulated plant (gas detector + shut-off valve over Modbus TCP) and an agent config pointing at it, in a temp dir. */
import { spawn } from 'node:child_process';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, hashPassword, parseAgentConfig, type AgentConfig, type AgentEvent, type AgentOptions, type RawReadingRow, type StoreReader } from '@hazmon/agent';
// Until agent/src/index.ts re-exports the runtime (its owner adds `export * from './runtime/index.ts'`).
import { startSite, startTankFarm, type RunningSite } from '@hazmon/simulators';
import { afterEach } from 'vitest';

export const PASSWORDS = { supervisor: 'sup-secret', viewer: 'view-secret' } as const;
/** The plant config's api section: tests run side by side, so the web server takes a free port, not 8080. */
export const PLANT_API = 'api: { port: 0 }';
/** A users section with one supervisor, for configs whose actions need someone who may reset them (no password is checked). */
export const RESETTER_YAML = 'users: [{ name: sup, role: supervisor, passwordHash: "$scrypt$ln=15,r=8,p=1$PdXUWB8qZK9kNJqYZkxm2Q$/WU9quEgCVUELL4DWlh1L6wy4zzqTQ1DArmBS4y1WsA" }]';
/** The lowest scrypt cost the config accepts: the tests check roles, not hash strength. */
const TEST_COST = { ln: 10, r: 8, p: 1 };

export interface PlantOptions {
  /** Simulated ms per real ms: 4 makes the valve's 2 s stroke take 0.5 s. */
  readonly speed?: number;
  readonly travelTimeS?: number;
  readonly retries?: number;
  /** Configure the valve with its closed limit switch only, as a valve that has no open switch. */
  readonly closedSwitchOnly?: boolean;
}

export interface Plant {
  readonly site: RunningSite;
  readonly config: AgentConfig;
  readonly dir: string;
  readonly yaml: string;
  readonly events: AgentEvent[];
  agent: Agent | null;
  startAgent(options?: AgentOptions): Promise<Agent>;
  close(): Promise<void>;
}

async function configYaml(port: number, storePath: string, options: PlantOptions = {}): Promise<string> {
  const supervisor = await hashPassword(PASSWORDS.supervisor, TEST_COST);
  const viewer = await hashPassword(PASSWORDS.viewer, TEST_COST);
  return `
site:
  id: test-plant
  name: Test plant
  areas: [{ id: house, name: Compressor house }]
lines:
  - { id: plant, kind: tcp, host: 127.0.0.1, port: ${port}, timing: { timeoutMs: 500, retries: 0, backoffBaseMs: 300, backoffMaxMs: 600 } }
devices:
  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1 }
  - { id: XV-1, profile: shutoff-valve, line: plant, unitId: 2 }
opcua: []
points:
  - id: GD-1.concentration
    area: house
    rules: { limits: { hi: 20, hihi: 40 }, deadband: 1 }
actions:
  - { id: close-gas, kind: shutoff_valve, output: XV-1, when: [GD-1.concentration/hihi] }
outputs:
  - id: XV-1
    kind: shutoff_valve
    command: XV-1.command
    feedback: ${options.closedSwitchOnly ? '{ closed: XV-1.closed }' : '{ closed: XV-1.closed, open: XV-1.open }'}
    travelTimeS: ${options.travelTimeS ?? 3}
    retries: ${options.retries ?? 2}
users:
  - { name: sup, role: supervisor, passwordHash: "${supervisor}" }
  - { name: view, role: viewer, passwordHash: "${viewer}" }
store:
  path: ${JSON.stringify(storePath)}
${PLANT_API}
`;
}

export async function startPlant(options: PlantOptions = {}): Promise<Plant> {
  const site = await startSite({
    name: 'agent-test',
    speed: options.speed ?? 4,
    tcp: [
      {
        name: 'plant',
        devices: [
          { id: 'GD-1', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 0 } },
          { id: 'XV-1', unitId: 2, model: 'shutoff-valve', options: { open: true, travelTimeMs: 2000 } },
        ],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-agent-'));
  const port = site.endpoints.find((endpoint) => endpoint.deviceId === 'GD-1')!.port!;
  const yaml = await configYaml(port, join(dir, 'site.duckdb'), options);
  const file = join(dir, 'site.yaml');
  writeFileSync(file, yaml);
  const config = parseAgentConfig(yaml, file);
  const events: AgentEvent[] = [];
  const plant: Plant = {
    site,
    config,
    dir,
    yaml,
    events,
    agent: null,
    async startAgent(options: AgentOptions = {}) {
      plant.agent = await Agent.start(config, { store: { flushIntervalMs: 200 }, ...options });
      plant.agent.subscribe((event) => events.push(event));
      return plant.agent;
    },
    async close() {
      await plant.agent?.stop();
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return plant;
}

// Re-exported so the agent tests keep importing everything they share from this fixture.
export { waitFor } from '@hazmon/test-support';

/** The runtime alarm events with this id. */
export function runtimeAlarms(events: readonly AgentEvent[], alarmId: string) {
  return events.filter((event): event is Extract<AgentEvent, { type: 'runtime_alarm' }> => event.type === 'runtime_alarm' && event.alarmId === alarmId);
}

/** The committed raw readings of one point with receive time in [from, to), oldest first. */
export async function rawRows(reader: StoreReader, pointId: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<RawReadingRow[]> {
  const result = await reader.readings(pointId, from, to, { resolution: 'raw' });
  return result.resolution === 'raw' ? [...result.rows] : [];
}

/** Re-reads rows (a store query) until `done` holds or the time is up; returns the last read either way. */
export async function waitForRows<T>(read: () => Promise<T[]>, done: (rows: T[]) => boolean, timeoutMs = 20_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await read();
    if (done(rows) || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const BIN = fileURLToPath(new URL('../../gateway/bin/hazmon.js', import.meta.url));

/**
 * `hazmon <args>` as a child process; its output is collected as it comes; its stdin is `input` (default: nothing).
 * `wrap` puts a command in front (e.g. one that enters a mount namespace): it gets the command and its arguments.
 */
export function runHazmon(args: string[], input?: string, wrap: CommandWrap = (command, rest) => [command, rest]) {
  return runCommand(...wrap(process.execPath, [BIN, ...args]), input);
}

export type CommandWrap = (command: string, args: string[]) => [string, string[]];

/** A child process whose output is collected as it comes. */
export function runCommand(command: string, args: string[], input?: string) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(input ?? '');
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output, exited };
}

/** Registers an afterEach that runs the cleanups pushed during a test, last first; returns the push. */
export function cleanupsAfterEach(): (cleanup: () => Promise<void> | void) => void {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => void cleanups.push(cleanup);
}

/** A temp dir and an OPC UA tank farm with one tank T-1 (level 1000 of 10,000 mm) in it, both cleaned up after the test. */
export async function startOneTankFarm(prefix: string, cleanup: (step: () => Promise<void> | void) => void) {
  const dir = mkdtempSync(join(tmpdir(), `hazmon-${prefix}-`));
  cleanup(() => rmSync(dir, { recursive: true, force: true }));
  const farm = await startTankFarm({ port: 0, speed: 0, pkiDir: join(dir, 'server-pki'), tanks: [{ id: 'T-1', heightMm: 10_000, levelMm: 1000, pressureKPa: 101, temperatureC: 15 }] });
  cleanup(() => farm.stop());
  return { dir, farm };
}

/** Rows in raw_readings, read straight from a store file no agent holds (a killed one's): the store API reads one point at a time. */
export async function countRawRows(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    const [row] = (await connection.runAndReadAll('SELECT count(*) AS n FROM raw_readings')).getRowObjectsJS();
    connection.closeSync();
    return Number(row?.['n']);
  } finally {
    instance.closeSync();
  }
}
