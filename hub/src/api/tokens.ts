/**
 * Regulator tokens of the hub, kept in PostgreSQL as SHA-256 hashes only: a token is 32 random bytes (base64url), so a
 * fast hash suffices and a stolen table gives no usable token. Created and revoked by `hazmon-hub token`; the API
 * only looks them up.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS regulator_tokens (
  name TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
`;

type Queryable = Pick<pg.Pool, 'query'>;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createTokenTable(database: Queryable): Promise<void> {
  await database.query(SCHEMA);
}

/** A new live token under `name` (unique among tokens ever made: a revoked name stays taken, for the record). Returns the token, shown once. */
export async function createToken(database: Queryable, name: string, now: number): Promise<string | null> {
  const token = randomBytes(32).toString('base64url');
  const result = await database.query('INSERT INTO regulator_tokens (name, hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [name, tokenHash(token), now]);
  return result.rowCount === 1 ? token : null;
}

/** Revokes the token; false when no live token has this name. */
export async function revokeToken(database: Queryable, name: string, now: number): Promise<boolean> {
  const result = await database.query('UPDATE regulator_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL', [name, now]);
  return result.rowCount === 1;
}

export interface TokenRow {
  readonly name: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export async function listTokens(database: Queryable): Promise<TokenRow[]> {
  const result = await database.query<{ name: string; created_at: string; revoked_at: string | null }>('SELECT name, created_at, revoked_at FROM regulator_tokens ORDER BY name');
  return result.rows.map((row) => ({ name: row.name, createdAt: Number(row.created_at), revokedAt: row.revoked_at === null ? null : Number(row.revoked_at) }));
}

/** The live token's name, or null. */
export async function tokenName(database: Queryable, token: string): Promise<string | null> {
  const result = await database.query<{ name: string }>('SELECT name FROM regulator_tokens WHERE hash = $1 AND revoked_at IS NULL', [tokenHash(token)]);
  return result.rows[0]?.name ?? null;
}
