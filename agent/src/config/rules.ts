/**
 * Cross-references between points, voting groups, outputs and actions, and the engine's own checks run on the
 * resulting rule set, each problem placed at the config field it comes from.
 */
import { valueAt } from '@hazmon/protocols';
import type { EngineConfig, EngineConfigInput } from '../engine/index.ts';
import { AlarmEngine, EngineError } from '../engine/index.ts';
import { areaInterlocks, pointsWithAreaDefaults } from './areas.ts';
import type { PointCatalog, SourcePoint } from './catalog.ts';
import { inBrokenDevice, isBooleanPoint, unitOf } from './catalog.ts';
import type { IssueList, PathPart } from './issues.ts';
import type { ConfigSections, OutputConfig, PointEntry } from './schema.ts';
import { RESET_ROLES } from './schema.ts';
import { limitRangeOf, resolutionOf } from './store-points.ts';

type EnginePointInput = EngineConfigInput['points'][number];

export interface CompiledRules {
  readonly engine: EngineConfig;
  /** Alarm conditions the engine compiled (limits, windows, rate, exposure, health, votes). */
  readonly alarmCount: number;
}

const POINT_OWN_FIELDS = new Set(['id', 'site', 'area', 'unit', 'resolution']);

/** Config path of a field the engine named in its own terms (`points[0].preset.unit` for the point at `pointIndex`). */
function configPathOf(enginePath: PathPart[], pointIndex: number | undefined): PathPart[] {
  if (enginePath[0] !== 'points' || typeof enginePath[1] !== 'number') return enginePath;
  const index = pointIndex ?? enginePath[1];
  const [field, ...rest] = enginePath.slice(2);
  if (field === undefined) return ['points', index];
  return POINT_OWN_FIELDS.has(String(field)) ? ['points', index, field, ...rest] : ['points', index, 'rules', field, ...rest];
}

/** Records each problem of an EngineError at the config field it names; an error without problems goes on `fallback`. */
function addEngineError(issues: IssueList, error: EngineError, input: EngineConfigInput, fallback: PathPart[], pointIndex?: number): void {
  if (error.problems.length === 0) issues.add('HAZMON_CONFIG_RULES', fallback, error.message);
  for (const problem of error.problems) {
    const enginePath = [...problem.path];
    issues.add('HAZMON_CONFIG_RULES', configPathOf(enginePath, pointIndex), problem.message, valueAt(input, enginePath));
  }
}

/** The engine's judgement of a rule set (AlarmEngine.check: nothing compiled is kept), or its error. */
function tryEngine(input: EngineConfigInput): ReturnType<typeof AlarmEngine.check> | EngineError {
  try {
    return AlarmEngine.check(input);
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
}

/**
 * The engine's view of a point entry: the point's own id, area, unit and resolution (the store's: alarm texts show
 * values at it), its rules, the preset completed from the point.
 */
function enginePoint(entry: PointEntry, site: string, source: SourcePoint | undefined): EnginePointInput {
  const unit = entry.unit ?? (source && (unitOf(source) || undefined));
  const resolution = source ? resolutionOf(entry, source) : entry.resolution;
  const { preset, ...rules } = entry.rules ?? {};
  // The source's id is the same text as the entry's: taking its string keeps one copy per point where the engine,
  // the pollers and the store hold it.
  const point: EnginePointInput = {
    ...rules,
    id: source?.id ?? entry.id,
    site,
    ...(entry.area === undefined ? {} : { area: entry.area }),
    ...(unit === undefined ? {} : { unit }),
    ...(resolution === undefined ? {} : { resolution }),
  };
  // The engine's schema checks the completed preset; a missing gas or unit shows up there.
  if (preset) return { ...point, preset: { ...preset, gas: preset.gas ?? entry.gas, unit: preset.unit ?? unit } as NonNullable<EnginePointInput['preset']> };
  return point;
}

/** The engine's point inputs, and the indexes of those worth compiling alone when the rule set has a problem to place. */
function checkPointEntries(sections: Partial<ConfigSections>, catalog: PointCatalog | null, issues: IssueList): { points: EnginePointInput[]; checkable: number[] } {
  const areas = sections.site ? new Set(sections.site.areas.map((area) => area.id)) : null;
  const site = sections.site?.id ?? 'site';
  const checkable: number[] = [];
  const points = (sections.points ?? []).map((entry, index) => {
    const path: PathPart[] = ['points', index];
    const source = catalog?.points.get(entry.id);
    if (catalog && !source && !inBrokenDevice(catalog, entry.id)) issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'id'], unknownPointProblem(catalog, entry.id));
    if (areas && entry.area !== undefined && !areas.has(entry.area)) issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'area'], `no area with this id in site.areas`);
    if (source && isBooleanPoint(source) && entry.resolution !== undefined && entry.resolution !== 1) {
      issues.add('HAZMON_CONFIG_INVALID', [...path, 'resolution'], 'a boolean point is stored as 0/1: its resolution is 1');
    }
    const presetGas = entry.rules?.preset?.gas;
    if (presetGas !== undefined && entry.gas !== undefined && presetGas !== entry.gas) {
      issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'rules', 'preset', 'gas'], `differs from the point's gas ${JSON.stringify(entry.gas)}`);
    }
    if (entry.rules?.preset && presetGas === undefined && entry.gas === undefined) {
      issues.add('HAZMON_CONFIG_INVALID', [...path, 'rules', 'preset'], 'a preset needs a gas: set gas on the point or in the preset');
      return enginePoint({ ...entry, rules: { ...entry.rules, preset: undefined } }, site, source);
    }
    checkLimitsWithinRange(entry, source, path, issues);
    const point = enginePoint(entry, site, source);
    // Without its source a preset has no unit to work in; the unknown id is reported already.
    if (source !== undefined || point.preset === undefined || point.preset.unit !== undefined) checkable.push(index);
    return point;
  });
  return { points, checkable };
}

