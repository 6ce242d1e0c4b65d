/**
 * The area presets applied to a config: default gas standards for the areas' gas points, the interlocks an area's
 * preset generates (a voting group and one action per output), and the help of each alarm resolved from the preset,
 * the point and its rule. Problems are placed at the area or the point they come from.
 */
import { quote } from '@hazmon/errors';
import type { ActionConfig, EngineConfig, EngineConfigInput, PresetStandard, VotingGroupConfig } from '../engine/index.ts';
import { presetLimits, RESERVED_RULE_NAMES } from '../engine/index.ts';
import type { AlarmHelp, AreaKind, InterlockTrigger } from './area-presets.ts';
import { AREA_PRESETS, agentHelp, presetHelp } from './area-presets.ts';
import type { IssueList, PathPart } from './issues.ts';
import type { AlarmHelpConfig, ConfigSections, PointEntry, SiteConfig } from './schema.ts';
import { pointRulesSchema, RESET_ROLES } from './schema.ts';

type EnginePointInput = EngineConfigInput['points'][number];
type EngineGroupInput = NonNullable<EngineConfigInput['votingGroups']>[number];

/** The help the config gives beyond the presets: per point by rule (`all` for each of its alarms), per voting group. */
export interface AlarmHelpTable {
  readonly points: Readonly<Record<string, Readonly<Record<string, AlarmHelpConfig>>>>;
  readonly groups: Readonly<Record<string, AlarmHelpConfig>>;
}

/** An alarm's help as the dashboard shows it: each field the config or preset gives, null where none does. */
export interface ResolvedAlarmHelp {
  readonly cause: string | null;
  readonly consequence: string | null;
  readonly responseMinutes: number | null;
  readonly action: string | null;
}

function areaKinds(site: SiteConfig): Map<string, AreaKind> {
  return new Map(site.areas.flatMap((area) => (area.kind === undefined ? [] : [[area.id, area.kind] as const])));
}

/**
 * Points of an area with a kind whose gas is set and that give no preset of their own get the gas-library preset of
 * their gas, at the standard the area's kind names for it (GB 50072 for NH3 in a machine room, else GB/T 50493).
 */
export function pointsWithAreaDefaults(sections: Partial<ConfigSections>): PointEntry[] | undefined {
  if (!sections.points || !sections.site) return sections.points;
  const kinds = areaKinds(sections.site);
  return sections.points.map((entry) => {
    const kind = entry.area === undefined ? undefined : kinds.get(entry.area);
    if (kind === undefined || entry.gas === undefined || entry.rules?.preset !== undefined) return entry;
    const special = AREA_PRESETS[kind].gasStandard;
    const standard: PresetStandard = special?.gas === entry.gas ? special.standard : 'gbt50493';
    const preset = { gas: entry.gas, standard, lelSource: 'table' as const };
    return { ...entry, rules: entry.rules === undefined ? pointRulesSchema.parse({ preset }) : { ...entry.rules, preset } };
  });
}

/** Whether a point's rules have this limit alarm, set by itself or by its preset. */
function hasLimit(point: EnginePointInput, rule: 'hi' | 'hihi'): boolean {
  if (point.limits?.[rule] !== undefined) return true;
  const preset = point.preset;
  if (preset === undefined) return false;
  try {
    return presetLimits(preset.gas, preset.unit, preset.standard, preset.lelSource)[rule] !== undefined;
  } catch {
    // The engine refuses such a preset itself, at the point.
    return false;
  }
}

/** The vote k-oo-n the engine has for "two or more detectors confirm" over n detectors. */
const CONFIRMING_VOTES: Readonly<Record<number, VotingGroupConfig['vote']>> = { 2: '2oo2', 3: '2oo3' };

/**
 * The voting groups and actions the areas' interlocks generate: vote group `<area>` (2oo2 or 2oo3 over the area's gas
 * points' hi) where the preset confirms by vote, and for each output `<area>.<output>` tripped by what the preset
 * names for its kind. Each problem is placed at the area's interlock.
 */
