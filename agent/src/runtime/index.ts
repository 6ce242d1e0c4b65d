/** Public surface of the agent runtime: the core loop with verified shut-off. */
export { Agent } from './agent.ts';
export type { AgentOptions } from './agent.ts';
export type { AgentStats, ModbusDeviceStats } from './stats.ts';
export type {
  AgentApi,
  AgentServer,
  AlarmHandling,
  AlarmList,
  PublicConfig,
  PublicUser,
  RegulatorTokenCreated,
  RegulatorTokenRequest,
  RunningServer,
  SessionAuditEntry,
  ThresholdChangeRequest,
  ThresholdChangeResult,
  ThresholdOverview,
} from './api.ts';
export { REGULATOR_TOKEN_ROLES } from './regulator-tokens.ts';
export type { RegulatorTokenView } from './regulator-tokens.ts';
export type { AgentDurableListener, AgentEvent, AgentListener, AlarmCommandRequest, AuthenticatedUser, ConfigReloadEvent, Credentials, ReadingsListener, UpkeepRecord } from './events.ts';
export { UPKEEP_RULE } from './event-journal.ts';
export type { LatestChangeVisitor, LatestValue, LatestValueVisitor } from './latest-values.ts';
export type { ActionState, ActionView, LimitSwitchView } from './action-views.ts';
export type { RuntimeAlarmEvent, RuntimeAlarmInput, RuntimeAlarmTransition, RuntimeAlarmView } from './runtime-alarms.ts';
export type { EventDurability } from './durable-feed.ts';
export { rolesFor } from './access.ts';
export { perConfigPoints, type PerConfigPoints } from './per-config-points.ts';
export { LIMIT_NAMES, THRESHOLD_HISTORY_LIMIT, THRESHOLD_ROLES, thresholdOverrideFile } from './threshold-overrides.ts';
export type { LimitName, ThresholdHistoryEntry, ThresholdOverride } from './threshold-overrides.ts';
export { CONFIG_FILE_WHO, CONFIG_LIMIT_HISTORY_LIMIT, LIMITS_CHANGED_AT_START } from './config-limit-changes.ts';
export type { AuditedLimitChange, ConfigLimitChange, ConfigLimitRecord, LimitChangeCause } from './config-limit-changes.ts';
export { configHash } from './reload.ts';
export type { ChangeSet, ReloadReport, RunningConfig, SkippedState } from './reload.ts';
export { METRICS_CONTENT_TYPE, processStats, renderMetrics } from './metrics.ts';
export type { MetricsInput, ProcessStats } from './metrics.ts';
export { assessHealth } from './health.ts';
export type { AgentHealth } from './health.ts';
export { startMonitoringEndpoint } from './http-endpoint.ts';
export type { MonitoringEndpoint, MonitoringEndpointOptions } from './http-endpoint.ts';
export { SystemdNotifier } from './systemd-notify.ts';
export type { SystemdNotifierOptions } from './systemd-notify.ts';
export { METRICS_UNAVAILABLE_ALARM, startServiceHooks } from './service.ts';
export type { ServiceHookOptions, ServiceHooks } from './service.ts';
export { EVENT_LOOP_LAG_ALARM } from './event-loop.ts';
export type { EventLoopLagSnapshot } from './event-loop.ts';
export { HEARTBEAT_ALARM } from './heartbeat.ts';
export type { HeartbeatMode, HeartbeatStats } from './heartbeat.ts';
export { LATENCY_BOUNDS_MS, LatencyHistogram } from '../latency-histogram.ts';
export type { LatencySnapshot } from '../latency-histogram.ts';
export type { OutputWriteResult, ShutoffDiscrepancy, ShutoffDiscrepancyReason, ShutoffState, ShutoffStats } from './shutoff.ts';
export { alarmAreas } from './alarm-areas.ts';
export type { AlarmAreas, AreaSource } from './alarm-areas.ts';
export { majorHazardGrade, siteGrades, WARNING_GRADES, warningGrades } from './grades.ts';
export type { MajorHazardGrade, SiteGrades, WarningGrade, WarningGrades } from './grades.ts';
export { deviceStates } from './devices.ts';
export { commsScores } from './comms-history.ts';
export { detectorIds, detectorUpkeep, UPKEEP_KINDS, UPKEEP_RESULTS, upkeepRecords } from './upkeep.ts';
export { RuntimeError } from './errors.ts';
export type { RuntimeErrorCode } from './errors.ts';
export { collectStartupGarbage } from './startup-garbage.ts';
