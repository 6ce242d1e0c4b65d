/** Errors of the agent runtime, each with a stable code. */

/**
 * HAZMON_RUNTIME_OUTPUT_UNRESOLVED: an output's command point is produced by no Modbus device or OPC UA connection.
 * HAZMON_RUNTIME_RELOAD_REFUSED: a config reload asked for something the running agent cannot do (the message names
 * the field or action); the agent keeps running on its previous config.
 */
export type RuntimeErrorCode = 'HAZMON_RUNTIME_OUTPUT_UNRESOLVED' | 'HAZMON_RUNTIME_RELOAD_REFUSED';

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
