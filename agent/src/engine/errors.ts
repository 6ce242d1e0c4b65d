/** Named errors of the alarm engine, each with a stable code; config errors list their problems by field path. */
import { HazmonError } from '@hazmon/errors';

export type EngineErrorCode = 'HAZMON_ENGINE_CONFIG_INVALID' | 'HAZMON_ENGINE_INPUT_INVALID' | 'HAZMON_ENGINE_SNAPSHOT_INVALID';

/** Path of a field in the engine's config, e.g. ['points', 1, 'limits', 'hi']. */
export type EnginePath = readonly (string | number)[];

/** One problem of a rule set: the field it is in and what is wrong there. */
export interface EngineProblem {
  readonly path: EnginePath;
  readonly message: string;
}

export class EngineError extends HazmonError<EngineErrorCode> {
  override readonly name = 'EngineError';
  /** For HAZMON_ENGINE_CONFIG_INVALID: every problem with its field, so a caller places them without reading the message. */
  readonly problems: readonly EngineProblem[];

  constructor(code: EngineErrorCode, message: string, problems: readonly EngineProblem[] = []) {
    super(code, message);
    this.problems = problems;
  }
}

/** `points[1].limits.hi` */
export function pathText(path: EnginePath): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${key}`)).join('');
}

/** A config error with one problem; the message reads "engine config: points[1].limits: ...". */
export function configError(path: EnginePath, message: string): EngineError {
  return new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `engine config: ${pathText(path)}: ${message}`, [{ path, message }]);
}
