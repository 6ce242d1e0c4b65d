/**
 * The agent's share of the CPU as gateway/deploy/hazmon.service gives it (`CPUWeight=`), emulated on this machine, and
 * an opt-in background load standing for the gateway's other work (a vendor's client, a log shipper, an upgrade).
 *
 * On a gateway systemd runs each service in a cgroup of its own, and `CPUWeight=1000` weighs the agent's cgroup against
 * the other services' default 100: kernel weights 10240 against 1024 (weight x 1024 / 100). The benches' processes
 * share one cgroup here, but the kernel's autogroups (/proc/sys/kernel/sched_autogroup_enabled) group each session's
 * threads the same way, and an autogroup's niceness gives the group the weight of that nice level (nice n:
 * `sched_prio_to_weight[n + 20]` of the kernel's scheduler, 1024 at 0). So a process is weighed as the unit weighs the
 * agent when it runs in a session of its own (`setsid`) whose autogroup has the niceness nearest to the unit's weight,
 * nearest as the kernel itself reads a cgroup's weight as a niceness (`cpu.weight.nice`): CPUWeight=1000 -> 10240 ->
 * nice -10 (9548: 9.3x a default session's 1024, where the unit's is 10x a default service's). A plain `nice` would not
 * do: under autogroups it orders threads within their own session only, and every other session (another helper's
 * tests, a build, a background process below) gets its equal share whatever its threads' niceness.
 *
 * HAZMON_BENCH_PRIORITY=unit (default) runs the agent so; `equal` runs it in a session of its own at nice 0, weighed as
 * a default service and as each background process: what the unit's weight buys is the difference.
 * HAZMON_BENCH_BACKGROUND=N (default 0) starts N busy processes for the whole run, each in a session of its own at nice
 * 0 (N default services), pinned in turn to each CPU, so both cores are busy.
 * What stands for other machines on a plant (the web clients, the browser of a safety officer's PC, the simulated field
 * devices) runs at the unit's niceness in both settings, in sessions apart from the agent's: on a plant the gateway's
 * other work does not delay them, so the background load should not either, and only the agent's priority changes
 * between the two settings. They still share this machine's two CPUs with the agent, which a plant's would not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, getPriority } from 'node:os';
import { DEPLOYED_UNIT, fmt, pinnedTo } from './plant.ts';

/** The kernel's CFS weight of each nice level, -20 .. 19 (`sched_prio_to_weight`, kernel/sched/core.c). */
const NICE_WEIGHTS = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56,
  45, 36, 29, 23, 18, 15,
];
const weightOfNice = (nice: number) => NICE_WEIGHTS[nice + 20]!;

/** The niceness whose weight is nearest to a cgroup's `cpu.weight` (systemd's CPUWeight=), as the kernel's `cpu.weight.nice` reads it. */
function nicenessOfCpuWeight(cpuWeight: number): number {
  const kernelWeight = (cpuWeight * 1024) / 100;
  const nearest = NICE_WEIGHTS.reduce((best, weight, i) => (Math.abs(weight - kernelWeight) < Math.abs(NICE_WEIGHTS[best]! - kernelWeight) ? i : best), 0);
  return nearest - 20;
}

/** Whether this process may start one at `nice` (a negative niceness needs root or CAP_SYS_NICE; `nice` warns and runs on without it). */
export function mayRunAtNice(nice: number): boolean {
  if (nice >= 0) return true;
  const reached = spawnSync('nice', ['-n', String(nice), 'nice'], { encoding: 'utf8' }).stdout.trim();
  return Number(reached) === Math.max(-20, getPriority() + nice);
}

/** sh text: the session's autogroup at `nice` (where the kernel has autogroups), then `exec nice -n NICE "$@"`. */
const intoAutogroup = (nice: number) => `[ -w /proc/self/autogroup ] && echo ${nice} > /proc/self/autogroup; exec nice -n ${nice} "$@"`;

/** A command line run in a session of its own whose autogroup has niceness `nice` (0 too: weighed as a default session). */
export function inSession(nice: number, [command, args]: [string, string[]]): [string, string[]] {
  return ['setsid', ['sh', '-c', intoAutogroup(nice), 'sh', command, ...args]];
}

/**
 * A command line at a niceness (0: as it is, in this process's session), in a session of its own whose autogroup has
 * that niceness too: under the kernel's autogroups (sched_autogroup_enabled) a niceness orders threads only within their
 * session's group, and every other session (another shell's tests, a build) gets its equal share of the CPU whatever its niceness.
 */
export function atNice(nice: number, commandLine: [string, string[]]): [string, string[]] {
  return nice === 0 ? commandLine : inSession(nice, commandLine);
}

