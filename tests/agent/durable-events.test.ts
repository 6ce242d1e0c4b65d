/**
 * Agent.subscribeDurable against a real DuckDB store: events come once their alarm_events row is committed, with its
 * seq, in publish order; a refused append is delivered marked and counted; stop() delivers what is still queued.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, HazmonStore, parseAgentConfig, type AgentEvent, type EventDurability, type FaultDrillDatabase, type RuntimeAlarmInput } from '@hazmon/agent';
import { waitFor } from './fixture.ts';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An agent on a site with no devices: every event here is raised by the test through the runtime alarm path. */
async function startBareAgent(onLog: (line: string) => void = () => undefined): Promise<{ agent: Agent; file: string; storePath: string; logged: string[]; drill: FaultDrillDatabase }> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-durable-events-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'site.yaml');
  const storePath = join(dir, 'site.duckdb');
  const yaml = `site: { id: durable, name: Durable events }\nstore: { path: ${JSON.stringify(storePath)} }\n`;
  writeFileSync(file, yaml);
  const logged: string[] = [];
  let drill: FaultDrillDatabase | undefined;
  const agent = await Agent.start(parseAgentConfig(yaml, file), {
    store: { faults: { opened: (database) => (drill = database) } },
    log: (line) => {
      logged.push(line);
      onLog(line);
    },
  });
  cleanups.push(() => agent.stop());
  const opened = drill;
  if (opened === undefined) throw new Error('the store did not hand out its fault drill');
  return { agent, file, storePath, logged, drill: opened };
}

function probeAlarm(name: string, rule = 'probe'): RuntimeAlarmInput {
  return { alarmId: `probe/${name}`, source: null, rule, active: true, priority: 'low', why: `probe ${name}`, details: {} };
}

const alarmIdOf = (event: AgentEvent) => (event.type === 'runtime_alarm' ? event.alarmId : event.type);

