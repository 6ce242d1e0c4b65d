/**
 * What an OPC UA server says reaches alarms and exports, against a real tank farm: a Bad status keeps its name (and
 * the node) in the bad-quality alarm, and a point's unit taken from the node's EngineeringUnits fills the export's
 * unit column.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { tankNodeId } from '@hazmon/simulators';
import { cleanupsAfterEach, rawRows, startOneTankFarm, waitFor, waitForRows } from './fixture.ts';

const cleanup = cleanupsAfterEach();

describe('OPC UA status names and units in the agent', () => {
  it('quotes the Bad status name in the alarm and exports the unit the server names', async () => {
    const { dir, farm } = await startOneTankFarm('opcua-status', cleanup);
    const yaml = `
site: { id: yard, name: Yard, areas: [{ id: yard, name: Yard }] }
lines: []
devices: []
opcua:
  - id: farm
    endpointUrl: ${farm.endpointUrl}
    publishingIntervalMs: 100
    points:
      - { id: T-1.level, nodeId: "${tankNodeId('T-1', 'Level')}", samplingIntervalMs: 100 }
points:
  - { id: T-1.level, area: yard, rules: { limits: { hihi: 9500 } } }
store: { path: ${JSON.stringify(join(dir, 'site.duckdb'))} }
`;
    const startedAt = Date.now();
    const agent = await Agent.start(parseAgentConfig(yaml, join(dir, 'site.yaml')), { store: { flushIntervalMs: 100 } });
    cleanup(() => agent.stop());
    const events: AgentEvent[] = [];
    agent.subscribe((event) => events.push(event));
    await waitFor('the first level', () => agent.stats().readings > 0, { timeoutMs: 30_000 });

    farm.tank('T-1').set('sensorFault', 1);
    const bad = await waitFor('the bad-quality alarm', () => events.find((event) => event.type === 'alarm' && event.alarmId === 'T-1.level/bad_quality' && event.conditionActive), {
      timeoutMs: 20_000,
    });
    expect(bad.type === 'alarm' && bad.why).toContain('BadSensorFailure');
    expect(bad.type === 'alarm' && bad.why).toContain(tankNodeId('T-1', 'Level'));

    await waitForRows(
      () => rawRows(agent.reader, 'T-1.level', startedAt),
      (rows) => rows.some((row) => row.quality === 'bad'),
    );
    const csv = join(dir, 'readings.csv');
    expect(await agent.reader.exportRange({ what: 'readings', format: 'csv', path: csv, from: startedAt, to: Date.now() + 1000 })).toBeGreaterThan(0);
    const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    const unitColumn = header!.split(',').indexOf('unit');
    expect(unitColumn).toBeGreaterThanOrEqual(0);
    expect(new Set(rows.map((row) => row.split(',')[unitColumn]))).toEqual(new Set(['mm']));
  }, 60_000);
});
