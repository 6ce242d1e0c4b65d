/** Reads a YAML data file and validates it with a zod schema; errors name the file, the field path and the problem. */

import { readFileSync } from 'node:fs';
import { messageOf } from '@hazmon/errors';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SimulatorError, type SimulatorErrorCode } from './errors.ts';

/** `effects[2].to` style path for people. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(top level)' : out;
}

/** Validates already-parsed data; `source` names the file (or "inline scenario of device x") in errors. */
export function validateData<TSchema extends z.ZodType>(schema: TSchema, data: unknown, source: string, code: SimulatorErrorCode): z.output<TSchema> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${source}: ${fieldPath(issue.path)}: ${issue.message}`);
  throw new SimulatorError(code, problems.join('\n'));
}

export function loadYamlFile<TSchema extends z.ZodType>(path: string, schema: TSchema, code: SimulatorErrorCode): z.output<TSchema> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SimulatorError(code, `${path}: cannot read the file (${messageOf(error)})`, { cause: error });
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SimulatorError(code, document.errors.map((error) => `${path}: YAML syntax: ${error.message}`).join('\n'));
  }
  return validateData(schema, document.toJS(), path, code);
}