/**
 * Writes an executable script at `path` that runs `executable` with its arguments at `nice`, in the autogroup of the
 * session it is started in: for a launcher that starts it as a session leader (playwright starts a browser with
 * `detached: true`, i.e. `setsid`, so that it can kill the browser's process group).
 */
export function wrapAtNice(path: string, nice: number, executable: string): string {
  writeFileSync(path, `#!/bin/sh\nset -- ${executable} "$@"\n${intoAutogroup(nice)}\n`, { mode: 0o755 });
  return path;
}

/** This process's session's autogroup at `nice` (the children it starts without a session of their own share it). */
export function setOwnSessionNice(nice: number): void {
  if (existsSync('/proc/self/autogroup')) writeFileSync('/proc/self/autogroup', String(nice));
}

/** One busy process: spins until the process that started it is gone, so none outlives a bench killed mid-run. */
const spinScript = (parent: number) => `while kill -0 ${parent} 2>/dev/null; do i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done; done`;

/** `count` busy processes, each in a session of its own at nice 0 (a default service), pinned to each CPU in turn. */
export function startBackgroundLoad(count: number): { stop(): void } {
  const cpus = availableParallelism();
  const children = Array.from({ length: count }, (_, i) => {
    const [command, args] = inSession(0, pinnedTo(i % cpus, ['sh', '-c', spinScript(process.pid)]));
    return spawn(command, args, { stdio: 'ignore' });
  });
  return {
    stop: () => {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

export interface PriorityPlan {
  /** The agent's session's niceness: the unit's, or 0 (HAZMON_BENCH_PRIORITY=equal, or no right to raise it). */
  readonly agentNice: number;
  /** The niceness of what stands for other machines on a plant (clients, browser, simulated devices): the unit's in both settings. */
  readonly otherMachinesNice: number;
  /** Busy processes at nice 0 for the whole run (HAZMON_BENCH_BACKGROUND). */
  readonly background: number;
  /** What was used, as the bench prints it. */
  readonly text: string;
}

/**
 * The priorities and background load of this run, from HAZMON_BENCH_PRIORITY and HAZMON_BENCH_BACKGROUND and the unit's
 * CPUWeight=; `otherMachines` names what the bench runs at `otherMachinesNice`, for its output.
 */
export function priorityPlan(otherMachines: string): PriorityPlan {
  const setting = process.env.HAZMON_BENCH_PRIORITY ?? 'unit';
  if (setting !== 'unit' && setting !== 'equal') throw new Error(`HAZMON_BENCH_PRIORITY: unit or equal (got ${setting})`);
  const background = Number(process.env.HAZMON_BENCH_BACKGROUND ?? 0);
  if (!Number.isInteger(background) || background < 0) throw new Error(`HAZMON_BENCH_BACKGROUND: a number of busy processes, 0 or more (got ${process.env.HAZMON_BENCH_BACKGROUND})`);
  const unitNice = nicenessOfCpuWeight(DEPLOYED_UNIT.cpuWeight);
  const allowed = mayRunAtNice(unitNice);
  const otherMachinesNice = allowed ? unitNice : 0;
  const agentNice = setting === 'unit' ? otherMachinesNice : 0;
  const autogroupSwitch = '/proc/sys/kernel/sched_autogroup_enabled';
  const autogroups = existsSync(autogroupSwitch) && readFileSync(autogroupSwitch, 'utf8').trim() === '1';
  const weighs = (nice: number) => `kernel weight ${fmt(weightOfNice(nice))} against ${fmt(weightOfNice(0))}, ${fmt(weightOfNice(nice) / weightOfNice(0), 1)}x`;
  const unit = `the unit's CPUWeight=${DEPLOYED_UNIT.cpuWeight}, ${fmt(DEPLOYED_UNIT.cpuWeight / 100, 1)}x a default service's 100`;
  const agent = !allowed
    ? `the agent's session at nice 0, as everything else: ${unit} would be nice ${unitNice}, which needs root or CAP_SYS_NICE`
    : setting === 'unit'
      ? `the agent's session at nice ${agentNice} for ${unit} (${weighs(agentNice)} of a default session)`
      : `HAZMON_BENCH_PRIORITY=equal: the agent's session at nice 0, weighed as a default service and as each background process (for ${unit}: nice ${unitNice})`;
  const others = `${otherMachines}, other machines on a plant, at nice ${otherMachinesNice}, apart from the agent's session`;
  const load = background === 0 ? 'no background load' : `background load: ${background} busy processes at nice 0, each in a session of its own, pinned to each CPU in turn`;
  const kernel = autogroups ? 'autogroups on' : 'autogroups off (a niceness orders the threads directly)';
  return { agentNice, otherMachinesNice, background, text: `priority: ${agent}; ${others}; ${load} (${kernel})` };
}
