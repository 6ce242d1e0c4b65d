/** The gateway's bundle (agent/scripts/build.ts): built, then run as the service runs it, without tsx. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, BUNDLE_EXTERNALS, bundleAgent } from '../../agent/scripts/build.ts';
import { runCommand, startPlant, waitFor, type Plant } from './fixture.ts';

const EXAMPLE_SITE = fileURLToPath(new URL('../../agent/examples/site.yaml', import.meta.url));

let dir = '';
let bundle = '';
let metafile: Awaited<ReturnType<typeof bundleAgent>>;
let plant: Plant | null = null;

beforeAll(async () => {
  // Under agent/dist/ as deployed: the externals resolve through agent/node_modules only.
  dir = mkdtempSync(join(dirname(AGENT_BUNDLE), 'test-'));
  bundle = join(dir, 'hazmon.mjs');
  metafile = await bundleAgent({ outfile: bundle });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await plant?.close();
  plant = null;
});

/**
 * `node BUNDLE <args>` under strace, which writes every file the process (all its threads, tsx's loader thread
 * included) opened to `trace`; strace exits with node's exit code.
 */
function runTraced(args: string[], trace: string) {
  return runCommand('strace', ['-f', '-qq', '-e', 'trace=open,openat', '-e', 'status=successful', '-o', trace, process.execPath, bundle, ...args]);
}

/**
 * The pid of `parent`'s child that runs `node script`. strace also forks short-lived probes of the kernel, which carry
 * strace's own command line (the script among its arguments) until they exit: only node as argv[0] is the agent.
 */
function childRunning(parent: number, script: string): number | null {
  const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(' ').filter((pid) => pid !== '');
  const agent = children.find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0] === process.execPath && argv[1] === script;
    } catch {
      return false; // gone between the two reads
    }
  });
  return agent === undefined ? null : Number(agent);
}

/** The files a strace output says were opened. */
function openedFiles(trace: string): string[] {
  return [...readFileSync(trace, 'utf8').matchAll(/open(?:at)?\([^"]*"([^"]+)"/g)].map((match) => match[1]!);
}

function expectNoTypeScript(trace: string): void {
  const opened = openedFiles(trace);
  // The trace saw the process load its code, so an empty list below means something.
  expect(opened).toContain(bundle);
  expect(opened.filter((file) => /[/\\]tsx[/\\@]|\.[cm]?tsx?$/.test(file))).toEqual([]);
}

describe('agent bundle', () => {
  it('bundles the CLI with no tsx inside and only builtins and the declared externals left to import', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.endsWith('agent/src/cli/main.ts'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('agent/src/cli/run-agent.ts'))).toBe(true);
    expect(inputs.filter((input) => /[/\\]tsx[/\\@]/.test(input))).toEqual([]);
    const external = Object.values(metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path));
    const declared = (path: string) =>
      BUNDLE_EXTERNALS.some((pattern) => (pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern || path.startsWith(`${pattern}/`)));
    const builtin = (path: string) => builtinModules.includes(path.replace(/^node:/, ''));
    expect(external.filter((path) => !declared(path) && !builtin(path))).toEqual([]);
    expect(external).toContain('@duckdb/node-api');
  });

  it('check-config of the example site exits 0 and never opens tsx or a TypeScript file', async () => {
    const trace = join(dir, 'check-config.strace');
    const run = runTraced(['check-config', EXAMPLE_SITE], trace);
    expect(await run.exited, run.output.stderr).toBe(0);
    expect(run.output.stdout).toMatch(/site\.yaml: ok: /);
    expectNoTypeScript(trace);
  }, 60_000);

  it('runs against a simulated plant, logs the alarm, stops on SIGTERM with exit 0, and never opens tsx', async () => {
    plant = await startPlant({ speed: 4 });
    const config = join(plant.dir, 'site.yaml');
    const trace = join(dir, 'run.strace');
    const run = runTraced(['run', config], trace);
    // The agent is strace's child; the signal goes to it, as systemd sends it to the main process.
    let agentPid = 0;
    try {
      agentPid = await waitFor('the traced agent process', () => childRunning(run.child.pid!, bundle), 30_000);
      await waitFor('started', () => run.output.stdout.includes('started'), 30_000);
      plant.site.device('GD-1').set('concentration', 60);
      await waitFor('hihi logged', () => /alarm GD-1\.concentration\/hihi high normal -> unacknowledged_active/.test(run.output.stdout), 30_000);
    } finally {
      if (agentPid > 0) process.kill(agentPid, 'SIGTERM');
      else run.child.kill('SIGKILL');
    }
    expect(await run.exited, run.output.stderr).toBe(0);
    expect(run.output.stdout).toContain('hazmon run: stopped\n');
    expectNoTypeScript(trace);
  }, 90_000);
});
