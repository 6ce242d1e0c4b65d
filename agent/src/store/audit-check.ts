/**
 * The audit log's whole hash chain checked against the table: each row's hash recomputed over its content, each row's
 * `prev_hash` against the row before it, seq numbers from 1 to the committed head without gaps or repeats.
 */
import { AuditChainVerifier, auditLinkProblem, GENESIS_HASH, type StoredAuditRow } from './audit-chain.ts';
import { num, numOrNull, strOrNull, type SerialConnection, type SqlRow } from './sql.ts';
import type { AuditVerification } from './types.ts';
import { keyWindows, TEXT_ROWS_PER_WINDOW } from './windows.ts';

/**
 * Rows of one window of the SQL check. Its sort (for each row's predecessor) holds seq and the two hashes only, the text
 * being hashed row by row before it: ~150 bytes a row, 3 MB a window. Fewer, larger windows save the per-statement
 * cost, which at 2,000 rows a window was a fifth of the check.
 */
const CHECKED_ROWS_PER_WINDOW = 20_000;

/**
 * auditRowHash's canonical text built by DuckDB: a JSON array of the same fields in the same order, each string
 * through to_json (a JSON string literal), the numbers as decimal integers. It is a valid JSON encoding of the row's
 * current content, so a SHA-256 over it equal to the stored hash means the content is what auditRowHash hashed when
 * the row was written. DuckDB escapes a few control characters with upper-case hex where JSON.stringify writes
 * lower-case: such a row's hash differs here and the row is judged again by auditRowHash itself.
 */
const CANONICAL_SQL = `concat('[', seq, ',', t, ',', to_json(who), ',', to_json(action), ',', coalesce(to_json(target)::VARCHAR, 'null'), ',', coalesce(to_json(details)::VARCHAR, 'null'), ',', to_json(prev_hash), ']')`;

/**
 * One window's summary: its rows, distinct seqs and seq range, the first row's prev_hash and the last row's hash (the
 * links to the windows around it), the rows whose prev_hash is not the hash of the row before them in the window, and
 * the rows whose hash SQL did not reproduce (for auditRowHash to judge).
 */
const CONTENT_HOLDS_SQL = `coalesce(sha256(${CANONICAL_SQL}) = hash, false)`;
const WINDOW_CHECK_SQL = `WITH hashed AS (SELECT seq, hash, prev_hash, ${CONTENT_HOLDS_SQL} AS content_holds FROM audit_log WHERE seq >= $1 AND seq < $2),
  linked AS (SELECT seq, hash, prev_hash, content_holds, lag(hash) OVER (ORDER BY seq, hash) AS hash_before FROM hashed)
  SELECT count(*) AS rows, count(DISTINCT seq) AS seqs, min(seq) AS first, max(seq) AS last,
    arg_min(prev_hash, seq) AS first_prev_hash, arg_max(hash, seq) AS last_hash,
    count(*) FILTER (WHERE hash_before IS NOT NULL AND prev_hash IS DISTINCT FROM hash_before) AS unlinked,
    count(*) FILTER (WHERE NOT content_holds) AS unmatched
  FROM linked`;

const ROW_COLUMNS = 'seq, t, who, action, target, details, prev_hash, hash';

/**
 * Rows 1..throughSeq of the chain found whole by an earlier check, the last of them with `hash`. Only the process that
 * holds the file (DuckDB lets one process open it for writing) can change its rows, and the store only ever appends
 * them, so within that process a later check need only hash the rows after the prefix and confirm the prefix still
 * ends where it did (no row removed, added or re-hashed at its end).
 */
export interface CheckedAuditPrefix {
  readonly throughSeq: number;
  readonly hash: string;
}

export interface AuditChainCheck {
  readonly verification: AuditVerification;
  /** The whole chain up to the head, when it holds: the prefix for the next check. */
  readonly checked: CheckedAuditPrefix | null;
}

/**
 * Checks every row with seq up to `headSeq` (the last seq the store committed when the check began; rows appended
 * since are left to the next check), or, given a prefix an earlier check found whole, the rows after it. DuckDB hashes
 * the rows (no row reaches JavaScript) and reports whether every window is whole and linked; the answer is then `ok`
 * with every row counted. Anything else (a hash SQL did not reproduce that auditRowHash does not either, a gap, a
 * repeat, a broken link, rows short of the head, a prefix that no longer ends as it did) has every row read and walked
 * by AuditChainVerifier, which names each problem: the answer is always the verifier's.
 */
export async function verifyAuditChain(connection: SerialConnection, headSeq: number, checked: CheckedAuditPrefix | null = null): Promise<AuditChainCheck> {
  if (checked !== null && checked.throughSeq <= headSeq && (await prefixEndsAsChecked(connection, checked))) {
    // Nothing appended since: the prefix's end, just confirmed, is the whole check.
    if (checked.throughSeq === headSeq) return intact(checked.throughSeq, checked.hash);
    const rest = await linkedRows(connection, checked.throughSeq + 1, headSeq, checked.hash);
    if (rest !== null) return intact(checked.throughSeq + rest.rows, rest.lastHash);
  }
  const [range] = await connection.rows('SELECT min(seq) AS first FROM audit_log WHERE seq <= $1', [headSeq]);
  const first = numOrNull(range?.first);
  if (first === null) return { verification: new AuditChainVerifier().finish(headSeq), checked: null };
  const whole = first === 1 ? await linkedRows(connection, 1, headSeq, GENESIS_HASH) : null;
  return whole === null ? { verification: await walkChain(connection, first, headSeq), checked: null } : intact(whole.rows, whole.lastHash);
}

