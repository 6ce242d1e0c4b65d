/**
 * Freshness of OPC UA points in the agent, against a real tank farm: a steady value is not stale while its
 * subscription is alive, and after the link drops with the server still running, the unchanged values the server
 * delivers again restore their points at once, with "comms restored" at the gateway's time of the reconnect.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { startLinkRelay, startTankFarm, tankNodeId, type LinkRelay, type RunningTankFarm } from '@hazmon/simulators';
import { waitFor } from './fixture.ts';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STALE_S = 2;

async function steadyFarmBehindRelay(): Promise<{ farm: RunningTankFarm; relay: LinkRelay }> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-opcua-freshness-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // speed 0: the simulated tanks never move, so the subscription has nothing to report after the initial values
  const farm = await startTankFarm({ port: 0, speed: 0, pkiDir: join(dir, 'server-pki'), tanks: [{ id: 'T-101', heightMm: 12_000, levelMm: 4200, pressureKPa: 101, temperatureC: 15 }] });
  cleanups.push(() => farm.stop());
  const relay = await startLinkRelay(farm.port);
  cleanups.push(() => relay.close());
  return { farm, relay };
}

async function startAgent(endpointUrl: string): Promise<{ agent: Agent; events: AgentEvent[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-opcua-freshness-agent-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const yaml = `
site: { id: tank-yard, name: Tank yard, areas: [{ id: yard, name: Yard }] }
lines: []
devices: []
opcua:
  - id: farm
    endpointUrl: ${endpointUrl}
    publishingIntervalMs: 100
    reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }
    points:
      - { id: T-101.level, nodeId: "${tankNodeId('T-101', 'Level')}", samplingIntervalMs: 100 }
points:
  - id: T-101.level
    area: yard
    range: [0, 12000]
    rules: { limits: { hihi: 11000 }, health: { staleS: ${STALE_S} } }
store: { path: ${JSON.stringify(join(dir, 'site.duckdb'))} }
`;
  const agent = await Agent.start(parseAgentConfig(yaml, join(dir, 'site.yaml')), { store: { flushIntervalMs: 200 } });
  cleanups.push(() => agent.stop());
  const events: AgentEvent[] = [];
  agent.subscribe((event) => events.push(event));
  return { agent, events };
}

function alarmEvents(events: readonly AgentEvent[], alarmId: string) {
  return events.flatMap((event) => (event.type === 'alarm' && event.alarmId === alarmId ? [event] : []));
}

describe('OPC UA point freshness in the agent', () => {
  it('a value that holds steady is not stale while its subscription is alive', async () => {
    const { relay } = await steadyFarmBehindRelay();
    const { agent, events } = await startAgent(`opc.tcp://127.0.0.1:${relay.port}`);
    await waitFor('the first level', () => agent.stats().readings > 0, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, STALE_S * 1000 * 3));
    expect(alarmEvents(events, 'T-101.level/stale')).toEqual([]);
  }, 60_000);

  it('after the link drops with the server running, the value delivered again restores the point at the time of the reconnect', async () => {
    const { relay } = await steadyFarmBehindRelay();
    const { agent, events } = await startAgent(`opc.tcp://127.0.0.1:${relay.port}`);
    await waitFor('the first level', () => agent.stats().readings > 0, { timeoutMs: 30_000 });
    // the value's source time falls behind the gateway's clock by more than the late tolerance (5 s)
    await new Promise((resolve) => setTimeout(resolve, 6000));

    relay.drop();
    const lost = await waitFor('comms loss on the point', () => alarmEvents(events, 'T-101.level/comms_loss').find((event) => event.conditionActive), { timeoutMs: 20_000 });
    const connected = await waitFor('the connection back', () => events.find((event) => event.type === 'runtime_alarm' && event.alarmId === 'farm/comms_loss' && !event.active), { timeoutMs: 20_000 });
    const restored = await waitFor('comms restored on the point', () => alarmEvents(events, 'T-101.level/comms_loss').find((event) => !event.conditionActive), { timeoutMs: 5000 });
    await waitFor('bad quality cleared', () => alarmEvents(events, 'T-101.level/bad_quality').find((event) => !event.conditionActive), { timeoutMs: 5000 });
    expect(restored.time).toBeGreaterThan(lost.time);
    expect(Math.abs(restored.time - connected.time)).toBeLessThan(1000);
    expect(agent.stats().lateReadings).toBe(0);
  }, 60_000);
});
