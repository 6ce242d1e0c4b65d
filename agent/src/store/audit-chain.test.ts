/** The audit hash chain against rows edited and deleted with raw SQL. */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRowHash } from './audit-chain.ts';
import { tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { HazmonStore } from './store.ts';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Writes five audit rows, closes the store, applies `tamper` with raw SQL, reopens and verifies. */
async function tamperAndVerify(tamper: string | null) {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const path = dir.file('audit.duckdb');
  const store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
  for (let i = 1; i <= 5; i++) {
    await store.appendAudit({ time: T0 + i, who: 'officer.wang', action: i % 2 ? 'acknowledge' : 'shelve', target: `rule-${i}`, details: { i } });
  }
  expect((await store.verifyAuditChain()).ok).toBe(true);
  await store.close();
  if (tamper) {
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(tamper);
    connection.closeSync();
    instance.closeSync();
  }
  const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0 });
  cleanups.push(() => reopened.close());
  return reopened.verifyAuditChain();
}

describe('audit hash chain', () => {
  it('verifies an untouched chain', async () => {
    const result = await tamperAndVerify(null);
    expect(result).toEqual({ ok: true, rowsChecked: 5, problems: [] });
  });

  it('names an edited row', async () => {
    const result = await tamperAndVerify(`UPDATE audit_log SET who = 'someone.else' WHERE seq = 3`);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ seq: 3, problem: 'content_changed' })]);
    expect(result.problems[0]?.message).toMatch(/seq 3.*edited/);
  });

  it('names a deleted row in the middle and at the end', async () => {
    const middle = await tamperAndVerify('DELETE FROM audit_log WHERE seq = 2');
    expect(middle.problems).toEqual([expect.objectContaining({ seq: 2, problem: 'missing', message: expect.stringContaining('seq 2 is missing') })]);
    const end = await tamperAndVerify('DELETE FROM audit_log WHERE seq >= 4');
    expect(end.problems).toEqual([expect.objectContaining({ seq: 4, problem: 'missing', message: expect.stringContaining('rows seq 4..5') })]);
  });

  it('names the broken link when a row is edited together with its own hash', async () => {
    // Recompute row 3's hash over the forged content the way a careful forger would.
    const forgedDetails = '{"i":3}';
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = dir.file('forge.duckdb');
    const store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    const rows = [];
    for (let i = 1; i <= 4; i++) rows.push(await store.appendAudit({ time: T0 + i, who: 'op', action: 'reset', target: null, details: { i } }));
    await store.close();
    const row3 = rows[2];
    if (!row3) throw new Error('row 3 missing');
    const forgedHash = auditRowHash({ seq: 3, time: row3.time, who: 'forger', action: 'reset', target: null, details: forgedDetails, prevHash: row3.prevHash });
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(`UPDATE audit_log SET who = 'forger', hash = '${forgedHash}' WHERE seq = 3`);
    connection.closeSync();
    instance.closeSync();
    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    const result = await reopened.verifyAuditChain();
    expect(result.problems).toEqual([expect.objectContaining({ seq: 4, problem: 'chain_broken', message: expect.stringContaining('row 3 was edited') })]);
  });
});
