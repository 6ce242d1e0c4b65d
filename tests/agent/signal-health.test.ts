/**
 * NAMUR NE43 signal alarms through the whole agent, against a 4-20 mA input module served by a register bank over
 * Modbus TCP: only the fault bands alarm, the texts give the current and the band, and a comms loss (bad readings)
 * clears neither the signal alarm nor a limit alarm.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { startSite, type RunningSite } from '@hazmon/simulators';
import { waitFor } from './fixture.ts';

type AlarmEvent = Extract<AgentEvent, { type: 'alarm' }>;

let site: RunningSite | null = null;
let agent: Agent | null = null;
let dir: string | null = null;

afterEach(async () => {
  await agent?.stop();
  await site?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  agent = site = dir = null;
});

/** An 8-channel module as the shipped analog-input-4-20ma profile reads it: float32 mA in input registers 0..15. */
async function startModule(): Promise<{ events: AgentEvent[]; setMilliamps: (ma: number) => void; site: RunningSite }> {
  site = await startSite({
    name: 'ne43',
    speed: 1,
    tcp: [{ name: 'io', devices: [{ id: 'AI-1', unitId: 1, model: 'register-bank', options: { generate: [{ namePrefix: 'ma', count: 8, table: 'input', type: 'float32', start: 12 }] } }] }],
  });
  const port = site.endpoints.find((endpoint) => endpoint.deviceId === 'AI-1')!.port!;
  dir = mkdtempSync(join(tmpdir(), 'hazmon-ne43-'));
  const file = join(dir, 'site.yaml');
  const yaml = `
site: { id: ne43-site, name: NE43 site, areas: [{ id: house, name: House }] }
lines:
  - { id: io, kind: tcp, host: 127.0.0.1, port: ${port}, timing: { timeoutMs: 300, retries: 0, backoffBaseMs: 200, backoffMaxMs: 400 } }
devices:
  - { id: AI-1, profile: analog-input-4-20ma, line: io, unitId: 1, points: { channel1: { intervalMs: 100 } } }
opcua: []
points:
  - { id: AI-1.channel1, area: house, rules: { limits: { hi: 60 }, deadband: 1 } }
store: { path: ${JSON.stringify(join(dir, 'site.duckdb'))} }
`;
  writeFileSync(file, yaml);
  agent = await Agent.start(parseAgentConfig(yaml, file), { store: { flushIntervalMs: 200 } });
  const events: AgentEvent[] = [];
  agent.subscribe((event) => events.push(event));
  const module = site.device('AI-1');
  return { events, site, setMilliamps: (ma) => module.set('ma0', ma) };
}

const alarmsOf = (events: readonly AgentEvent[], alarmId: string) => events.filter((event): event is AlarmEvent => event.type === 'alarm' && event.alarmId === alarmId);
const SIGNAL = 'AI-1.channel1/signal_out_of_range';

describe('NE43 signal health through the agent', () => {
  it('3.7 mA is uncertain without alarm; 3.5 mA alarms with current and band; a comms loss clears neither signal nor limit alarm', async () => {
    const { events, setMilliamps, site: running } = await startModule();
    const readings: { quality: string; reason?: string }[] = [];
    agent!.subscribeReadings((batch) => readings.push(...batch.filter((r) => r.pointId === 'AI-1.channel1').map((r) => ({ quality: r.quality, ...(r.reason ? { reason: r.reason.code } : {}) }))));

    setMilliamps(3.7);
    await waitFor('uncertain readings at 3.7 mA', () => readings.filter((r) => r.quality === 'uncertain').length >= 5);
    expect(readings.at(-1)).toEqual({ quality: 'uncertain', reason: 'signal_out_of_range' });
    expect(alarmsOf(events, SIGNAL)).toEqual([]);

    setMilliamps(3.5);
    const raised = await waitFor('signal alarm at 3.5 mA', () => alarmsOf(events, SIGNAL).find((event) => event.conditionActive));
    expect(raised.why).toMatch(/3\.50 mA/);
    expect(raised.why).toMatch(/<= 3\.6 mA/);
    expect(raised.why).not.toMatch(/>= 21/);

    // The loop now reads high: the limit alarm goes active (4 + 16 * 0.75 = 16 mA is 75 %LEL).
    setMilliamps(16);
    await waitFor('signal alarm cleared by a good reading', () => alarmsOf(events, SIGNAL).find((event) => !event.conditionActive));
    await waitFor('hi limit alarm', () => alarmsOf(events, 'AI-1.channel1/hi').find((event) => event.conditionActive));
    setMilliamps(21.5);
    await waitFor('signal alarm at 21.5 mA', () => alarmsOf(events, SIGNAL).filter((event) => event.conditionActive).length === 2);
    expect(alarmsOf(events, SIGNAL).at(-1)!.why).toMatch(/21\.50 mA.*>= 21 mA/);

    const mark = events.length;
    running.setCommsFault('AI-1', 'noAnswer');
    await waitFor('point comms loss', () => events.slice(mark).find((event) => event.type === 'alarm' && event.alarmId === 'AI-1.channel1/comms_loss' && event.conditionActive));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const duringLoss = events.slice(mark).filter((event): event is AlarmEvent => event.type === 'alarm' && (event.alarmId === SIGNAL || event.alarmId === 'AI-1.channel1/hi'));
    expect(
      duringLoss.filter((event) => !event.conditionActive),
      'nothing cleared by bad readings',
    ).toEqual([]);
    expect(alarmsOf(events, SIGNAL).at(-1)!.conditionActive).toBe(true);
    expect(alarmsOf(events, 'AI-1.channel1/hi').at(-1)!.conditionActive).toBe(true);

    running.setCommsFault('AI-1', 'none');
    setMilliamps(12);
    await waitFor('signal alarm cleared by a good reading again', () => alarmsOf(events, SIGNAL).at(-1)?.conditionActive === false);
    expect(alarmsOf(events, SIGNAL).at(-1)!.why).toMatch(/back in range/);
  }, 60_000);
});
