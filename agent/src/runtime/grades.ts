/**
 * The live warning grade per area and for the site (dashboard.md, "Warning grade", ours) and the major-hazard grade
 * (README.md: R = alpha * sum(beta_i q_i / Q_i); R >= 100 grade 1, 50-100 grade 2, 10-50 grade 3, < 10 grade 4).
 * Pure rules in the agent, so the gateway's regulator API (/api/v1/site) and its uplink to the hub give the same grades.
 */
import { PRIORITY_COLOUR } from '../engine/index.ts';
import { alarmAreas, type AreaSource } from './alarm-areas.ts';
import type { AgentApi, AlarmList, PublicConfig } from './api.ts';

export const WARNING_GRADES = ['red', 'orange', 'yellow', 'blue', 'normal'] as const;
export type WarningGrade = (typeof WARNING_GRADES)[number];

const ACTIVE_STATES: ReadonlySet<string> = new Set(['unacknowledged_active', 'acknowledged_active']);

/** The higher of two grades: red is highest, normal lowest. */
function higher(a: WarningGrade, b: WarningGrade): WarningGrade {
  return WARNING_GRADES.indexOf(a) <= WARNING_GRADES.indexOf(b) ? a : b;
}

const SHUT_OFF_KINDS: ReadonlySet<string> = new Set(['shutoff_valve', 'power_cut']);

export interface WarningGrades {
  readonly site: WarningGrade;
  /** Per configured area; alarms of points in no area count for the site only. */
  readonly areas: ReadonlyMap<string, WarningGrade>;
}

/**
 * An active in-service alarm (unacknowledged or acknowledged; not shelved, suppressed or out of service), the engine's
 * or the agent's own (a device's comms loss), gives its priority's colour to its areas (alarm-areas.ts: a vote's, a
 * device's too; none for the agent's own: the site only); a latched or discrepant shut-off counts
 * as emergency in the areas of its triggers and of its output, and for the site. A shut-off is a closed valve or cut
 * power; a fan or siren left latched after the gas cleared is no emergency (until someone resets it, its area would
 * stay red with nothing wrong).
 */
export function warningGrades(config: AreaSource, alarms: AlarmList, latched: (actionId: string) => boolean): WarningGrades {
  const areas = new Map<string, WarningGrade>(config.site.areas.map((area) => [area.id, 'normal']));
  let site: WarningGrade = 'normal';
  const areasOf = alarmAreas(config);
  const raise = (alarmAreaIds: readonly string[], grade: WarningGrade) => {
    site = higher(site, grade);
    for (const id of alarmAreaIds) areas.set(id, higher(areas.get(id) ?? 'normal', grade));
  };
  for (const alarm of alarms.engine) if (alarm.mode === 'in_service' && ACTIVE_STATES.has(alarm.state)) raise(areasOf.ofAlarm(alarm.id, alarm.pointId), PRIORITY_COLOUR[alarm.priority]);
  for (const action of config.engine.actions) if (SHUT_OFF_KINDS.has(action.kind) && latched(action.id)) raise(areasOf.ofAlarm(`${action.id}/latched`, null), 'red');
  // The agent's own alarms are alarms too: a device gone silent colours the areas of its points (silence is never
  // "all clear"), one of the agent itself (its store, its clock) the site. A discrepant shut-off (not closed, feedback
  // broken, command ignored) is an emergency wherever the valve is.
  for (const alarm of alarms.runtime) {
    if (!ACTIVE_STATES.has(alarm.state)) continue;
    raise(areasOf.ofAlarm(alarm.id, alarm.source), alarm.rule === 'shutoff_discrepancy' ? 'red' : PRIORITY_COLOUR[alarm.priority]);
  }
  return { site, areas };
}

export interface MajorHazardGrade {
  readonly r: number;
  readonly grade: 1 | 2 | 3 | 4;
}

/**
 * R is kept to a millionth: summed in binary floats, an R exactly on a grade's boundary can land a hair under it
 * (2 * (4 * 172 / 50 + 2 * 181.2 / 10) gives 99.99999999999999), which graded an R of 100 as grade 2, not 1.
 */
const R_STEPS_PER_UNIT = 1e6;

export function majorHazardGrade(inventory: NonNullable<PublicConfig['site']['majorHazard']>): MajorHazardGrade {
  const sum = inventory.alpha * inventory.substances.reduce((total, substance) => total + (substance.beta * substance.quantityT) / substance.criticalQuantityT, 0);
  const r = Math.round(sum * R_STEPS_PER_UNIT) / R_STEPS_PER_UNIT;
  return { r, grade: r >= 100 ? 1 : r >= 50 ? 2 : r >= 10 ? 3 : 4 };
}

export interface SiteGrades {
  readonly warning: WarningGrades;
  /** From the configured inventory (`site.majorHazard`); null without one. */
  readonly majorHazard: MajorHazardGrade | null;
}

/** The site's grades now, from the running config, the alarms standing and the latched shut-offs. */
export function siteGrades(api: Pick<AgentApi, 'config' | 'alarms' | 'actionLatched'>): SiteGrades {
  const { majorHazard } = api.config.site;
  return {
    warning: warningGrades(api.config, api.alarms(), (actionId) => api.actionLatched(actionId)),
    majorHazard: majorHazard === undefined ? null : majorHazardGrade(majorHazard),
  };
}
