/** Public surface of the agent's DuckDB store. */
export { HazmonStore } from './store.ts';
export { DEFAULT_STORE_MEMORY_LIMIT_MB, MAX_STORE_MEMORY_LIMIT_MB, MIN_RAW_RETENTION_DAYS, MIN_STORE_MEMORY_LIMIT_MB } from './limits.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export type { RetentionResult } from './retention.ts';
export type { RollupLevel } from './schema.ts';
export { GENESIS_HASH, auditRowHash } from './audit-chain.ts';
export type {
  AggregateColumns,
  AggregateRow,
  AggregatesQuery,
  AlarmEventInput,
  AlarmEventRangeQuery,
  AlarmEventRow,
  AlarmPriority,
  AuditInput,
  AuditProblem,
  AuditRangeQuery,
  AuditRow,
  AuditVerification,
  DuckdbMemory,
  ExportRequest,
  FaultDrillDatabase,
  FlushLatencyHistogram,
  EventAreas,
  JsonRowsPage,
  RawReadingRow,
  ReadingsResolution,
  ReadingColumns,
  ReadingsResult,
  StoreEvent,
  StoreFaultHooks,
  StoreOptions,
  StoredLimits,
  StoredLimitsMove,
  StorePointDefinition,
  StoreReader,
  StoreStats,
  UnseenSpan,
} from './types.ts';
