/**
 * How long a point's latest reading stays current: the one rule a view judges a value stale by, so it never
 * second-guesses the agent. A source restates a steady value on its own rhythm: a Modbus point at every poll, an OPC UA
 * subscription (which reports changes only) once per keep-alive period (the connection restates what it has not
 * repeated). A reading is current while its restatement may still come, and never longer than the engine's `staleS`,
 * after which the engine raises `<point>/stale`.
 */
import { requestedKeepAliveMs } from '@hazmon/protocols';
import type { RunningConfig } from './reload.ts';

/** Poll intervals a Modbus reading stays current for: one or two late polls on a busy line are normal (counted as overruns). */
const MODBUS_FRESH_POLLS = 3;

const byConfig = new WeakMap<RunningConfig, ReadonlyMap<string, number>>();

/**
 * Per reading point, ms a reading stays current after it was received. An OPC UA value: one keep-alive period until
 * its restatement is due, plus the keep-alives its connection lets go missing before it counts itself lost.
 */
export function freshnessByPoint(config: RunningConfig): ReadonlyMap<string, number> {
  const known = byConfig.get(config);
  if (known) return known;
  const sourceMs = new Map<string, number>();
  for (const device of config.devices) for (const point of device.points) if (point.spec.poll) sourceMs.set(point.readingId, MODBUS_FRESH_POLLS * point.spec.intervalMs);
  for (const connection of config.opcua) {
    const freshMs = requestedKeepAliveMs(connection) * (1 + connection.keepAliveMissesAllowed);
    for (const point of connection.points) sourceMs.set(point.id, freshMs);
  }
  const staleMs = new Map(config.engine.points.map((rules) => [rules.id, rules.health.staleS * 1000]));
  const freshness = new Map(
    config.readingPoints.flatMap((id): [string, number][] => {
      const fromSource = sourceMs.get(id);
      return fromSource === undefined ? [] : [[id, Math.min(fromSource, staleMs.get(id) ?? Number.POSITIVE_INFINITY)]];
    }),
  );
  byConfig.set(config, freshness);
  return freshness;
}
