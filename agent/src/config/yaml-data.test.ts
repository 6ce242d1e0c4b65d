/** readYamlData must read every text as yaml's core schema does, whichever parser does the reading. */
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseYamlDocument, readYamlData } from './yaml-data.ts';

/** yaml on its own, checking unique keys itself, as the loader used it before js-yaml. */
function yamlReference(text: string) {
  return parseDocument(text, { prettyErrors: false, uniqueKeys: true });
}

/** What the loader read before js-yaml: yaml's Document, its data or its first error. */
function yamlAlone(text: string): { data: unknown } | { error: string } {
  const document = yamlReference(text);
  return document.errors.length > 0 ? { error: document.errors[0]!.code } : { data: document.toJS({ maxAliasCount: 1000 }) };
}

function read(text: string): { data: unknown } | { error: string } {
  const result = readYamlData(text);
  return 'data' in result ? result : { error: result.errors.document.errors[0]!.code };
}

const SCALARS = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'True',
  'TRUE',
  'tRUE',
  'false',
  '~',
  'null',
  'Null',
  'NULL',
  '',
  '12',
  '+12',
  '-12',
  '-0',
  '017',
  '09',
  '0o17',
  '+0o17',
  '0x1F',
  '0x1f',
  '-0x1F',
  '+0x1F',
  '0b101',
  '-0b1',
  '1_000',
  '0x',
  '12345678901234567890',
  '1.5',
  '1.',
  '.5',
  '+.5',
  '-.5',
  '1e3',
  '1E+3',
  '-1.5e-3',
  '1.5e',
  '0.1_2',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  '-.nan',
  '2026-01-02',
  '2026-01-02T03:04:05Z',
  '1:20',
  '12:30:00',
  '"12"',
  "'yes'",
  '"\\x41"',
];

const DOCUMENTS = [
  'b: &x {c: 1}\na: *x',
  '<<: {c: 1}\na: 2',
  'a: !!str 12',
  'a: !!float 1',
  'a: !!binary aGk=',
  'a: !foo 1',
  '%YAML 1.1\n---\na: yes',
  '? [1, 2]\n: x',
  '{[1, 2]: x}',
  '[1, 2]: x',
  '1: a\n"1": b',
  '~: x',
  'a: {null: x, Null: y}',
  '- NULL : x',
  '"null": x',
  'true: x\n1.50: y\n0x10: z',
  `${'k'.repeat(1100)}: 1`,
  '',
  '# only a comment',
  '__proto__: {x: 1}',
  'a: [1,]\nb: {c: 1,}',
  'a:\n- 1\n- 2',
  'description: "what? a question: with marks! & ampersands"',
  'a: 1\r\nb: "x\r\n  y"\r\n',
  'a: "\\N\\_\\e\\0 x\\\n  y"\nb: |2\n   x\nc: >+\n  x\n\n',
];

/** Repeated keys in every form yaml's unique-keys check compares, beside other errors, or not repeated after all. */
const REPEATED_KEYS = [
  'a: 1\na: 2',
  '{a: 1, a: 2}',
  '&x a: 1\na: 2',
  'a: 1\n!!str a: 2',
  '1: x\n"1": y',
  '1: x\n0x1: y',
  '.nan: 1\n.nan: 2',
  '~: 1\nnull: 2',
  '"a": 1\n\'a\': 2',
  '? a\n: 1\n? a\n: 2',
  'x:\n  a: 1\n  b: 2\n  a: 3\ny: [b: 1, b: 2]\nx: 5',
  'a: [1, 2\na: 3',
  '- {a: 1, a: 2, b: 3}\n- a: 1\n  a: @x',
  'a:\n\t- 1\na: 2',
];

const SYNTAX_ERRORS = ['a: 1\na: 2', '{a: 1, a: 2}', 'a: [1, 2', 'a: b: c', 'a:\n\t- 1', 'a: 1\n---\nb: 2', 'a: "\\q"', 'a: @x', 'a: 1\n b: 2', '- a\nb: 1'];

describe('readYamlData', () => {
  it.each(SCALARS)('reads the scalar %j as yaml does', (scalar) => {
    const text = `value: ${scalar}\nlist: [${scalar || '~'}]\n`;
    expect(read(text)).toEqual(yamlAlone(text));
  });

  it.each(DOCUMENTS)('reads %j as yaml does', (text) => {
    expect(read(text)).toEqual(yamlAlone(text));
  });

  it.each(SYNTAX_ERRORS)('leaves %j to yaml, which reports the error', (text) => {
    const expected = yamlAlone(text);
    expect(expected).toHaveProperty('error');
    expect(read(text)).toEqual(expected);
  });

  it.each(REPEATED_KEYS)('reports the repeated keys of %j where and in the order yaml does', (text) => {
    const errors = (document: { errors: { code: string; pos: [number, number]; message: string }[] }) => document.errors.map(({ code, pos, message }) => ({ code, pos, message }));
    expect(errors(parseYamlDocument(text).document)).toEqual(errors(yamlReference(text)));
  });

  it('reads ints in yaml core forms only: a sign or 0b makes a string', () => {
    expect(read('a: [0x1F, 0o17, -0x1F, 0b101, +.5]')).toEqual({ data: { a: [31, 15, '-0x1F', '0b101', 0.5] } });
  });

  it('reports an alias to a missing anchor, and alias bombs, as errors at the alias instead of throwing', () => {
    const text = 'a: 1\nb: *missing\n';
    const result = readYamlData(text);
    if ('data' in result) throw new Error('read an unresolved alias as data');
    const [error] = result.errors.document.errors;
    expect(error).toMatchObject({ code: 'BAD_ALIAS', message: expect.stringContaining('missing') });
    expect(result.errors.lines.linePos(error!.pos[0])).toEqual({ line: 2, col: 4 });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 4 }, (_, i) => `${'bcde'[i]}: &${'bcde'[i]} [${Array(10).fill(`*${'abcd'[i]}`).join(', ')}]`)].join('\n');
    expect(read(bomb)).toEqual({ error: 'BAD_ALIAS' });
  });

  it('keeps -0 and NaN as numbers', () => {
    const result = read('a: [-0, .nan]') as { data: { a: number[] } };
    expect(Object.is(result.data.a[0], -0)).toBe(true);
    expect(result.data.a[1]).toBeNaN();
  });
});
