/**
 * A gateway's warning grade at the hub (shared/dashboard.md, ours): the gateway's own, as its latest health message
 * carries it (the agent's `siteGrades`, the same as its /api/v1/site); from a gateway that sends none (one from before
 * the field), the colour of the highest priority among the active alarms of that message, `normal` with none. A
 * gateway gone silent is not "all clear": it is offline, and ordered before every site whose last word was normal.
 */
import { WARNING_GRADES } from '@hazmon/uplink/contract';

export type WarningGrade = (typeof WARNING_GRADES)[number];

const GRADE_OF_PRIORITY: Readonly<Record<string, WarningGrade>> = { emergency: 'red', high: 'orange', medium: 'yellow', low: 'blue' };

/** The grade the active alarms give (a gateway that does not send its own); null when the gateway never sent its health. */
export function warningGradeOfAlarms(activeAlarms: Readonly<Record<string, number>> | null): WarningGrade | null {
  if (activeAlarms === null) return null;
  const grades = Object.entries(activeAlarms)
    .filter(([priority, count]) => count > 0 && GRADE_OF_PRIORITY[priority] !== undefined)
    .map(([priority]) => WARNING_GRADES.indexOf(GRADE_OF_PRIORITY[priority]!));
  return WARNING_GRADES[Math.min(WARNING_GRADES.indexOf('normal'), ...grades)]!;
}

/** Graded supervision: red, orange, yellow, blue, then silent gateways (offline, or never a health message), then normal. */
export function supervisionRank(grade: WarningGrade | null, online: boolean): number {
  if (grade !== null && grade !== 'normal') return WARNING_GRADES.indexOf(grade);
  return online && grade === 'normal' ? WARNING_GRADES.length : WARNING_GRADES.indexOf('normal');
}

/** What the site list orders by. */
export interface GradedSite {
  readonly gateway: string;
  readonly warningGrade: WarningGrade | null;
  readonly online: boolean;
  readonly majorHazardGrade: { readonly grade: number } | null;
}

/** Graded supervision: by warning colour (supervisionRank), then major-hazard grade (1 first, none last), then gateway code. */
export function bySupervision(a: GradedSite, b: GradedSite): number {
  const hazardRank = (site: GradedSite) => site.majorHazardGrade?.grade ?? 5;
  return supervisionRank(a.warningGrade, a.online) - supervisionRank(b.warningGrade, b.online) || hazardRank(a) - hazardRank(b) || a.gateway.localeCompare(b.gateway);
}
