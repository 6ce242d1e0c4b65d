/** Whether the agent is doing its job: engine ticking, event loop not stalled, store committing. Feeds /healthz and the systemd watchdog. */
import type { HealthLimits } from '../config/index.ts';
import type { AgentStats } from './stats.ts';

export interface AgentHealth {
  readonly healthy: boolean;
  /**
   * False when the agent is hung (engine not ticked, event loop stalled): the systemd watchdog is no longer pinged,
   * so systemd restarts it. A failing store alone leaves it alive: a restart would not mend a full disk and would
   * interrupt monitoring and shut-off every watchdog period.
   */
  readonly alive: boolean;
  /** One sentence per problem; empty when healthy. */
  readonly reasons: readonly string[];
}

/** Judges a stats snapshot taken at `now` (the agent's clock) against the config's health limits. */
export function assessHealth(stats: AgentStats, now: number, limits: HealthLimits): AgentHealth {
  const reasons: string[] = [];
  const loop = stats.eventLoop;
  if (loop.stalled) reasons.push(`event loop stalled: delays up to ${Math.round(loop.maxMs)} ms in the last window (limit ${limits.eventLoopLagMs} ms)`);
  const sinceTick = now - stats.lastTickAt;
  if (sinceTick > limits.tickStallS * 1000) reasons.push(`alarm engine not ticked for ${Math.round(sinceTick / 1000)} s (limit ${limits.tickStallS} s)`);
  const alive = reasons.length === 0;
  const { store } = stats;
  const sinceCommit = now - (store.lastFlushAt ?? stats.startedAt);
  if (store.queueDepth > 0 && sinceCommit > limits.storeStallS * 1000) {
    const lastError = store.lastError === null ? '' : ` (last error: ${store.lastError})`;
    reasons.push(`store failing: ${store.queueDepth} reading(s) queued and nothing committed for ${Math.round(sinceCommit / 1000)} s (limit ${limits.storeStallS} s)${lastError}`);
  }
  return { healthy: reasons.length === 0, alive, reasons };
}
