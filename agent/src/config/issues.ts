/** Collects config problems at field paths and places each at its line:column in the YAML source. */
import type { Locator } from '@hazmon/protocols';
import { formatPath, valueAt } from '@hazmon/protocols';
import type { z } from 'zod';
import type { ConfigIssue, ConfigIssueCode } from './errors.ts';
import { MAX_LISTED_PROBLEMS } from './errors.ts';

export type PathPart = string | number;

/** Splits `devices[2].points.gas1.unit` back into parts (the form other layers' errors name fields in). */
export function parsePath(text: string): PathPart[] {
  const parts: PathPart[] = [];
  for (const match of text.matchAll(/\[(\d+)\]|[^.[\]]+/g)) parts.push(match[1] === undefined ? match[0] : Number(match[1]));
  return parts;
}

/** Secrets are never echoed in a message, even when they are the bad value. */
function redacted(path: readonly PathPart[], value: unknown): unknown {
  const last = path[path.length - 1];
  return typeof last === 'string' && /password/i.test(last) && value !== undefined ? '<redacted>' : value;
}

/** Unknown fields that are a known mistake, with what to do instead. */
const UNKNOWN_FIELD_HINTS: Readonly<Record<string, string>> = {
  password: 'plain passwords are refused: put the output of `hazmon hash-password` in passwordHash',
};

/** Whether `a` comes after `b` in the file. */
function isPlacedAfter(a: ConfigIssue, b: ConfigIssue): boolean {
  return a.line > b.line || (a.line === b.line && a.column > b.column);
}

export class IssueList {
  /**
   * The MAX_LISTED_PROBLEMS issues placed first in the file (those at one place in the order found); any other is only
   * counted, so a file with a million problems is checked in the memory of a hundred.
   */
  private readonly firstByPlace: ConfigIssue[] = [];
  private found = 0;

  constructor(
    private readonly locator: Locator,
    private readonly raw: unknown,
  ) {}

  /** Records a problem at `path`; the bad value is read from the source unless given. */
  add(code: ConfigIssueCode, path: readonly PathPart[], problem: string, value: unknown = valueAt(this.raw, path)): void {
    const { line = 1, column = 1 } = this.locator.at(path);
    this.found++;
    this.keepIfAmongFirst({ code, file: this.locator.file, path: formatPath(path), line, column, problem, value: redacted(path, value) });
  }

  private keepIfAmongFirst(issue: ConfigIssue): void {
    let after = this.firstByPlace.length;
    while (after > 0 && isPlacedAfter(this.firstByPlace[after - 1]!, issue)) after--;
    if (after >= MAX_LISTED_PROBLEMS) return;
    this.firstByPlace.splice(after, 0, issue);
    if (this.firstByPlace.length > MAX_LISTED_PROBLEMS) this.firstByPlace.pop();
  }

  /** Records every zod issue of a section parsed at `base`; unknown keys are placed on the key itself. */
  addZod(base: readonly PathPart[], error: z.ZodError): void {
    for (const issue of error.issues) {
      const path = [...base, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.add('HAZMON_CONFIG_INVALID', [...path, key], UNKNOWN_FIELD_HINTS[key] ?? `unknown field ${JSON.stringify(key)}`);
      } else {
        this.add('HAZMON_CONFIG_INVALID', path, issue.message);
      }
    }
  }

  /** Records an id seen twice in a list; `label` names what the ids are of. */
  addDuplicates<T>(items: readonly T[], idOf: (item: T) => string, pathOf: (index: number) => PathPart[], label: string): void {
    const first = new Map<string, number>();
    items.forEach((item, index) => {
      const key = idOf(item);
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, index);
      else this.add('HAZMON_CONFIG_DUPLICATE', pathOf(index), `${label} already defined at ${formatPath(pathOf(earlier))}`, key);
    });
  }

  /** Every problem recorded. */
  get count(): number {
    return this.found;
  }

  /** The problems to list, in file order: the first MAX_LISTED_PROBLEMS. */
  get listed(): readonly ConfigIssue[] {
    return this.firstByPlace;
  }
}
