/** Errors of the agent runtime, each with a stable code. */
import { HazmonError } from '@hazmon/errors';

/**
 * HAZMON_RUNTIME_OUTPUT_UNRESOLVED: an output's command point is produced by no Modbus device or OPC UA connection.
 * HAZMON_RUNTIME_RELOAD_REFUSED: a config reload asked for something the running agent cannot do (the message names
 * the field or action); the agent keeps running on its previous config.
 */
export type RuntimeErrorCode = 'HAZMON_RUNTIME_OUTPUT_UNRESOLVED' | 'HAZMON_RUNTIME_RELOAD_REFUSED';

export class RuntimeError extends HazmonError<RuntimeErrorCode> {
  override readonly name = 'RuntimeError';
}
