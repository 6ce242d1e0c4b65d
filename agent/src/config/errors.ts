/** The config loader's one error: every problem found in the file, each with file, line:column, field path and the bad value. */
import { HazmonError, quote } from '@hazmon/errors';

/** What kind of problem an issue is; stable, for tests and tooling. */
export type ConfigIssueCode =
  | 'HAZMON_CONFIG_UNREADABLE' // the file cannot be read
  | 'HAZMON_CONFIG_TOO_LARGE' // the file is larger than MAX_CONFIG_FILE_BYTES
  | 'HAZMON_CONFIG_YAML' // not valid YAML
  | 'HAZMON_CONFIG_INVALID' // a field has a wrong type or value, is missing, or is unknown
  | 'HAZMON_CONFIG_DUPLICATE' // an id used twice
  | 'HAZMON_CONFIG_REFERENCE' // a reference to a line, device, point, area, output or alarm that does not exist or does not fit
  | 'HAZMON_CONFIG_DEVICE' // a device cannot be built from its profile (the profile layer's own code is in the problem text)
  | 'HAZMON_CONFIG_RULES'; // the alarm engine refused a rule set

export interface ConfigIssue {
  readonly code: ConfigIssueCode;
  readonly file: string;
  /** Field path such as `devices[2].unitId`; empty for the whole file. */
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly problem: string;
  readonly value: unknown;
}

/** `file:line:col path: problem (got value)`, the line check-config prints. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.path || '(root)'}: ${issue.problem} (got ${quote(issue.value)}) [${issue.code}]`;
}

/**
 * How many problems an error lists, first in file order; the rest are only counted. A file broken everywhere (a
 * generated one, a wrong indent) gets a report a person can read, and its cost stays that of the file, not of echoing it.
 */
export const MAX_LISTED_PROBLEMS = 100;

function problems(n: number, qualifier = ''): string {
  return `${n} ${qualifier}problem${n === 1 ? '' : 's'}`;
}

/** The lines that report an error's problems: each listed issue, then `... and N more problems` for those not listed. */
export function problemListing(issues: readonly ConfigIssue[], problemCount: number): string[] {
  const lines = issues.map(formatIssue);
  const unlisted = problemCount - issues.length;
  if (unlisted > 0) lines.push(`... and ${problems(unlisted, 'more ')}`);
  return lines;
}

/** A config file that cannot be used: the agent refuses to start. */
export class HazmonConfigError extends HazmonError<'HAZMON_CONFIG_INVALID'> {
  override readonly name = 'HazmonConfigError';
  /** The first MAX_LISTED_PROBLEMS problems, in the order given (the loader gives file order), each with its own code (YAML, schema, reference, ...); the error's code says only "refused". */
  readonly issues: readonly ConfigIssue[];
  /** Every problem found, listed or not. */
  readonly problemCount: number;

  constructor(file: string, issues: readonly ConfigIssue[], problemCount: number = issues.length) {
    const listed = issues.slice(0, MAX_LISTED_PROBLEMS);
    super('HAZMON_CONFIG_INVALID', `${file}: ${problems(problemCount)}\n${problemListing(listed, problemCount).join('\n')}`);
    this.issues = listed;
    this.problemCount = problemCount;
  }
}
