/** Errors of the agent runtime, each with a stable code. */

export type RuntimeErrorCode =
  | 'HAZMON_RUNTIME_OUTPUT_UNRESOLVED' // an output's command or feedback point is produced by no device or OPC UA connection
  | 'HAZMON_RUNTIME_STATE'; // a method called in the wrong state (start twice, reset before start)

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
