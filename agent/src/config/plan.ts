/** The site plan ("one map"): its image beside the config file, and each point's position inside it. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { IssueList } from './issues.ts';
import type { ConfigSections } from './schema.ts';

export interface PlanPosition {
  readonly x: number;
  readonly y: number;
}

/**
 * The plan image's absolute path (null without a plan, or when it is missing: reported at `site.plan.image`), and
 * each point's position, checked to lie on the plan; a position without a plan is an error at the point.
 */
export function checkPlan(sections: Partial<ConfigSections>, file: string, issues: IssueList): { image: string | null; positions: Record<string, PlanPosition> } {
  const plan = sections.site?.plan;
  let image: string | null = null;
  if (plan !== undefined) {
    const path = resolve(dirname(file), plan.image);
    if (existsSync(path) && statSync(path).isFile()) image = path;
    else issues.add('HAZMON_CONFIG_INVALID', ['site', 'plan', 'image'], `no such file (${path})`);
  }
  const positions: Record<string, PlanPosition> = {};
  (sections.points ?? []).forEach((entry, index) => {
    const position = entry.position;
    if (position === undefined) return;
    if (sections.site !== undefined && plan === undefined) {
      issues.add('HAZMON_CONFIG_INVALID', ['points', index, 'position'], `${entry.id}: a position is on the site plan, and site.plan is not configured`);
      return;
    }
    if (plan !== undefined && position.x > plan.width) issues.add('HAZMON_CONFIG_INVALID', ['points', index, 'position', 'x'], `${entry.id} is outside the plan: its width is ${plan.width}`);
    if (plan !== undefined && position.y > plan.height) issues.add('HAZMON_CONFIG_INVALID', ['points', index, 'position', 'y'], `${entry.id} is outside the plan: its height is ${plan.height}`);
    positions[entry.id] = { x: position.x, y: position.y };
  });
  return { image, positions };
}
