/**
 * Password hashes for the config's users: scrypt (node:crypto, no native add-on) in a PHC-style string, so a config
 * file never holds a plain password.
 *
 * @example
 * const hash = await hashPassword('correct horse'); // "$scrypt$ln=15,r=8,p=1$<salt>$<key>"
 * await verifyPassword('correct horse', hash); // true
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Cost 2^15, block 8, one lane: about 32 MiB and tens of ms per check, OWASP's scrypt floor. */
const DEFAULT_COST = { ln: 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt base64>$<key base64>` (unpadded base64); costs bounded so a hash cannot stall a login. */
export const PASSWORD_HASH_PATTERN = /^\$scrypt\$ln=(1[0-9]|20),r=([1-9]|1[0-6]),p=([1-4])\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{32,})$/;

interface ScryptCost {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

function derive(password: string, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  const N = 2 ** cost.ln;
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes or node refuses the parameters.
    scrypt(password.normalize('NFC'), salt, length, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost, KEY_BYTES);
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(key)}`;
}

/** True when `password` matches `hash`; false for a wrong password or a string that is not one of our hashes. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = PASSWORD_HASH_PATTERN.exec(hash);
  if (!match) return false;
  const [, ln, r, p, salt, key] = match as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { ln: Number(ln), r: Number(r), p: Number(p) }, expected.length);
  return timingSafeEqual(actual, expected);
}
