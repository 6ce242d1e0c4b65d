/** Password hashes: scrypt round trip, fresh salts, and refusal of anything that is not one of our hashes. */
import { describe, expect, it } from 'vitest';
import { PASSWORD_HASH_PATTERN, hashPassword, verifyPassword } from './password.ts';

// The lowest cost the pattern admits keeps the test quick; the format and checks are the same.
const QUICK = { ln: 10, r: 8, p: 1 };

describe('password hashes', () => {
  it('verifies the password it was made from and nothing else', async () => {
    const hash = await hashPassword('tank farm 7', QUICK);
    expect(hash).toMatch(PASSWORD_HASH_PATTERN);
    expect(hash).not.toContain('tank farm 7');
    expect(await verifyPassword('tank farm 7', hash)).toBe(true);
    expect(await verifyPassword('tank farm 8', hash)).toBe(false);
  });

  it('salts every hash afresh', async () => {
    const [a, b] = await Promise.all([hashPassword('same', QUICK), hashPassword('same', QUICK)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same', b)).toBe(true);
  });

  it('treats canonically equal Unicode spellings as one password', async () => {
    const hash = await hashPassword('caf\u00e9', QUICK);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it('refuses plain text, other schemes and costs that would stall a login', async () => {
    const good = await hashPassword('x', QUICK);
    expect(await verifyPassword('x', 'x')).toBe(false);
    expect(await verifyPassword('x', good.replace('$scrypt$', '$argon2id$'))).toBe(false);
    expect(await verifyPassword('x', good.replace('ln=10', 'ln=40'))).toBe(false);
  });
});
