/**
 * The store's chain check (DuckDB hashes the rows; any doubt has them walked in JavaScript) against AuditChainVerifier
 * walking every row as read here: the same answer for an intact chain of several check windows and for rows edited,
 * forged, deleted, duplicated or numbered out of range at the windows' edges and inside them.
 */
import { copyFileSync } from 'node:fs';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { AuditChainVerifier, auditRowHash, GENESIS_HASH, type StoredAuditRow } from './audit-chain.ts';
import { type CheckedAuditPrefix, verifyAuditChain } from './audit-check.ts';
import { SerialConnection } from './sql.ts';
import type { AuditVerification } from './types.ts';
import { HazmonStore } from './store.ts';

const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);
/** More than two of the check's 20,000-row windows: the links between windows are checked too. */
const ROWS = 25_000;
/** The first row of the check's second window (seq ranges from 1: [1, 20001), [20001, 40001), ...). */
const EDGE = 20_001;

const dir = tempDir();
const chainFile = dir.file('chain.duckdb');
let copies = 0;

function auditRow(seq: number, prevHash: string): StoredAuditRow {
  const row = {
    seq,
    time: T0 + seq,
    who: seq % 7 === 0 ? 'officer.wang' : 'hazmon',
    action: 'alarm_command',
    target: seq % 5 === 0 ? null : `GD-${seq % 40}.concentration/hi`,
    details: seq % 3 === 0 ? null : JSON.stringify({ command: 'acknowledge', comment: `round ${seq}` }),
    prevHash,
  };
  return { ...row, hash: auditRowHash(row) };
}

/** A store file holding an intact chain of ROWS rows (appended here: the store's own appends take ~1 s per 2,000). */
beforeAll(async () => {
  const store = await HazmonStore.open({ path: chainFile, retentionIntervalMs: 0 });
  await store.close();
  await withDatabase(chainFile, async (connection) => {
    const appender = await connection.createAppender('audit_log');
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= ROWS; seq++) {
      const row = auditRow(seq, prevHash);
      appender.appendBigInt(BigInt(row.seq));
      appender.appendBigInt(BigInt(row.time));
      appender.appendVarchar(row.who);
      appender.appendVarchar(row.action);
      if (row.target === null) appender.appendNull();
      else appender.appendVarchar(row.target);
      if (row.details === null) appender.appendNull();
      else appender.appendVarchar(row.details);
      appender.appendVarchar(row.prevHash);
      appender.appendVarchar(row.hash);
      appender.endRow();
      prevHash = row.hash;
    }
    appender.closeSync();
    await connection.run(`INSERT INTO store_meta VALUES ('audit_head_seq', ${ROWS})`);
  });
}, 60_000);
afterAll(() => dir.remove());

