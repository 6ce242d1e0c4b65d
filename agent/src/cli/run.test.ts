/** The hazmon command line, in process for dispatch and as a child process the way an integrator runs it. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAgentConfig, verifyPassword } from '../config/index.ts';
import { configSummary } from './check-config.ts';
import { EXIT } from './command.ts';
import { bufferedIo, hazmon } from '../../test/fixtures/cli/store-site.ts';
import { runCli } from './run.ts';

const SAMPLE = fileURLToPath(new URL('../../examples/site.yaml', import.meta.url));
const BAD_CASE = fileURLToPath(new URL('../config/testcases/several-problems-at-once/', import.meta.url));

/** Names and sizes of every file under a folder, to show a command wrote nothing. */
function listing(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${join(entry.parentPath, entry.name)}:${statSync(join(entry.parentPath, entry.name)).mtimeMs}`)
    .sort();
}

describe('runCli (in process)', () => {
  it('prints the usage for no command (exit 64) and for help (exit 0)', async () => {
    const none = bufferedIo();
    expect(await runCli([], none)).toBe(EXIT.usage);
    expect(none.out()).toContain('hazmon check-config FILE');
    const help = bufferedIo();
    expect(await runCli(['--help'], help)).toBe(EXIT.ok);
    expect(help.out()).toContain('hazmon hash-password');
  });

  it('refuses unknown commands, missing arguments and unknown options with exit 64', async () => {
    const unknown = bufferedIo();
    expect(await runCli(['chek-config', SAMPLE], unknown)).toBe(EXIT.usage);
    expect(unknown.err()).toContain('unknown command "chek-config"');
    const missing = bufferedIo();
    expect(await runCli(['check-config'], missing)).toBe(EXIT.usage);
    expect(missing.err()).toContain('usage: hazmon check-config FILE');
    const option = bufferedIo();
    expect(await runCli(['check-config', '--fast', SAMPLE], option)).toBe(EXIT.usage);
    const argument = bufferedIo();
    expect(await runCli(['hash-password', 'secret'], argument)).toBe(EXIT.usage);
    expect(argument.err()).toContain('never on the command line');
  });

  it('dispatches multi-word commands to the longest matching name', async () => {
    const calls: string[] = [];
    const commands = ['audit', 'audit verify'].map((name) => ({ name, usage: '', summary: name, run: async (args: readonly string[]) => (calls.push(`${name}|${args.join(' ')}`), 0) }));
    expect(await runCli(['audit', 'verify', '--from', '3'], bufferedIo(), commands)).toBe(0);
    expect(await runCli(['audit', 'list'], bufferedIo(), commands)).toBe(0);
    expect(calls).toEqual(['audit verify|--from 3', 'audit|list']);
  });

  it('hashes the first line of piped input and refuses an empty one', async () => {
    const io = bufferedIo('s3cret pass\nignored\n');
    expect(await runCli(['hash-password'], io)).toBe(EXIT.ok);
    expect(await verifyPassword('s3cret pass', io.out().trim())).toBe(true);
    const empty = bufferedIo('\n');
    expect(await runCli(['hash-password'], empty)).toBe(EXIT.failed);
    expect(empty.out()).toBe('');
  });
});

describe('hash-password on a terminal', () => {
  /** A terminal stand-in: raw mode recorded, keystrokes fed as the user types them. */
  function terminal(keys: string[]) {
    const io = bufferedIo();
    const stdin = new PassThrough();
    const modes: boolean[] = [];
    Object.assign(stdin, { isTTY: true, setRawMode: (mode: boolean) => modes.push(mode) });
    stdin.on('resume', () => {
      const next = keys.shift();
      if (next !== undefined) setImmediate(() => stdin.write(next));
    });
    return { io: { ...io, stdin }, modes };
  }

  it('reads the password twice without echo, honouring backspace, and leaves raw mode', async () => {
    const { io, modes } = terminal(['pa\u007fass\r', 'pass\r']);
    expect(await runCli(['hash-password'], io)).toBe(EXIT.ok);
    expect(await verifyPassword('pass', io.out().trim())).toBe(true);
    expect(io.err()).not.toContain('pass\n');
    expect(modes).toEqual([true, false, true, false]);
  });

  it('refuses two different entries', async () => {
    const { io } = terminal(['one\r', 'two\r']);
    expect(await runCli(['hash-password'], io)).toBe(EXIT.failed);
    expect(io.err()).toContain('differ');
    expect(io.out()).toBe('');
  });
});

describe('hazmon as a child process', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'hazmon-cli-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('check-config exits 0 on the sample with its summary, and writes nothing', async () => {
    const before = [...listing(cwd), ...listing(join(SAMPLE, '..'))];
    const result = await hazmon(['check-config', SAMPLE], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${SAMPLE}: ok: ${configSummary(loadAgentConfig(SAMPLE))}`);
    expect([...listing(cwd), ...listing(join(SAMPLE, '..'))]).toEqual(before);
  }, 90_000);

  it('check-config exits 2 on a bad file and prints every problem as file:line:col, writing nothing', async () => {
    const file = join(BAD_CASE, 'config.yaml');
    const expected = (parse(readFileSync(join(BAD_CASE, 'expected.yaml'), 'utf8')) as { issues: { path: string; line: number; column: number }[] }).issues;
    const before = [...listing(cwd), ...listing(BAD_CASE)];
    const result = await hazmon(['check-config', file], cwd);
    expect(result.code).toBe(EXIT.configInvalid);
    for (const issue of expected) expect(result.stderr).toContain(`${file}:${issue.line}:${issue.column} ${issue.path}: `);
    expect(result.stderr).toContain(`${expected.length} problems`);
    expect(result.stdout).not.toContain('ok:');
    expect([...listing(cwd), ...listing(BAD_CASE)]).toEqual(before);
  }, 90_000);

  it('hash-password prints a hash of the piped password', async () => {
    const result = await hazmon(['hash-password'], cwd, 'from a pipe\n');
    expect(result.code).toBe(0);
    // Only the hash on stdout, so `hazmon hash-password > file` captures nothing else.
    expect(result.stdout).toMatch(/^\$scrypt\$[^\n]+\n$/);
    expect(await verifyPassword('from a pipe', result.stdout.trim())).toBe(true);
  }, 90_000);
});
