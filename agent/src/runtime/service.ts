/**
 * What `hazmon run` adds around a running agent for a service manager and a monitoring system: the /metrics and
 * /healthz listener (when the config has a `metrics` section) and systemd notifications (when NOTIFY_SOCKET is set).
 *
 * @example
 * const service = await startServiceHooks(agent, { log });
 * ... until SIGTERM ...
 * service.stopping(); await agent.stop(); await service.close();
 */
import { messageOf } from '@hazmon/errors';
import type { Agent } from './agent.ts';
import type { AgentHealth } from './health.ts';
import { assessHealth } from './health.ts';
import type { MonitoringEndpoint } from './http-endpoint.ts';
import { startMonitoringEndpoint } from './http-endpoint.ts';
import { processStats, renderMetrics } from './metrics.ts';
import type { SystemdNotifierOptions } from './systemd-notify.ts';
import { SystemdNotifier } from './systemd-notify.ts';

export interface ServiceHookOptions {
  readonly log: (line: string) => void;
  /** The agent's clock for health judgements; default Date.now. */
  readonly now?: () => number;
  /** Environment and programs for systemd notifications (tests). */
  readonly systemd?: Omit<SystemdNotifierOptions, 'health' | 'log'>;
}

export interface ServiceHooks {
  /** Where /metrics and /healthz are served; null when the config has no `metrics` section. */
  readonly endpoint: MonitoringEndpoint | null;
  health(): AgentHealth;
  /** Tells systemd the agent is stopping and stops the watchdog; call before `agent.stop()`. */
  stopping(): void;
  /** Closes the listener and the notifier; call after `agent.stop()`. */
  close(): Promise<void>;
}

/**
 * The /metrics listener of the config, or null. A listener that cannot bind (port taken) is a medium runtime alarm,
 * not a reason to stop: monitoring and shut-off matter more than their metrics.
 */
async function startEndpoint(agent: Agent, health: () => AgentHealth, log: (line: string) => void): Promise<MonitoringEndpoint | null> {
  const listen = agent.config.metrics;
  if (!listen) return null;
  try {
    return await startMonitoringEndpoint({
      host: listen.host,
      port: listen.port,
      health,
      metrics: () => renderMetrics({ agent: agent.stats(), alarmsActive: agent.activeAlarmsByPriority(), process: processStats() }),
    });
  } catch (error) {
    const why = `cannot serve /metrics on ${listen.host}:${listen.port} (${agent.config.file}: metrics): ${messageOf(error)}`;
    log(`hazmon: ${why}; running without it`);
    agent.raiseRuntimeAlarm({
      alarmId: METRICS_UNAVAILABLE_ALARM,
      source: null,
      rule: 'metrics_unavailable',
      active: true,
      priority: 'medium',
      why,
      details: { host: listen.host, port: listen.port },
    });
    return null;
  }
}

export const METRICS_UNAVAILABLE_ALARM = 'agent/metrics_unavailable';

export async function startServiceHooks(agent: Agent, options: ServiceHookOptions): Promise<ServiceHooks> {
  const now = options.now ?? Date.now;
  const health = () => assessHealth(agent.stats(), now(), agent.config.health);
  const endpoint = await startEndpoint(agent, health, options.log);
  const notifier = SystemdNotifier.fromEnvironment({ ...options.systemd, health, log: options.log });
  const { devices, opcua } = agent.config;
  notifier?.ready(`running: ${devices.length} Modbus devices, ${opcua.length} OPC UA connections${endpoint ? `, metrics at ${endpoint.url}/metrics` : ''}`);
  return {
    endpoint,
    health,
    stopping: () => notifier?.stopping(),
    close: async () => {
      await endpoint?.close();
      await notifier?.close();
    },
  };
}