function intact(rows: number, lastHash: string): AuditChainCheck {
  return { verification: { ok: true, rowsChecked: rows, problems: [] }, checked: { throughSeq: rows, hash: lastHash } };
}

/**
 * The prefix's rows still number throughSeq, the last of them throughSeq, and the one row of that seq still has the
 * hash the check saw. The hash is read for that row alone (its seq filter lets DuckDB skip the others' hashes): taken
 * over all of the prefix's rows (`arg_max`), it made a check with nothing appended cost ~10 ms at 100k rows.
 */
async function prefixEndsAsChecked(connection: SerialConnection, checked: CheckedAuditPrefix): Promise<boolean> {
  const [end] = await connection.rows(`SELECT count(*) AS rows, max(seq) AS last, (SELECT list(hash) FROM audit_log WHERE seq = $1) AS last_hashes FROM audit_log WHERE seq <= $1`, [
    checked.throughSeq,
  ]);
  const lastHashes = end?.last_hashes;
  return num(end?.rows ?? 0) === checked.throughSeq && numOrNull(end?.last) === checked.throughSeq && Array.isArray(lastHashes) && lastHashes.length === 1 && lastHashes[0] === checked.hash;
}

/** Rows from..headSeq whole, linked to each other and to `previousHash`: their count and the last one's hash; null when SQL saw anything else. */
async function linkedRows(connection: SerialConnection, from: number, headSeq: number, previousHash: string): Promise<{ rows: number; lastHash: string } | null> {
  let expectedSeq = from;
  let lastHash = previousHash;
  let rows = 0;
  for await (const window of keyWindows(connection, { table: 'audit_log', key: 'seq', where: '', from, to: headSeq + 1, align: 1, maxRows: CHECKED_ROWS_PER_WINDOW })) {
    const [summary] = await connection.rows(WINDOW_CHECK_SQL, [window.from, window.to]);
    if (!summary || !windowFollows(summary, expectedSeq, lastHash)) return null;
    if (num(summary.unmatched) > 0 && !(await unmatchedHoldByAuditRowHash(connection, window.from, window.to))) return null;
    rows += num(summary.rows);
    expectedSeq = num(summary.last) + 1;
    lastHash = String(summary.last_hash);
  }
  return expectedSeq === headSeq + 1 ? { rows, lastHash } : null;
}

/** A window with seqs expectedSeq.. without gaps or repeats, linked within and to the window before. */
function windowFollows(summary: SqlRow, expectedSeq: number, previousHash: string): boolean {
  const rows = num(summary.rows);
  return (
    num(summary.first) === expectedSeq &&
    num(summary.seqs) === rows &&
    num(summary.last) - num(summary.first) + 1 === rows &&
    num(summary.unlinked) === 0 &&
    strOrNull(summary.first_prev_hash) === previousHash
  );
}

/** The rows of a window whose hash SQL's text did not reproduce, judged by auditRowHash (a control character DuckDB escapes otherwise). */
async function unmatchedHoldByAuditRowHash(connection: SerialConnection, from: number, to: number): Promise<boolean> {
  const rows = await connection.rows(`SELECT ${ROW_COLUMNS} FROM audit_log WHERE seq >= $1 AND seq < $2 AND NOT ${CONTENT_HOLDS_SQL}`, [from, to]);
  // The link to the row before was checked in SQL; here the content alone.
  return rows.every((row) => auditLinkProblem(storedAuditRow(row), null) === null);
}

/** Every row read and walked in seq order, as pages of seq ranges (each a small sort; the rows of one seq stay in one page). */
async function walkChain(connection: SerialConnection, first: number, headSeq: number): Promise<AuditVerification> {
  const verifier = new AuditChainVerifier();
  for await (const page of keyWindows(connection, { table: 'audit_log', key: 'seq', where: '', from: first, to: headSeq + 1, align: 1, maxRows: TEXT_ROWS_PER_WINDOW })) {
    const rows = await connection.rows(`SELECT ${ROW_COLUMNS} FROM audit_log WHERE seq >= $1 AND seq < $2 ORDER BY seq, hash`, [page.from, page.to]);
    for (const row of rows) verifier.add(storedAuditRow(row));
  }
  return verifier.finish(headSeq);
}

/** A row of audit_log's columns (ROW_COLUMNS) with its details as the text stored, which the hash covers. */
export function storedAuditRow(row: SqlRow): StoredAuditRow {
  return {
    seq: num(row.seq),
    time: num(row.t),
    who: String(row.who),
    action: String(row.action),
    target: strOrNull(row.target),
    details: strOrNull(row.details),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}