/**
 * A limit written outside the point's measuring range (0..100 for a %LEL or %vol point, as a threshold change is held
 * to) could never trip: the point would look guarded and not be.
 */
function checkLimitsWithinRange(entry: PointEntry, source: SourcePoint | undefined, path: readonly PathPart[], issues: IssueList): void {
  const limits = entry.rules?.limits;
  if (!limits) return;
  const measured = entry.range ?? (source?.source === 'modbus' ? source.point.range : null);
  const unit = entry.unit ?? (source ? unitOf(source) : '');
  const [low, high] = limitRangeOf({ unit, rangeLow: measured?.[0] ?? null, rangeHigh: measured?.[1] ?? null });
  for (const name of ['lolo', 'lo', 'hi', 'hihi'] as const) {
    const limit = limits[name];
    const value = typeof limit === 'object' ? limit.value : limit;
    if (value === undefined || ((low === null || value >= low) && (high === null || value <= high))) continue;
    issues.add(
      'HAZMON_CONFIG_INVALID',
      [...path, 'rules', 'limits', name],
      `${value} is outside the point's measuring range ${low ?? '-∞'}..${high ?? '∞'}${unit ? ` ${unit}` : ''}: the alarm could never trip`,
    );
  }
}

/** Compiles each point's rules alone, so every rule problem is placed at its own point. */
function checkPointsAlone(points: readonly EnginePointInput[], checkable: readonly number[], issues: IssueList): void {
  for (const index of checkable) {
    const alone: EngineConfigInput = { points: [points[index]!] };
    const engine = tryEngine(alone);
    if (engine instanceof EngineError) addEngineError(issues, engine, alone, ['points', index, 'rules'], index);
  }
}

function unknownPointProblem(catalog: PointCatalog, readingId: string): string {
  const device = catalog.devices.find((candidate) => readingId.startsWith(`${candidate.id}.`));
  if (device)
    return `device ${device.id} (${device.model}) has no polled point of this name (it has: ${device.points
      .filter((point) => point.spec.poll)
      .map((point) => point.spec.id)
      .join(', ')})`;
  return 'no device or OPC UA point produces this reading id (Modbus points are named <device id>.<point id>, e.g. GD-101.concentration)';
}

function checkVotingGroups(sections: Partial<ConfigSections>, issues: IssueList): void {
  const areas = sections.site ? new Set(sections.site.areas.map((area) => area.id)) : null;
  const points = sections.points ? new Map(sections.points.map((entry) => [entry.id, entry])) : null;
  (sections.votingGroups ?? []).forEach((group, index) => {
    const path: PathPart[] = ['votingGroups', index];
    if (areas && !areas.has(group.area)) issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'area'], 'no area with this id in site.areas');
    group.points.forEach((id, member) => {
      const entry = points?.get(id);
      if (points && !entry) issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'points', member], 'not the id of an entry in points');
      else if (entry && entry.area !== group.area) {
        issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'points', member], `the point's area is ${JSON.stringify(entry.area ?? null)}, the group votes in ${JSON.stringify(group.area)}`);
      }
    });
  });
}

function checkOutputs(sections: Partial<ConfigSections>, catalog: PointCatalog | null, issues: IssueList): void {
  (sections.outputs ?? []).forEach((output, index) => {
    const path: PathPart[] = ['outputs', index];
    if (output.kind === 'shutoff_valve' && !output.feedback)
      issues.add(
        'HAZMON_CONFIG_INVALID',
        path,
        'a shut-off valve needs feedback: { closed, open } limit-switch points to verify it closed (open may be left out when the valve has a closed switch only)',
      );
    if (!catalog) return;
    const command = resolveWritablePoint(catalog, output.command, [...path, 'command'], issues);
    if (command && typeof tripValueOf(output) === 'number' && isBooleanPoint(command))
      issues.add('HAZMON_CONFIG_INVALID', [...path, 'tripValue'], 'the command point is a coil or bit: give true or false');
    for (const which of ['closed', 'open'] as const) {
      const id = output.feedback?.[which];
      if (id === undefined) continue;
      const feedback = resolvePoint(catalog, id, [...path, 'feedback', which], issues);
      // OPC UA data types are known only once connected; the runtime checks those.
      if (feedback?.source === 'modbus' && !isBooleanPoint(feedback)) {
        issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'feedback', which], `a limit switch must be a boolean point (this one is ${feedback.point.type})`);
      }
    }
  });
}

