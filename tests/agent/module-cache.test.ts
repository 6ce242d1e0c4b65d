/**
 * Entry points load only what they need: the engine and the config load neither DuckDB nor node-opcua; node-opcua
 * (~90 MB, a Node-version warning on stdout) loads only when an OPC UA connection or browse needs it, not with
 * @hazmon/agent or a CLI command.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runHazmon } from './fixture.ts';

const TESTS_PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const LOADER = new URL('../../protocols/src/opcua/node-opcua.ts', import.meta.url).href;
const MODBUS_ONLY_CONFIG = fileURLToPath(new URL('../../agent/src/config/testcases/valid-minimal/config.yaml', import.meta.url));

/**
 * In a fresh process: imports @hazmon/agent, then asks node-opcua's loader for the module; prints whether node-opcua's
 * files were in the CommonJS module cache after each step (the second shows the probe does see it when loaded).
 */
const PROBE = `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const opcuaLoaded = () => Object.keys(cache).some((file) => file.includes('/node-opcua/'));
await import('@hazmon/agent');
const afterAgent = opcuaLoaded();
await (await import(${JSON.stringify(LOADER)})).loadNodeOpcua();
console.log('PROBE ' + JSON.stringify({ afterAgent, afterLoad: opcuaLoaded() }));
`;

function runProbe(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], { cwd: TESTS_PACKAGE, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`probe failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** In a fresh process: which heavy packages are in the CommonJS module cache (native bindings included) after importing `entry`. */
function heavyPackagesAfter(entry: string): Promise<Record<string, boolean>> {
  const probe = `
import { createRequire } from 'node:module';
const files = () => Object.keys(createRequire(import.meta.url).cache);
await import(${JSON.stringify(entry)});
console.log('PROBE ' + JSON.stringify({ duckdb: files().some((file) => file.includes('/@duckdb/')), opcua: files().some((file) => file.includes('/node-opcua')) }));
`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: TESTS_PACKAGE, timeout: 120_000 }, (error, stdout, stderr) => {
      const line = /^PROBE (.*)$/m.exec(stdout)?.[1];
      if (error || line === undefined) reject(new Error(`probe of ${entry} failed: ${error?.message ?? stdout}\n${stderr}`));
      else resolve(JSON.parse(line) as Record<string, boolean>);
    });
  });
}

describe('what each entry point loads', () => {
  it('@hazmon/agent/engine and @hazmon/agent/config load neither DuckDB nor node-opcua; @hazmon/agent/store loads DuckDB', async () => {
    expect(await heavyPackagesAfter('@hazmon/agent/engine')).toEqual({ duckdb: false, opcua: false });
    expect(await heavyPackagesAfter('@hazmon/agent/config')).toEqual({ duckdb: false, opcua: false });
    // The probe sees DuckDB when it is loaded.
    expect(await heavyPackagesAfter('@hazmon/agent/store')).toEqual({ duckdb: true, opcua: false });
  }, 120_000);
});

describe('node-opcua is loaded lazily', () => {
  it('importing @hazmon/agent leaves node-opcua out of the module cache; loadNodeOpcua brings it in', async () => {
    const stdout = await runProbe();
    const line = /^PROBE (.*)$/m.exec(stdout)?.[1];
    expect(line, stdout).toBeDefined();
    expect(JSON.parse(line!)).toEqual({ afterAgent: false, afterLoad: true });
  }, 120_000);

  it('hazmon check-config on a Modbus-only site prints its one summary line and nothing from node-opcua', async () => {
    const run = runHazmon(['check-config', MODBUS_ONLY_CONFIG]);
    expect(await run.exited, run.output.stderr).toBe(0);
    expect(run.output.stdout).not.toContain('NODE-OPCUA');
    expect(run.output.stdout).toMatch(/^[^\n]*: ok: [^\n]*\n$/);
  }, 120_000);
});
