/** Config reload with OPC UA: an unchanged connection keeps running, a changed one restarts and carries the output writes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { startSite, tankNodeId, type RunningSite } from '@hazmon/simulators';
import { RESETTER_YAML, runtimeAlarms, waitFor, waitForRows } from './fixture.ts';

/** What a test started, stopped in reverse order after it. */
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two connections to one tank farm, one tank each; the inlet of T-2 is cut on its level's hihi (written, not verified). */
function yardConfig(endpointUrl: string, storePath: string, farmBPublishingMs: number): string {
  const connection = (id: string, tank: string, publishingMs: number) => `
  - id: ${id}
    endpointUrl: ${endpointUrl}
    publishingIntervalMs: ${publishingMs}
    points:
      - { id: ${tank}.level, nodeId: "${tankNodeId(tank, 'Level')}", unit: mm, samplingIntervalMs: 100 }
      - { id: ${tank}.inlet, nodeId: "${tankNodeId(tank, 'InletValve')}", samplingIntervalMs: 100 }`;
  return `
site: { id: tank-yard, name: Tank yard, areas: [{ id: yard, name: Yard }] }
lines: []
devices: []
opcua:${connection('farmA', 'T-1', 100)}${connection('farmB', 'T-2', farmBPublishingMs)}
points:
  - { id: T-1.level, area: yard, range: [0, 10000], rules: { limits: { hi: 9000, hihi: 9500 }, deadband: 50 } }
  - { id: T-2.level, area: yard, range: [0, 10000], rules: { limits: { hi: 9000, hihi: 9500 }, deadband: 50 } }
actions:
  - { id: stop-filling-2, kind: power_cut, output: T-2-inlet, when: [T-2.level/hihi] }
outputs:
  - { id: T-2-inlet, kind: power_cut, command: T-2.inlet, tripValue: false }
store: { path: ${JSON.stringify(storePath)} }
${RESETTER_YAML}
`;
}

describe('reload with OPC UA connections', () => {
  it('keeps an unchanged connection delivering, restarts a changed one without a comms alarm, and writes through the new one', async () => {
    const tank = (id: string, inletFlowMmPerS: number) => ({ id, heightMm: 10000, levelMm: 9200, pressureKPa: 101, temperatureC: 15, inletFlowMmPerS });
    const site: RunningSite = await startSite({ name: 'yard', speed: 1, opcua: [{ name: 'farm', port: 0, tanks: [tank('T-1', 5), tank('T-2', 100)] }] });
    cleanups.push(() => site.stop());
    // A subscription reports changes only: T-1 fills slowly (below hihi for a minute) so its connection has news.
    site.device('T-1').set('inletOpen', 1);
    const dir = mkdtempSync(join(tmpdir(), 'hazmon-reload-opcua-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'site.yaml');
    const endpointUrl = site.endpoints[0]!.endpointUrl!;
    const storePath = join(dir, 'site.duckdb');
    const events: AgentEvent[] = [];
    const seen = new Map<string, number>();
    const agent = await Agent.start(parseAgentConfig(yardConfig(endpointUrl, storePath, 100), file), { store: { flushIntervalMs: 200 } });
    cleanups.push(() => agent.stop());
    agent.subscribe((event) => events.push(event));
    agent.subscribeReadings((batch) => {
      for (const reading of batch) if (reading.quality === 'good') seen.set(reading.pointId, (seen.get(reading.pointId) ?? 0) + 1);
    });
    await waitFor('both tanks read', () => (seen.get('T-1.level') ?? 0) > 0 && (seen.get('T-2.level') ?? 0) > 0, { timeoutMs: 45_000 });

    const report = await agent.reload(parseAgentConfig(yardConfig(endpointUrl, storePath, 200), file), 'test');
    expect(report.opcua).toEqual({ kept: ['farmA'], restarted: ['farmB'], added: [], removed: [] });
    expect(report.outputs.kept).toEqual(['T-2-inlet']);
    expect(report.skipped).toEqual([]);
    const afterReload = { t1: seen.get('T-1.level')!, t2: seen.get('T-2.level')! };
    await waitFor('both tanks read again', () => seen.get('T-1.level')! > afterReload.t1 && seen.get('T-2.level')! > afterReload.t2, { timeoutMs: 45_000 });

    // The kept output's writer finds the restarted connection at write time.
    site.device('T-2').set('inletOpen', 1);
    await waitFor('T-2 inlet cut by the agent', () => site.device('T-2').get('inletOpen') === 0, { timeoutMs: 45_000 });
    const audit = await waitForRows(
      () => agent.reader.auditRows({}),
      (rows) => rows.some((row) => row.action === 'power_cut_command'),
    );
    expect(audit.find((row) => row.action === 'power_cut_command')).toMatchObject({ target: 'T-2-inlet', details: { result: 'written', why: ['T-2.level/hihi'] } });
    expect([...runtimeAlarms(events, 'farmA/comms_loss'), ...runtimeAlarms(events, 'farmB/comms_loss')]).toEqual([]);
    expect(agent.stats().reloadStopReadings).toBe(0);
  }, 120_000);
});
