/** Public surface of the alarm engine (re-exported by @hazmon/agent). */
export { AlarmEngine, REASON_CODES, refusedCommand } from './engine.ts';
export type { AlarmView, EngineStats, PendingDelayView, RevertibleCommand, WindowValue } from './engine.ts';
export type { AlarmStateRestore, EngineSnapshot, RestoreResult, SavedAlarmState } from './snapshot.ts';
export { FLAG_FAULT } from './layout.ts';
export type { ReadingBatch } from './layout.ts';
export { engineConfigSchema, parseEngineConfig, PRIORITIES, PRIORITY_COLOUR } from './config.ts';
export type {
  ActionConfig,
  EngineConfig,
  EngineConfigInput,
  LimitConfig,
  PointRules,
  Priority,
  VotingGroupConfig,
  WindowRuleConfig,
} from './config.ts';
export type {
  ActionEvent,
  AlarmChatteringEvent,
  AlarmEvent,
  AlarmFloodEvent,
  AlarmKind,
  AlarmMode,
  AlarmState,
  CommandRefusedEvent,
  CommandResult,
  EngineEvent,
  EventSink,
  InvalidReadingEvent,
  LateReadingEvent,
  OperatorCommand,
  VoteIgnoredEvent,
} from './events.ts';
export type { AlarmSystemHealth } from './alarm-health.ts';
export { CHATTER_COUNT, CHATTER_WINDOW_MS, FLOOD_COUNT, FLOOD_WINDOW_MS, STALE_ALARM_MS } from './alarm-health.ts';
export { GAS_LIBRARY, GAS_NAMES, MOLAR_VOLUME_L_20C, mgPerM3ToPpm, ppmToMgPerM3, presetLimits } from './gas-library.ts';
export type { GasEntry, GasName, LelSource, PresetLimits, PresetStandard, PresetUnit } from './gas-library.ts';
export { EngineError } from './errors.ts';
export { RESERVED_RULE_NAMES } from './point.ts';
export type { EngineErrorCode } from './errors.ts';
