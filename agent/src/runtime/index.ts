/** Public surface of the agent runtime: the core loop with verified shut-off. */
export { Agent } from './agent.ts';
export type { AgentEvent, AgentListener, AgentOptions, ReadingsListener, AgentStats, ResetCredentials, RuntimeAlarmEvent } from './agent.ts';
export { LATENCY_BOUNDS_MS, LatencyHistogram } from '../latency-histogram.ts';
export type { LatencySnapshot } from '../latency-histogram.ts';
export type { OutputWriteResult, ShutoffDiscrepancy, ShutoffDiscrepancyReason, ShutoffState, ShutoffStats } from './shutoff.ts';
export { RuntimeError } from './errors.ts';
export type { RuntimeErrorCode } from './errors.ts';
