/** The audit log's hash chain: each row's SHA-256 covers its content and the previous row's hash. */
import { createHash } from 'node:crypto';
import type { AuditProblem, AuditVerification } from './types.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditHashInput {
  readonly seq: number;
  readonly time: number;
  readonly who: string;
  readonly action: string;
  readonly target: string | null;
  /** Canonical JSON text or null, exactly as stored. */
  readonly details: string | null;
  readonly prevHash: string;
}

/** SHA-256 hex over a JSON array of the fields in a fixed order: unambiguous, and readable to re-implement elsewhere. */
export function auditRowHash(row: AuditHashInput): string {
  const canonical = JSON.stringify([row.seq, row.time, row.who, row.action, row.target, row.details, row.prevHash]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export interface StoredAuditRow extends AuditHashInput {
  readonly hash: string;
}

/**
 * What is wrong with one row of a chain: its hash not over its content (`content_changed`), or its `prevHash` not the
 * hash of the row before it (`chain_broken`; not checked with `previousHash` null, after a gap). Null when it holds.
 * The agent's verifier and the regulator hub's check of each gateway's chain both judge rows by it.
 */
export function auditLinkProblem(row: StoredAuditRow, previousHash: string | null): 'content_changed' | 'chain_broken' | null {
  if (auditRowHash(row) !== row.hash) return 'content_changed';
  return previousHash !== null && row.prevHash !== previousHash ? 'chain_broken' : null;
}

/**
 * Walks rows in seq order (they may come in pages; pass the state along) and names every row that is
 * missing, duplicated, edited, or no longer linked to its predecessor.
 */
export class AuditChainVerifier {
  private expectedSeq = 1;
  private previousHash = GENESIS_HASH;
  private checked = 0;
  private readonly problems: AuditProblem[] = [];

  add(row: StoredAuditRow): void {
    this.checked += 1;
    if (row.seq < this.expectedSeq) {
      this.problems.push({ seq: row.seq, problem: 'duplicate', message: `audit row seq ${row.seq} appears more than once` });
      return;
    }
    const gap = row.seq > this.expectedSeq;
    if (gap) this.reportMissing(this.expectedSeq, row.seq - 1);
    const problem = auditLinkProblem(row, gap ? null : this.previousHash);
    if (problem === 'content_changed') {
      this.problems.push({
        seq: row.seq,
        problem,
        message: `audit row seq ${row.seq}: stored hash ${row.hash.slice(0, 12)}… does not match its content: the row was edited`,
      });
    } else if (problem === 'chain_broken') {
      this.problems.push({
        seq: row.seq,
        problem,
        message: `audit row seq ${row.seq}: prev_hash ${row.prevHash.slice(0, 12)}… is not the hash of row ${row.seq - 1} (${this.previousHash.slice(0, 12)}…): row ${row.seq - 1} was edited together with its hash`,
      });
    }
    this.expectedSeq = row.seq + 1;
    this.previousHash = row.hash;
  }

  /** `headSeq` is the last seq the store committed (kept in store_meta): rows deleted from the end show up here. */
  finish(headSeq: number): AuditVerification {
    if (headSeq >= this.expectedSeq) this.reportMissing(this.expectedSeq, headSeq);
    return { ok: this.problems.length === 0, rowsChecked: this.checked, problems: this.problems };
  }

  private reportMissing(first: number, last: number): void {
    const which = first === last ? `row seq ${first} is` : `rows seq ${first}..${last} are`;
    this.problems.push({ seq: first, problem: 'missing', message: `audit ${which} missing: deleted` });
  }
}
