/** The store's one error class: a stable code plus a message that quotes the bad value and says where. */

export type StoreErrorCode =
  | 'HAZMON_STORE_CONFIG_INVALID'
  | 'HAZMON_STORE_RETENTION_TOO_SHORT'
  | 'HAZMON_STORE_UNKNOWN_POINT'
  | 'HAZMON_STORE_POINT_INVALID'
  | 'HAZMON_STORE_POINT_CONFLICT'
  | 'HAZMON_STORE_BAD_READING'
  | 'HAZMON_STORE_BAD_RANGE'
  | 'HAZMON_STORE_BAD_EVENT'
  | 'HAZMON_STORE_CLOSED'
  | 'HAZMON_STORE_WRITE_FAILED';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * DuckDB invalidates the database after a fatal error (a checkpoint that cannot get its memory or write its blocks, a
 * failed WAL write): every later statement fails ('Database "store" has been invalidated ...', or for a database opened
 * directly 'FATAL Error: ... database has been invalidated') until the file is opened again.
 */
export function isFatalDuckdbError(error: unknown): boolean {
  // The appender reports its commit's failed automatic checkpoint without the "FATAL Error" prefix.
  return /\bFATAL Error\b|has been invalidated/i.test(String(error)) || committedDespiteError(error);
}

/** A commit whose automatic checkpoint failed (fatal): the rows are on disk, as DuckDB's message says, though it threw. */
export function committedDespiteError(error: unknown): boolean {
  return /COMMIT succeeded and is durable/.test(String(error));
}

/** Quotes a value for an error message the way a person would want to read it back. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
