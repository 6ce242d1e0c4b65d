/**
 * The site plan's label layout (dashboard/ui/src/pages/plan/label-layout.ts) on the demo plant's 198 placed points
 * (agent/examples/demo-plant.yaml): no label covers another label or a marker, alarms are labelled first (the highest priority first), and every
 * label stays on the plan. The browser's own text boxes are checked by tests/ui/plan.test.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { type LabelRequest, layoutLabels } from '../../dashboard/ui/src/pages/plan/label-layout.ts';

const CONFIG = fileURLToPath(new URL('../../agent/examples/demo-plant.yaml', import.meta.url));
const config = parse(readFileSync(CONFIG, 'utf8')) as { site: { plan: { width: number; height: number } }; points: { id: string; position?: { x: number; y: number } }[] };
const plan = config.site.plan;
const scale = plan.width / 1000;

function requests(alarmed: readonly string[]): LabelRequest[] {
  return config.points.flatMap((point) =>
    point.position
      ? [
          {
            id: point.id,
            ...point.position,
            radius: 8 * scale,
            fontSize: 13 * scale,
            lines: alarmed.includes(point.id) ? [`${point.id} 9612.5 mm`, '紧急优先级 · 报警未确认'] : [`${point.id} 12.5 %LEL`],
            rank: point.id === 'T-101.level' ? 0 : alarmed.includes(point.id) ? 1 : 5,
            leader: alarmed.includes(point.id),
          },
        ]
      : [],
  );
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('plan label layout', () => {
  it('places the labels of the demo plan with none over another label or a marker, alarms first', () => {
    // A crowded moment: three tanks' levels and half a gas controller's detectors in alarm.
    const alarmed = config.points.filter((point) => /^T-10[126]\.level$|^GC-T1\.detector[1-4]$/.test(point.id)).map((point) => point.id);
    expect(alarmed).toHaveLength(7);
    const all = requests(alarmed);
    expect(all.length).toBeGreaterThan(150);
    const labels = layoutLabels(all, plan);
    const placed = [...labels.entries()];
    for (const [i, [id, box]] of placed.entries()) {
      expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= plan.width && box.y + box.height <= plan.height, `${id} on the plan`).toBe(true);
      for (const [otherId, other] of placed.slice(i + 1)) expect(overlaps(box, other), `${id} over ${otherId}`).toBe(false);
      for (const marker of all)
        expect(overlaps(box, { x: marker.x - marker.radius, y: marker.y - marker.radius, width: marker.radius * 2, height: marker.radius * 2 }), `${id} over marker ${marker.id}`).toBe(false);
    }
    // The emergency first; most of the others beside it (the rest left off, counted on the page).
    expect(labels.has('T-101.level')).toBe(true);
    expect(alarmed.filter((id) => labels.has(id)).length).toBeGreaterThanOrEqual(5);
    // Room is left for many normal labels too.
    expect(labels.size).toBeGreaterThan(30);
  });

  it('moves a label to the next free side when its first spot is taken, and leaves it off when none is free', () => {
    const marker = (id: string, x: number, rank: number): LabelRequest => ({ id, x, y: 50, radius: 5, fontSize: 10, lines: ['AB'], rank, leader: false });
    // a's right side holds b's marker: a's label goes to its left; b's to its right.
    const two = layoutLabels([marker('b', 70, 1), marker('a', 50, 0)], { width: 100, height: 100 });
    expect(two.get('a')!.x + two.get('a')!.width).toBeLessThan(45);
    expect(two.get('b')!.x).toBeGreaterThan(75);
    // A plan too small for any label: both left off, nothing placed off the plan.
    expect(layoutLabels([marker('a', 5, 0)], { width: 10, height: 10 }).size).toBe(0);
  });
});
