/** `hazmon run` as systemd runs it: a real child process with NOTIFY_SOCKET and WATCHDOG_USEC, serving /metrics and /healthz. */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotifyReceiver } from '../../test/fixtures/runtime/notify-receiver.ts';
import { startNotifyReceiver } from '../../test/fixtures/runtime/notify-receiver.ts';
import { waitFor } from '@hazmon/test-support';

const BIN = fileURLToPath(new URL('../../../gateway/bin/hazmon.js', import.meta.url));

let receiver: NotifyReceiver | null = null;
let dir: string | null = null;
let stopChild: (() => Promise<unknown>) | null = null;

afterEach(async () => {
  await stopChild?.();
  stopChild = null;
  await receiver?.stop();
  receiver = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** `hazmon run` on a site with no devices and `metricsSection`, as a child of systemd (NOTIFY_SOCKET, WATCHDOG_USEC). */
async function startHazmonRun(metricsSection: string) {
  receiver = await startNotifyReceiver();
  dir = mkdtempSync(join(tmpdir(), 'hazmon-run-service-'));
  const config = join(dir, 'site.yaml');
  writeFileSync(config, `site: { id: svc, name: Service test }\nstore: { path: ./site.duckdb }\napi: { port: 0 }\n${metricsSection}\n`);
  const child = spawn(process.execPath, [BIN, 'run', config], {
    env: { ...process.env, NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '200000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  stopChild = async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { child, output, exited, receiver, said: () => JSON.stringify(output) };
}

describe('hazmon run under systemd', () => {
  it('says READY with a status, pings the watchdog, serves /metrics and /healthz on loopback, and says STOPPING on SIGTERM', async () => {
    const { child, output, exited, receiver, said } = await startHazmonRun('metrics: { port: 0 }');

    const url = await waitFor('the metrics address', () => /metrics at (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(output.stdout)?.[1], { timeoutMs: 60_000, state: said });
    await receiver.waitFor(/READY=1\nSTATUS=running: 0 Modbus devices, 0 OPC UA connections, metrics at http:\/\/127\.0\.0\.1:\d+\/metrics\n/, 60_000);
    await receiver.waitFor(/(WATCHDOG=1\n[^]*){2}/, 60_000);

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    const body = await metrics.text();
    expect(body).toMatch(/^# HELP hazmon_readings_total /m);
    expect(body).toMatch(/^hazmon_store_queue_capacity \d+$/m);
    expect(body).toMatch(/^hazmon_process_resident_memory_bytes \d+$/m);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ healthy: true, alive: true, reasons: [] });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.stdout).toContain('hazmon run: stopped');
    const text = await receiver.waitFor(/STOPPING=1\nSTATUS=stopping\n/, 20_000);
    // Nothing after STOPPING: no watchdog ping from an agent that is shutting down.
    expect(text.slice(text.indexOf('STOPPING=1'))).toBe('STOPPING=1\nSTATUS=stopping\n');
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  }, 90_000);

  it('keeps monitoring when the metrics port is taken: a runtime alarm says why, READY still comes', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const { child, output, exited, receiver, said } = await startHazmonRun(`metrics: { port: ${port} }`);
      await waitFor('the metrics alarm', () => output.stdout.includes('alarm agent/metrics_unavailable medium raised'), { timeoutMs: 60_000, state: said });
      expect(output.stdout).toMatch(new RegExp(`cannot serve /metrics on 127\\.0\\.0\\.1:${port} \\(.*site\\.yaml: metrics\\): .*EADDRINUSE`));
      expect(output.stderr).toMatch(/running without it/);
      await receiver.waitFor(/READY=1\nSTATUS=running: 0 Modbus devices, 0 OPC UA connections\n/, 60_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 90_000);
});