export function areaInterlocks(sections: Partial<ConfigSections>, points: readonly EnginePointInput[], issues: IssueList): { votingGroups: EngineGroupInput[]; actions: ActionConfig[] } {
  const generated = { votingGroups: [] as EngineGroupInput[], actions: [] as ActionConfig[] };
  const site = sections.site;
  if (!site) return generated;
  const outputs = sections.outputs ? new Map(sections.outputs.map((output) => [output.id, output])) : null;
  const groupIds = new Set((sections.votingGroups ?? []).map((group) => group.id));
  const actionIds = new Set((sections.actions ?? []).map((action) => action.id));
  const resetters = sections.users?.filter((user) => RESET_ROLES.includes(user.role));
  site.areas.forEach((area, index) => {
    const path: PathPart[] = ['site', 'areas', index, 'interlock'];
    if (area.interlock === undefined) return;
    if (area.kind === undefined)
      return issues.add('HAZMON_CONFIG_INVALID', path, `an interlock needs the area's kind (${Object.keys(AREA_PRESETS).join(', ')}): its preset says which alarm trips which output`);
    if (resetters?.length === 0)
      issues.add('HAZMON_CONFIG_REFERENCE', path, `area ${area.id}: the interlock latches and only a user with role ${RESET_ROLES.join(' or ')} may reset it, but users has none: add one`);
    const preset = AREA_PRESETS[area.kind];
    const members = points.filter((point) => point.area === area.id);
    const voteId = area.id;
    const triggers = (trigger: InterlockTrigger, own: readonly EnginePointInput[] | null): string[] | string => {
      if (trigger !== 'vote') {
        const ids = (own ?? members).filter((point) => hasLimit(point, trigger)).map((point) => `${point.id}/${trigger}`);
        return ids.length > 0 ? ids : own ? `none of the points given has a ${trigger} limit` : `no point of area ${area.id} has a ${trigger} limit`;
      }
      if (own) return `the output's own points cannot vote: the area's gas points confirm each other (split the area, or write votingGroups and actions yourself)`;
      const voters = members.filter((point) => point.preset !== undefined && hasLimit(point, 'hi'));
      const vote = CONFIRMING_VOTES[voters.length];
      if (vote === undefined) {
        return `a ${area.kind} confirms its alarm by two detectors (GB 16808-2025 5.5.1.8): it votes 2oo2 or 2oo3 over its gas points, and area ${area.id} has ${voters.length} (split the area, or write votingGroups and actions yourself)`;
      }
      if (groupIds.has(voteId)) return `the preset's voting group ${voteId} has the id of a voting group in votingGroups`;
      if (!generated.votingGroups.some((group) => group.id === voteId)) {
        // The preset's vote confirms the alarm by two detectors: with one out of service, two of the rest still confirm.
        generated.votingGroups.push({ id: voteId, site: site.id, area: area.id, vote, points: voters.map((point) => point.id), trip: 'hi', onOutOfService: 'left-out' });
      }
      return [`vote/${voteId}`];
    };
    area.interlock.outputs.forEach((entry, member) => {
      const at = [...path, 'outputs', member];
      const outputId = typeof entry === 'string' ? entry : entry.output;
      const own = typeof entry === 'string' ? null : ownPoints(entry.points, members, area.id, [...at, 'points'], issues);
      if (own === undefined) return;
      const output = outputs?.get(outputId);
      if (outputs && !output) return issues.add('HAZMON_CONFIG_REFERENCE', at, `area ${area.id}: no output with this id (outputs: ${[...outputs.keys()].join(', ') || 'none'})`);
      if (!output) return;
      const actionId = `${area.id}.${outputId}`;
      if (actionIds.has(actionId)) return issues.add('HAZMON_CONFIG_DUPLICATE', at, `area ${area.id}: the preset's action ${actionId} has the id of an action in actions`);
      const trigger = preset.trips[output.kind];
      const when = triggers(trigger, own);
      if (typeof when === 'string') return issues.add('HAZMON_CONFIG_REFERENCE', at, `area ${area.id}: the ${area.kind} preset trips a ${output.kind} on ${trigger}, but ${when}`);
      generated.actions.push({ id: actionId, kind: output.kind, output: outputId, when });
    });
  });
  return generated;
}