/** The heartbeat point must be one the agent can write: a writable Modbus point or an OPC UA point. */
function checkHeartbeat(sections: Partial<ConfigSections>, catalog: PointCatalog | null, issues: IssueList): void {
  const heartbeat = sections.heartbeat;
  if (!heartbeat || !catalog) return;
  const point = resolveWritablePoint(catalog, heartbeat.point, ['heartbeat', 'point'], issues);
  if (point?.source !== 'modbus' || heartbeat.mode === undefined || heartbeat.mode === (isBooleanPoint(point) ? 'toggle' : 'count')) return;
  issues.add('HAZMON_CONFIG_INVALID', ['heartbeat', 'mode'], `the point is a ${point.point.type} ${point.point.table}: a coil or bit toggles, a register counts`);
}

/** A point the agent writes (output command, heartbeat); undefined (and reported) when unknown or not writable. */
function resolveWritablePoint(catalog: PointCatalog, id: string, path: PathPart[], issues: IssueList): SourcePoint | undefined {
  const point = resolvePoint(catalog, id, path, issues);
  if (point?.source !== 'modbus' || point.point.writable) return point;
  issues.add('HAZMON_CONFIG_REFERENCE', path, 'this Modbus point is not writable');
  return undefined;
}

function resolvePoint(catalog: PointCatalog, id: string, path: PathPart[], issues: IssueList): SourcePoint | undefined {
  const point = catalog.points.get(id);
  if (!point && !inBrokenDevice(catalog, id)) issues.add('HAZMON_CONFIG_REFERENCE', path, unknownPointProblem(catalog, id));
  return point;
}

/** The value written to trip an output. */
export function tripValueOf(output: OutputConfig): boolean | number {
  return output.tripValue ?? output.kind !== 'shutoff_valve';
}

function checkActions(sections: Partial<ConfigSections>, issues: IssueList): void {
  const outputs = sections.outputs ? new Map(sections.outputs.map((output) => [output.id, output])) : null;
  // Every action latches, and only a person with a reset role releases a latch: without one it would hold for good.
  const resetters = sections.users?.filter((user) => RESET_ROLES.includes(user.role));
  (sections.actions ?? []).forEach((action, index) => {
    if (resetters?.length === 0) {
      issues.add(
        'HAZMON_CONFIG_REFERENCE',
        ['actions', index],
        `action ${action.id} latches ${action.output} and only a user with role ${RESET_ROLES.join(' or ')} may reset it, but users has none: add one`,
      );
    }
    const output = outputs?.get(action.output);
    if (outputs && !output) issues.add('HAZMON_CONFIG_REFERENCE', ['actions', index, 'output'], `no output with this id (outputs: ${[...outputs.keys()].join(', ') || 'none'})`);
    else if (output && output.kind !== action.kind) issues.add('HAZMON_CONFIG_REFERENCE', ['actions', index, 'kind'], `output ${output.id} is a ${output.kind}`);
  });
}

/**
 * Checks points, voting groups, outputs and actions against each other and the catalog, then compiles the whole rule
 * set once in the engine. Returns null when any problem was found (here or before).
 */
export function compileRules(sections: Partial<ConfigSections>, catalog: PointCatalog | null, issues: IssueList): CompiledRules | null {
  const { points, checkable } = checkPointEntries({ ...sections, points: pointsWithAreaDefaults(sections) }, catalog, issues);
  checkVotingGroups(sections, issues);
  checkOutputs(sections, catalog, issues);
  checkHeartbeat(sections, catalog, issues);
  checkActions(sections, issues);
  const interlocks = areaInterlocks(sections, points, issues);
  const site = sections.site?.id ?? 'site';
  const input: EngineConfigInput | null =
    sections.points && sections.votingGroups && sections.actions
      ? {
          points,
          votingGroups: [...sections.votingGroups.map(({ help: _help, ...group }) => ({ ...group, site })), ...interlocks.votingGroups],
          actions: [...sections.actions, ...interlocks.actions],
        }
      : null;
  // A clean file compiles as a whole once; only a file with a problem pays for one engine per point (10k points: seconds).
  const whole = input !== null && issues.count === 0 ? tryEngine(input) : null;
  if (whole !== null && !(whole instanceof EngineError)) return { engine: whole.config, alarmCount: whole.alarmCount };
  checkPointsAlone(points, checkable, issues);
  // The whole-set problems (vote sizes, trip limits, action alarm ids) are reported only on a file clean otherwise:
  // on a broken one they would mostly repeat problems already reported.
  if (issues.count === 0 && whole instanceof EngineError) addEngineError(issues, whole, input!, ['points']);
  return null;
}
