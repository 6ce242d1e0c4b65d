/** The config loading every subcommand shares: a bad file gets each problem printed with its place, then the command exits 2. */
import { HazmonConfigError, formatIssue, loadAgentConfig, type AgentConfig, type ConfigIssue } from '../config/index.ts';
import type { CliIo } from './command.ts';

/**
 * Loads `file`; when it is invalid, prints every problem (`file:line:col path: problem`) and then `consequence(n)`,
 * the one line that says what the command will not do (it gets the problems too, e.g. to audit them), and returns null
 * so the caller exits with EXIT.configInvalid or, on a reload, keeps running as it was.
 */
export function loadConfigOrReport(file: string, io: CliIo, consequence: (problems: number, issues: readonly ConfigIssue[]) => string): AgentConfig | null {
  try {
    return loadAgentConfig(file);
  } catch (error) {
    if (!(error instanceof HazmonConfigError)) throw error;
    for (const issue of error.issues) io.stderr.write(`${formatIssue(issue)}\n`);
    io.stderr.write(`${consequence(error.issues.length, error.issues)}\n`);
    return null;
  }
}
