/**
 * Reads a config file's data with js-yaml (a 10k-point file: ~0.2 s and ~20 MB, against ~1.9 s and ~100 MB of
 * garbage for yaml's Document), while yaml stays the judge of the language: it parses the text whenever js-yaml
 * refuses it or the text uses something the two read differently, so what is accepted and every syntax message stay
 * those of yaml's YAML 1.2 core schema.
 */
import jsYaml from 'js-yaml';
import { LineCounter, YAMLParseError, isAlias, isScalar, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';

/**
 * yaml's own unique-keys check compares each key with every earlier key of its map (quadratic in a map's size); keys are
 * checked here instead, by one pass with a set per map, and the error yaml would give is added at the same place.
 */
const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: false } as const;

/** yaml's full parse: the Document with its syntax errors, and the counter that turns their offsets into line:col. */
export function parseYamlDocument(text: string): { document: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  const document = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  addDuplicateKeyErrors(document);
  return { document, lines };
}

/**
 * yaml's DUPLICATE_KEY errors with `uniqueKeys: true` (a scalar key whose value equals an earlier key's by ===), each
 * placed at the repeated key and put in offset order among the other errors, as yaml reports them while it composes.
 */
function addDuplicateKeyErrors(document: Document.Parsed): void {
  const duplicates: YAMLParseError[] = [];
  visit(document, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        // NaN never equals itself, so yaml never calls two .nan keys the same.
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        if (seen.has(key.value)) {
          const offset = key.range?.[0] ?? 0;
          duplicates.push(new YAMLParseError([offset, offset + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        } else seen.add(key.value);
      }
    },
  });
  if (duplicates.length === 0) return;
  const others = document.errors.splice(0);
  duplicates.sort((a, b) => a.pos[0] - b.pos[0]);
  let next = 0;
  for (const error of others) {
    while (next < duplicates.length && duplicates[next]!.pos[0] < error.pos[0]) document.errors.push(duplicates[next++]!);
    document.errors.push(error);
  }
  document.errors.push(...duplicates.slice(next));
}

/** A js-yaml scalar type resolving exactly the plain scalars yaml's core schema resolves under `tag`. */
function coreScalar(tag: string, rules: readonly { test: RegExp; value(text: string): unknown }[]): jsYaml.Type {
  return new jsYaml.Type(tag, {
    kind: 'scalar',
    resolve: (text: string | null) => text !== null && rules.some((rule) => rule.test.test(text)),
    construct: (text: string) => rules.find((rule) => rule.test.test(text))!.value(text),
  });
}

/**
 * yaml's core schema in js-yaml terms (yaml/dist/schema/core): js-yaml's own also reads `0b101`, `-0x1F` and `+0o7` as
 * ints and `-.5` as a string.
 */
const YAML_CORE_SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    coreScalar('tag:yaml.org,2002:null', [{ test: /^(?:~|[Nn]ull|NULL)?$/, value: () => null }]),
    coreScalar('tag:yaml.org,2002:bool', [{ test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, value: (text) => text[0] === 't' || text[0] === 'T' }]),
    coreScalar('tag:yaml.org,2002:int', [
      { test: /^[-+]?[0-9]+$/, value: (text) => parseInt(text, 10) },
      { test: /^0o[0-7]+$/, value: (text) => parseInt(text.slice(2), 8) },
      { test: /^0x[0-9a-fA-F]+$/, value: (text) => parseInt(text.slice(2), 16) },
    ]),
    coreScalar('tag:yaml.org,2002:float', [
      {
        test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
        value: (text) => (text.endsWith('nan') || text.endsWith('NaN') || text.endsWith('NAN') ? NaN : text[0] === '-' ? -Infinity : Infinity),
      },
      { test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, value: parseFloat },
      { test: /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, value: parseFloat },
    ]),
  ],
});

/**
 * Text js-yaml would read otherwise than yaml, or that yaml may refuse where js-yaml does not: tags (`!`), anchors
 * (`&`, so aliases: yaml caps their expansion), directives (`%YAML 1.1` turns `yes` into true), explicit keys (`?`),
 * collections as keys (js-yaml names `[1, 2]` "1,2", yaml "[ 1, 2 ]"), null keys (`~: x` is key "null" to js-yaml, ""
 * to yaml) and lines past 1024 characters (yaml refuses an implicit key that long). Quoted text can match too; that
 * only costs the slower parse.
 */
const READ_BY_YAML_ONLY = /[!&]|^%|(?:^|[\s,[{])(?:\?|~[ \t]*:|(?:[Nn]ull|NULL)[ \t]*:)(?:[\s,\]}]|$)|[\]}][ \t]*:(?:[\s,\]}]|$)|^[^\n]{1025}/m;

/** V8 makes a substring of 13 characters or more a view into its parent string (a "sliced string"), not a copy. */
const SLICED_STRING_MIN_LENGTH = 13;

/**
 * `data` with each string value that may be a view into the file's text replaced by a copy of its own: the parsers
 * cut scalars out of the text, and one such string kept by the running agent (a user's passwordHash, a name, a help
 * text) kept the whole file's text alive with it (0.8 MB at 10k points). The parsers' fresh arrays and objects are
 * changed in place; map keys are property names, which V8 copies anyway.
 */
function withOwnStrings(data: unknown, seen = new Set<object>()): unknown {
  if (typeof data === 'string') return data.length >= SLICED_STRING_MIN_LENGTH ? ` ${data}`.slice(1) : data;
  // An alias makes one node appear twice, or inside itself.
  if (data === null || typeof data !== 'object' || seen.has(data)) return data;
  seen.add(data);
  if (Array.isArray(data)) {
    for (let index = 0; index < data.length; index++) data[index] = withOwnStrings(data[index], seen);
  } else {
    const record = data as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = withOwnStrings(record[key], seen);
  }
  return data;
}

/** What yaml makes of `text`, or, when yaml finds syntax errors, its Document holding them and the lines to place them. */
export function readYamlData(text: string): { data: unknown } | { errors: ReturnType<typeof parseYamlDocument> } {
  if (!READ_BY_YAML_ONLY.test(text)) {
    try {
      // An empty file is null to yaml, undefined to js-yaml.
      return { data: withOwnStrings(jsYaml.load(text, { schema: YAML_CORE_SCHEMA }) ?? null) };
    } catch {
      // yaml decides, below: js-yaml refuses a few texts yaml accepts (a key 1 beside a key "1").
    }
  }
  const parsed = parseYamlDocument(text);
  if (parsed.document.errors.length > 0) return { errors: parsed };
  try {
    return { data: withOwnStrings(parsed.document.toJS({ maxAliasCount: 1000 })) };
  } catch (error) {
    // yaml resolves aliases only when it builds the data, and throws a plain ReferenceError for an alias to an
    // anchor not set before it, or for too many aliases: reported like a syntax error, at the alias.
    if (!(error instanceof ReferenceError)) throw error;
    parsed.document.errors.push(new YAMLParseError(aliasPosition(parsed.document), 'BAD_ALIAS', error.message));
    return { errors: parsed };
  }
}

/** Where the first alias that does not resolve is (else the first alias at all): the offsets of its text. */
function aliasPosition(document: Document.Parsed): [number, number] {
  let first: [number, number] | undefined;
  let unresolved: [number, number] | undefined;
  visit(document, {
    Alias(_key, node) {
      const range: [number, number] = [node.range?.[0] ?? 0, node.range?.[1] ?? 0];
      first ??= range;
      if (isAlias(node) && node.resolve(document) === undefined) {
        unresolved = range;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return unresolved ?? first ?? [0, 0];
}
