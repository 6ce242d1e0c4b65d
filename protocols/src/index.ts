/** Public surface of @hazmon/protocols. */

// The one reading shape.
export type { Quality, QualityReason, QualityReasonCode, Reading } from './reading.ts';
export { QUALITY_CODE, REASON_BY_CODE, REASON_CODE, effectiveTime } from './reading.ts';
// A batch of readings as rows, plain good numbers without an object each.
export type { ReadingRows } from './reading-rows.ts';
export { ReadingRowBuffer } from './reading-rows.ts';

// Modbus: points, decoding, planning.
export type { FlagSpec, PointInput, PointSpec, ResolvedPoint, Role, Table, ValueType, WordOrder } from './modbus/point.ts';
export { MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ, READ_FUNCTION, TABLES, VALUE_TYPES, WORD_ORDERS, pointSchema, registerLabel } from './modbus/point.ts';
export type { RegisterDecoder, RegisterEncoder, Scaling } from './modbus/decode.ts';
export { makeRegisterDecoder, makeRegisterEncoder, makeScaling } from './modbus/decode.ts';
export { NE43, ne43Quality } from './modbus/ne43.ts';
export type { PlanItem, PlanOptions, PlanStrategy, PlannedRequest } from './modbus/plan.ts';
export { PollSchedule, planRequests } from './modbus/plan.ts';

// Modbus: devices, lines, polling, writing.
export type { BuildDeviceInput, HealthCategory, HealthMap, ReadyDevice, ReadyPoint } from './modbus/device.ts';
export { buildReadyDevice } from './modbus/device.ts';
export type { LineConfig, LineTiming, ModbusCounters, RtuLineConfig, TcpLineConfig } from './modbus/line.ts';
export { newCounters } from './modbus/line.ts';
export { DEFAULT_LINE_TIMING, ModbusLine, lineConfigSchema } from './modbus/line.ts';
export type { ModbusPollerOptions, PollOutcome } from './modbus/client.ts';
export { ModbusPoller } from './modbus/client.ts';
export type { ConfigLocation, ModbusConfigErrorCode, ModbusWriteErrorCode } from './modbus/errors.ts';
export { ModbusConfigError, ModbusWriteError } from './modbus/errors.ts';

// Device profiles (YAML data files) and devices built from them.
export type { ModbusProfile, ProfilePoint, SerialSettings } from './profiles/profile.ts';
export { profileSchema } from './profiles/profile.ts';
export { PROFILES_DIR, listProfiles, loadProfile, parseProfile } from './profiles/load.ts';
// Maps a field path of a parsed YAML document back to line:column (site configs use it too).
export type { Locator } from './profiles/load.ts';
export { formatPath, valueAt, yamlLocator } from './profiles/load.ts';
export type { CreateDeviceOptions, ModbusDeviceConfig, PointOverride } from './profiles/device.ts';
export { createModbusDevice, deviceConfigSchema } from './profiles/device.ts';

// OPC UA.
export * from './opcua/index.ts';