async function withDatabase<T>(path: string, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** AuditChainVerifier over every row of the file, read here in (seq, hash) order, up to the head the store would take. */
function walkedHere(path: string): Promise<AuditVerification> {
  return withDatabase(path, walkedOn);
}

async function walkedOn(connection: DuckDBConnection): Promise<AuditVerification> {
  const reader = await connection.runAndReadAll('SELECT seq, t, who, action, target, details, prev_hash, hash FROM audit_log ORDER BY seq, hash');
  const verifier = new AuditChainVerifier();
  for (const [seq, time, who, action, target, details, prevHash, hash] of reader.getRowsJS()) {
    verifier.add({
      seq: Number(seq),
      time: Number(time),
      who: String(who),
      action: String(action),
      target: target === null ? null : String(target),
      details: details === null ? null : String(details),
      prevHash: String(prevHash),
      hash: String(hash),
    });
  }
  const head = (
    await connection.runAndReadAll(`SELECT greatest((SELECT coalesce(max(value), 0) FROM store_meta WHERE key = 'audit_head_seq'), (SELECT coalesce(max(seq), 0) FROM audit_log))`)
  ).getRowsJS()[0]?.[0];
  return verifier.finish(Number(head));
}

/** A copy of the intact chain with `tamper` applied by raw SQL; the store's check of it beside the walk done here. */
async function checkedAfter(...tamper: string[]): Promise<{ checked: AuditVerification; walked: AuditVerification }> {
  const path = dir.file(`copy-${++copies}.duckdb`);
  copyFileSync(chainFile, path);
  await withDatabase(path, async (connection) => {
    for (const sql of tamper) await connection.run(sql);
  });
  const walked = await walkedHere(path);
  const store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
  try {
    return { checked: await store.verifyAuditChain(), walked };
  } finally {
    await store.close();
  }
}

/** Row `seq` of the intact chain. */
function chainRow(seq: number): StoredAuditRow {
  let row = auditRow(1, GENESIS_HASH);
  for (let s = 2; s <= seq; s++) row = auditRow(s, row.hash);
  return row;
}

/** SQL that rewrites row `seq` with `who` and the hash a forger would recompute over the new content. */
function forgedRowSql(seq: number, who: string): string {
  const row = chainRow(seq);
  return `UPDATE audit_log SET who = '${who}', hash = '${auditRowHash({ ...row, who })}' WHERE seq = ${seq}`;
}

describe('audit chain check over several windows', () => {
  it('counts every row of an intact chain, hashed by DuckDB without a row walked in JavaScript', async () => {
    const walks = vi.spyOn(AuditChainVerifier.prototype, 'add');
    const { checked, walked } = await checkedAfter();
    expect(walks).toHaveBeenCalledTimes(ROWS); // the walk here, none by the store's check
    walks.mockRestore();
    expect(checked).toEqual({ ok: true, rowsChecked: ROWS, problems: [] });
    expect(checked).toEqual(walked);
  });

  it.each([
    ['edited at the first row of a window', [`UPDATE audit_log SET who = 'someone.else' WHERE seq = ${EDGE}`], [{ seq: EDGE, problem: 'content_changed' }]],
    ['edited at the last row of a window', [`UPDATE audit_log SET details = NULL WHERE seq = ${EDGE - 1}`], [{ seq: EDGE - 1, problem: 'content_changed' }]],
    ['edited inside a window, its time', [`UPDATE audit_log SET t = t + 1 WHERE seq = 12345`], [{ seq: 12345, problem: 'content_changed' }]],
    ['edited with its hash recomputed before a window edge', [forgedRowSql(EDGE - 1, 'forger')], [{ seq: EDGE, problem: 'chain_broken' }]],
    ['deleted at a window edge', [`DELETE FROM audit_log WHERE seq = ${EDGE}`], [{ seq: EDGE, problem: 'missing' }]],
    ['deleted at the end', [`DELETE FROM audit_log WHERE seq > ${ROWS - 3}`], [{ seq: ROWS - 2, problem: 'missing' }]],
    ['deleted at the start', ['DELETE FROM audit_log WHERE seq = 1'], [{ seq: 1, problem: 'missing' }]],
    ['duplicated at a window edge', [`INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = ${EDGE - 1}`], [{ seq: EDGE - 1, problem: 'duplicate' }]],
    [
      'duplicated with another hash',
      [`INSERT INTO audit_log SELECT seq, t, 'twin', action, target, details, prev_hash, 'f' || hash[2:] FROM audit_log WHERE seq = 100`],
      [{ seq: 100, problem: 'duplicate' }],
    ],
    ['numbered before the first seq', ['INSERT INTO audit_log SELECT 0, t, who, action, target, details, prev_hash, hash FROM audit_log WHERE seq = 1'], [{ seq: 0, problem: 'duplicate' }]],
  ])('names a row %s as the walk of every row does', async (_case, tamper, expected) => {
    const { checked, walked } = await checkedAfter(...tamper);
    expect(checked.ok).toBe(false);
    expect(checked.problems).toEqual(expected.map((problem) => expect.objectContaining(problem)));
    expect(checked).toEqual(walked);
  });

  it('names a row renumbered into the next seq as the walk of every row does', async () => {
    const { checked, walked } = await checkedAfter(`UPDATE audit_log SET seq = ${EDGE + 1} WHERE seq = ${EDGE}`);
    expect(checked.problems).toContainEqual(expect.objectContaining({ seq: EDGE, problem: 'missing' }));
    expect(checked.problems).toContainEqual(expect.objectContaining({ seq: EDGE + 1, problem: 'duplicate' }));
    expect(checked).toEqual(walked);
  });
});

describe('audit chain check from a prefix an earlier check found whole', () => {
  const PREFIX: CheckedAuditPrefix = { throughSeq: EDGE - 1, hash: chainRow(EDGE - 1).hash };

  /** The check from PREFIX on a copy of the intact chain with `tamper` applied, beside the walk of every row done here. */
  async function checkedFromPrefix(prefix: CheckedAuditPrefix, ...tamper: string[]): Promise<{ checked: Awaited<ReturnType<typeof verifyAuditChain>>; walked: AuditVerification }> {
    const path = dir.file(`prefix-${++copies}.duckdb`);
    copyFileSync(chainFile, path);
    return withDatabase(path, async (connection) => {
      for (const sql of tamper) await connection.run(sql);
      const checked = await verifyAuditChain(new SerialConnection(connection), ROWS, prefix);
      return { checked, walked: await walkedOn(connection) };
    });
  }

  /** The check from `prefix` after `tamper` finds the chain broken and answers as the walk of every row does, keeping no prefix. */
  async function expectWalkedWhole(prefix: CheckedAuditPrefix, tamper: readonly string[]): Promise<void> {
    const { checked, walked } = await checkedFromPrefix(prefix, ...tamper);
    expect(walked.ok).toBe(false);
    expect(checked.verification).toEqual(walked);
    expect(checked.checked).toBeNull();
  }

  it('counts the whole chain and hashes only the rows after the prefix, whose content it takes as checked', async () => {
    // Row 100 edited without its hash lies inside the prefix: only a whole check, which the store makes once an hour
    // and at each start, sees it.
    const { checked, walked } = await checkedFromPrefix(PREFIX, "UPDATE audit_log SET who = 'unseen' WHERE seq = 100");
    expect(checked.verification).toEqual({ ok: true, rowsChecked: ROWS, problems: [] });
    expect(checked.checked).toEqual({ throughSeq: ROWS, hash: chainRow(ROWS).hash });
    expect(walked.problems).toEqual([expect.objectContaining({ seq: 100, problem: 'content_changed' })]);
  });

  it.each([
    ['a row after it edited', [`UPDATE audit_log SET who = 'someone.else' WHERE seq = ${EDGE + 5}`]],
    ['its next row deleted', [`DELETE FROM audit_log WHERE seq = ${EDGE}`]],
    ['its last row deleted', [`DELETE FROM audit_log WHERE seq = ${EDGE - 1}`]],
    ['its last row forged with its hash recomputed', [forgedRowSql(EDGE - 1, 'forger')]],
    ['a row inside it duplicated', ['INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = 100']],
  ])('walks the whole chain and names what the walk of every row names when %s', async (_case, tamper) => {
    await expectWalkedWhole(PREFIX, tamper);
  });

  describe('when no row was appended after it', () => {
    const WHOLE: CheckedAuditPrefix = { throughSeq: ROWS, hash: chainRow(ROWS).hash };

    it('confirms where it ends in one statement and hashes no row', async () => {
      const statements = vi.spyOn(SerialConnection.prototype, 'rows');
      try {
        const { checked } = await checkedFromPrefix(WHOLE);
        expect(checked.verification).toEqual({ ok: true, rowsChecked: ROWS, problems: [] });
        expect(checked.checked).toEqual(WHOLE);
        expect(statements.mock.calls.map(([sql]) => sql.includes('sha256'))).toEqual([false]);
      } finally {
        statements.mockRestore();
      }
    });

    it.each([
      ['its last row deleted', [`DELETE FROM audit_log WHERE seq = ${ROWS}`]],
      ['its last row duplicated', [`INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = ${ROWS}`]],
      ['a row inside it deleted', ['DELETE FROM audit_log WHERE seq = 100']],
    ])('walks the whole chain and names what the walk of every row names when %s', async (_case, tamper) => {
      await expectWalkedWhole(WHOLE, tamper);
    });

    it('hashes the whole chain again when its last row was forged with its hash recomputed (which no link after it shows)', async () => {
      const { checked, walked } = await checkedFromPrefix(WHOLE, forgedRowSql(ROWS, 'forger'));
      expect(checked.verification).toEqual(walked);
      expect(checked.checked).toEqual({ throughSeq: ROWS, hash: auditRowHash({ ...chainRow(ROWS), who: 'forger' }) });
    });
  });

  it('checks the whole chain again when the prefix does not end where the chain has it', async () => {
    const { checked } = await checkedFromPrefix({ throughSeq: EDGE - 1, hash: chainRow(EDGE - 2).hash });
    expect(checked.verification).toEqual({ ok: true, rowsChecked: ROWS, problems: [] });
  });
});

describe("the store's audit chain checks over time", () => {
  it('hashes the whole chain at its first check and an hour later, and between them only the rows appended', async () => {
    const path = dir.file('over-time.duckdb');
    let clock = T0;
    const store = await HazmonStore.open({ path, retentionIntervalMs: 0, now: () => clock });
    const wholeChecks = vi.spyOn(SerialConnection.prototype, 'rows');
    const wholeCheckCount = () => wholeChecks.mock.calls.filter(([sql]) => sql.startsWith('SELECT min(seq) AS first FROM audit_log')).length;
    try {
      for (let i = 1; i <= 20; i++) await store.appendAudit({ time: T0 + i, who: 'op', action: 'acknowledge', target: `rule-${i}`, details: null });
      expect(await store.verifyAuditChain()).toEqual({ ok: true, rowsChecked: 20, problems: [] });
      expect(wholeCheckCount()).toBe(1);
      for (let i = 21; i <= 30; i++) await store.appendAudit({ time: T0 + i, who: 'op', action: 'shelve', target: null, details: { i } });
      clock += 59 * 60_000;
      expect(await store.verifyAuditChain()).toEqual({ ok: true, rowsChecked: 30, problems: [] });
      expect(await store.verifyAuditChain()).toEqual({ ok: true, rowsChecked: 30, problems: [] });
      expect(wholeCheckCount()).toBe(1);
      clock += 60_000;
      expect(await store.verifyAuditChain()).toEqual({ ok: true, rowsChecked: 30, problems: [] });
      expect(wholeCheckCount()).toBe(2);
    } finally {
      wholeChecks.mockRestore();
      await store.close();
    }
  });
});

describe('audit chain check of rows DuckDB writes differently as JSON', () => {
  it('holds rows with control characters, quotes, backslashes and non-ASCII text, and names one of them edited', async () => {
    const path = dir.file('texts.duckdb');
    const store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    const texts = ['tab\there', 'bell\u0007 and \u001f', 'del \u007f', 'quote " and \\ backslash', 'line\u2028sep', '汉字 ü 😀', '/slash', 'null'];
    try {
      for (const [i, text] of texts.entries()) await store.appendAudit({ time: T0 + i, who: text, action: 'session_login', target: text, details: { text } });
      const walks = vi.spyOn(AuditChainVerifier.prototype, 'add');
      expect(await store.verifyAuditChain()).toEqual({ ok: true, rowsChecked: texts.length, problems: [] });
      // The rows SQL's text did not reproduce were judged by auditRowHash alone, not by walking the chain.
      expect(walks).not.toHaveBeenCalled();
      walks.mockRestore();
    } finally {
      await store.close();
    }
    await withDatabase(path, (connection) => connection.run(`UPDATE audit_log SET target = 'bell' WHERE seq = 2`));
    const walked = await walkedHere(path);
    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    try {
      const checked = await reopened.verifyAuditChain();
      expect(checked.problems).toEqual([expect.objectContaining({ seq: 2, problem: 'content_changed' })]);
      expect(checked).toEqual(walked);
    } finally {
      await reopened.close();
    }
  });
});

describe('audit chain check while rows are appended', () => {
  it('checks the rows committed when it began and never names a row appended meanwhile missing', async () => {
    const path = dir.file('appending.duckdb');
    const store = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    try {
      for (let i = 1; i <= 50; i++) await store.appendAudit({ time: T0 + i, who: 'op', action: 'acknowledge', target: `rule-${i}`, details: null });
      const appends = Array.from({ length: 200 }, (_, i) => store.appendAudit({ time: T0 + 100 + i, who: 'op', action: 'shelve', target: null, details: { i } }));
      const checks = Array.from({ length: 10 }, () => store.verifyAuditChain());
      for (const check of await Promise.all(checks)) {
        expect(check).toMatchObject({ ok: true, problems: [] });
        expect(check.rowsChecked).toBeGreaterThanOrEqual(50);
      }
      await Promise.all(appends);
      expect(await store.verifyAuditChain()).toEqual({ ok: true, rowsChecked: 250, problems: [] });
    } finally {
      await store.close();
    }
  });
});