/** The points an interlock output names for itself, each of the area; undefined (with each problem added) when one is not. */
function ownPoints(ids: readonly string[], members: readonly EnginePointInput[], areaId: string, path: PathPart[], issues: IssueList): EnginePointInput[] | undefined {
  const own: EnginePointInput[] = [];
  ids.forEach((id, index) => {
    const point = members.find((member) => member.id === id);
    if (point) own.push(point);
    else issues.add('HAZMON_CONFIG_REFERENCE', [...path, index], `area ${areaId}: ${quote(id)} is not a point of this area (its points: ${members.map((member) => member.id).join(', ') || 'none'})`);
  });
  return own.length === ids.length ? own : undefined;
}

const HELP_ALL = 'all';

/** Each point's help keys name a rule it can alarm on (or `all`); the table of the help given. */
export function checkHelp(sections: Partial<ConfigSections>, issues: IssueList): AlarmHelpTable {
  const table = { points: {} as Record<string, Record<string, AlarmHelpConfig>>, groups: {} as Record<string, AlarmHelpConfig> };
  (sections.points ?? []).forEach((entry, index) => {
    if (entry.help === undefined) return;
    const rules = new Set<string>([HELP_ALL, ...RESERVED_RULE_NAMES, ...(entry.rules?.windows ?? []).map((window) => window.name)]);
    for (const rule of Object.keys(entry.help)) {
      if (!rules.has(rule)) issues.add('HAZMON_CONFIG_INVALID', ['points', index, 'help', rule], `not a rule of point ${entry.id} (${[...rules].join(', ')})`, rule);
    }
    table.points[entry.id] = entry.help;
  });
  for (const group of sections.votingGroups ?? []) if (group.help !== undefined) table.groups[group.id] = group.help;
  return table;
}

/** What alarmHelpOf needs of a config. */
export interface HelpSource {
  readonly site: SiteConfig;
  readonly engine: Pick<EngineConfig, 'points' | 'votingGroups'>;
  readonly alarmHelp: AlarmHelpTable;
}

/** What picks a point's or voting group's preset help: its area's kind, and whether it is a gas point (it has a gas-library preset). */
interface HelpOwner {
  readonly kind: AreaKind;
  readonly gasPoint: boolean;
}

/** Per config: the area kind of each point and voting group. */
const kindsByConfig = new WeakMap<HelpSource, ReadonlyMap<string, HelpOwner>>();

function helpOwnerOf(config: HelpSource, id: string): HelpOwner | undefined {
  let kinds = kindsByConfig.get(config);
  if (kinds === undefined) {
    const ofArea = areaKinds(config.site);
    const byId = new Map<string, HelpOwner>();
    for (const owner of [...config.engine.points, ...config.engine.votingGroups]) {
      const kind = owner.area === undefined ? undefined : ofArea.get(owner.area);
      if (kind !== undefined) byId.set(owner.id, { kind, gasPoint: 'preset' in owner && owner.preset !== undefined });
    }
    kindsByConfig.set(config, byId);
    kinds = byId;
  }
  return kinds.get(id);
}

/**
 * The help of an alarm, field by field: the point's help for its rule, else the point's `all`, else the preset of the
 * point's area; a vote's: its group's, else the preset's. An alarm the agent raises itself (a latch, a shut-off
 * discrepancy, a failed command, a device's comms loss) has the help of its rule. Null when nothing gives any.
 */
export function alarmHelpOf(config: HelpSource, alarm: { readonly pointId: string; readonly rule: string } | { readonly source: string; readonly rule: string }): ResolvedAlarmHelp | null {
  let layers: (AlarmHelp | undefined)[];
  if (!('pointId' in alarm)) layers = [agentHelp(alarm.rule)];
  else {
    const owner = helpOwnerOf(config, alarm.pointId);
    const preset = owner === undefined ? undefined : presetHelp(owner.kind, alarm.rule, owner.gasPoint);
    const own = alarm.rule === 'vote' ? [config.alarmHelp.groups[alarm.pointId]] : [config.alarmHelp.points[alarm.pointId]?.[alarm.rule], config.alarmHelp.points[alarm.pointId]?.[HELP_ALL]];
    layers = [...own, preset];
  }
  const field = <K extends keyof AlarmHelp>(key: K) => layers.find((layer) => layer?.[key] !== undefined)?.[key] ?? null;
  const help = { cause: field('cause'), consequence: field('consequence'), responseMinutes: field('responseMinutes'), action: field('action') };
  return Object.values(help).every((value) => value === null) ? null : help;
}
