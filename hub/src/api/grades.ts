/**
 * A gateway's warning grade at the hub (shared/dashboard.md, ours): the colour of the highest priority among its
 * active alarms in its latest health message, `normal` with none. A gateway gone silent is not "all clear": it is
 * offline, and ordered before every site whose last word was normal.
 */
export const WARNING_GRADES = ['red', 'orange', 'yellow', 'blue', 'normal'] as const;
export type WarningGrade = (typeof WARNING_GRADES)[number];

const GRADE_OF_PRIORITY: Readonly<Record<string, WarningGrade>> = { emergency: 'red', high: 'orange', medium: 'yellow', low: 'blue' };

/** The grade the active alarms give; null when the gateway never sent its health. */
export function warningGrade(activeAlarms: Readonly<Record<string, number>> | null): WarningGrade | null {
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
