/** node-opcua (~90 MB, a Node-version warning on stdout) loads only when an OPC UA connection or browse needs it, not with @hazmon/agent or a CLI command. */
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
