/** The heartbeat toward a PLC: a coil toggled through the agent's Modbus write path, counted at the simulator; a dead line raises an alarm that clears. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { startSite, type RunningSite } from '@hazmon/simulators';
import { runtimeAlarms, waitFor, waitForRows } from './fixture.ts';

/** Modbus function code 5: write single coil. */
const WRITE_COIL = 5;

let site: RunningSite | null = null;
let agent: Agent | null = null;
let dir: string | null = null;

afterEach(async () => {
  await agent?.stop();
  agent = null;
  await site?.stop();
  site = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('heartbeat toward a PLC', () => {
  it('toggles the coil once per interval, raises heartbeat/write_failed with the reason when the PLC stops answering, clears on the next write', async () => {
    // A shut-off valve's command coil stands in for the PLC's heartbeat coil: a writable coil that reads back.
    site = await startSite({ name: 'heartbeat-test', speed: 1, tcp: [{ name: 'plc', devices: [{ id: 'PLC-1', unitId: 7, model: 'shutoff-valve', options: { open: true, travelTimeMs: 100 } }] }] });
    dir = mkdtempSync(join(tmpdir(), 'hazmon-heartbeat-'));
    const port = site.endpoints.find((endpoint) => endpoint.deviceId === 'PLC-1')!.port!;
    const file = join(dir, 'site.yaml');
    const config = parseAgentConfig(
      `
site: { id: hb, name: Heartbeat test }
lines:
  - { id: plc, kind: tcp, host: 127.0.0.1, port: ${port}, timing: { timeoutMs: 300, retries: 0, backoffBaseMs: 200, backoffMaxMs: 400 } }
devices:
  - { id: PLC-1, profile: shutoff-valve, line: plc, unitId: 7 }
heartbeat: { point: PLC-1.command, intervalS: 0.2 }
store: { path: ./hb.duckdb }
`,
      file,
    );
    const events: AgentEvent[] = [];
    agent = await Agent.start(config, { store: { flushIntervalMs: 200 } });
    agent.subscribe((event) => events.push(event));
    const plc = site.device('PLC-1');
    const host = site.unitHost('PLC-1');
    const coilWrites = () => host.statistics.count({ unitId: 7, functionCode: WRITE_COIL });

    const seen = new Set<number>();
    await waitFor('the coil seen both ways and five writes at the PLC', () => {
      seen.add(plc.get('command'));
      return seen.size === 2 && coilWrites() >= 5;
    });
    const stats = agent.stats().heartbeat!;
    expect(stats).toMatchObject({ point: 'PLC-1.command', failures: 0, failing: false });
    // Every write the agent counts reached the PLC (one may be on the wire right now).
    expect(coilWrites()).toBeGreaterThanOrEqual(stats.writes - 1);
    expect(typeof stats.lastValue).toBe('boolean');
    expect(runtimeAlarms(events, 'heartbeat/write_failed')).toEqual([]);

    site.setCommsFault('PLC-1', 'noAnswer');
    const failed = await waitFor('heartbeat alarm', () => runtimeAlarms(events, 'heartbeat/write_failed')[0]);
    expect(failed).toMatchObject({ active: true, priority: 'high', source: 'PLC-1.command' });
    expect(failed.why).toMatch(/heartbeat to PLC-1\.command not written: .*(timeout|timed out|no answer).*PLC will take the gateway for dead/is);
    expect(agent.stats().heartbeat!.failing).toBe(true);
    const writesWhileDead = coilWrites();

    site.setCommsFault('PLC-1', 'none');
    const cleared = await waitFor('heartbeat alarm cleared', () => runtimeAlarms(events, 'heartbeat/write_failed').find((event) => !event.active));
    expect(cleared.why).toMatch(/written again/);
    expect(runtimeAlarms(events, 'heartbeat/write_failed').map((event) => event.active)).toEqual([true, false]);
    await waitFor('writes reach the PLC again', () => coilWrites() > writesWhileDead);
    expect(agent.stats().heartbeat!.failures).toBeGreaterThanOrEqual(1);

    const rows = await waitForRows(
      () => agent!.reader.alarmEventsAfter(0),
      (found) => found.filter((row) => row.ruleId === 'heartbeat_failed').length === 2,
    );
    expect(rows.filter((row) => row.ruleId === 'heartbeat_failed').map((row) => [row.pointId, row.kind])).toEqual([
      ['PLC-1.command', 'raised'],
      ['PLC-1.command', 'cleared'],
    ]);
  }, 60_000);
});
