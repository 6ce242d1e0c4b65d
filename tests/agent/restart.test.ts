/** A latched shut-off survives an agent restart (stop, or SIGKILL of `hazmon run`) through the DuckDB file. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '@hazmon/agent';
import { PASSWORDS, runHazmon, runtimeAlarms, startPlant, waitFor, type Plant } from './fixture.ts';

const HIHI = 'GD-1.concentration/hihi';
let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

/** Stops the running agent and starts a new one on the same config and DuckDB file, with a fresh event list. */
async function restart(current: Plant): Promise<Agent> {
  await current.agent?.stop();
  current.agent = null;
  current.events.length = 0;
  return current.startAgent();
}

/** Resolves once the agent has had a good reading of the leak detector. */
async function goodReading(agent: Agent): Promise<void> {
  let goodReadings = 0;
  const unsubscribe = agent.subscribeReadings((batch) => (goodReadings += batch.filter((r) => r.pointId === 'GD-1.concentration' && r.quality === 'good').length));
  await waitFor('a good GD-1 reading', () => goodReadings > 0);
  unsubscribe();
}

function hihiSeen(current: Plant, active: boolean): boolean {
  return current.events.some((e) => e.type === 'alarm' && e.alarmId === HIHI && e.conditionActive === active);
}

/** After a restart with the leak still on: latched, nothing re-commanded, the reset rules apply, release survives. */
async function expectLatchRestored(current: Plant, agent: Agent): Promise<void> {
  expect(agent.actionLatched('close-gas')).toBe(true);
  const restored = (await agent.reader.auditRows({})).filter((row) => row.action === 'latch_restored');
  expect(restored).toHaveLength(1);
  expect(restored[0]).toMatchObject({ who: 'hazmon', target: 'close-gas', details: { output: 'XV-1', trippedBy: [HIHI] } });

  // The latch and the leak's alarm stand again, as they were: nothing is announced anew.
  const standing = agent.alarmsNotNormal();
  expect(standing.runtime.find((alarm) => alarm.id === 'close-gas/latched')).toMatchObject({ state: 'unacknowledged_active', conditionActive: true, source: 'XV-1' });
  expect(standing.engine.find((alarm) => alarm.id === HIHI)).toMatchObject({ state: 'unacknowledged_active', conditionActive: true });

  const early = await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor });
  expect(early.ok).toBe(false);
  await goodReading(agent);
  const whileActive = await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor });
  expect(whileActive).toMatchObject({ ok: false, reason: expect.stringMatching(/condition still active/) });
  expect(current.events.some((e) => e.type === 'action')).toBe(false);
  expect(current.events.some((e) => e.type === 'alarm' && e.alarmId === HIHI)).toBe(false);
  expect(current.events.some((e) => e.type === 'runtime_alarm' && e.transition === 'raised')).toBe(false);
  expect(agent.stats().shutoff[0]).toMatchObject({ trips: 0, writes: 0 });
  expect(current.site.device('XV-1').get('command')).toBe(0);

  current.site.device('GD-1').set('concentration', 0);
  await waitFor('hihi cleared', () => hihiSeen(current, false));
  const viewer = await agent.resetAction('close-gas', { user: 'view', password: PASSWORDS.viewer });
  expect(viewer).toMatchObject({ ok: false, reason: expect.stringMatching(/role viewer/) });
  expect(agent.actionLatched('close-gas')).toBe(true);
  expect(await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor })).toEqual({ ok: true });
  expect(agent.actionLatched('close-gas')).toBe(false);
  const resets = (await agent.reader.auditRows({})).filter((row) => row.action === 'reset_action').map((row) => [row.who, row.details?.['result']]);
  expect(resets.slice(-4)).toEqual([
    ['sup', 'refused'],
    ['sup', 'refused'],
    ['view', 'refused'],
    ['sup', 'accepted'],
  ]);

  const afterReset = await restart(current);
  expect(afterReset.actionLatched('close-gas')).toBe(false);
  expect((await afterReset.reader.auditRows({})).filter((row) => row.action === 'latch_restored')).toHaveLength(1);
  expect(current.site.device('XV-1').get('command')).toBe(0);
  expect(current.site.device('XV-1').get('closedSwitch')).toBe(1);
  expect((await afterReset.reader.verifyAuditChain()).ok).toBe(true);
}

