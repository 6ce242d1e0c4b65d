/**
 * The loader's bounds on a file with very many problems or a very large file: problems listed, file size, and work
 * that grows in proportion to the problems (counted, not timed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_CONFIG, largeSite, sampleWithUnknownFields } from './generated-configs.ts';
import { HazmonConfigError, MAX_CONFIG_FILE_BYTES, MAX_LISTED_PROBLEMS, loadAgentConfig, parseAgentConfig } from './index.ts';

function refusal(load: () => unknown): HazmonConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof HazmonConfigError) return error;
    throw error;
  }
  throw new Error('the config loaded');
}

/** Array methods that test elements one by one through a callback: the shape of the quadratic loops guarded against. */
const CALLBACK_SEARCHES = ['find', 'findIndex', 'findLast', 'findLastIndex', 'some', 'every', 'filter'] as const;
/** Array methods that compare elements with a value. */
const VALUE_SEARCHES = ['includes', 'indexOf', 'lastIndexOf'] as const;

type ArrayMethod = (this: unknown[], ...args: unknown[]) => unknown;

/**
 * Runs `work` with every array search counting the elements it may visit (each callback call; the whole length for a
 * value search), and returns that count: deterministic for one input, whatever the machine's speed.
 */
function elementsSearched(work: () => void): number {
  const prototype = Array.prototype as unknown as Record<string, ArrayMethod>;
  const originals = new Map([...CALLBACK_SEARCHES, ...VALUE_SEARCHES].map((name) => [name, prototype[name]!]));
  let visited = 0;
  for (const name of CALLBACK_SEARCHES) {
    const original = originals.get(name)!;
    prototype[name] = function (callback, ...rest) {
      const counted = (...callbackArgs: unknown[]) => (visited++, (callback as (...values: unknown[]) => unknown)(...callbackArgs));
      return original.call(this, counted, ...rest);
    };
  }
  for (const name of VALUE_SEARCHES) {
    const original = originals.get(name)!;
    prototype[name] = function (...args) {
      visited += this.length;
      return original.apply(this, args);
    };
  }
  try {
    work();
  } finally {
    for (const [name, original] of originals) prototype[name] = original;
  }
  return visited;
}

describe('problems listed', () => {
  it(`lists the first ${MAX_LISTED_PROBLEMS} problems in file order and counts the rest`, () => {
    const error = refusal(() => parseAgentConfig(sampleWithUnknownFields(250), SAMPLE_CONFIG));
    expect(error.problemCount).toBe(250);
    expect(error.issues.map((issue) => issue.path)).toEqual(Array.from({ length: MAX_LISTED_PROBLEMS }, (_, index) => `site.unknownField${index}`));
    expect(error.message).toMatch(/^.*: 250 problems\n/);
    expect(error.message.split('\n')).toHaveLength(1 + MAX_LISTED_PROBLEMS + 1);
    expect(error.message.endsWith('\n... and 150 more problems')).toBe(true);
  });

  it('lists a problem found after the first hundred when the file places it before them', () => {
    // Unknown fields near the end are found while the sections are parsed; the device's missing line only later.
    const text = sampleWithUnknownFields(150, 'health').replace('line: line-1, unitId: 3 }', 'line: line-9, unitId: 3 }');
    const error = refusal(() => parseAgentConfig(text, SAMPLE_CONFIG));
    expect(error.problemCount).toBe(151);
    expect(error.issues[0]).toMatchObject({ code: 'HAZMON_CONFIG_REFERENCE', path: 'devices[5].line' });
    expect(error.issues.slice(1).map((issue) => issue.path)).toEqual(Array.from({ length: MAX_LISTED_PROBLEMS - 1 }, (_, index) => `health.unknownField${index}`));
    expect(error.message.endsWith('\n... and 51 more problems')).toBe(true);
  });

  it('says nothing of more problems when all are listed', () => {
    const error = refusal(() => parseAgentConfig(sampleWithUnknownFields(MAX_LISTED_PROBLEMS), SAMPLE_CONFIG));
    expect(error.issues).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(error.message).not.toContain('more problem');
  });
});

describe('file size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-config-size-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The sample padded with a comment line to exactly `bytes` bytes. */
  function sampleOfSize(bytes: number): string {
    const sample = sampleWithUnknownFields(0);
    const padding = bytes - Buffer.byteLength(sample) - '#\n'.length;
    return `${sample}#${'x'.repeat(padding)}\n`;
  }

  it('leaves room for a site of 10,000 points written out in full, three times over', () => {
    expect(Buffer.byteLength(largeSite(10_000))).toBeLessThan(MAX_CONFIG_FILE_BYTES / 3);
    // The generated site is a real one: it loads.
    expect(parseAgentConfig(largeSite(300), join(dir, 'large.yaml')).storePoints.length).toBeGreaterThanOrEqual(300);
  });

  it('loads a file of exactly the limit and refuses one byte more, naming its size and the limit', () => {
    const atLimit = join(dir, 'at-limit.yaml');
    writeFileSync(atLimit, sampleOfSize(MAX_CONFIG_FILE_BYTES));
    expect(() => loadAgentConfig(atLimit)).not.toThrow();

    const over = join(dir, 'over-limit.yaml');
    writeFileSync(over, sampleOfSize(MAX_CONFIG_FILE_BYTES + 1));
    const error = refusal(() => loadAgentConfig(over));
    expect(error.issues).toEqual([expect.objectContaining({ code: 'HAZMON_CONFIG_TOO_LARGE', file: over, line: 1, column: 1, value: MAX_CONFIG_FILE_BYTES + 1 })]);
    expect(error.message).toContain(`${over}:1:1 (root): the file is ${MAX_CONFIG_FILE_BYTES + 1} bytes (16.0 MiB), over the ${MAX_CONFIG_FILE_BYTES} bytes (16.0 MiB)`);
  });

  it('refuses text over the limit handed to parseAgentConfig too', () => {
    const error = refusal(() => parseAgentConfig(sampleOfSize(MAX_CONFIG_FILE_BYTES + 1), SAMPLE_CONFIG));
    expect(error.issues[0]!.code).toBe('HAZMON_CONFIG_TOO_LARGE');
  });
});

describe('work per problem', () => {
  it('searches arrays in proportion to the problems, not their square', () => {
    const work = (problems: number) => {
      const text = sampleWithUnknownFields(problems);
      let problemCount = 0;
      const searched = elementsSearched(() => (problemCount = refusal(() => parseAgentConfig(text, SAMPLE_CONFIG)).problemCount));
      expect(problemCount).toBe(problems);
      return searched;
    };
    const [w2k, w4k, w8k] = [work(2_000), work(4_000), work(8_000)];
    // Squared, doubling the problems would quadruple the searches; in proportion it at most doubles them.
    expect(w4k / w2k).toBeLessThan(2.2);
    expect(w8k / w4k).toBeLessThan(2.2);
  });
});
