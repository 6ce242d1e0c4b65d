import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteEndpoint } from './site/start-site.ts';
import { waitFor } from '@hazmon/test-support';
import { float32FromWords, ModbusClient } from './test-support.ts';

const bin = fileURLToPath(new URL('../bin/hazmon-sim.js', import.meta.url));
const demo = fileURLToPath(new URL('../sites/demo.yaml', import.meta.url));

describe('hazmon-sim', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  function run(args: string[]): { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
    const started = spawn(process.execPath, [bin, ...args], { stdio: 'pipe' });
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    return { child: started, stdout: () => stdout, stderr: () => stderr, exited };
  }

  it('runs the demo site, a client reads a detector and an RTU line, and SIGTERM stops it cleanly', async () => {
    const sim = run([demo, '--json', '--speed', '0']);
    await waitFor('hazmon-sim to print its endpoints', () => sim.stdout().includes('"endpoints"'), { timeoutMs: 60_000 });
    const line = sim
      .stdout()
      .split('\n')
      .find((text) => text.startsWith('{'))!;
    const { site, endpoints } = JSON.parse(line) as { site: string; endpoints: SiteEndpoint[] };
    expect(site).toBe('demo');

    const tank = endpoints.find((endpoint) => endpoint.deviceId === 'LT-201')!;
    const client = new ModbusClient();
    await client.connectTCP('127.0.0.1', { port: tank.port! });
    client.setID(tank.unitId!);
    client.setTimeout(5000);
    const level = (await client.readHoldingRegisters(0, 2)).data;
    expect(float32FromWords(level[0]!, level[1]!)).toBe(6500);
    await new Promise<void>((resolve) => client.close(() => resolve()));

    const msa = endpoints.find((endpoint) => endpoint.deviceId === 'GD-201')!;
    const rtu = new ModbusClient();
    await rtu.connectRTUBuffered(msa.path!, { baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1 });
    rtu.setID(msa.unitId!);
    rtu.setTimeout(5000);
    expect((await rtu.readHoldingRegisters(40201, 1)).data).toEqual([0]);
    await new Promise<void>((resolve) => rtu.close(() => resolve()));

    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    expect(sim.stderr()).toContain('SIGTERM, stopping');
    // The socat pair went away with the simulator.
    await waitFor('the pty to disappear', () => !existsSync(msa.path!));
  });

  it('prints the table of endpoints without --json', async () => {
    const sim = run([demo, '--speed', '0']);
    await waitFor('the ready line', () => sim.stdout().includes('ready'), { timeoutMs: 60_000 });
    expect(sim.stdout()).toMatch(/GD-101\s+honeywell-xnx\s+modbus-tcp 127\.0\.0\.1:\d+ unit 1\s+scenario leak-ramp/);
    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
  });

  it('refuses a missing site file with exit code 1 and the file named', async () => {
    const sim = run(['/nonexistent/site.yaml']);
    expect(await sim.exited).toBe(1);
    expect(sim.stderr()).toMatch(/\/nonexistent\/site\.yaml: cannot read the file/);
  });

  it('prints usage and exits 2 without a site', async () => {
    const sim = run([]);
    expect(await sim.exited).toBe(2);
    expect(sim.stderr()).toContain('usage: hazmon-sim');
  });
});
