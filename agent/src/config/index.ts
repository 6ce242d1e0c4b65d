/** Public surface of the agent's config loader: the site config file, its checks and password hashes. */
export { MAX_CONFIG_FILE_BYTES, loadAgentConfig, parseAgentConfig } from './load.ts';
export type { AgentConfig, LoadConfigOptions, ResolvedOutput } from './load.ts';
export { HazmonConfigError, MAX_LISTED_PROBLEMS, formatIssue, problemListing } from './errors.ts';
export type { ConfigIssue, ConfigIssueCode } from './errors.ts';
export { OUTPUT_KINDS, RESET_ROLES, USER_ROLES, configSections, isLoopbackHost } from './schema.ts';
export type {
  ApiConfig,
  HealthLimits,
  HeartbeatConfig,
  MetricsListenConfig,
  OutputConfig,
  PointEntry,
  RetentionConfig,
  SiteConfig,
  UpkeepIntervals,
  UplinkConfig,
  UserConfig,
  UserRole,
} from './schema.ts';
export { PASSWORD_HASH_PATTERN, hashPassword, verifyPassword } from './password.ts';
export { limitRangeOf, thresholdsOf } from './store-points.ts';
export { StorePointPages } from './store-point-pages.ts';
export { AREA_KINDS, AREA_PRESETS } from './area-presets.ts';
export type { AlarmHelp, AreaKind } from './area-presets.ts';
export { alarmHelpOf } from './areas.ts';
export type { AlarmHelpTable, HelpSource, ResolvedAlarmHelp } from './areas.ts';
export { PLAN_IMAGE_TYPES } from './schema.ts';
export type { PlanPosition } from './plan.ts';
