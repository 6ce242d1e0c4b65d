/**
 * Signed-in people, in memory: the browser holds an opaque random id, the server only its SHA-256 (a heap dump or a
 * log line of the map gives no usable cookie). A session ends after 30 min without a request or 12 h after sign-in,
 * whichever comes first, on sign-out, and when its user leaves the config; a restart ends them all. A session takes
 * its user's role from the config running now, so a reload that lowers a role takes effect on the next request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthenticatedUser, PublicUser } from '@hazmon/agent';

export interface SessionLimits {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

export interface Session {
  /** Its role follows the config's (see SessionStore.touch). */
  user: AuthenticatedUser;
  /** Sent back in X-CSRF-Token on every state-changing request: a cross-site form cannot read it. */
  readonly csrfToken: string;
  readonly createdAt: number;
  lastSeenAt: number;
  /** Set on sign-out, so a stream opened with the session stops too. */
  ended: boolean;
}

const ID_BYTES = 32;

function digest(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export class SessionStore {
  private readonly byDigest = new Map<string, Session>();

  constructor(
    private readonly now: () => number,
    /** The config's users now: a session of a user no longer there ends, a changed role applies at once. */
    private readonly usersNow: () => readonly PublicUser[],
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {}

  /** A new session for the user; returns the id for the cookie (kept nowhere else) and the session. */
  create(user: AuthenticatedUser): { readonly id: string; readonly session: Session } {
    this.dropExpired();
    const id = randomBytes(ID_BYTES).toString('base64url');
    const time = this.now();
    const session: Session = { user, csrfToken: randomBytes(ID_BYTES).toString('base64url'), createdAt: time, lastSeenAt: time, ended: false };
    this.byDigest.set(digest(id), session);
    return { id, session };
  }

  /**
   * The live session of this id, its idle clock restarted and its role the config's; undefined (and forgotten) once
   * expired or once its user has left the config.
   */
  touch(id: string): Session | undefined {
    const key = digest(id);
    const session = this.byDigest.get(key);
    if (session === undefined) return undefined;
    const time = this.now();
    const user = this.configured(session);
    if (this.expired(session, time) || user === undefined) {
      session.ended = true;
      this.byDigest.delete(key);
      return undefined;
    }
    if (user.role !== session.user.role) session.user = { name: user.name, role: user.role };
    session.lastSeenAt = time;
    return session;
  }

  /**
   * True while the session is neither expired nor ended and its user is still in the config, without restarting its
   * idle clock (a live stream checks this).
   */
  alive(session: Session): boolean {
    return !session.ended && !this.expired(session, this.now()) && this.configured(session) !== undefined;
  }

  end(id: string): void {
    const key = digest(id);
    const session = this.byDigest.get(key);
    if (session !== undefined) session.ended = true;
    this.byDigest.delete(key);
  }

  /** When the session ends if nothing more happens. */
  expiresAt(session: Session): number {
    return Math.min(session.lastSeenAt + this.limits.idleMs, session.createdAt + this.limits.absoluteMs);
  }

  get maxAgeS(): number {
    return Math.floor(this.limits.absoluteMs / 1000);
  }

  private configured(session: Session): PublicUser | undefined {
    return this.usersNow().find((user) => user.name === session.user.name);
  }

  private expired(session: Session, time: number): boolean {
    return time >= this.expiresAt(session);
  }

  private dropExpired(): void {
    const time = this.now();
    for (const [key, session] of this.byDigest) if (this.expired(session, time)) this.byDigest.delete(key);
  }
}

/** Compares a token a client sent with the session's in constant time. */
export function sameToken(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
