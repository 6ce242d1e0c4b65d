/**
 * Starting `hazmon run` with an OPC UA connection is not an event-loop alarm: node-opcua's start-up work (loading,
 * the first session) blocks the loop before the agent runs, so lag is measured once the sources have started.
 * A fresh process (node-opcua not loaded yet) against a real tank farm.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTankFarm, tankNodeId } from '@hazmon/simulators';
import { runHazmon, waitFor } from './fixture.ts';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('hazmon run with OPC UA', () => {
  it('raises no event-loop lag alarm for its start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hazmon-opcua-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const farm = await startTankFarm({ port: 0, speed: 0, pkiDir: join(dir, 'server-pki'), tanks: [{ id: 'T-1', heightMm: 10_000, levelMm: 1000, pressureKPa: 101, temperatureC: 15 }] });
    cleanups.push(() => farm.stop());
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      `
site: { id: yard, name: Yard, areas: [{ id: yard, name: Yard }] }
lines: []
devices: []
opcua:
  - id: farm
    endpointUrl: ${farm.endpointUrl}
    points:
      - { id: T-1.level, nodeId: "${tankNodeId('T-1', 'Level')}", unit: mm }
points:
  - { id: T-1.level, area: yard, rules: { limits: { hihi: 9500 } } }
store: { path: site.duckdb }
`,
    );
    const run = runHazmon(['run', file]);
    cleanups.push(() => void (run.child.exitCode === null && run.child.signalCode === null && run.child.kill('SIGKILL')));
    await waitFor('started', () => run.child.exitCode !== null || run.output.stdout.includes('started'), { timeoutMs: 60_000 });
    // a few lag windows (1 s each) once running
    await new Promise((resolve) => setTimeout(resolve, 4000));
    run.child.kill('SIGTERM');
    expect(await run.exited, run.output.stderr).toBe(0);
    expect(run.output.stdout).not.toContain('agent/event_loop_lag');
  }, 90_000);
});
