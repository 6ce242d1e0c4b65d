/** `hazmon run CONFIG` as an integrator runs it: a child process against a simulated plant, stopped with SIGTERM. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HazmonStore } from '@hazmon/agent';
import { runHazmon, startPlant, waitFor, type Plant } from './fixture.ts';

let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

describe('hazmon run', () => {
  it('runs the agent, logs one line per alarm event, stops cleanly on SIGTERM with the events in the store', async () => {
    plant = await startPlant({ speed: 4 });
    const file = join(plant.dir, 'site.yaml');
    const run = runHazmon(['run', file]);
    try {
      await waitFor('started', () => run.output.stdout.includes('started'), { timeoutMs: 30_000 });
      plant.site.device('GD-1').set('concentration', 60);
      await waitFor('hihi logged', () => /alarm GD-1\.concentration\/hihi high normal -> unacknowledged_active/.test(run.output.stdout), { timeoutMs: 30_000 });
      await waitFor('shut-off confirmed logged', () => run.output.stdout.includes('alarm XV-1/shutoff_confirmed'), { timeoutMs: 30_000 });
      expect(run.output.stdout).toMatch(/action close-gas close XV-1 by engine/);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited, run.output.stderr).toBe(0);
    // Only the order of our own lines is checked: a library may print on stdout too (node-opcua's Node-version
    // banner, once a config with OPC UA loads it).
    const stopping = run.output.stdout.indexOf('hazmon run: SIGTERM: stopping\n');
    expect(stopping).toBeGreaterThan(0);
    expect(run.output.stdout.indexOf('hazmon run: stopped\n')).toBeGreaterThan(stopping);
    // The process let go of the file: it opens here, with the events it wrote.
    const store = await HazmonStore.open({ path: plant.config.store.path });
    try {
      const kinds = (await store.alarmEventsAfter(0)).map((row) => `${row.ruleId}:${row.kind}`);
      expect(kinds).toContain('hihi:raised');
      expect(kinds).toContain('shutoff_confirmed:notice');
      expect(kinds).toContain('latched:raised');
      // Each event line ends with the seq of its committed row (printed from the durable feed).
      const printedSeq = Number(/^\S+ action close-gas close XV-1 by engine: .* \[seq (\d+)\]$/m.exec(run.output.stdout)?.[1]);
      const row = (await store.alarmEventsAfter(0)).find((candidate) => candidate.seq === printedSeq);
      expect(row).toMatchObject({ kind: 'action_commanded', ruleId: 'close-gas', pointId: 'XV-1' });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses a bad config file with exit 2 and names the problem', async () => {
    plant = await startPlant({ speed: 0 });
    const file = join(plant.dir, 'bad.yaml');
    writeFileSync(file, plant.yaml.replace('travelTimeS: 3', 'travelTimeS: -1'));
    const run = runHazmon(['run', file]);
    expect(await run.exited).toBe(2);
    expect(run.output.stderr).toMatch(/bad\.yaml:\d+:\d+.*travelTimeS/);
    expect(run.output.stdout).not.toMatch(/hazmon run: .*started/);
  }, 60_000);
});
