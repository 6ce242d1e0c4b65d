/** The README's demo command (scripts/demo.ts) on a free port in a temp dir, for the browser tests that follow it. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@hazmon/test-support';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface DemoProcess {
  /** The dashboard's address as the demo printed it, without the trailing slash. */
  readonly base: string;
  /** What the demo printed so far (the logins, the story's lines). */
  output(): string;
  /** SIGTERM, waits for the exit, removes the temp dir. */
  stop(): Promise<void>;
}

/** Starts the demo; `durationS` bounds it should the test die before stopping it. */
export async function startDemo(durationS: number): Promise<DemoProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-demo-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--duration', String(durationS), '--port', '0', '--dir', dir], { cwd: repoRoot });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', () => undefined);
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const base = await waitFor('the dashboard address', () => /hazmon demo: dashboard at (http:\/\/\S+)\//.exec(stdout)?.[1], { timeoutMs: 90_000, state: () => stdout.slice(-3000) });
    return { base, output: () => stdout, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
