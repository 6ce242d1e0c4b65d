/** Loads device profiles from YAML and refuses bad ones with ModbusConfigError naming file, field path and line:column. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Document, Pair, YAMLMap } from 'yaml';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ModbusConfigErrorCode } from '../modbus/errors.ts';
import { ModbusConfigError } from '../modbus/errors.ts';
import type { HealthCategory, HealthMap } from '../modbus/device.ts';
import type { PointSpec } from '../modbus/point.ts';
import { checkPoint, findOverlap, resolvePoint } from '../modbus/point.ts';
import type { ModbusProfile, ProfilePoint } from './profile.ts';
import { profilePointSchema, profileSchema } from './profile.ts';

/**
 * `protocols/profiles/`, where the shipped profiles live. Found from where the package resolves (its `src/index.ts`),
 * not from this module's URL: in the agent's bundle that URL is the bundle's.
 */
export const PROFILES_DIR = fileURLToPath(new URL('../profiles/', pathToFileURL(createRequire(import.meta.url).resolve('@hazmon/protocols'))));

type PathPart = string | number;

/** Maps a field path onto line:column in the source text, when there is one. */
export interface Locator {
  readonly file: string;
  at(path: readonly PathPart[]): { line?: number; column?: number };
}

export function formatPath(path: readonly PathPart[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

/** Throws a ModbusConfigError located at `path`. */
export function fail(locator: Locator, code: ModbusConfigErrorCode, path: readonly PathPart[], problem: string, value: unknown): never {
  throw new ModbusConfigError(code, { file: locator.file, path: formatPath(path), ...locator.at(path) }, problem, value);
}

/**
 * A locator for YAML text: walks the document to the deepest node on the path and reports where it starts. Each map's
 * keys are indexed on its first lookup, so placing many fields of one large map costs once its size, not each time.
 */
export function yamlLocator(file: string, document: Document, lines: LineCounter): Locator {
  const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairAt = (map: YAMLMap, key: PathPart): Pair | undefined => {
    let index = pairsByKey.get(map);
    if (index === undefined) {
      index = new Map();
      // The first of two keys that read alike (1 and "1") wins, as it did for a search from the start.
      for (const pair of map.items) if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair);
      pairsByKey.set(map, index);
    }
    return index.get(String(key));
  };
  return {
    file,
    at(path) {
      let node: unknown = document.contents;
      let start: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
      for (const part of path) {
        let child: unknown;
        if (isMap(node)) {
          const pair = pairAt(node, part);
          if (!pair) break;
          start = (pair.key as { range?: [number] }).range?.[0] ?? start;
          child = pair.value;
        } else if (isSeq(node) && typeof part === 'number') {
          child = node.items[part];
        } else break;
        node = child;
        const range = (child as { range?: [number] } | null)?.range;
        if (range) start = range[0];
      }
      if (start === undefined) return {};
      const { line, col } = lines.linePos(start);
      return { line, column: col };
    },
  };
}

/** The value at a field path of parsed data, or undefined where the path leaves it. */
export function valueAt(root: unknown, path: readonly PathPart[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PathPart, unknown>)[part];
  }
  return value;
}

/** Throws the first zod issue as a ModbusConfigError at its path, quoting the offending value. */
export function failOnIssues(locator: Locator, code: ModbusConfigErrorCode, base: readonly PathPart[], raw: unknown, error: z.ZodError): never {
  const issue = error.issues[0]!;
  let path: PathPart[] = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  let problem = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0]!];
    problem = `unknown field ${JSON.stringify(issue.keys[0])}`;
    return fail(locator, code, [...base, ...path], problem, valueAt(raw, path));
  }
  return fail(locator, code, [...base, ...path], problem, valueAt(raw, path));
}

