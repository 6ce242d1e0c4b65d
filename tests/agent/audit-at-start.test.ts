/**
 * The agent checks the audit log's hash chain as it starts: a row edited while it was down is logged and raised as
 * `agent/audit_chain_broken` at once; a later start on an intact log clears the alarm the restart brought back.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, expect, it } from 'vitest';
import { PASSWORDS, type Plant, runtimeAlarms, startPlant, waitFor } from './fixture.ts';

let plant: Plant | null = null;
afterEach(async () => {
  await plant?.close();
  plant = null;
});

async function runOnStoreFile(path: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    await connection.run(sql);
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
}

it('logs an audit row edited while the agent was down as it starts, and nothing of an intact chain', async () => {
  plant = await startPlant();
  const logged: string[] = [];
  const first = await plant.startAgent({ log: (line) => logged.push(line) });
  // A reset with nothing latched is refused, and audited.
  expect((await first.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor })).ok).toBe(false);
  // Checks run one after another: this one ends after the start's.
  expect(await first.reader.verifyAuditChain()).toMatchObject({ ok: true });
  expect(logged.filter((line) => line.includes('audit'))).toEqual([]);
  await first.stop();
  plant.agent = null;

  await runOnStoreFile(plant.config.store.path, "UPDATE audit_log SET who = 'mallory' WHERE action = 'reset_action'");
  const second = await plant.startAgent({ log: (line) => logged.push(line) });
  const line = await waitFor('the broken chain logged', () => logged.find((entry) => entry.includes('hash chain does not hold')));
  expect(line).toMatch(/audit row seq \d+: stored hash .* does not match its content: the row was edited/);
  expect(line).toContain('hazmon audit verify');
  const raised = await waitFor('the broken chain raised', () => runtimeAlarms(plant!.events, 'agent/audit_chain_broken').find((event) => event.transition === 'raised'));
  expect(raised).toMatchObject({ priority: 'high', why: expect.stringMatching(/does not hold \(1 problem\(s\); the first: audit row seq \d+/) });
  await second.stop();
  plant.agent = null;

  // The row put back as it was written: the next start finds the chain whole and clears the alarm it restored.
  await runOnStoreFile(plant.config.store.path, "UPDATE audit_log SET who = 'sup' WHERE action = 'reset_action'");
  await plant.startAgent();
  const cleared = await waitFor('the alarm cleared', () => runtimeAlarms(plant!.events, 'agent/audit_chain_broken').find((event) => event.transition === 'cleared'));
  expect(cleared.why).toBe("the audit log's hash chain holds");
});
