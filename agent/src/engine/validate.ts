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
 * Ids of the points a voting group or an action names (an alarm id's part before its last "/": rule names hold none),
 * and "vote" when there are groups (its alarms could take a vote's id): the only points looked up after the points'
 * loop, so only theirs are kept while the rule set is checked.
 */
function pointsNamed(config: EngineConfig): Set<string> {
  const named = new Set<string>();
  for (const group of config.votingGroups) for (const id of group.points) named.add(id);
  if (config.votingGroups.length > 0) named.add('vote');
  for (const action of config.actions) {
    for (const alarmId of action.when) {
      const slash = alarmId.lastIndexOf('/');
      if (slash >= 0) named.add(alarmId.slice(0, slash));
    }
  }
  return named;
}

/**
 * Parses a rule set and checks it across points: each point's rules are compiled (PointRuntime judges them) and
 * handed to `keep`, then point ids, voting groups (members, vote size, trip limits, ids) and actions (ids, trigger
 * alarms) are checked by id. Throws the first problem as an EngineError naming its field. The engine keeps the
 * compiled points; a check keeps none but those groups and actions name, so it does not hold a second engine (~3-6
 * KB per point) while one runs. No set of every alarm id is made (70k strings at 10k points, garbage as soon as the
 * engine is built): an alarm id `<point>/<rule>` is unique by its point and rule, a vote's `vote/<group>` is looked up
 * among the groups and the rules of a point named "vote".
 */
export function checkRuleSet(input: unknown, keep: (point: PointRuntime) => void = () => {}): CheckedRuleSet {
  const config = parseEngineConfig(input);
  const named = pointsNamed(config);
  const pointIds = new Set<string>();
  const namedPoints = new Map<string, PointRuntime>();
  let alarmCount = 0;
  config.points.forEach((rules, i) => {
    if (pointIds.has(rules.id)) throw duplicate(['points', i, 'id'], 'point id', rules.id);
    pointIds.add(rules.id);
    const point = new PointRuntime(i, rules);
    // Health alarms are created on first use, but their ids are taken from the start.
    alarmCount += point.alarmCount;
    if (named.has(rules.id)) namedPoints.set(rules.id, point);
    keep(point);
  });
  const voteIds = new Set<string>();
  const isAlarm = (alarmId: string) => {
    if (voteIds.has(alarmId)) return true;
    const slash = alarmId.lastIndexOf('/');
    return slash >= 0 && (namedPoints.get(alarmId.slice(0, slash))?.hasAlarm(alarmId.slice(slash + 1)) ?? false);
  };
  config.votingGroups.forEach((group, i) => {
    const where = ['votingGroups', i];
    const alarmId = `vote/${group.id}`;
    if (isAlarm(alarmId)) throw duplicate([...where, 'id'], 'group', group.id);
    const { total } = voteOf(group);
    if (group.points.length !== total) throw configError([...where, 'points'], `vote ${group.vote} needs ${total} points, got ${group.points.length}`);
    const members = group.points.map((id, j) => {
      const member = namedPoints.get(id);
      if (member === undefined) throw configError([...where, 'points', j], `unknown point "${id}"`);
      return member;
    });
    members.forEach((member, j) => {
      if (!member.limits.some((limit) => limit.name === group.trip)) throw configError([...where, 'points', j], `point "${group.points[j]}" has no "${group.trip}" limit to vote with`);
    });
    voteIds.add(alarmId);
  });
  const actionIds = new Set<string>();
  config.actions.forEach((action, i) => {
    if (actionIds.has(action.id)) throw duplicate(['actions', i, 'id'], 'action', action.id);
    action.when.forEach((alarmId, j) => {
      if (!isAlarm(alarmId)) throw configError(['actions', i, 'when', j], `unknown alarm "${alarmId}"`);
    });
    actionIds.add(action.id);
  });
  return { config, alarmCount: alarmCount + voteIds.size };
}
