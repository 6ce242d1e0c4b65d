/**
 * `hazmon hash-password`: reads a password (hidden prompt on a terminal, else the first line of stdin) and prints its
 * scrypt hash for a user's `passwordHash`; the password never appears on the command line or in shell history.
 */
import { parseArgs } from 'node:util';
// Not the config index: this command must not load the protocol stack (node-opcua prints to stdout on load).
import { hashPassword } from '../config/password.ts';
import type { CliIo } from './command.ts';
import { EXIT, UsageError } from './command.ts';

const CTRL_C = '\u0003';
const BACKSPACE = /[\u0008\u007f]/;

/** Reads one line from a terminal without echoing it. */
function readHidden(prompt: string, io: CliIo): Promise<string> {
  const { stdin } = io;
  io.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const finish = (error: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string | Buffer) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish(null);
        if (char === CTRL_C) return finish(new UsageError('cancelled'));
        if (BACKSPACE.test(char)) typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** The first line of piped input. */
async function readFirstLine(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** A password typed at a hidden prompt on a terminal, else the first line of piped input: never on the command line. */
export function readPassword(prompt: string, io: CliIo): Promise<string> {
  return io.stdin.isTTY ? readHidden(prompt, io) : readFirstLine(io);
}

export async function hashPasswordCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, options: {} });
  if (positionals.length > 0) throw new UsageError('takes no arguments: type the password at the prompt or pipe it in, never on the command line');
  const password = await readPassword('Password: ', io);
  if (io.stdin.isTTY && (await readHidden('Again: ', io)) !== password) {
    io.stderr.write('the two passwords differ\n');
    return EXIT.failed;
  }
  if (password.length === 0) {
    io.stderr.write('an empty password is refused\n');
    return EXIT.failed;
  }
  io.stdout.write(`${await hashPassword(password)}\n`);
  return EXIT.ok;
}
