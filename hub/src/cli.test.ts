import { Readable } from 'node:stream';
import { verifyPassword } from '@hazmon/dashboard/http-kit';
import { describe, expect, it } from 'vitest';
import { EXIT, runHubCli } from './cli.ts';

async function hubCli(input: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdin: Readable.from([input]), stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text) }, stopSignal: new Promise<void>(() => undefined) };
  const code = await runHubCli(argv, io);
  return { code, out, err };
}

describe('hazmon-hub hash-password', () => {
  it('prints the scrypt hash of the first piped line, which the sign-in accepts', async () => {
    const { code, out } = await hubCli('night shift pass\nsecond line\n', 'hash-password');
    expect(code).toBe(EXIT.ok);
    expect(await verifyPassword('night shift pass', out.trim())).toBe(true);
    expect(await verifyPassword('second line', out.trim())).toBe(false);
  });

  it('refuses a password on the command line and an empty one', async () => {
    const argument = await hubCli('', 'hash-password', 'secret');
    expect(argument.code).toBe(EXIT.usage);
    expect(argument.err).toContain('hazmon-hub hash-password');
    const empty = await hubCli('\n', 'hash-password');
    expect(empty.code).toBe(EXIT.failure);
    expect(empty.err).toContain('an empty password is refused');
  });
});
