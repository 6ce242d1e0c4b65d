/** Verified shut-off through the whole agent: simulated detector and valve over Modbus TCP, a real DuckDB file. */
import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORDS, runtimeAlarms, startPlant, waitFor, waitForRows, type Plant, type PlantOptions } from './fixture.ts';

let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

/** Raises the detector's concentration in steps of 10, each held until the agent has polled it (a leak ramp). */
async function rampLeak(current: Plant, to: number): Promise<void> {
  const gas = current.site.device('GD-1');
  for (let value = 10; value <= to; value += 10) {
    gas.set('concentration', value);
    const before = current.agent!.stats().readings;
    // The Midas is polled once a second (several readings per poll): two more polls have seen the new value.
    await waitFor(`GD-1 polled at ${value}`, () => current.agent!.stats().readings > before + 2 * 4);
  }
}

/** Starts the plant with a valve fault set, trips the valve with a leak, and waits for the first discrepancy. */
async function tripWithValveFault(fault: 'stuckOpen' | 'feedbackBroken' | 'commandIgnored', options: PlantOptions) {
  plant = await startPlant(options);
  const valve = plant.site.device('XV-1');
  valve.set(fault, 1);
  const agent = await plant.startAgent();
  plant.site.device('GD-1').set('concentration', 60);
  const discrepancy = await waitFor('discrepancy', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy')[0]);
  return { agent, discrepancy, valve };
}

describe('verified shut-off', () => {
  it('leak ramp -> hihi -> coil written -> feedback confirms closed; audit and alarm events are durable', async () => {
    plant = await startPlant({ speed: 4 });
    const agent = await plant.startAgent();
    const events = plant.events;
    await rampLeak(plant, 60);
    const hihi = await waitFor('hihi raised', () => events.find((e) => e.type === 'alarm' && e.alarmId === 'GD-1.concentration/hihi' && e.conditionActive));
    const action = await waitFor('close action', () => events.find((e) => e.type === 'action' && e.command === 'close'));
    expect(events.indexOf(action)).toBeGreaterThan(events.indexOf(hihi));
    const hi = events.findIndex((e) => e.type === 'alarm' && e.alarmId === 'GD-1.concentration/hi' && e.conditionActive);
    expect(hi).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(events.indexOf(hihi));
    await waitFor('shut-off confirmed', () => runtimeAlarms(events, 'XV-1/shutoff_confirmed')[0]);
    expect(plant.site.device('XV-1').get('command')).toBe(0);
    expect(plant.site.device('XV-1').get('closedSwitch')).toBe(1);
    expect(runtimeAlarms(events, 'XV-1/shutoff_discrepancy')).toEqual([]);
    expect(agent.actionLatched('close-gas')).toBe(true);

    const stats = agent.stats();
    expect(stats.shutoff[0]).toMatchObject({ outputId: 'XV-1', state: 'confirmed', trips: 1, writes: 1, confirmations: 1, discrepancies: 0 });
    for (const histogram of [stats.latency.decision, stats.latency.command, stats.latency.confirm]) expect(histogram.count).toBe(1);

    const audit = await waitForRows(
      () => agent.reader.auditRows({}),
      (rows) => rows.some((row) => row.action === 'shutoff_confirmed'),
    );
    const command = audit.find((row) => row.action === 'shutoff_command')!;
    expect(command).toMatchObject({ who: 'hazmon', target: 'XV-1', details: { result: 'written', value: false, why: ['GD-1.concentration/hihi'] } });
    expect(audit.find((row) => row.action === 'shutoff_confirmed')).toMatchObject({ who: 'hazmon', target: 'XV-1', details: { why: ['GD-1.concentration/hihi'] } });
    expect(audit.findIndex((row) => row.action === 'shutoff_command')).toBeLessThan(audit.findIndex((row) => row.action === 'shutoff_confirmed'));

    const stored = await waitForRows(
      () => agent.reader.alarmEventsAfter(0),
      (rows) => rows.some((row) => row.ruleId === 'shutoff_confirmed'),
    );
    expect(stored.find((row) => row.ruleId === 'hihi' && row.kind === 'raised')).toMatchObject({ pointId: 'GD-1.concentration', stateAfter: 'unacknowledged_active' });
    expect(stored.find((row) => row.kind === 'action_commanded')).toMatchObject({ pointId: 'XV-1', ruleId: 'close-gas', stateAfter: 'close' });
    expect((await agent.reader.verifyAuditChain()).ok).toBe(true);
    expect(agent.stats().persistFailures).toBe(0);
  }, 60_000);

  it('stuck open -> emergency shutoff_discrepancy after the travel time, retried, latch kept', async () => {
    const { agent, discrepancy } = await tripWithValveFault('stuckOpen', { speed: 4, travelTimeS: 1, retries: 2 });
    expect(discrepancy).toMatchObject({ priority: 'emergency', active: true, details: { reason: 'stuck_open', openSwitch: true, closedSwitch: false } });
    expect(discrepancy.why).toMatch(/stuck open/);
    await waitFor('both retries used', () => agent.stats().shutoff[0]!.writes === 3 && runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy').length === 3);
    expect(agent.stats().shutoff[0]).toMatchObject({ retries: 2, state: 'discrepancy', confirmations: 0 });
    expect(agent.actionLatched('close-gas')).toBe(true);
    expect(plant!.site.device('XV-1').get('command')).toBe(0);
    // One alarm, one life cycle: raised once, then updated with each retry, never raised again.
    const stored = await waitForRows(
      () => agent.reader.alarmEventsAfter(0),
      (rows) => rows.filter((row) => row.ruleId === 'shutoff_discrepancy').length === 3,
    );
    const rows = stored.filter((row) => row.ruleId === 'shutoff_discrepancy');
    expect(rows.map((row) => [row.kind, row.stateAfter, row.details?.['occurrences'], row.details?.['attempt']])).toEqual([
      ['raised', 'unacknowledged_active', 1, 1],
      ['updated', 'unacknowledged_active', 2, 2],
      ['updated', 'unacknowledged_active', 3, 3],
    ]);
    expect(rows[0]).toMatchObject({ pointId: 'XV-1', priority: 'emergency' });

    // Acknowledged like any other alarm; a later retry's update does not make it unacknowledged again.
    expect(await agent.commandAlarm({ kind: 'ack', target: 'XV-1/shutoff_discrepancy', reason: 'crew sent' }, { user: 'view', password: PASSWORDS.viewer })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/role viewer/),
    });
    expect(await agent.commandAlarm({ kind: 'ack', target: 'XV-1/shutoff_discrepancy', reason: 'crew sent' }, { user: 'sup', password: PASSWORDS.supervisor })).toEqual({ ok: true });
    const acked = (await agent.reader.alarmEventsAfter(0)).filter((row) => row.ruleId === 'shutoff_discrepancy').at(-1);
    expect(acked).toMatchObject({ kind: 'acknowledged', stateAfter: 'acknowledged_active', who: 'sup', why: 'crew sent' });
    // Freed by hand, the valve closes on the standing command: the confirmation ends the alarm (acknowledged, so normal).
    plant!.site.device('XV-1').set('stuckOpen', 0);
    const cleared = await waitFor('discrepancy cleared', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy').find((event) => event.transition === 'cleared'));
    expect(cleared).toMatchObject({ toState: 'normal', active: false });
    expect(agent.alarmsNotNormal().runtime.map((alarm) => alarm.id)).toEqual(['close-gas/latched']);
  }, 60_000);

  it('a valve reopened by hand under the latch: the emergency discrepancy, closed again, cleared once confirmed', async () => {
    plant = await startPlant({ speed: 4, travelTimeS: 2, retries: 1 });
    const agent = await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 60);
    await waitFor('shut-off confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    const writes = agent.stats().shutoff[0]!.writes;

    plant.site.device('XV-1').set('command', 1);
    const raised = await waitFor('discrepancy', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy')[0]);
    expect(raised).toMatchObject({ transition: 'raised', priority: 'emergency', details: { reason: 'opened_under_latch' } });
    expect(raised.why).toMatch(/reads open .* while its shut-off is latched/);
    await waitFor('confirmed closed again', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[1]);
    expect(plant.site.device('XV-1').get('command')).toBe(0);
    expect(plant.site.device('XV-1').get('closedSwitch')).toBe(1);
    expect(agent.stats().shutoff[0]!.writes).toBeGreaterThan(writes);
    expect(runtimeAlarms(plant.events, 'XV-1/shutoff_discrepancy').map((event) => event.transition)).toEqual(['raised', 'cleared']);
    expect(agent.actionLatched('close-gas')).toBe(true);
  }, 60_000);

  it('feedback wire broken -> discrepancy naming both switches false', async () => {
    const { agent, discrepancy } = await tripWithValveFault('feedbackBroken', { speed: 4, travelTimeS: 1, retries: 0 });
    expect(discrepancy).toMatchObject({ priority: 'emergency', details: { reason: 'feedback_broken', openSwitch: false, closedSwitch: false } });
    expect(discrepancy.why).toMatch(/both limit switches false/);
    expect(agent.stats().shutoff[0]).toMatchObject({ writes: 1, retries: 0 });
  }, 60_000);

  it('command ignored -> read-back mismatch is a command_ignored discrepancy, retried as configured', async () => {
    const { agent, discrepancy } = await tripWithValveFault('commandIgnored', { speed: 4, travelTimeS: 1, retries: 1 });
    expect(discrepancy.details).toMatchObject({ reason: 'command_ignored' });
    expect(discrepancy.why).toMatch(/read back/);
    await waitFor('retry written', () => agent.stats().shutoff[0]!.writeFailures === 2);
    const audit = await waitForRows(
      () => agent.reader.auditRows({}),
      (rows) => rows.filter((row) => row.action === 'shutoff_command').length === 2,
    );
    expect(audit.filter((row) => row.action === 'shutoff_command').map((row) => row.details?.['result'])).toEqual(['failed', 'failed']);
    // Retries used up: the travel time passes and the discrepancy still says the command was not taken.
    await waitFor('discrepancy after the travel time', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy').length === 3);
    expect(runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy').map((event) => event.details['reason'])).toEqual(['command_ignored', 'command_ignored', 'command_ignored']);
    expect(agent.actionLatched('close-gas')).toBe(true);
  }, 60_000);

  it('a retry that gets through after a refused command confirms the close and clears the discrepancy', async () => {
    const { agent, valve } = await tripWithValveFault('commandIgnored', { speed: 4, travelTimeS: 2, retries: 10 });
    valve.set('commandIgnored', 0);
    const cleared = await waitFor('discrepancy cleared', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy').find((event) => !event.active));
    expect(cleared.why).toMatch(/confirmed closed/);
    expect(valve.get('closedSwitch')).toBe(1);
    const stats = agent.stats().shutoff[0]!;
    expect(stats).toMatchObject({ state: 'confirmed', confirmations: 1 });
    expect(stats.writeFailures).toBeGreaterThanOrEqual(1);
    expect(stats.writes).toBe(stats.writeFailures + 1);
  }, 60_000);

  it('reset: refused while active and for a viewer, accepted for a supervisor after it cleared; the valve stays closed; audited', async () => {
    plant = await startPlant({ speed: 4 });
    const agent = await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 60);
    await waitFor('shut-off confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);

    const whileActive = await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor });
    expect(whileActive.ok).toBe(false);
    plant.site.device('GD-1').set('concentration', 0);
    await waitFor('hihi cleared', () => plant!.events.some((e) => e.type === 'alarm' && e.alarmId === 'GD-1.concentration/hihi' && !e.conditionActive));
    const viewer = await agent.resetAction('close-gas', { user: 'view', password: PASSWORDS.viewer });
    expect(viewer).toMatchObject({ ok: false, reason: expect.stringMatching(/role viewer/) });
    const wrongPassword = await agent.resetAction('close-gas', { user: 'sup', password: 'guess' });
    expect(wrongPassword.ok).toBe(false);
    expect(agent.actionLatched('close-gas')).toBe(true);

    const accepted = await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor });
    expect(accepted).toEqual({ ok: true });
    expect(agent.actionLatched('close-gas')).toBe(false);
    expect(plant.events.some((e) => e.type === 'action' && e.command === 'release' && e.who === 'sup')).toBe(true);
    // Released, never reopened: the coil stays de-energized and the valve closed after further polls.
    const writes = agent.stats().shutoff[0]!.writes;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(plant.site.device('XV-1').get('command')).toBe(0);
    expect(plant.site.device('XV-1').get('closedSwitch')).toBe(1);
    expect(agent.stats().shutoff[0]!.writes).toBe(writes);

    const audit = (await agent.reader.auditRows({})).filter((row) => row.action === 'reset_action');
    expect(audit.map((row) => [row.who, row.details?.['result']])).toEqual([
      ['sup', 'refused'],
      ['view', 'refused'],
      ['sup', 'refused'],
      ['sup', 'accepted'],
    ]);
    expect(String(audit[0]!.details?.['reason'])).toMatch(/active/);
  }, 60_000);
});

describe('verified shut-off of a valve with a closed switch only', () => {
  it('the closed switch alone confirms the close; reopened under the latch, it is the emergency discrepancy and closed again', async () => {
    plant = await startPlant({ speed: 4, travelTimeS: 2, retries: 1, closedSwitchOnly: true });
    const agent = await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 60);
    const confirmed = await waitFor('shut-off confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    expect(confirmed.why).toBe('XV-1 confirmed closed (XV-1.closed true)');
    expect(agent.stats().shutoff[0]).toMatchObject({ state: 'confirmed', writes: 1, confirmations: 1, discrepancies: 0 });
    const audit = await waitForRows(
      () => agent.reader.auditRows({}),
      (rows) => rows.some((row) => row.action === 'shutoff_confirmed'),
    );
    expect(audit.find((row) => row.action === 'shutoff_confirmed')?.details).toMatchObject({ closed: 'XV-1.closed', open: null });

    plant.site.device('XV-1').set('command', 1);
    const raised = await waitFor('discrepancy', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy')[0]);
    expect(raised).toMatchObject({ priority: 'emergency', details: { reason: 'opened_under_latch', closedSwitch: false, openSwitch: null } });
    expect(raised.why).toMatch(/reads open \(closed switch false, no open switch\) while its shut-off is latched/);
    await waitFor('confirmed closed again', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[1]);
    expect(plant.site.device('XV-1').get('closedSwitch')).toBe(1);
    expect(runtimeAlarms(plant.events, 'XV-1/shutoff_discrepancy').map((event) => event.transition)).toEqual(['raised', 'cleared']);
  }, 60_000);

  it('stuck: the closed switch not changing within the travel time is the emergency discrepancy, retried, latch kept', async () => {
    const { agent, discrepancy } = await tripWithValveFault('stuckOpen', { speed: 4, travelTimeS: 1, retries: 1, closedSwitchOnly: true });
    expect(discrepancy).toMatchObject({ priority: 'emergency', active: true, details: { reason: 'not_closed', closedSwitch: false, openSwitch: null } });
    expect(discrepancy.why).toMatch(/XV-1 not confirmed closed 1 s after the close command: the closed switch did not change \(closed switch false, no open switch\)/);
    await waitFor('the retry used', () => agent.stats().shutoff[0]!.writes === 2 && runtimeAlarms(plant!.events, 'XV-1/shutoff_discrepancy').length === 2);
    expect(agent.stats().shutoff[0]).toMatchObject({ state: 'discrepancy', confirmations: 0 });
    expect(agent.actionLatched('close-gas')).toBe(true);
  }, 60_000);
});
