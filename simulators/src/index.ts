/** Public surface of @hazmon/simulators. */

// Devices and their documented register maps (protocol addresses, 0-based).
export type { DeviceModel, ModbusSimulatedDevice, SimulatedDevice } from './devices/device.ts';
export { createDevice, deviceSpecSchema, type DeviceSpec } from './devices/registry.ts';
export { HoneywellXnx, XNX_EVENTS, XNX_REGISTERS, XNX_STATUS, type XnxOptions } from './devices/honeywell-xnx.ts';
export {
  HoneywellMidas,
  MIDAS_DEFAULT_FAULT_CODE,
  MIDAS_HEARTBEAT_PERIOD_MS,
  MIDAS_REGISTERS,
  MIDAS_STATUS,
  type MidasOptions,
} from './devices/honeywell-midas.ts';
export { MSA_DEFAULT_FAULT_BITS, MSA_OFFSETS, MSA_RESET_COIL, MSA_STATUS, MsaUltimaX, type MsaOptions } from './devices/msa-ultima-x.ts';
export { IGD_COILS, IGD_REGISTERS, IGD_STATUS, IgdToc635, igdRawFromLel, type IgdOptions } from './devices/igd-toc-635.ts';
export { AI_REGISTERS, AnalogInputModule, type AnalogInputOptions } from './devices/analog-input.ts';
export { TANK_REGISTERS, TankGauge, type TankGaugeOptions } from './devices/tank-gauge.ts';
export { ShutoffValve, VALVE_COILS, VALVE_DISCRETE_INPUTS, type ShutoffValveOptions } from './devices/shutoff-valve.ts';
export { MotorStarter, STARTER_COILS, STARTER_DISCRETE_INPUTS, type MotorStarterOptions } from './devices/motor-starter.ts';
export { DUST_REGISTERS, DUST_STATUS, DustCollector, type DustCollectorOptions } from './devices/dust-collector.ts';
export { RegisterBank, type RegisterBankOptions, type RegisterBankPoint } from './devices/register-bank.ts';
export { loopCurrentMa, NE43 } from './devices/loop-current.ts';
export { decodeRegisters, encodeRegisters, registerCount, type RegisterValueType, type WordOrder } from './word-order.ts';

// Modbus servers, per-unit comms faults, request statistics.
export { ModbusMemory, type ModbusUnit } from './modbus/memory.ts';
export { COMMS_FAULTS, ModbusUnitHost, type CommsFault } from './modbus/unit-host.ts';
export { RequestStatistics, type RequestCountEntry, type RequestCountFilter } from './modbus/statistics.ts';
export { startModbusTcpServer, type ModbusTcpServerOptions, type RunningModbusTcpServer } from './modbus/tcp-server.ts';
export { startModbusRtuServer, type ModbusRtuServerOptions, type RunningModbusRtuServer } from './modbus/rtu-server.ts';
export type { Parity, SerialFormat } from './modbus/rtu-framing.ts';
export { createPtyPair, type PtyPair } from './pty.ts';

// Simulated time and scenarios.
export { SimClock, type ClockListener, type SimClockOptions } from './clock.ts';
export { scenarioSchema, type Scenario, type ScenarioEffect, type ScenarioInput } from './scenarios/schema.ts';
export {
  renderScenarioSignal,
  scenarioCommsFaultAt,
  scenarioQuantities,
  scenarioValueAt,
  type RenderOptions,
  type ScenarioSample,
} from './scenarios/signal.ts';
export { loadScenarioFile, parseScenario } from './scenarios/load.ts';
export { attachScenario, type AttachScenarioOptions } from './scenarios/runner.ts';

// Sites (what hazmon-sim runs).
export { loadSiteFile, startSite, type RunningSite, type SiteEndpoint, type StartSiteOptions } from './site/start-site.ts';
export { siteSchema, type SiteSpec } from './site/schema.ts';

// OPC UA tank farm (written by the OPC UA helper).
export {
  bulkNodeId,
  bulkValueAt,
  startTankFarm,
  TANK_FARM_APPLICATION_URI,
  TANK_QUANTITIES,
  TankDevice,
  tankNodeId,
  type RunningTankFarm,
  type TankFarmOptions,
  type TankQuantity,
  type TankSpec,
  type TankVariableName,
} from './opcua/index.ts';

// Network faults between a client and a simulated server.
export { startLinkRelay, type LinkRelay } from './net/link-relay.ts';

export { SimulatorError, type SimulatorErrorCode } from './errors.ts';
