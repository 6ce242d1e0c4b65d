/**
 * A real small filesystem (tmpfs) for a test to fill: mounted on a folder directly when the test runs as root (CI on
 * a fresh Debian machine), else inside a user + mount namespace (`unshare -rm`) that a keeper process holds open, in
 * which the agent and every command on the filesystem then run (`nsenter`). Fails with what was tried when neither works.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { CommandWrap } from '../agent/fixture.ts';

export interface SmallFilesystem {
  readonly dir: string;
  /** How a command that must see the filesystem is started (the agent, `hazmon audit verify`). */
  readonly wrap: CommandWrap;
  /** Runs a command that must see the filesystem and returns its stdout. */
  run(command: string, args: string[]): string;
  /** Bytes free on it. */
  freeBytes(): number;
  /** Sets its size (`mount -o remount,size=`): growing it is space returning to a full disk. */
  resize(sizeMb: number): void;
  /** Unmounts it (or ends the namespace); safe to call twice, and after a failed test. */
  close(): Promise<void>;
}

const identity: CommandWrap = (command, args) => [command, args];

function tmpfsOptions(sizeMb: number): string {
  return `size=${sizeMb}m`;
}

function commandError(what: string, error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string }).stderr?.toString().trim();
  return `${what}: ${stderr || (error as Error).message}`;
}

/** Mounts a tmpfs of `sizeMb` on `dir` (an existing, empty folder) the way this machine allows. */
export async function mountSmallFilesystem(dir: string, sizeMb: number): Promise<SmallFilesystem> {
  const tried: string[] = [];
  if (process.getuid?.() === 0) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', tmpfsOptions(sizeMb), 'tmpfs', dir], { stdio: 'pipe' });
      return filesystem(dir, identity, async () => {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      });
    } catch (error) {
      tried.push(commandError(`mount -t tmpfs as root`, error));
    }
  } else {
    tried.push(`not root (uid ${process.getuid?.()}), so no mount in the test's own namespace`);
  }
  try {
    return await namespacedFilesystem(dir, sizeMb);
  } catch (error) {
    tried.push(commandError('unshare -rm (a user + mount namespace)', error));
  }
  throw new Error(
    `cannot mount a small filesystem on ${dir} for this test: ${tried.join('; ')}. Run the test as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).`,
  );
}

/** A keeper process in its own user + mount namespace (root there) holds the tmpfs; commands join it with nsenter. */
async function namespacedFilesystem(dir: string, sizeMb: number): Promise<SmallFilesystem> {
  const keeper = spawn('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o "$1" tmpfs "$2" && echo mounted && exec sleep infinity', 'sh', tmpfsOptions(sizeMb), dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  keeper.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => keeper.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    keeper.stdout.once('data', () => resolve());
    void exited.then(() => reject(Object.assign(new Error('the namespace keeper exited'), { stderr })));
  });
  const wrap: CommandWrap = (command, args) => ['nsenter', ['-t', String(keeper.pid), '-U', '-m', '--preserve-credentials', command, ...args]];
  return filesystem(dir, wrap, async () => {
    if (keeper.exitCode !== null || keeper.signalCode !== null) return;
    keeper.kill('SIGKILL');
    await exited;
  });
}

function filesystem(dir: string, wrap: CommandWrap, unmount: () => Promise<void>): SmallFilesystem {
  let closed = false;
  const run = (command: string, args: string[]) => execFileSync(...wrap(command, args), { stdio: 'pipe' }).toString();
  return {
    dir,
    wrap,
    run,
    freeBytes: () => Number(run('df', ['-B1', '--output=avail', dir]).trim().split('\n').at(-1)),
    // The type and source given: in a user namespace `mount -o remount,...` alone fails ("mount point not mounted").
    resize: (sizeMb) => void run('mount', ['-t', 'tmpfs', '-o', `remount,${tmpfsOptions(sizeMb)}`, 'tmpfs', dir]),
    close: async () => {
      if (closed) return;
      closed = true;
      await unmount();
    },
  };
}