describe('latch across restarts', () => {
  it('stop and start on the same file: the close stays latched until a supervisor resets it after the leak cleared', async () => {
    plant = await startPlant({ speed: 4 });
    const first = await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 60);
    await waitFor('shut-off confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    expect(first.actionLatched('close-gas')).toBe(true);

    const second = await restart(plant);
    await expectLatchRestored(plant, second);
  }, 90_000);

  it('leak gone while the agent was down: a reset waits for a good reading of the trigger point, then is accepted', async () => {
    plant = await startPlant({ speed: 4 });
    await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 60);
    await waitFor('shut-off confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    await plant.agent!.stop();
    plant.site.device('GD-1').set('concentration', 0);

    const agent = await restart(plant);
    const supervisor = { authenticated: { name: 'sup', role: 'supervisor' } } as const;
    // No reading can have arrived yet (the reset runs before any socket I/O): the fresh engine knows nothing of the leak.
    const unjudged = await agent.resetAction('close-gas', supervisor);
    expect(unjudged).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/latched before the agent restarted.*GD-1\.concentration/),
      code: 'latch_not_judged',
      params: { target: 'close-gas', since: 'restart', waiting: expect.stringMatching(/^GD-1\.concentration \d+ s$/) },
    });
    expect(agent.actionLatched('close-gas')).toBe(true);

    await goodReading(agent);
    expect(await agent.resetAction('close-gas', supervisor)).toEqual({ ok: true });
    expect(agent.actionLatched('close-gas')).toBe(false);
    expect(hihiSeen(plant, true)).toBe(false);
  }, 90_000);

  it('valve reopened by hand while the agent was down: the restored latch raises the emergency discrepancy and closes it again', async () => {
    plant = await startPlant({ speed: 4, travelTimeS: 2, retries: 1 });
    await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 60);
    await waitFor('shut-off confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    await plant.agent!.stop();
    plant.site.device('XV-1').set('command', 1);
    await waitFor('valve open on site', () => plant!.site.device('XV-1').get('openSwitch') === 1);

    const agent = await restart(plant);
    const discrepancy = await waitFor('discrepancy', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy')[0]);
    expect(discrepancy).toMatchObject({ transition: 'raised', priority: 'emergency', details: { reason: 'stuck_open', openSwitch: true } });
    expect(discrepancy.why).toMatch(/after the agent restarted with its shut-off latched/);
    await waitFor('closed again and confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    expect(plant.site.device('XV-1').get('closedSwitch')).toBe(1);
    expect(runtimeAlarms(plant.events, 'XV-1/shutoff_discrepancy').map((event) => event.transition)).toEqual(['raised', 'cleared']);
    expect(agent.stats().shutoff[0]).toMatchObject({ writes: 1, state: 'confirmed' });
    expect(agent.actionLatched('close-gas')).toBe(true);
  }, 90_000);

  it('hazmon run killed with SIGKILL after the close was confirmed: the restarted agent is still latched', async () => {
    plant = await startPlant({ speed: 4 });
    const run = runHazmon(['run', join(plant.dir, 'site.yaml')]);
    try {
      await waitFor('started', () => run.output.stdout.includes('started'), { timeoutMs: 30_000 });
      plant.site.device('GD-1').set('concentration', 60);
      await waitFor('shut-off confirmed logged', () => run.output.stdout.includes('alarm XV-1/shutoff_confirmed'), { timeoutMs: 30_000 });
    } finally {
      run.child.kill('SIGKILL');
    }
    await run.exited;
    expect(run.output.stdout).not.toContain('stopped');
    const agent = await plant.startAgent();
    await expectLatchRestored(plant, agent);
  }, 90_000);
});

it('an alarm that returned unacknowledged keeps over a restart the time it went active', async () => {
  plant = await startPlant({ speed: 4 });
  const first = await plant.startAgent();
  const hi = () => first.alarmsNotNormal().engine.find((alarm) => alarm.id === 'GD-1.concentration/hi');
  plant.site.device('GD-1').set('concentration', 30);
  const raised = await waitFor('hi raised', () => hi()?.activeSince ?? undefined);
  plant.site.device('GD-1').set('concentration', 0);
  await waitFor('hi returned', () => hi()?.state === 'unacknowledged_returned');

  const second = await restart(plant);
  expect(second.alarmsNotNormal().engine.find((alarm) => alarm.id === 'GD-1.concentration/hi')).toMatchObject({
    state: 'unacknowledged_returned',
    conditionActive: false,
    activeSince: raised,
  });
}, 60_000);
