/**
 * Where each marker's label goes on the site plan, so that no label covers another label or a marker. A plan holds
 * hundreds of points, tens of plan units apart (a gas controller's eight detectors in a row): a label beside every
 * marker would pile up. Labels are placed in order of importance (alarms by priority, then bad, uncertain or stale
 * values, then normal ones) at the first free spot around their marker; a label with no free spot is left off, and
 * its marker still carries it as a tooltip and accessible name (the page counts those left off).
 * Pure (no DOM): the page gives the text widths its font measures; `textWidth` estimates them from the characters.
 */

export interface LabelRequest {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  /** Half the marker's extent, plan units (an alarm's diamond of radius r reaches r * sqrt 2 each side). */
  readonly radius: number;
  /** One line of text each, the first in `fontSize`, the rest in 0.9 of it. */
  readonly lines: readonly string[];
  readonly fontSize: number;
  /** Lower first: 0 emergency .. 3 low alarms, 4 not-good or stale values, 5 normal. */
  readonly rank: number;
  /** May sit away from its marker, joined by a leader line (alarms); else only right beside it. */
  readonly leader: boolean;
}

/** A placed label: its box (x, y top left), text starting at textX, first baseline at `baseline`. */
export interface PlacedLabel {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly textX: number;
  readonly baseline: number;
  readonly lineHeight: number;
  /** From the marker's centre to the label, when the label sits away from its marker. */
  readonly leader: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number } | null;
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Bold sans-serif at 1 em: Latin letters and digits about 0.6 em (estimated at 0.66), CJK and full-width 1 em. */
export function textWidth(text: string, fontSize: number): number {
  let ems = 0;
  for (const char of text) ems += char.codePointAt(0)! >= 0x2e80 ? 1.05 : 0.66;
  return ems * fontSize;
}

const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Beside the marker (right, left, above, below, the four corners), then, for a label that may have a leader, ever further out on those sides and above
 * and below shifted sideways. */
const LEADER_STEPS = 4;

function candidateBoxes({ x, y, radius, leader }: LabelRequest, width: number, height: number, gap: number): Box[] {
  const boxes: Box[] = [];
  for (let step = 0; step <= (leader ? LEADER_STEPS : 0); step += 1) {
    const out = radius + gap + step * (height + gap);
    const corner = radius + step * (height + gap);
    boxes.push(
      { x: x + out, y: y - height / 2, width, height },
      { x: x - out - width, y: y - height / 2, width, height },
      { x: x - width / 2, y: y - out - height, width, height },
      { x: x - width / 2, y: y + out, width, height },
      { x: x + corner, y: y - corner - height, width, height },
      { x: x + corner, y: y + corner, width, height },
      { x: x - corner - width, y: y - corner - height, width, height },
      { x: x - corner - width, y: y + corner, width, height },
      // Above and below, shifted to end at the marker or start at it (a long label among markers in a row).
      { x: x + radius - width, y: y - out - height, width, height },
      { x: x - radius, y: y - out - height, width, height },
      { x: x + radius - width, y: y + out, width, height },
      { x: x - radius, y: y + out, width, height },
    );
  }
  return boxes;
}

/** The label boxes by marker id; a marker whose label found no free spot is absent. */
export function layoutLabels(
  requests: readonly LabelRequest[],
  plan: { readonly width: number; readonly height: number },
  measure: (text: string, fontSize: number) => number = textWidth,
): Map<string, PlacedLabel> {
  const markers: Box[] = requests.map((request) => ({ x: request.x - request.radius, y: request.y - request.radius, width: request.radius * 2, height: request.radius * 2 }));
  const placed: Box[] = [];
  const result = new Map<string, PlacedLabel>();
  const ordered = [...requests].sort((a, b) => a.rank - b.rank || a.id.localeCompare(b.id));
  for (const request of ordered) {
    // A line's box in the browser runs from its ascent to its descent, about 1.2 em: 1.25 em per line keeps it inside.
    const lineHeight = request.fontSize * 1.25;
    // A little room either side of the text inside the label's box.
    const padding = request.fontSize * 0.15;
    const width = 2 * padding + Math.max(...request.lines.map((line, index) => measure(line, index === 0 ? request.fontSize : request.fontSize * 0.9)));
    const height = lineHeight * request.lines.length;
    const gap = request.radius * 0.4;
    const { x, y, radius } = request;
    const candidates = candidateBoxes(request, width, height, gap);
    const free = candidates.find(
      (box) =>
        box.x >= 0 &&
        box.y >= 0 &&
        box.x + box.width <= plan.width &&
        box.y + box.height <= plan.height &&
        !placed.some((other) => overlaps(box, other)) &&
        !markers.some((marker) => overlaps(box, marker)),
    );
    if (!free) continue;
    placed.push(free);
    const nearX = Math.min(Math.max(x, free.x), free.x + free.width);
    const nearY = Math.min(Math.max(y, free.y), free.y + free.height);
    const leader = Math.hypot(nearX - x, nearY - y) > radius + gap * 1.5 ? { x1: x, y1: y, x2: nearX, y2: nearY } : null;
    result.set(request.id, { ...free, textX: free.x + padding, baseline: free.y + request.fontSize, lineHeight, leader });
  }
  return result;
}
