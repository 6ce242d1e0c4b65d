/**
 * Sessions end 30 min after the last request or 12 h after sign-in, on sign-out and when the user leaves the config;
 * they take the role the config gives now, and are kept only as hashes.
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_LIMITS, sameToken, SessionStore } from './sessions.ts';

const USER = { name: 'op', role: 'operator' } as const;
const MINUTE = 60_000;
const CONFIG_USERS = () => [USER];

function clock() {
  const state = { now: 1_000_000 };
  return { state, now: () => state.now };
}

describe('SessionStore', () => {
  it('ends a session after 30 min without a request; each request restarts that clock', () => {
    const { state, now } = clock();
    const sessions = new SessionStore(now, CONFIG_USERS);
    const { id } = sessions.create(USER);
    state.now += 29 * MINUTE;
    expect(sessions.touch(id)?.user).toEqual(USER);
    state.now += 29 * MINUTE;
    expect(sessions.touch(id)).toBeDefined();
    state.now += 30 * MINUTE;
    expect(sessions.touch(id)).toBeUndefined();
  });

  it('ends a session 12 h after sign-in however busy it is', () => {
    const { state, now } = clock();
    const sessions = new SessionStore(now, CONFIG_USERS);
    const { id, session } = sessions.create(USER);
    for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
      state.now += 20 * MINUTE;
      expect(sessions.touch(id), `${elapsed + 20} min`).toBeDefined();
    }
    expect(sessions.expiresAt(session)).toBe(session.createdAt + DEFAULT_SESSION_LIMITS.absoluteMs);
    state.now = session.createdAt + DEFAULT_SESSION_LIMITS.absoluteMs;
    expect(sessions.touch(id)).toBeUndefined();
  });

  it('ends a session on sign-out, which a stream holding it sees', () => {
    const { now } = clock();
    const sessions = new SessionStore(now, CONFIG_USERS);
    const { id, session } = sessions.create(USER);
    expect(sessions.alive(session)).toBe(true);
    sessions.end(id);
    expect(sessions.touch(id)).toBeUndefined();
    expect(sessions.alive(session)).toBe(false);
  });

  it('takes the role the config gives now, and ends when a reload removes the user', () => {
    const { now } = clock();
    const users: { name: string; role: 'viewer' | 'operator' }[] = [{ name: 'op', role: 'operator' }];
    const sessions = new SessionStore(now, () => users);
    const { id, session } = sessions.create(USER);
    users[0] = { name: 'op', role: 'viewer' };
    expect(sessions.touch(id)?.user).toEqual({ name: 'op', role: 'viewer' });
    users.length = 0;
    expect(sessions.alive(session)).toBe(false);
    expect(sessions.touch(id)).toBeUndefined();
    users.push({ name: 'op', role: 'operator' });
    expect(sessions.touch(id), 'a session that ended stays ended when the name comes back').toBeUndefined();
  });

  it('hands out unguessable ids and tokens, different each time, and finds nothing by a made-up id', () => {
    const { now } = clock();
    const sessions = new SessionStore(now, CONFIG_USERS);
    const first = sessions.create(USER);
    const second = sessions.create(USER);
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.id).not.toBe(second.id);
    expect(first.session.csrfToken).not.toBe(second.session.csrfToken);
    expect(sessions.touch(first.session.csrfToken)).toBeUndefined();
    expect(sessions.touch('x'.repeat(43))).toBeUndefined();
  });

  it('compares tokens whole', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
  });
});

describe('SessionStore over a restart', () => {
  it('keeps the sessions in a file, hashes only, and a new store of the same file finds them alive; expired and signed-out ones are gone', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'hazmon-sessions-')), 'store.duckdb.sessions.json');
    const { state, now } = clock();
    const first = await SessionStore.open(file, now, CONFIG_USERS, DEFAULT_SESSION_LIMITS, () => undefined);
    const kept = first.create(USER);
    const signedOut = first.create(USER);
    first.end(signedOut.id);
    await first.close();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(kept.id);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    state.now += 10 * MINUTE;
    const second = await SessionStore.open(file, now, CONFIG_USERS, DEFAULT_SESSION_LIMITS, () => undefined);
    expect(second.touch(kept.id)).toMatchObject({ user: USER, csrfToken: kept.session.csrfToken });
    expect(second.touch(signedOut.id)).toBeUndefined();
    await second.close();

    state.now += 31 * MINUTE;
    const third = await SessionStore.open(file, now, CONFIG_USERS, DEFAULT_SESSION_LIMITS, () => undefined);
    expect(third.touch(kept.id), 'idle for 31 min').toBeUndefined();
  });

  it('starts empty, saying why, from a file that is not a sessions file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'hazmon-sessions-')), 'store.duckdb.sessions.json');
    await writeFile(file, '{"not": "a list"');
    const lines: string[] = [];
    const { now } = clock();
    const store = await SessionStore.open(file, now, CONFIG_USERS, DEFAULT_SESSION_LIMITS, (line) => lines.push(line));
    expect(store.touch('x'.repeat(43))).toBeUndefined();
    expect(lines).toEqual([expect.stringMatching(/store\.duckdb\.sessions\.json: not a sessions file .*everyone signs in again/)]);
  });
});
