/** Named errors of the alarm engine, each with a stable code. */

export type EngineErrorCode =
  | 'HAZMON_ENGINE_CONFIG_INVALID'
  | 'HAZMON_ENGINE_INPUT_INVALID'
  | 'HAZMON_ENGINE_SNAPSHOT_INVALID';

export class EngineError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}
