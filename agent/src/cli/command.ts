/** What a hazmon subcommand is: a name, a usage line and a function from arguments to an exit code. */
import { HazmonError } from '@hazmon/errors';

/** Streams a command talks to; the real process's in production, buffers in tests. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Exit codes shared by every subcommand. */
export const EXIT = {
  ok: 0,
  /** Something failed at run time (a file could not be written, a device did not answer). */
  failed: 1,
  /** The config file is invalid: the agent refuses to start. */
  configInvalid: 2,
  /** The command line itself is wrong (sysexits EX_USAGE). */
  usage: 64,
} as const;

export interface Command {
  /** One or more words, e.g. `check-config` or `audit verify`. */
  readonly name: string;
  /** Arguments after the name, e.g. `FILE`. */
  readonly usage: string;
  readonly summary: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage problem the dispatcher prints with the command's usage line. */
export class UsageError extends HazmonError<'HAZMON_CLI_USAGE'> {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super('HAZMON_CLI_USAGE', message);
  }
}
