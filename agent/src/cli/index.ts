/** The hazmon command line as a library: the process that composes the gateway (`@hazmon/gateway`) runs it. */
export { hazmonCommands, runCli } from './run.ts';
export type { CommandOptions } from './run.ts';
export { EXIT, UsageError } from './command.ts';
export type { CliIo, Command } from './command.ts';
