/** Tank overfill over OPC UA: level rising past hihi -> the agent writes the tank's inlet valve closed through OPC UA. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { startSite, tankNodeId, type RunningSite } from '@hazmon/simulators';
import { RESETTER_YAML, waitFor, waitForRows } from './fixture.ts';

let site: RunningSite | null = null;
let agent: Agent | null = null;
let dir: string | null = null;

afterEach(async () => {
  await agent?.stop();
  await site?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  agent = null;
  site = null;
  dir = null;
});

/**
 * The inlet is configured as an output that is written but not verified (kind power_cut: "cut the inlet"), as for an
 * inlet without limit switches; the demo plant (tests/demo.test.ts) has its inlets verified as shut-off valves through
 * the simulated tanks' InletClosed / InletOpen switches.
 */
function overfillConfig(endpointUrl: string, storePath: string): string {
  return `
site: { id: tank-yard, name: Tank yard, areas: [{ id: yard, name: Yard }] }
lines: []
devices: []
opcua:
  - id: farm
    endpointUrl: ${endpointUrl}
    publishingIntervalMs: 100
    points:
      - { id: T-1.level, nodeId: "${tankNodeId('T-1', 'Level')}", unit: mm, samplingIntervalMs: 100 }
      - { id: T-1.inlet, nodeId: "${tankNodeId('T-1', 'InletValve')}", samplingIntervalMs: 100 }
points:
  - id: T-1.level
    area: yard
    range: [0, 10000]
    rules: { limits: { hi: 9000, hihi: 9500 }, deadband: 50 }
actions:
  - { id: stop-filling, kind: power_cut, output: T-1-inlet, when: [T-1.level/hihi] }
outputs:
  - { id: T-1-inlet, kind: power_cut, command: T-1.inlet, tripValue: false }
store: { path: ${JSON.stringify(storePath)} }
${RESETTER_YAML}
`;
}

describe('OPC UA tank overfill', () => {
  it('level rising -> hihi -> inlet written closed over OPC UA -> the level stops; command audited', async () => {
    site = await startSite({
      name: 'yard',
      speed: 1,
      opcua: [{ name: 'farm', port: 0, tanks: [{ id: 'T-1', heightMm: 10000, levelMm: 9200, pressureKPa: 101, temperatureC: 15, inletFlowMmPerS: 100 }] }],
    });
    const tank = site.device('T-1');
    dir = mkdtempSync(join(tmpdir(), 'hazmon-overfill-'));
    const file = join(dir, 'site.yaml');
    const config = parseAgentConfig(overfillConfig(site.endpoints[0]!.endpointUrl!, join(dir, 'site.duckdb')), file);
    const events: AgentEvent[] = [];
    agent = await Agent.start(config, { store: { flushIntervalMs: 200 } });
    agent.subscribe((event) => events.push(event));
    tank.set('inletOpen', 1);

    await waitFor('hihi raised', () => events.find((e) => e.type === 'alarm' && e.alarmId === 'T-1.level/hihi' && e.conditionActive), { timeoutMs: 45_000 });
    await waitFor('inlet closed by the agent', () => tank.get('inletOpen') === 0, { timeoutMs: 20_000 });
    const level = tank.get('level');
    expect(level).toBeGreaterThanOrEqual(9500);
    expect(events.some((e) => e.type === 'action' && e.actionId === 'stop-filling' && e.command === 'cut')).toBe(true);
    const audit = await waitForRows(
      () => agent!.reader.auditRows({}),
      (rows) => rows.some((row) => row.action === 'power_cut_command'),
    );
    expect(audit.find((row) => row.action === 'power_cut_command')).toMatchObject({ who: 'hazmon', target: 'T-1-inlet', details: { result: 'written', value: false, why: ['T-1.level/hihi'] } });
    // Filling stopped: the level holds where the write caught it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(tank.get('level')).toBe(level);
  }, 90_000);
});