/** Reads `protocols/profiles/<model>.yaml` (or another folder's). */
export function loadProfile(model: string, directory: string = PROFILES_DIR): ModbusProfile {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(model)) {
    throw new ModbusConfigError('HAZMON_PROFILE_NOT_FOUND', { file: directory, path: 'profile' }, 'a model name is lower-case words joined by -', model);
  }
  const file = join(directory, `${model}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const known = listProfiles(directory).join(', ');
    throw new ModbusConfigError('HAZMON_PROFILE_NOT_FOUND', { file, path: 'profile' }, `no profile file for this model (known: ${known})`, model);
  }
  const profile = parseProfile(text, file);
  if (profile.model !== model) {
    throw new ModbusConfigError('HAZMON_PROFILE_INVALID', { file, path: 'model' }, `the file is named for ${JSON.stringify(model)}`, profile.model);
  }
  return profile;
}

/** Model names with a profile in the folder. */
export function listProfiles(directory: string = PROFILES_DIR): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => name.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

/** Parses and checks one profile's YAML text; `file` is only used in messages. */
export function parseProfile(text: string, file: string): ModbusProfile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    const location = { file, path: '', line, column: col };
    throw new ModbusConfigError('HAZMON_PROFILE_YAML', location, syntax.message.split('\n')[0]!, syntax.code);
  }
  const raw: unknown = document.toJS();
  const locator = yamlLocator(file, document, lines);
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) failOnIssues(locator, 'HAZMON_PROFILE_INVALID', [], raw, parsed.error);
  const body = parsed.data;
  const points: ProfilePoint[] = [];
  body.points.forEach((entry, index) => {
    const withDefaults = entry !== null && typeof entry === 'object' ? { ...body.defaults, ...entry } : entry;
    const point = profilePointSchema.safeParse(withDefaults);
    if (!point.success) failOnIssues(locator, 'HAZMON_PROFILE_INVALID', ['points', index], withDefaults, point.error);
    const { repeat, ...spec } = point.data;
    for (let channel = 1; channel <= (repeat?.count ?? 1); channel++) {
      const expanded = repeat ? expandChannel(spec, channel, repeat.step) : spec;
      points.push({ spec: expanded, source: index, channel: repeat ? channel : 0 });
    }
  });
  const health: HealthMap = body.health ?? {};
  checkProfilePoints(locator, points, health);
  return {
    model: body.model,
    vendor: body.vendor ?? '',
    description: body.description ?? '',
    file,
    serial: body.serial ?? null,
    health,
    points,
  };
}

function expandChannel(spec: PointSpec, channel: number, step: number): PointSpec {
  const fill = (text: string) => text.replaceAll('{n}', String(channel));
  return {
    ...spec,
    id: fill(spec.id),
    address: spec.address + (channel - 1) * step,
    ...(spec.description === undefined ? {} : { description: fill(spec.description) }),
    ...(spec.status === undefined ? {} : { status: spec.status.map(fill) }),
  };
}

/** Cross-point checks: each point on its own, duplicate ids, incompatible overlaps, references. */
export function checkProfilePoints(locator: Locator, points: readonly ProfilePoint[], health: HealthMap): void {
  const where = (point: ProfilePoint) => ['points', point.source] as PathPart[];
  for (const point of points) {
    const problem = checkPoint(point.spec);
    if (problem) fail(locator, problem.code, [...where(point), ...problem.path], problem.problem, problem.value);
  }
  const seen = new Map<string, ProfilePoint>();
  for (const point of points) {
    const earlier = seen.get(point.spec.id);
    if (earlier) fail(locator, 'HAZMON_POINT_DUPLICATE', [...where(point), 'id'], `id already used by points[${earlier.source}]`, point.spec.id);
    seen.set(point.spec.id, point);
  }
  const overlap = findOverlap(points.map((point) => point.spec));
  if (overlap) {
    const point = points[overlap.index]!;
    const other = points[overlap.other]!;
    const problem = `${point.spec.type} ${point.spec.id} @${point.spec.address} overlaps ${other.spec.type} ${other.spec.id} @${other.spec.address} in the ${point.spec.table} table`;
    fail(locator, 'HAZMON_POINT_OVERLAP', [...where(point), 'address'], problem, point.spec.address);
  }
  const flagNames = new Set<string>();
  for (const point of points) {
    const resolved = resolvePoint(point.spec);
    if (resolved.role === 'status') for (const name of Object.keys(resolved.flags)) flagNames.add(name);
    const unitFrom = point.spec.unitFrom;
    if (unitFrom !== undefined && !seen.get(unitFrom)?.spec.units) {
      fail(locator, 'HAZMON_PROFILE_REFERENCE', [...where(point), 'unitFrom'], 'not the id of a point with unit codes', unitFrom);
    }
    point.spec.status?.forEach((id, index) => {
      const target = seen.get(id);
      if (!target || resolvePoint(target.spec).role !== 'status') {
        fail(locator, 'HAZMON_PROFILE_REFERENCE', [...where(point), 'status', index], 'not the id of a status point', id);
      }
    });
  }
  for (const [category, names] of Object.entries(health) as [HealthCategory, readonly string[]][]) {
    names.forEach((name, index) => {
      if (!flagNames.has(name)) fail(locator, 'HAZMON_PROFILE_REFERENCE', ['health', category, index], 'no status point has a flag of this name', name);
    });
  }
}
