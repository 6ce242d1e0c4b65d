/** The config loading every subcommand shares: a bad file gets each problem printed with its place, then the command exits 2. */
import { HazmonConfigError, loadAgentConfig, problemListing, type AgentConfig } from '../config/index.ts';
import type { CliIo } from './command.ts';

/**
 * Loads `file`; when it is invalid, prints its problems (`file:line:col path: problem`, the first MAX_LISTED_PROBLEMS,
 * then how many more) and then `consequence(n)`, the one line that says what the command will not do (it gets the
 * printed lines too, e.g. to audit them), and returns null so the caller exits with EXIT.configInvalid or, on a
 * reload, keeps running as it was.
 */
export function loadConfigOrReport(file: string, io: CliIo, consequence: (problems: number, listing: readonly string[]) => string): AgentConfig | null {
  try {
    return loadAgentConfig(file);
  } catch (error) {
    if (!(error instanceof HazmonConfigError)) throw error;
    const listing = problemListing(error.issues, error.problemCount);
    for (const line of listing) io.stderr.write(`${line}\n`);
    io.stderr.write(`${consequence(error.problemCount, listing)}\n`);
    return null;
  }
}
