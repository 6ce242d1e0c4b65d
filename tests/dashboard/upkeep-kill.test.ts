/**
 * An upkeep record answered 200 is on disk: `hazmon run` (agent and web server in one process) is killed with
 * SIGKILL right after the answer, and the agent started again on the same DuckDB file has the record and its audit row.
 */
import { join } from 'node:path';
import { UPKEEP_RULE } from '@hazmon/agent';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORDS, runHazmon, startPlant, waitFor, type Plant } from '../agent/fixture.ts';
import { DocumentCheck, WebClient } from './web-fixture.ts';

let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

describe('POST /api/v1/devices/{deviceId}/upkeep, then SIGKILL', () => {
  it('the restarted agent has the record and its audit row', async () => {
    plant = await startPlant({ speed: 4 });
    const run = runHazmon(['run', join(plant.dir, 'site.yaml')]);
    const at = Date.now() - 60_000;
    try {
      await waitFor('web server started', () => /web server at (http:\/\/\S+)/.test(run.output.stdout), { timeoutMs: 30_000 });
      const base = /web server at (http:\/\/\S+)/.exec(run.output.stdout)![1]!;
      const client = new WebClient(base, await DocumentCheck.load(base));
      expect((await client.login({ name: 'sup', password: PASSWORDS.supervisor })).status).toBe(200);
      const answer = await client.request('POST', '/api/v1/devices/GD-1/upkeep', { body: { kind: 'calibration', at, result: 'adjusted', notes: 'span gas 50 %LEL' } });
      expect(answer.status).toBe(200);
    } finally {
      run.child.kill('SIGKILL');
    }
    await run.exited;
    const agent = await plant.startAgent();
    expect(await agent.reader.ruleHistory(UPKEEP_RULE, 0, Number.MAX_SAFE_INTEGER)).toEqual([
      expect.objectContaining({ pointId: 'GD-1', kind: 'calibration', stateAfter: 'adjusted', who: 'sup', details: { at, result: 'adjusted', notes: 'span gas 50 %LEL', nextDue: null } }),
    ]);
    expect((await agent.reader.auditRows({})).filter((row) => row.action === 'device_upkeep')).toEqual([
      expect.objectContaining({ who: 'sup', target: 'GD-1', details: expect.objectContaining({ result: 'accepted' }) }),
    ]);
  }, 90_000);
});
