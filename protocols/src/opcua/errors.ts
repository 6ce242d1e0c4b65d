/** Named errors of the OPC UA half of @hazmon/protocols, each with a stable code and a message naming endpoint and node. */
import { HazmonError } from '@hazmon/errors';

export type OpcuaErrorCode =
  | 'HAZMON_OPCUA_CONFIG_INVALID' // a connection or point config field is wrong
  | 'HAZMON_OPCUA_CONNECT_FAILED' // no secure channel (server down, wrong endpoint, certificate refused)
  | 'HAZMON_OPCUA_AUTH_REJECTED' // the server refused the user identity (wrong user name or password, anonymous not allowed)
  | 'HAZMON_OPCUA_CERTIFICATE_REJECTED' // one side does not trust the other's certificate; the message says which to trust, where
  | 'HAZMON_OPCUA_SUBSCRIBE_FAILED' // session up, but the subscription or a monitored item could not be created
  | 'HAZMON_OPCUA_WRITE_REJECTED' // a write came back with a status that is not Good
  | 'HAZMON_OPCUA_BROWSE_FAILED' // browsing the address space failed
  | 'HAZMON_OPCUA_ALREADY_STARTED'; // start() called twice on one connection

export class OpcuaError extends HazmonError<OpcuaErrorCode> {
  override readonly name = 'OpcuaError';
}
