/**
 * Signed-in people: the browser holds an opaque random id, the server only its SHA-256 (a heap dump, a log line or the
 * sessions file gives no usable cookie). A session ends after 30 min without a request or 12 h after sign-in,
 * whichever comes first, on sign-out, and when its user leaves the config. A session takes its user's role from the
 * config running now, so a reload that lowers a role takes effect on the next request. The roles are the server's:
 * the gateway's users' by default, the regulator hub's for its bureau staff.
 *
 * The sessions are kept in a file beside the store (`<store>.sessions.json`, mode 0600, replaced whole), so a restart
 * of the agent does not sign out the control room's screen: a page showing the sign-in form shows no alarms.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { UserRole } from '@hazmon/agent';
import { messageOf } from '@hazmon/errors';
import { z } from 'zod';

export interface SessionLimits {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

/** A person of the config, as a session holds them (never a password hash). */
export interface SessionUser<Role extends string = UserRole> {
  readonly name: string;
  readonly role: Role;
}

export interface Session<Role extends string = UserRole> {
  /** Its role follows the config's (see SessionStore.touch). */
  user: SessionUser<Role>;
  /** Sent back in X-CSRF-Token on every state-changing request: a cross-site form cannot read it. */
  readonly csrfToken: string;
  readonly createdAt: number;
  lastSeenAt: number;
  /** Set on sign-out, so a stream opened with the session stops too. */
  ended: boolean;
}

const ID_BYTES = 32;
/** A sign-in or sign-out is written at once; the idle clock's moves at most this often (a restart may add that much idle time). */
const LAST_SEEN_SAVE_MS = 60_000;

/** Where the sessions of the web server of the store at `storePath` are kept. */
export function sessionFile(storePath: string): string {
  return `${storePath}.sessions.json`;
}

const savedSessionsSchema = z.array(
  z.object({
    digest: z.string(),
    user: z.object({ name: z.string(), role: z.string() }),
    csrfToken: z.string(),
    createdAt: z.number(),
    lastSeenAt: z.number(),
  }),
);

function digest(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export class SessionStore<Role extends string = UserRole> {
  private readonly byDigest = new Map<string, Session<Role>>();
  private saving: Promise<void> = Promise.resolve();
  private savedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    /** The config's users now: a session of a user no longer there ends, a changed role applies at once. */
    private readonly usersNow: () => readonly SessionUser<Role>[],
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    /** The sessions file; null: in memory only (a restart signs everyone out). */
    private readonly file: string | null = null,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /**
   * The sessions saved in `file` that are still alive. A file that cannot be read or parsed is logged and ignored
   * (everyone signs in again): sessions are a convenience, never a reason not to start.
   */
  static async open<Role extends string = UserRole>(
    file: string,
    now: () => number,
    usersNow: () => readonly SessionUser<Role>[],
    limits: SessionLimits,
    log: (line: string) => void,
  ): Promise<SessionStore<Role>> {
    const store = new SessionStore<Role>(now, usersNow, limits, file, log);
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log(`web server: ${file}: cannot read the saved sessions (${messageOf(error)}); everyone signs in again`);
    }
    if (text !== null) {
      const parsed = savedSessionsSchema.safeParse(safeJson(text));
      if (!parsed.success) log(`web server: ${file}: not a sessions file (${parsed.error.issues[0]?.message ?? 'bad JSON'}); everyone signs in again`);
      else
        for (const saved of parsed.data) {
          // The role is the config's now, as on every request: a saved one is never trusted.
          const user = usersNow().find((candidate) => candidate.name === saved.user.name);
          if (user !== undefined)
            store.byDigest.set(saved.digest, { user: { name: user.name, role: user.role }, csrfToken: saved.csrfToken, createdAt: saved.createdAt, lastSeenAt: saved.lastSeenAt, ended: false });
        }
      store.dropExpired();
    }
    return store;
  }

  /** Waits for the writes under way (at server stop). */
  async close(): Promise<void> {
    await this.saving;
  }

  /** A new session for the user; returns the id for the cookie (kept nowhere else) and the session. */
  create(user: SessionUser<Role>): { readonly id: string; readonly session: Session<Role> } {
    this.dropExpired();
    const id = randomBytes(ID_BYTES).toString('base64url');
    const time = this.now();
    const session: Session<Role> = { user: { name: user.name, role: user.role }, csrfToken: randomBytes(ID_BYTES).toString('base64url'), createdAt: time, lastSeenAt: time, ended: false };
    this.byDigest.set(digest(id), session);
    this.save();
    return { id, session };
  }

  /**
   * The live session of this id, its idle clock restarted and its role the config's; undefined (and forgotten) once
   * expired or once its user has left the config.
   */
  touch(id: string): Session<Role> | undefined {
    const key = digest(id);
    const session = this.byDigest.get(key);
    if (session === undefined) return undefined;
    const time = this.now();
    const user = this.configured(session);
    if (this.expired(session, time) || user === undefined) {
      session.ended = true;
      this.byDigest.delete(key);
      this.save();
      return undefined;
    }
    if (user.role !== session.user.role) session.user = { name: user.name, role: user.role };
    session.lastSeenAt = time;
    if (time - this.savedAt >= LAST_SEEN_SAVE_MS) this.save();
    return session;
  }

  /**
   * True while the session is neither expired nor ended and its user is still in the config, without restarting its
   * idle clock (a live stream checks this).
   */
  alive(session: Session<Role>): boolean {
    return !session.ended && !this.expired(session, this.now()) && this.configured(session) !== undefined;
  }

  end(id: string): void {
    const key = digest(id);
    const session = this.byDigest.get(key);
    if (session !== undefined) session.ended = true;
    this.byDigest.delete(key);
    this.save();
  }

  /** When the session ends if nothing more happens. */
  expiresAt(session: Session<Role>): number {
    return Math.min(session.lastSeenAt + this.limits.idleMs, session.createdAt + this.limits.absoluteMs);
  }

  get maxAgeS(): number {
    return Math.floor(this.limits.absoluteMs / 1000);
  }

  /** Replaces the file whole (a temporary file renamed over it), one write after the other. */
  private save(): void {
    const file = this.file;
    if (file === null) return;
    this.savedAt = this.now();
    const saved = [...this.byDigest].map(([key, session]) => ({ digest: key, user: session.user, csrfToken: session.csrfToken, createdAt: session.createdAt, lastSeenAt: session.lastSeenAt }));
    const temporary = `${file}.tmp`;
    this.saving = this.saving
      .then(() => writeFile(temporary, JSON.stringify(saved), { mode: 0o600 }))
      .then(() => rename(temporary, file))
      .catch((error: unknown) => this.log(`web server: ${file}: cannot save the sessions (${messageOf(error)}); a restart will sign everyone out`));
  }

  private configured(session: Session<Role>): SessionUser<Role> | undefined {
    return this.usersNow().find((user) => user.name === session.user.name);
  }

  private expired(session: Session<Role>, time: number): boolean {
    return time >= this.expiresAt(session);
  }

  private dropExpired(): void {
    const time = this.now();
    for (const [key, session] of this.byDigest) if (this.expired(session, time)) this.byDigest.delete(key);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Compares a token a client sent with the session's in constant time. */
export function sameToken(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
