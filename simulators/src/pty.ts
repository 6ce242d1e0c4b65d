/** A connected pair of pseudo-terminals made by socat: one end for an RTU simulator, the other for a client. */

import { spawn } from 'node:child_process';
import { SimulatorError } from './errors.ts';

export interface PtyPair {
  readonly pathA: string;
  readonly pathB: string;
  close(): Promise<void>;
}

const PTY_LINE = /PTY is (\S+)/g;

/** Spawns `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and resolves once both pty paths are known. */
export function createPtyPair(timeoutMs = 10_000): Promise<PtyPair> {
  const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (socat.exitCode === null && socat.signalCode === null) socat.kill('SIGTERM');
    await exited;
  };
  return new Promise<PtyPair>((resolve, reject) => {
    let stderr = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      void close();
      reject(new SimulatorError('HAZMON_SIM_PTY_FAILED', `socat pty pair: ${why}; socat said: ${JSON.stringify(stderr.trim())}`));
    };
    const timer = setTimeout(() => fail(`no pty paths within ${timeoutMs} ms`), timeoutMs);
    socat.once('error', (error) => fail(`cannot run socat (${error.message})`));
    const onEarlyExit = (code: number | null): void => fail(`socat exited with code ${code}`);
    socat.once('exit', onEarlyExit);
    socat.stderr.setEncoding('utf8');
    socat.stderr.on('data', (text: string) => {
      stderr += text;
      const paths = [...stderr.matchAll(PTY_LINE)].map((match) => match[1]!);
      if (paths.length < 2 || !stderr.includes('starting data transfer loop')) return;
      clearTimeout(timer);
      socat.off('exit', onEarlyExit);
      socat.stderr.removeAllListeners('data');
      socat.stderr.resume(); // keep draining so socat never blocks on a full pipe
      resolve({ pathA: paths[0]!, pathB: paths[1]!, close });
    });
  });
}
