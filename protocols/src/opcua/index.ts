/** Public surface of the OPC UA client (re-exported by @hazmon/protocols); importing it does not load node-opcua (see node-opcua.ts). */
export type { BrowseOpcuaOptions, OpcuaVariableInfo } from './browse.ts';
export { browseOpcuaVariables } from './browse.ts';
export type {
  OpcuaConnectionConfig,
  OpcuaConnectionInput,
  OpcuaEndpointConfig,
  OpcuaEndpointInput,
  OpcuaPointConfig,
} from './config.ts';
export { opcuaConnectionSchema, opcuaEndpointSchema, opcuaPointSchema, parseOpcuaConnection, parseOpcuaEndpoint } from './config.ts';
export type { OpcuaAttemptResult, OpcuaConnectionHandlers, OpcuaConnectionState, OpcuaWriteResult } from './connection.ts';
export { OpcuaConnection, createOpcuaConnection, requestedKeepAliveMs } from './connection.ts';
export { hazmonUnit, uneceCode } from './engineering-units.ts';
export type { OpcuaErrorCode } from './errors.ts';
export { OpcuaError } from './errors.ts';
export { qualityOfStatus } from './status.ts';
