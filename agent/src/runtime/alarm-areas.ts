/**
 * The areas an alarm belongs to, from the config, for every view that narrows or grades alarms by area (the alarm
 * list's filter, the alarm history, the warning grades). A point's alarm: its point's area. An alarm tied to no one
 * point: a vote's, its group's and its detectors' areas; a latch, a shut-off discrepancy or a failed command, the areas
 * of the alarms that trip the output (and of the output's own points); a device's or an OPC UA connection's (comms
 * loss, poll overrun, Modbus exception), the areas of the points it reads or writes. An alarm spanning several areas
 * belongs to each; the agent's own (store, event loop) to none: they are the site's.
 */
import type { PublicConfig } from './api.ts';

/** What the areas are worked out from. */
export type AreaSource = Pick<PublicConfig, 'site' | 'engine' | 'devices' | 'opcua' | 'outputs'>;

export interface AlarmAreas {
  /**
   * The areas of an alarm, in the site's order of its areas: `owner` is an engine alarm's pointId (a voting group's
   * id for a vote), a runtime alarm's source, or a stored event's pointId (null when the event has none).
   */
  ofAlarm(alarmId: string, owner: string | null): readonly string[];
  /**
   * The areas of a stored alarm event (StoreReader's EventAreas): its pointId is its point, voting group, output or
   * source, and without one its ruleId names the alarm or action (a refusal's target, a chattering alarm).
   */
  ofEvent(pointId: string | null, ruleId: string): readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

/** The point, voting group or action an alarm id names: `<point>/<rule>`, `vote/<group>`, `<action>/latched`, or an action's id alone. */
function ownerOfAlarmId(alarmId: string): string {
  if (alarmId.startsWith('vote/')) return alarmId.slice('vote/'.length);
  const slash = alarmId.lastIndexOf('/');
  return slash < 0 ? alarmId : alarmId.slice(0, slash);
}

/** Areas in the site's order of them (one not configured last, by name). */
function inSiteOrder(config: AreaSource, areas: Iterable<string>): readonly string[] {
  const order = config.site.areas.map((area) => area.id);
  const rank = (area: string) => {
    const index = order.indexOf(area);
    return index < 0 ? order.length : index;
  };
  return Object.freeze([...new Set(areas)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)));
}

/** Each id (point, voting group, action, output, device, connection) and its areas; ids shared across kinds get the union, never fewer. */
function ownerAreas(config: AreaSource): ReadonlyMap<string, readonly string[]> {
  const areas = new Map<string, Set<string>>();
  const add = (id: string, more: Iterable<string>) => {
    let set = areas.get(id);
    if (set === undefined) areas.set(id, (set = new Set()));
    for (const area of more) set.add(area);
  };
  const of = (ids: readonly string[]): string[] => ids.flatMap((id) => [...(areas.get(id) ?? NONE)]);
  for (const point of config.engine.points) if (point.area !== undefined) add(point.id, [point.area]);
  // Groups read before actions: an action's trigger may be a vote.
  for (const group of config.engine.votingGroups) add(group.id, [group.area, ...of(group.points)]);
  for (const action of config.engine.actions) add(action.id, of(action.when.map(ownerOfAlarmId)));
  for (const output of config.outputs) {
    const points = [output.command, output.feedback?.closed, output.feedback?.open].filter((id) => id !== undefined);
    const actions = config.engine.actions.filter((action) => action.output === output.id).map((action) => action.id);
    add(output.id, of([...actions, ...points]));
    // A valve's or fan's own points carry its areas, so the device they sit on does too.
    for (const id of points) add(id, of([output.id]));
  }
  for (const device of config.devices) add(device.id, of(device.points.map((point) => point.readingId)));
  for (const connection of config.opcua) add(connection.id, of(connection.points.map((point) => point.id)));
  // One array per distinct set of areas, shared by its ids: a site has a few such sets and 10k points.
  const shared = new Map<string, readonly string[]>();
  const sorted = new Map<string, readonly string[]>();
  for (const [id, set] of areas) {
    if (set.size === 0) continue;
    const ordered = inSiteOrder(config, set);
    const key = JSON.stringify(ordered);
    let array = shared.get(key);
    if (array === undefined) shared.set(key, (array = ordered));
    sorted.set(id, array);
  }
  return sorted;
}

const byConfig = new WeakMap<AreaSource, AlarmAreas>();

/** The config's alarm areas, kept per config object (a reload hands out a new one); the map is built at the first question. */
export function alarmAreas(config: AreaSource): AlarmAreas {
  let cached = byConfig.get(config);
  if (cached === undefined) {
    let owners: ReadonlyMap<string, readonly string[]> | undefined;
    const ofAlarm = (alarmId: string, owner: string | null): readonly string[] => {
      owners ??= ownerAreas(config);
      const named = owners.get(ownerOfAlarmId(alarmId)) ?? NONE;
      const own = owner === null ? NONE : (owners.get(owner) ?? NONE);
      if (own === named || named.length === 0) return own;
      if (own.length === 0) return named;
      return inSiteOrder(config, [...own, ...named]);
    };
    const ofEvent = (pointId: string | null, ruleId: string) => (pointId === null ? ofAlarm(ruleId, null) : ofAlarm(`${pointId}/${ruleId}`, pointId));
    cached = { ofAlarm, ofEvent };
    byConfig.set(config, cached);
  }
  return cached;
}
