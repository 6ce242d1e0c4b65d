/** Alarm life-cycle states kept over a restart through the alarm journal in the DuckDB file. */
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { PASSWORDS, startPlant, waitFor, waitForRows, type Plant } from './fixture.ts';

const HI = 'GD-1.concentration/hi';
const HIHI = 'GD-1.concentration/hihi';
const SUPERVISOR = { user: 'sup', password: PASSWORDS.supervisor } as const;
let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

const alarmEvents = (events: readonly AgentEvent[], alarmId: string) => events.filter((event): event is Extract<AgentEvent, { type: 'alarm' }> => event.type === 'alarm' && event.alarmId === alarmId);

/** Stops the running agent and starts one on `yaml` (default the plant's) and the same DuckDB file, with a fresh event list. */
async function restartOn(current: Plant, yaml = current.yaml): Promise<Agent> {
  await current.agent?.stop();
  current.agent = null;
  current.events.length = 0;
  current.agent = await Agent.start(parseAgentConfig(yaml, current.config.file), { store: { flushIntervalMs: 200 } });
  current.agent.subscribe((event) => current.events.push(event));
  return current.agent;
}

describe('alarm states across a restart', () => {
  it('an acknowledged standing alarm is not announced again; a shelf holds until its expiry', async () => {
    plant = await startPlant({ speed: 4 });
    const agent = await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 30);
    await waitFor('hi raised', () => alarmEvents(plant!.events, HI).find((event) => event.toState === 'unacknowledged_active'));
    expect(await agent.commandAlarm({ kind: 'ack', target: HI, reason: 'gas crew on the way' }, SUPERVISOR)).toEqual({ ok: true });
    const until = Date.now() + 8_000;
    expect(await agent.commandAlarm({ kind: 'shelve', target: HIHI, reason: 'detector swap', until }, SUPERVISOR)).toEqual({ ok: true });

    const second = await restartOn(plant);
    expect(second.alarmsNotNormal().engine.find((alarm) => alarm.id === HI)).toMatchObject({ state: 'acknowledged_active', conditionActive: true });
    // The leak goes on: the acknowledged hi stands without a word; hihi, shelved, trips the interlock unannounced.
    plant.site.device('GD-1').set('concentration', 45);
    const hihi = await waitFor('hihi active while shelved', () => alarmEvents(plant!.events, HIHI).find((event) => event.conditionActive));
    expect(hihi).toMatchObject({ toMode: 'shelved', annunciated: false });
    expect(alarmEvents(plant.events, HI)).toEqual([]);
    const expired = await waitFor('shelf expired', () => alarmEvents(plant!.events, HIHI).find((event) => event.toMode === 'in_service'), { timeoutMs: 20_000 });
    expect(expired).toMatchObject({ who: 'engine', why: 'shelve expired', annunciated: true });
    expect(expired.time).toBeGreaterThanOrEqual(until);

    // The leak ends: hi clears straight to normal (it was acknowledged), as it would have without the restart.
    plant.site.device('GD-1').set('concentration', 0);
    const cleared = await waitFor('hi cleared', () => alarmEvents(plant!.events, HI).find((event) => !event.conditionActive));
    expect(cleared).toMatchObject({ fromState: 'acknowledged_active', toState: 'normal' });
  }, 90_000);

  it('an alarm whose rule is gone after the restart is closed in the journal with state_discarded', async () => {
    plant = await startPlant({ speed: 4 });
    await plant.startAgent();
    plant.site.device('GD-1').set('concentration', 30);
    await waitFor('hi raised', () => alarmEvents(plant!.events, HI)[0]);

    const agent = await restartOn(plant, plant.yaml.replace('limits: { hi: 20, hihi: 40 }', 'limits: { hihi: 40 }'));
    const rows = await waitForRows(
      () => agent.reader.alarmEventsAfter(0),
      (all) => all.some((row) => row.kind === 'state_discarded'),
    );
    expect(rows.filter((row) => row.kind === 'state_discarded')).toEqual([
      expect.objectContaining({
        pointId: 'GD-1.concentration',
        ruleId: 'hi',
        stateAfter: 'normal',
        who: 'hazmon',
        why: expect.stringMatching(/agent restarted: no longer configured/),
        details: expect.objectContaining({ alarmId: HI, stateBefore: 'unacknowledged_active' }),
      }),
    ]);
    expect(agent.alarmsNotNormal().engine).toEqual([]);
  }, 60_000);
});
