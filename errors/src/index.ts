/**
 * The one error base of every hazmon package. `code` is stable (callers, tests and an HTTP layer branch on it), `message`
 * is the sentence a person reads without the code, and `toString()` joins the two for a log line.
 */

export class HazmonError<Code extends string = string> extends Error {
  override readonly name: string = 'HazmonError';
  readonly code: Code;

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /** `CODE: message`, so a log line or `${error}` keeps the code a bare message leaves out. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** True for any hazmon error, or only for one with `code` when given; narrows a caught `unknown`. */
export function isHazmonError<Code extends string>(error: unknown, code?: Code): error is HazmonError<Code> {
  return error instanceof HazmonError && (code === undefined || error.code === code);
}

/**
 * The message of whatever was thrown or rejected. Libraries do not all throw Errors: modbus-serial rejects with plain
 * `{ name, message }` objects, and a rejected promise may carry a string.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

const QUOTE_LIMIT = 80;

/**
 * Renders a bad value for a message the way a person would want to read it back: a string quoted and whole (a path or
 * an id must be copyable), a number as written (NaN stays NaN where JSON would say null), a missing value as `nothing`,
 * an object as JSON cut short, so one huge value does not bury the message.
 */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  const text = jsonOrString(value);
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT - 3)}...` : text;
}

function jsonOrString(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle or a BigInt inside.
    return String(value);
  }
}
