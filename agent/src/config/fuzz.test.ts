/** Seeded fuzzing of the sample config: any mutation is either accepted or refused with HazmonConfigError placing every problem. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { HazmonConfigError, parseAgentConfig } from './index.ts';

const SAMPLE = fileURLToPath(new URL('../../examples/site.yaml', import.meta.url));
const sample: unknown = parse(readFileSync(SAMPLE, 'utf8'));

type Path = (string | number)[];

/** Every path to a value inside the sample (the root excluded). */
function pathsOf(value: unknown, base: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...base, key], ...pathsOf(child, [...base, key])]);
}

const PATHS = pathsOf(sample);
const LISTS = PATHS.filter((path) => Array.isArray(path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], sample)));

const randomValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('GD-101.concentration', 'XV-301.command', 'plant-tcp', 'compressor-house', 'CH4', '%LEL', 'hihi', '2oo3', 'shutoff_valve', '__proto__', ''),
  fc.integer({ min: -100_000, max: 100_000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 6 })), { maxKeys: 3 }),
);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(PATHS.length - 1) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(PATHS.length - 1), value: randomValue }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(LISTS.length - 1) }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(PATHS.length - 1), key: fc.string({ maxLength: 8 }), value: randomValue }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(root: unknown, change: Mutation): void {
  const path = change.kind === 'duplicate' ? LISTS[change.at]! : PATHS[change.at]!;
  const parentPath = path.slice(0, -1);
  const parent = parentPath.reduce<unknown>((node, key) => (node === null || typeof node !== 'object' ? undefined : (node as Record<string | number, unknown>)[key]), root);
  if (parent === null || typeof parent !== 'object') return; // an earlier mutation removed or replaced it
  const container = parent as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (change.kind === 'delete') {
    if (Array.isArray(container) && typeof key === 'number') container.splice(key, 1);
    else delete container[key];
  } else if (change.kind === 'replace') {
    container[key] = change.value;
  } else if (change.kind === 'duplicate') {
    const list = container[key];
    if (Array.isArray(list) && list.length > 0) list.push(structuredClone(list[0]));
  } else {
    const target = container[key];
    if (target !== null && typeof target === 'object' && !Array.isArray(target))
      Object.defineProperty(target, change.key, { value: change.value, enumerable: true, writable: true, configurable: true });
  }
}

describe('config fuzzing', () => {
  it('accepts a mutated sample or refuses it with HazmonConfigError naming path and line of every problem', { timeout: 120_000 }, () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (changes) => {
        const config = structuredClone(sample);
        for (const change of changes) apply(config, change);
        const text = stringify(config);
        try {
          parseAgentConfig(text, SAMPLE);
        } catch (error) {
          if (!(error instanceof HazmonConfigError)) throw error;
          refused++;
          expect(error.issues.length).toBeGreaterThan(0);
          for (const issue of error.issues) {
            expect(issue.path).not.toBe('');
            expect(issue.line).toBeGreaterThanOrEqual(1);
            expect(issue.line).toBeLessThanOrEqual(text.split('\n').length);
            expect(issue.column).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { seed: 20261123, numRuns: 200 },
    );
    // Most random changes must break something; a loader that accepted everything would pass the loop above.
    expect(refused).toBeGreaterThan(100);
  });
});
