import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { quote } from '@hazmon/errors';
import { ModbusConfigError } from '../modbus/errors.ts';
import { parseProfile } from './load.ts';

/** Telegraf-style corpus: testcases/<case>/{profile.yaml, expected.yaml}, each a bad profile and the error it must raise. */
const root = fileURLToPath(new URL('./testcases/', import.meta.url));

interface Expected {
  code: string;
  path: string;
  line?: number;
  value?: unknown;
}

describe('bad profile corpus', () => {
  const cases = readdirSync(root).sort();
  it('has cases to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });
  for (const name of cases) {
    it(`refuses ${name}`, () => {
      const file = join(root, name, 'profile.yaml');
      const expected = parse(readFileSync(join(root, name, 'expected.yaml'), 'utf8')) as Expected;
      let caught: unknown;
      try {
        parseProfile(readFileSync(file, 'utf8'), file);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ModbusConfigError);
      const error = caught as ModbusConfigError;
      expect(error.code).toBe(expected.code);
      expect(error.location.path).toBe(expected.path);
      expect(error.location.file).toBe(file);
      expect(error.message).toContain(file);
      if (expected.line !== undefined) expect(error.location.line).toBe(expected.line);
      if (expected.value !== undefined) {
        expect(error.value).toEqual(expected.value);
        expect(error.message).toContain(quote(expected.value));
      }
    });
  }
});
