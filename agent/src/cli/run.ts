/** The hazmon command line: picks the subcommand from the first words and maps usage problems to exit code 64. */
import type { AgentServer } from '../runtime/index.ts';
import type { CliIo, Command } from './command.ts';
import { EXIT, UsageError } from './command.ts';

/** What the process composing hazmon hands the commands: the servers `hazmon run` starts beside the agent. */
export interface CommandOptions {
  readonly servers?: readonly AgentServer[];
}

/**
 * Every subcommand. Each loads its module only when chosen, so a small command does not pay for the protocol stack,
 * DuckDB or the engine.
 */
export function hazmonCommands(options: CommandOptions = {}): Command[] {
  return [
    {
      name: 'run',
      usage: 'CONFIG',
      summary: 'run the agent: poll, alarm, shut off, store; one line per alarm event; SIGHUP reloads CONFIG; stops on SIGINT/SIGTERM',
      run: async (args, io) => (await import('./run-agent.ts')).runAgentCommand(args, io, { servers: options.servers ?? [] }),
    },
    {
      name: 'check-config',
      usage: 'FILE',
      summary: 'check a site config file and print every problem (exit 2) or a summary (exit 0)',
      run: async (args, io) => (await import('./check-config.ts')).checkConfig(args, io),
    },
    {
      name: 'hash-password',
      usage: '',
      summary: 'read a password (hidden prompt, or the first line of stdin) and print its hash for users[].passwordHash',
      run: async (args, io) => (await import('./hash-password.ts')).hashPasswordCommand(args, io),
    },
    {
      name: 'browse',
      usage: 'ENDPOINT [--security-mode M --pki-dir DIR] [--user NAME] [--start NODEID] [...]',
      summary:
        "print an OPC UA server's variables (node id, data type, unit) as entries to paste under an opcua connection's points:; " +
        'also --security-policy P, --trust-unknown-server-certificate, --timeout-ms N, --depth N; --user asks for the password',
      run: async (args, io) => (await import('./browse.ts')).browseCommand(args, io),
    },
    {
      name: 'audit verify',
      usage: 'CONFIG',
      summary: "check the store's audit hash chain: prints its head (exit 0) or one line per altered row (exit 1)",
      run: async (args, io) => (await import('./audit-verify.ts')).auditVerifyCommand(args, io),
    },
    {
      name: 'export',
      usage: 'CONFIG --what W --format F --from T --to T [--points IDS] --out FILE [--force]',
      summary: 'write W = readings|alarm_events|audit_log in [from, to) as F = csv|parquet; T: ISO 8601, Z or an offset',
      run: async (args, io) => (await import('./export.ts')).exportCommand(args, io),
    },
    {
      name: 'replay',
      usage: 'CONFIG --rules NEW_CONFIG --from T --to T',
      summary: "what-if: run CONFIG's stored readings in [from, to) through its rules and NEW_CONFIG's; print the alarm raises/clears that differ",
      run: async (args, io) => (await import('./replay.ts')).replayCommand(args, io),
    },
  ];
}

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => `${command.name} ${command.usage}`.length));
  const lines = commands.map((command) => `  hazmon ${`${command.name} ${command.usage}`.padEnd(width)}  ${command.summary}`);
  return `usage:\n${lines.join('\n')}\n`;
}

function isParseArgsError(error: unknown): error is Error {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Runs the subcommand `argv` names and returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = hazmonCommands()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(usage(commands));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  // Longest name first, so `audit verify` wins over a future `audit`.
  const command = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length).find((candidate) => candidate.name.split(' ').every((word, i) => argv[i] === word));
  if (!command) {
    io.stderr.write(`hazmon: unknown command ${JSON.stringify(argv[0])}\n${usage(commands)}`);
    return EXIT.usage;
  }
  try {
    return await command.run(argv.slice(command.name.split(' ').length), io);
  } catch (error) {
    if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error;
    io.stderr.write(`hazmon ${command.name}: ${error.message}\nusage: hazmon ${command.name} ${command.usage}\n`);
    return EXIT.usage;
  }
}