describe('Agent.subscribeDurable', () => {
  it('hands on each event after its row is committed, with the seq, in publish order; a refused append comes marked, in its place', async () => {
    const immediate: AgentEvent[] = [];
    const durable: [AgentEvent, EventDurability][] = [];
    let handedOnWhenRefused = -1;
    const { agent, file, logged } = await startBareAgent((line) => {
      if (line.includes('ruleId: "" must be')) handedOnWhenRefused = durable.length;
    });
    agent.subscribe((event) => immediate.push(event));
    agent.subscribeDurable((event, durability) => durable.push([event, durability]));

    agent.raiseRuntimeAlarm(probeAlarm('first'));
    // The in-process feed has it at once; the durable one only after the commit.
    expect(immediate.map(alarmIdOf)).toEqual(['probe/first']);
    expect(durable).toEqual([]);
    // Not an alarm event (audited instead): handed on once its audit row is committed, not ahead of the append before it.
    const reloadAudited = agent.reloadRejected(file, 'test', ['points[0]: a problem']);
    // The store refuses an empty rule id at once, before the earlier commits return.
    agent.raiseRuntimeAlarm(probeAlarm('refused', ''));
    agent.raiseRuntimeAlarm(probeAlarm('second'));

    await reloadAudited;
    await waitFor('four events handed on', () => durable.length >= 4);
    // The premise: the refusal was settled (and logged) while the first commit was still under way.
    expect(handedOnWhenRefused).toBe(0);
    expect(durable.map(([event]) => alarmIdOf(event))).toEqual(['probe/first', 'config_reload', 'probe/refused', 'probe/second']);
    const rows = await agent.reader.alarmEventsAfter(0);
    const seqOf = (alarmId: string) => rows.find((row) => row.details?.['alarmId'] === alarmId)?.seq;
    expect(rows).toHaveLength(2);
    expect(durable.map(([, durability]) => durability)).toEqual([
      { outcome: 'stored', seq: seqOf('probe/first'), row: expect.objectContaining({ seq: seqOf('probe/first'), details: expect.objectContaining({ alarmId: 'probe/first' }) }) },
      { outcome: 'audited', auditSeq: (await agent.reader.auditRows({})).find((row) => row.action === 'config_reload_refused')?.seq },
      { outcome: 'append_failed', error: expect.stringMatching(/appendAlarmEvent: ruleId: "" must be a non-empty string/) },
      { outcome: 'stored', seq: seqOf('probe/second'), row: expect.objectContaining({ seq: seqOf('probe/second'), details: expect.objectContaining({ alarmId: 'probe/second' }) }) },
    ]);
    // The refused row went the existing failure path: counted and logged.
    expect(agent.stats().persistFailures).toBe(1);
    expect(agent.stats().eventsPersisted).toBe(2);
    expect(logged.filter((line) => line.startsWith('hazmon: could not store alarm event raised'))).toHaveLength(1);
  }, 60_000);

  it('stop() resolves only after every queued event was handed on; each one handed on as stored is in the file', async () => {
    const { agent, storePath } = await startBareAgent();
    const durable: [AgentEvent, EventDurability][] = [];
    agent.subscribeDurable((event, durability) => durable.push([event, durability]));
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    for (const name of names) agent.raiseRuntimeAlarm(probeAlarm(name));
    expect(durable.length).toBeLessThan(names.length);
    await agent.stop();
    expect(durable.map(([event]) => alarmIdOf(event))).toEqual(names.map((name) => `probe/${name}`));
    const seqs = durable.map(([, durability]) => (durability.outcome === 'stored' ? durability.seq : null));
    expect(seqs).toEqual(names.map((_, i) => i + 1));
    const reopened = await HazmonStore.open({ path: storePath, retentionIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    expect((await reopened.alarmEventsAfter(0, 1000)).map((row) => [row.seq, row.details?.['alarmId']])).toEqual(names.map((name, i) => [i + 1, `probe/${name}`]));
  }, 60_000);

  it('goes on storing alarm events after DuckDB invalidated the database, with a store alarm until the file is open again', async () => {
    const { agent, drill } = await startBareAgent();
    const durable: [AgentEvent, EventDurability][] = [];
    agent.subscribeDurable((event, durability) => durable.push([event, durability]));
    agent.raiseRuntimeAlarm(probeAlarm('before'));
    await waitFor('the first event stored', () => durable.length === 1);
    // DuckDB's switch for testing a fatal checkpoint (the store's own tests: agent/src/store/reopen.test.ts).
    await drill.run(`SET debug_checkpoint_abort = 'before_header'`);
    await expect(drill.run('CHECKPOINT store')).rejects.toThrow(/invalidated|FATAL/);
    agent.raiseRuntimeAlarm(probeAlarm('during'));

    const storeAlarm =
      (active: boolean) =>
      ([event]: [AgentEvent, EventDurability]) =>
        event.type === 'runtime_alarm' && event.alarmId === 'store/database_invalidated' && event.active === active;
    await waitFor('the store alarm cleared', () => durable.some(storeAlarm(false)));
    expect(durable.findIndex(storeAlarm(true))).toBeLessThan(durable.findIndex(storeAlarm(false)));
    await waitFor('the held event handed on', () => durable.some(([event]) => alarmIdOf(event) === 'probe/during'));
    expect(durable.map(([, durability]) => durability.outcome)).toEqual(durable.map(() => 'stored'));
    const rows = await agent.reader.alarmEventsAfter(0);
    expect(rows.map((row) => row.seq)).toEqual(durable.map(([, durability]) => (durability.outcome === 'stored' ? durability.seq : null)).sort((a, b) => a! - b!));
    expect(rows.map((row) => row.details?.['alarmId'])).toEqual(expect.arrayContaining(['probe/before', 'probe/during', 'store/database_invalidated']));
    expect(agent.stats().persistFailures).toBe(0);
    expect(agent.stats().store.databaseReopens).toBe(1);
  }, 60_000);
});
