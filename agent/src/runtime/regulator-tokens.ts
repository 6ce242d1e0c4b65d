/**
 * Regulator tokens: read-only bearer credentials an admin issues to an emergency-management bureau for the pull API.
 * Only each secret's SHA-256 is kept, in a small JSON file beside the DuckDB file (`<store>.regulator-tokens.json`,
 * mode 0600): a token survives a restart without a store schema change, and the file is replaced whole (write, then
 * rename), so a crash leaves the old list or the new one. The secret is returned once, at creation.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { messageOf } from '@hazmon/errors';
import { z } from 'zod';
import type { UserRole } from '../config/index.ts';

/** Who may issue, list and revoke regulator tokens. */
export const REGULATOR_TOKEN_ROLES: readonly UserRole[] = ['admin'];

/** Where the tokens of the store at `storePath` are kept. */
export function regulatorTokenFile(storePath: string): string {
  return `${storePath}.regulator-tokens.json`;
}

/** A token as the API lists it: never the secret, nor its hash. */
export interface RegulatorTokenView {
  readonly id: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  /** Epoch ms after which it is refused; null: no expiry. */
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

const storedTokensSchema = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    createdBy: z.string(),
    createdAt: z.number(),
    lastUsedAt: z.number().nullable(),
    expiresAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
    revokedBy: z.string().nullable(),
    /** base64url SHA-256 of the secret. */
    secretHash: z.string(),
  }),
);

type StoredToken = z.output<typeof storedTokensSchema>[number];

const SECRET_BYTES = 32;
/** A use is written to the file at most this often per token (a pull every few seconds must not rewrite it each time). */
const LAST_USE_PERSIST_MS = 60_000;

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function viewOf({ secretHash: _hash, ...view }: StoredToken): RegulatorTokenView {
  return view;
}

export class RegulatorTokens {
  private saving: Promise<void> = Promise.resolve();
  /** Per token id, the last use written to the file. */
  private readonly savedUse = new Map<string, number>();

  private constructor(
    private readonly file: string,
    private tokens: StoredToken[],
    private readonly now: () => number,
  ) {}

  /**
   * The tokens of this file; none when it does not exist yet. A file that cannot be read as a token list is moved
   * aside (`.unreadable-<time>`, logged) and every token refused until an admin issues new ones: the agent monitors on.
   */
  static async open(file: string, now: () => number, log: (line: string) => void): Promise<RegulatorTokens> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new RegulatorTokens(file, [], now);
      throw error;
    }
    try {
      return new RegulatorTokens(file, storedTokensSchema.parse(JSON.parse(text)), now);
    } catch (error) {
      const aside = `${file}.unreadable-${now()}`;
      await rename(file, aside);
      log(`hazmon: ${file} is no regulator token list (${messageOf(error)}); moved to ${aside}, every regulator token is refused until new ones are issued`);
      return new RegulatorTokens(file, [], now);
    }
  }

  list(): RegulatorTokenView[] {
    return this.tokens.map(viewOf);
  }

  async create(name: string, createdBy: string, expiresAt: number | null): Promise<{ readonly token: RegulatorTokenView; readonly secret: string }> {
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    const stored: StoredToken = { id: randomUUID(), name, createdBy, createdAt: this.now(), lastUsedAt: null, expiresAt, revokedAt: null, revokedBy: null, secretHash: hashOf(secret) };
    this.tokens = [...this.tokens, stored];
    await this.save();
    return { token: viewOf(stored), secret };
  }

  /** Revokes a live token; false when there is no such token or it was revoked already. */
  async revoke(id: string, revokedBy: string): Promise<boolean> {
    const index = this.tokens.findIndex((token) => token.id === id && token.revokedAt === null);
    const token = this.tokens[index];
    if (token === undefined) return false;
    this.tokens = this.tokens.with(index, { ...token, revokedAt: this.now(), revokedBy });
    await this.save();
    return true;
  }

  /** The live token (not revoked, not expired) whose secret this is, its last use set to now; undefined otherwise. */
  use(secret: string): RegulatorTokenView | undefined {
    const hash = Buffer.from(hashOf(secret));
    const time = this.now();
    const index = this.tokens.findIndex((token) => token.secretHash.length === hash.length && timingSafeEqual(Buffer.from(token.secretHash), hash));
    const token = this.tokens[index];
    if (token === undefined || token.revokedAt !== null || (token.expiresAt !== null && time >= token.expiresAt)) return undefined;
    const used = { ...token, lastUsedAt: time };
    this.tokens = this.tokens.with(index, used);
    if (time - (this.savedUse.get(token.id) ?? Number.NEGATIVE_INFINITY) >= LAST_USE_PERSIST_MS) {
      this.savedUse.set(token.id, time);
      // The last use is for the admin's list only: a failed write is retried by the next save.
      this.save().catch(() => undefined);
    }
    return viewOf(used);
  }

  /** Writes the whole list, one save after another. */
  private save(): Promise<void> {
    const write = async () => {
      const temporary = `${this.file}.tmp`;
      await writeFile(temporary, JSON.stringify(this.tokens), { mode: 0o600 });
      await rename(temporary, this.file);
    };
    this.saving = this.saving.then(write, write);
    return this.saving;
  }
}
