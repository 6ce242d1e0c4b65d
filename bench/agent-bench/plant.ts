/**
 * What the benches that run `hazmon run` as deployed share: the 10,000-point plant (80 register banks of 125 int16
 * registers, 8 per Modbus TCP port, 10 lines) simulated in a child process, its config, and the agent's command line
 * as the systemd unit starts it (its Node options and environment), pinned to a CPU where `taskset` works.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LINES = 10;
export const DEVICES_PER_LINE = 8;
export const POINTS_PER_DEVICE = 125;
export const POINTS = LINES * DEVICES_PER_LINE * POINTS_PER_DEVICE;

const SIM = fileURLToPath(new URL('./sim.ts', import.meta.url));
export const pinnable = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** The Node options and environment a systemd unit file runs the agent with. */
export interface UnitSettings {
  /** `Environment=NODE_OPTIONS=...` and the options before the script in `ExecStart=`. */
  readonly nodeOptions: readonly string[];
  /** The unit's other `Environment=NAME=value` lines (glibc's malloc settings). */
  readonly environment: Readonly<Record<string, string>>;
  /** `CPUWeight=` (systemd's default for a service without one: 100), emulated by bench/agent-bench/priority.ts. */
  readonly cpuWeight: number;
}

/** What the unit file at `path` runs `node` with, so RSS and CPU are measured as deployed. */
export function unitSettings(path: string): UnitSettings {
  const unit = readFileSync(path, 'utf8');
  const environment = /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1]?.trim().split(/\s+/) ?? [];
  const [, ...execStart] = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.trim().split(/\s+/) ?? [];
  const beforeScript = execStart.findIndex((word) => !word.startsWith('-'));
  return {
    nodeOptions: [...environment, ...execStart.slice(0, Math.max(0, beforeScript))],
    environment: Object.fromEntries([...unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)].filter(([, name]) => name !== 'NODE_OPTIONS').map(([, name, value]) => [name!, value!.trim()])),
    cpuWeight: Number(/^CPUWeight=(\d+)\s*$/m.exec(unit)?.[1] ?? 100),
  };
}

/** gateway/deploy/hazmon.service, or HAZMON_BENCH_UNIT=PATH: a variant of it (other V8 flags) measured the same way. */
export const DEPLOYED_UNIT = unitSettings(process.env.HAZMON_BENCH_UNIT ?? fileURLToPath(new URL('../../gateway/deploy/hazmon.service', import.meta.url)));
export const NODE_OPTIONS = DEPLOYED_UNIT.nodeOptions;
export const UNIT_ENVIRONMENT = DEPLOYED_UNIT.environment;

