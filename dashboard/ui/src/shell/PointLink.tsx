/** A point's id as a link to its trend (/trends?points=<id>, with the range when given); plain text for ids that are no point (a device's runtime alarm). */
import { points } from '../live/store.ts';

export function PointLink({ pointId, range }: { readonly pointId: string | null; readonly range?: { readonly from: number; readonly to: number } }) {
  if (pointId === null) return <span>—</span>;
  if (!points.value.has(pointId)) return <span>{pointId}</span>;
  const span = range === undefined ? '' : `&from=${range.from}&to=${range.to}`;
  return <a href={`/trends?points=${encodeURIComponent(pointId)}${span}`}>{pointId}</a>;
}
