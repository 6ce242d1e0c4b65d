/**
 * Each gateway's audit hash chain, checked by the hub as the rows arrive (in the ingest's transaction), so a regulator
 * learns from the hub's own copy when a gateway's log was edited or rewritten, not only by checking pages himself.
 *
 * A gateway's head is the last row of the unbroken run from seq 1: each next row must hash to its `hash` and name the
 * head's hash as `prevHash` (judged by the agent's own `auditLinkProblem`, as its verifier does). Rows after a gap wait
 * for the missing one (the stream may deliver out of order after a resend). At the first problem the head stops there and keeps it: what follows a broken
 * link proves nothing, and the problem stays visible until someone looks. A row sent again with another hash than the
 * one kept (the gateway's log rewritten after it was sent) is such a problem too, whichever row it was.
 */
import { auditLinkProblem, GENESIS_HASH } from '@hazmon/uplink/contract';
import type pg from 'pg';

export const AUDIT_CHAIN_PROBLEMS = ['content_changed', 'chain_broken', 'rewritten'] as const;
export type AuditChainProblem = (typeof AUDIT_CHAIN_PROBLEMS)[number];

export const AUDIT_CHAIN_SCHEMA = `
-- Each gateway's audit chain as the hub checked it: seq and hash of the last row of the unbroken run from seq 1, and
-- the first problem met (then the head stays there).
CREATE TABLE IF NOT EXISTS audit_chain_heads (
  gateway TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  checked_at BIGINT NOT NULL,
  problem_seq BIGINT,
  problem TEXT,
  problem_message TEXT
);
`;

/** Rows read at a time while a head moves on (a gap filled after a long wait may free many). */
const WALK_PAGE = 5000;

interface Head {
  seq: number;
  hash: string;
  problem: { readonly seq: number; readonly problem: AuditChainProblem; readonly message: string } | null;
}

interface AuditRowText {
  readonly seq: string;
  readonly t: string;
  readonly who: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: string | null;
  readonly prev_hash: string;
  readonly hash: string;
}

/**
 * The rows of a batch whose (gateway, seq) the hub kept before with another hash: their gateway's log was rewritten.
 * Runs after the batch's insert (which ignores them), in its transaction.
 */
export async function findRewrittenRows(client: pg.Client, rows: readonly { readonly gateway: string; readonly seq: number; readonly hash: string }[]): Promise<Map<string, number>> {
  const result = await client.query<{ gateway: string; seq: string }>(
    `SELECT b.gateway, min(b.seq) AS seq FROM unnest($1::text[], $2::bigint[], $3::text[]) AS b(gateway, seq, hash)
     JOIN audit_log a ON a.gateway = b.gateway AND a.seq = b.seq WHERE a.hash <> b.hash GROUP BY b.gateway`,
    [rows.map((row) => row.gateway), rows.map((row) => row.seq), rows.map((row) => row.hash)],
  );
  return new Map(result.rows.map((row) => [row.gateway, Number(row.seq)]));
}

/** Moves each gateway's head over the rows now contiguous with it, and records the first problem; in the caller's transaction. */
export async function advanceAuditChains(client: pg.Client, gateways: Iterable<string>, rewritten: ReadonlyMap<string, number>, checkedAt: number): Promise<void> {
  for (const gateway of gateways) {
    const head = await headOf(client, gateway);
    if (head.problem === null) await walk(client, gateway, head);
    const rewrittenSeq = rewritten.get(gateway);
    if (head.problem === null && rewrittenSeq !== undefined) {
      head.problem = {
        seq: rewrittenSeq,
        problem: 'rewritten',
        message: `audit row seq ${rewrittenSeq} came again with another hash than the one the hub kept: the gateway's log was rewritten after it was sent`,
      };
    }
    await client.query(
      `INSERT INTO audit_chain_heads (gateway, seq, hash, checked_at, problem_seq, problem, problem_message) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (gateway) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, checked_at = excluded.checked_at,
         problem_seq = excluded.problem_seq, problem = excluded.problem, problem_message = excluded.problem_message`,
      [gateway, head.seq, head.hash, checkedAt, head.problem?.seq ?? null, head.problem?.problem ?? null, head.problem?.message ?? null],
    );
  }
}

/** Every gateway with audit rows: checked at the hub's start, so rows kept before the check came are checked too. */
export async function advanceEveryAuditChain(client: pg.Client, checkedAt: number): Promise<void> {
  const gateways = await client.query<{ gateway: string }>('SELECT DISTINCT gateway FROM audit_log');
  await advanceAuditChains(
    client,
    gateways.rows.map((row) => row.gateway),
    new Map(),
    checkedAt,
  );
}

async function headOf(client: pg.Client, gateway: string): Promise<Head> {
  const row = (
    await client.query<{ seq: string; hash: string; problem_seq: string | null; problem: AuditChainProblem | null; problem_message: string | null }>(
      'SELECT seq, hash, problem_seq, problem, problem_message FROM audit_chain_heads WHERE gateway = $1',
      [gateway],
    )
  ).rows[0];
  if (row === undefined) return { seq: 0, hash: GENESIS_HASH, problem: null };
  const problem = row.problem === null ? null : { seq: Number(row.problem_seq), problem: row.problem, message: row.problem_message ?? '' };
  return { seq: Number(row.seq), hash: row.hash, problem };
}

const HUB_PROBLEM_MESSAGES = {
  content_changed: (seq: number) => `audit row seq ${seq}: its hash does not match its content: the row was edited before it was sent`,
  chain_broken: (seq: number) => `audit row seq ${seq}: prevHash is not the hash of row ${seq - 1}: the log was edited together with its hashes`,
} as const;

async function walk(client: pg.Client, gateway: string, head: Head): Promise<void> {
  for (;;) {
    const { rows } = await client.query<AuditRowText>('SELECT seq, t, who, action, target, details, prev_hash, hash FROM audit_log WHERE gateway = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
      gateway,
      head.seq,
      WALK_PAGE,
    ]);
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== head.seq + 1) return;
      const stored = { seq, time: Number(row.t), who: row.who, action: row.action, target: row.target, details: row.details, prevHash: row.prev_hash, hash: row.hash };
      const problem = auditLinkProblem(stored, head.hash);
      if (problem !== null) {
        head.problem = { seq, problem, message: HUB_PROBLEM_MESSAGES[problem](seq) };
        return;
      }
      head.seq = seq;
      head.hash = row.hash;
    }
    if (rows.length < WALK_PAGE) return;
  }
}
