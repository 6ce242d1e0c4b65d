/** Golden cases: each folder under testcases/ holds a config and every problem the loader must report for it. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HazmonConfigError, formatIssue, loadAgentConfig } from './index.ts';

const CASES_DIR = fileURLToPath(new URL('./testcases/', import.meta.url));

interface ExpectedIssue {
  code: string;
  path: string;
  line: number;
  column: number;
}

function reportedIssues(file: string): ExpectedIssue[] {
  try {
    loadAgentConfig(file);
    return [];
  } catch (error) {
    if (!(error instanceof HazmonConfigError)) throw error;
    for (const issue of error.issues) {
      // Every message says where (file:line:col and path) and quotes what it found.
      expect(formatIssue(issue)).toContain(`${file}:${issue.line}:${issue.column} `);
      expect(formatIssue(issue)).toMatch(/\(got .+\)/);
    }
    return error.issues.map(({ code, path, line, column }) => ({ code, path, line, column }));
  }
}

describe('config testcases', () => {
  const cases = readdirSync(CASES_DIR).sort();

  it('has a corpus to run', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  for (const name of cases) {
    it(name, () => {
      const folder = join(CASES_DIR, name);
      const expected = (parse(readFileSync(join(folder, 'expected.yaml'), 'utf8')) as { issues: ExpectedIssue[] }).issues;
      expect(reportedIssues(join(folder, 'config.yaml'))).toEqual(expected);
    });
  }
});
