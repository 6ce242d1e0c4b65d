/**
 * Signed-in people, in memory: the browser holds an opaque random id, the server only its SHA-256 (a heap dump or a
 * log line of the map gives no usable cookie). A session ends after 30 min without a request or 12 h after sign-in,
 * whichever comes first, and on sign-out; a restart ends them all.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthenticatedUser } from '@hazmon/agent';

export interface SessionLimits {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

export interface Session {
  readonly user: AuthenticatedUser;
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

  /** The live session of this id, its idle clock restarted; undefined (and forgotten) once expired. */
  touch(id: string): Session | undefined {
    const key = digest(id);
    const session = this.byDigest.get(key);
    if (session === undefined) return undefined;
    const time = this.now();
    if (this.expired(session, time)) {
      this.byDigest.delete(key);
      return undefined;
    }
    session.lastSeenAt = time;
    return session;
  }

  /** True while the session is neither expired nor ended, without restarting its idle clock (a live stream checks this). */
  alive(session: Session): boolean {
    return !session.ended && !this.expired(session, this.now());
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
