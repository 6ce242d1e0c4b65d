/**
 * How long a point's latest reading stays current: the one rule a view judges a value stale by, so it never
 * second-guesses the agent. A source restates a steady value on its own rhythm: a Modbus point at every poll, an OPC UA
 * subscription (which reports changes only) once per keep-alive period (the connection restates what it has not
 * repeated). A reading is current while its restatement may still come, and never longer than the engine's `staleS`,
 * after which the engine raises `<point>/stale`.
 */
import { requestedKeepAliveMs } from '@hazmon/protocols';
import { perConfigPoints } from './per-config-points.ts';
import type { RunningConfig } from './reload.ts';

/** Poll intervals a Modbus reading stays current for: one or two late polls on a busy line are normal (counted as overruns). */
const MODBUS_FRESH_POLLS = 3;

const freshness = perConfigPoints(freshnessAmong);

/**
 * Per reading point, ms a reading stays current after it was received. An OPC UA value: one keep-alive period until
 * its restatement is due, plus the keep-alives its connection lets go missing before it counts itself lost.
 */
export function freshnessByPoint(config: RunningConfig): ReadonlyMap<string, number> {
  return freshness.all(config);
}

/** The same for some points only (see perConfigPoints): a trend of one point after a start or a reload. */
export function freshnessOf(config: RunningConfig, pointIds: readonly string[]): ReadonlyMap<string, number> {
  return freshness.of(config, pointIds);
}

/** The points of `wanted` (all when undefined), in the order of `readingPoints`. */
function freshnessAmong(config: RunningConfig, wanted: ReadonlySet<string> | undefined): Map<string, number> {
  const sourceMs = new Map<string, number>();
  for (const device of config.devices) {
    for (const point of device.points) if (point.spec.poll && (wanted === undefined || wanted.has(point.readingId))) sourceMs.set(point.readingId, MODBUS_FRESH_POLLS * point.spec.intervalMs);
  }
  for (const connection of config.opcua) {
    const freshMs = requestedKeepAliveMs(connection) * (1 + connection.keepAliveMissesAllowed);
    for (const point of connection.points) if (wanted === undefined || wanted.has(point.id)) sourceMs.set(point.id, freshMs);
  }
  const freshness = new Map<string, number>();
  if (sourceMs.size === 0) return freshness;
  for (const id of config.readingPoints) {
    const fromSource = sourceMs.get(id);
    if (fromSource !== undefined) freshness.set(id, fromSource);
  }
  // Never longer than the engine's staleS (point ids are unique in engine.points).
  for (const rules of config.engine.points) {
    const fromSource = freshness.get(rules.id);
    if (fromSource !== undefined) freshness.set(rules.id, Math.min(fromSource, rules.health.staleS * 1000));
  }
  return freshness;
}
