/** The gateway's bundle (gateway/scripts/build.ts): built without tsx, then run as the service runs it. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_BUNDLE, BUNDLE_EXTERNALS, bundleGateway } from '../../gateway/scripts/build.ts';
import { runCommand, startPlant, waitFor, type Plant } from './fixture.ts';

const EXAMPLE_SITE = fileURLToPath(new URL('../../agent/examples/site.yaml', import.meta.url));

let dir = '';
let bundle = '';
let metafile: Awaited<ReturnType<typeof bundleGateway>>;
let plant: Plant | null = null;

beforeAll(async () => {
  // Under agent/dist/ as deployed: the externals resolve through agent/node_modules only.
  mkdirSync(dirname(GATEWAY_BUNDLE), { recursive: true });
  dir = mkdtempSync(join(dirname(GATEWAY_BUNDLE), 'test-'));
  bundle = join(dir, 'hazmon.mjs');
  metafile = await bundleGateway({ outfile: bundle });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await plant?.close();
  plant = null;
});

/** `node BUNDLE <args>`, as the service runs it. */
function runBundle(args: string[]) {
  return runCommand(process.execPath, [bundle, ...args]);
}

describe('gateway bundle', () => {
  // With no tsx input and nothing left to import but builtins and the declared externals, the bundle cannot load tsx.
  it('bundles the CLI with no tsx inside and only builtins and the declared externals left to import', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.endsWith('gateway/src/main.ts'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('agent/src/cli/run-agent.ts'))).toBe(true);
    expect(inputs.filter((input) => /[/\\]tsx[/\\@]/.test(input))).toEqual([]);
    const external = Object.values(metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path));
    const declared = (path: string) => BUNDLE_EXTERNALS.some((pattern) => (pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern || path.startsWith(`${pattern}/`)));
    const builtin = (path: string) => builtinModules.includes(path.replace(/^node:/, ''));
    expect(external.filter((path) => !declared(path) && !builtin(path))).toEqual([]);
    expect(external).toContain('@duckdb/node-api');
  });

  // A site without an `uplink:` section never reads the NATS client's source (kept in V8's heap once loaded).
  it('leaves the uplink and its NATS client to a chunk the entry does not load before it is imported', () => {
    const outputs = metafile.outputs;
    const entry = Object.keys(outputs).find((path) => path.endsWith('/hazmon.mjs'))!;
    const loadedFirst = new Set<string>();
    const pending = [entry];
    for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
      if (loadedFirst.has(path)) continue;
      loadedFirst.add(path);
      for (const { path: imported, kind, external } of outputs[path]!.imports) if (!external && kind === 'import-statement') pending.push(imported);
    }
    const withNats = Object.keys(outputs).filter((path) => Object.keys(outputs[path]!.inputs).some((input) => input.includes('@nats-io')));
    expect(withNats.length).toBeGreaterThan(0);
    expect(withNats.filter((path) => loadedFirst.has(path))).toEqual([]);
  });

  it('check-config of the example site exits 0', async () => {
    const run = runBundle(['check-config', EXAMPLE_SITE]);
    expect(await run.exited, run.output.stderr).toBe(0);
    expect(run.output.stdout).toMatch(/site\.yaml: ok: /);
  }, 60_000);

  it('runs against a simulated plant, logs the alarm and stops on SIGTERM with exit 0', async () => {
    plant = await startPlant({ speed: 4 });
    const run = runBundle(['run', join(plant.dir, 'site.yaml')]);
    try {
      await waitFor('started', () => run.output.stdout.includes('started'), { timeoutMs: 30_000 });
      plant.site.device('GD-1').set('concentration', 60);
      await waitFor('hihi logged', () => /alarm GD-1\.concentration\/hihi high normal -> unacknowledged_active/.test(run.output.stdout), { timeoutMs: 30_000 });
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited, run.output.stderr).toBe(0);
    expect(run.output.stdout).toContain('hazmon run: stopped\n');
  }, 90_000);
});