/** A command line pinned to one CPU when taskset works. */
export function pinnedTo(cpu: number, [command, ...args]: readonly [string, ...string[]]): [string, string[]] {
  return pinnable ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

/** `node [the unit's options] [--import tsx for a .ts] SCRIPT ...args`, pinned to one CPU when taskset works. */
export function nodeCommand(cpu: number, script: string, args: readonly string[], extraOptions: readonly string[] = [], nodeOptions = NODE_OPTIONS): [string, string[]] {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return pinnedTo(cpu, [process.execPath, ...nodeOptions, ...extraOptions, ...loader, script, ...args]);
}

const deviceId = (line: number, device: number) => `B${line + 1}-${device + 1}`;

/** Point ids of the plant, in config order (`B1-1.p1` ... `B10-8.p125`). */
export function plantPointIds(): string[] {
  return Array.from({ length: LINES * DEVICES_PER_LINE }, (_, i) => deviceId(Math.floor(i / DEVICES_PER_LINE), i % DEVICES_PER_LINE)).flatMap((device) =>
    Array.from({ length: POINTS_PER_DEVICE }, (_, p) => `${device}.p${p + 1}`),
  );
}

function siteSpec(): object {
  return {
    name: 'agent-bench',
    speed: 1,
    pointsPerDevice: POINTS_PER_DEVICE,
    tcp: Array.from({ length: LINES }, (_, line) => ({
      name: `line${line + 1}`,
      port: 0,
      devices: Array.from({ length: DEVICES_PER_LINE }, (_, device) => ({
        id: deviceId(line, device),
        unitId: device + 1,
        model: 'register-bank',
        options: { generate: [{ namePrefix: 'p', count: POINTS_PER_DEVICE, table: 'holding', type: 'int16', start: 100, step: 0 }] },
      })),
    })),
  };
}

/** A register-bank profile of `count` int16 holding registers named `p1`.., each polled every `pollMs`. */
export function bankProfile(model: string, count: number, pollMs: number): string {
  return `model: ${model}
description: ${count} gas readings in ppm, one int16 holding register each
defaults: { table: holding }
points:
  - { id: "p{n}", address: 0, repeat: { count: ${count}, step: 1 }, type: int16, unit: ppm, intervalMs: ${pollMs} }
`;
}

/** A profile folder holding the bench's register bank with every point polled at `pollMs`. */
export function writeProfiles(dir: string, pollMs: number): string {
  const profiles = join(dir, `profiles-${pollMs}`);
  mkdirSync(profiles);
  writeFileSync(join(profiles, 'bench-bank.yaml'), bankProfile('bench-bank', POINTS_PER_DEVICE, pollMs));
  return profiles;
}

/**
 * The lines and devices, as the config's sections hold them (JSON is YAML); `maxInFlight` above 1 goes into each line's
 * timing (at 1 the lines carry no timing, so an agent older than the setting reads the same config).
 */
export function pollerPlan(ports: readonly number[], maxInFlight = 1) {
  const timing = maxInFlight > 1 ? { timing: { maxInFlight } } : {};
  return {
    lines: ports.map((port, line) => ({ id: `line${line + 1}`, kind: 'tcp', host: '127.0.0.1', port, ...timing })),
    devices: Array.from({ length: LINES * DEVICES_PER_LINE }, (_, i) => {
      const line = Math.floor(i / DEVICES_PER_LINE);
      return { id: deviceId(line, i % DEVICES_PER_LINE), profile: 'bench-bank', line: `line${line + 1}`, unitId: (i % DEVICES_PER_LINE) + 1 };
    }),
  };
}

/** What a bench adds to the plant's config: lines, devices and points (YAML flow lines), and whole sections. */
export interface ConfigExtras {
  readonly lines?: readonly object[];
  readonly devices?: readonly object[];
  readonly points?: readonly string[];
  /** Top-level sections (YAML text), e.g. `users:` and `api:`. */
  readonly sections?: string;
  /** The plant's lines' `timing.maxInFlight` (default 1). */
  readonly maxInFlight?: number;
}

/** The plant's config: every point with hi/hihi limits, the store at `storePath`, a loopback /metrics listener. */
export function agentConfig(ports: readonly number[], storePath: string, profilesDir: string, extras: ConfigExtras = {}): string {
  const plan = pollerPlan(ports, extras.maxInFlight);
  const points = plantPointIds().map((id) => `  - { id: ${id}, rules: { limits: { hi: 2000, hihi: 4000 }, deadband: 10 } }`);
  const list = (items: readonly object[]) => items.map((item) => `  - ${JSON.stringify(item)}`).join('\n');
  return `site: { id: bench, name: Agent bench }
lines:
${list([...plan.lines, ...(extras.lines ?? [])])}
devices:
${list([...plan.devices, ...(extras.devices ?? [])])}
points:
${[...points, ...(extras.points ?? [])].join('\n')}
store: { path: ${JSON.stringify(storePath)} }
profiles: { dir: ${JSON.stringify(profilesDir)} }
metrics: { host: 127.0.0.1, port: 0 }
${extras.sections ?? ''}`;
}

/** Runs the simulator child (pinned to CPU 1); resolves once it printed its endpoints. */
export async function startSimulator(specPath: string): Promise<{ ports: number[]; stop(): Promise<void> }> {
  writeFileSync(specPath, JSON.stringify(siteSpec()));
  const [command, args] = nodeCommand(1, SIM, [specPath]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let text = '';
  const endpoints = await new Promise<{ deviceId: string; port?: number }[]>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) resolve((JSON.parse(text.slice(0, newline)) as { endpoints: { deviceId: string; port?: number }[] }).endpoints);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code} before listening`)));
  });
  const ports = Array.from({ length: LINES }, (_, line) => endpoints.find((endpoint) => endpoint.deviceId === deviceId(line, 0))!.port!);
  return {
    ports,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves with the first stdout match of `pattern`; rejects when the child exits first. Later output is read and dropped. */
export function lineMatching(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        child.stdout!.off('data', onData);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what}: exited with ${code} first; stdout so far: ${text}`)));
  });
}

/** The value of an unlabelled sample in Prometheus text. */
export function metric(text: string, name: string): number {
  const match = new RegExp(`^hazmon_${name} (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`no hazmon_${name} in /metrics`);
  return Number(match[1]);
}

/** Every `le` bucket of an unlabelled histogram: [bound s, cumulative count]. */
function buckets(text: string, name: string): [number, number][] {
  return [...text.matchAll(new RegExp(`^hazmon_${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map(([, le, count]) => [le === '+Inf' ? Infinity : Number(le), Number(count)]);
}

/** Samples a histogram took between two scrapes. */
export const countIn = (before: string, after: string, name: string) => metric(after, `${name}_count`) - metric(before, `${name}_count`);

/** Of those, how many were at most `bound` (a bucket bound, s). */
export function upTo(before: string, after: string, name: string, bound: number): number {
  const at = (text: string) => buckets(text, name).find(([le]) => le === bound)?.[1] ?? Number.NaN;
  return at(after) - at(before);
}

/** Samples taken between two scrapes in each bucket of their own (not cumulative): [upper bound s, count]. */
export function bucketCountsIn(before: string, after: string, name: string): [number, number][] {
  const countsBefore = new Map(buckets(before, name));
  let below = 0;
  return buckets(after, name).map(([le, count]) => {
    const upTo = count - (countsBefore.get(le) ?? 0);
    const own = upTo - below;
    below = upTo;
    return [le, own];
  });
}

/** The smallest bucket bound (s) holding every sample taken between two scrapes. */
export function longestUpTo(before: string, after: string, name: string): number {
  const total = countIn(before, after, name);
  const countsBefore = new Map(buckets(before, name));
  return buckets(after, name).find(([le, count]) => count - (countsBefore.get(le) ?? 0) === total)?.[0] ?? Infinity;
}

export const fmt = (value: number, digits = 0) => value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const mib = (bytes: number) => bytes / 2 ** 20;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` with this process (every thread, and the threads it starts meanwhile, such as DuckDB's) on `cpu` only,
 * then on every CPU again: a baseline measured where the agent runs, under the same share of a loaded machine.
 */
export async function onCpu<T>(cpu: number, work: () => Promise<T>): Promise<T> {
  const pin = (list: string) => pinnable && spawnSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { stdio: 'ignore' });
  pin(String(cpu));
  try {
    return await work();
  } finally {
    pin(`0-${Math.max(0, availableParallelism() - 1)}`);
  }
}
