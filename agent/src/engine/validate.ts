/**
 * The one judge of a rule set: the engine's constructor builds on what it passes, and AlarmEngine.check is it alone,
 * so both accept and refuse alike, with the same errors.
 */
import { parseEngineConfig, type EngineConfig, type VotingGroupConfig } from './config.ts';
import { configError, type EnginePath } from './errors.ts';
import { PointRuntime } from './point.ts';

export interface CheckedRuleSet {
  readonly config: EngineConfig;
  /** How many alarms an engine of this rule set has (rule, health and stuck alarms of its points, votes). */
  readonly alarmCount: number;
}

const duplicate = (path: EnginePath, what: string, id: string) => configError(path, `duplicate ${what} "${id}"`);

/** k and n of a k-oo-n vote (the schema has checked the form). */
export function voteOf(group: VotingGroupConfig): { readonly required: number; readonly total: number } {
  const [required, total] = group.vote.split('oo').map(Number) as [number, number];
  return { required, total };
}

/**
 * Parses a rule set and checks it across points: each point's rules are compiled (PointRuntime judges them) and
 * handed to `keep`, then point ids, voting groups (members, vote size, trip limits, ids) and actions (ids, trigger
 * alarms) are checked by id. Throws the first problem as an EngineError naming its field. The engine keeps the
 * compiled points; a check keeps none, so it does not hold a second engine (~3-6 KB per point) while one runs.
 */
export function checkRuleSet(input: unknown, keep: (point: PointRuntime) => void = () => {}): CheckedRuleSet {
  const config = parseEngineConfig(input);
  /** Point id -> its limits (a point has four at most: no set of names per point, 10k of them to collect). */
  const limitsOf = new Map<string, PointRuntime['limits']>();
  const alarmIds = new Set<string>();
  config.points.forEach((rules, i) => {
    if (limitsOf.has(rules.id)) throw duplicate(['points', i, 'id'], 'point id', rules.id);
    const point = new PointRuntime(i, rules);
    limitsOf.set(rules.id, point.limits);
    // Health alarms are created on first use, but their ids are taken from the start.
    for (const id of point.alarmIds) alarmIds.add(id);
    keep(point);
  });
  config.votingGroups.forEach((group, i) => {
    const where = ['votingGroups', i];
    const alarmId = `vote/${group.id}`;
    if (alarmIds.has(alarmId)) throw duplicate([...where, 'id'], 'group', group.id);
    const { total } = voteOf(group);
    if (group.points.length !== total) throw configError([...where, 'points'], `vote ${group.vote} needs ${total} points, got ${group.points.length}`);
    const memberLimits = group.points.map((id, j) => {
      const limits = limitsOf.get(id);
      if (limits === undefined) throw configError([...where, 'points', j], `unknown point "${id}"`);
      return limits;
    });
    memberLimits.forEach((limits, j) => {
      if (!limits.some((limit) => limit.name === group.trip)) throw configError([...where, 'points', j], `point "${group.points[j]}" has no "${group.trip}" limit to vote with`);
    });
    alarmIds.add(alarmId);
  });
  const actionIds = new Set<string>();
  config.actions.forEach((action, i) => {
    if (actionIds.has(action.id)) throw duplicate(['actions', i, 'id'], 'action', action.id);
    action.when.forEach((alarmId, j) => {
      if (!alarmIds.has(alarmId)) throw configError(['actions', i, 'when', j], `unknown alarm "${alarmId}"`);
    });
    actionIds.add(action.id);
  });
  return { config, alarmCount: alarmIds.size };
}
