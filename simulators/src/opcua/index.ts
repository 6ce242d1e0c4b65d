/** Public surface of the OPC UA tank farm simulator (re-exported by @hazmon/simulators). */
export type { RunningTankFarm, TankFarmOptions, TankVariableName } from './tank-farm.ts';
export { TANK_FARM_APPLICATION_URI, bulkNodeId, bulkValueAt, startTankFarm, tankNodeId } from './tank-farm.ts';
export type { TankQuantity, TankSpec } from './tank.ts';
export { TANK_QUANTITIES, TankDevice } from './tank.ts';
