/** Errors of the agent runtime, each with a stable code. */

/** HAZMON_RUNTIME_OUTPUT_UNRESOLVED: an output's command point is produced by no Modbus device or OPC UA connection. */
export type RuntimeErrorCode = 'HAZMON_RUNTIME_OUTPUT_UNRESOLVED';

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
