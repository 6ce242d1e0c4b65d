/**
 * Starting `hazmon run` with an OPC UA connection is not an event-loop alarm: node-opcua's start-up work (loading,
 * the first session) blocks the loop before the agent runs, so lag is measured once the sources have started.
 * A fresh process (node-opcua not loaded yet) against a real tank farm.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tankNodeId } from '@hazmon/simulators';
import { cleanupsAfterEach, runHazmon, startOneTankFarm, waitFor } from './fixture.ts';

const cleanup = cleanupsAfterEach();

describe('hazmon run with OPC UA', () => {
  it('raises no event-loop lag alarm for its start-up', async () => {
    const { dir, farm } = await startOneTankFarm('opcua-start', cleanup);
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
api: { port: 0 }
`,
    );
    const run = runHazmon(['run', file]);
    cleanup(() => void (run.child.exitCode === null && run.child.signalCode === null && run.child.kill('SIGKILL')));
    await waitFor('started', () => run.child.exitCode !== null || run.output.stdout.includes('started'), { timeoutMs: 60_000 });
    // a few lag windows (1 s each) once running
    await new Promise((resolve) => setTimeout(resolve, 4000));
    run.child.kill('SIGTERM');
    expect(await run.exited, run.output.stderr).toBe(0);
    expect(run.output.stdout).not.toContain('agent/event_loop_lag');
  }, 90_000);
});
