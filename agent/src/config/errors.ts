/** The config loader's one error: every problem found in the file, each with file, line:column, field path and the bad value. */
import { HazmonError, quote } from '@hazmon/errors';

/** What kind of problem an issue is; stable, for tests and tooling. */
export type ConfigIssueCode =
  | 'HAZMON_CONFIG_UNREADABLE' // the file cannot be read
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

/** A config file that cannot be used: the agent refuses to start. */
export class HazmonConfigError extends HazmonError<'HAZMON_CONFIG_INVALID'> {
  override readonly name = 'HazmonConfigError';
  /** Every problem, each with its own code (YAML, schema, reference, ...); the error's code says only "refused". */
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super('HAZMON_CONFIG_INVALID', `${file}: ${count}\n${issues.map(formatIssue).join('\n')}`);
    this.issues = issues;
  }
}
