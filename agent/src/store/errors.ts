/** The store's one error class: a stable code plus a message that quotes the bad value and says where. */
import { HazmonError, messageOf } from '@hazmon/errors';

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
  | 'HAZMON_STORE_WRITE_FAILED'
  /** A read did not get its memory under DuckDB's memory_limit: nothing is wrong with the request or the data; asked again later it may fit. */
  | 'HAZMON_STORE_BUSY'
  /** A read ran past StoreOptions.readTimeoutMs and was stopped: the request asks too much of the gateway at once. */
  | 'HAZMON_STORE_READ_TIMEOUT';

export class StoreError extends HazmonError<StoreErrorCode> {
  override readonly name = 'StoreError';
}

/**
 * DuckDB invalidates the database after a fatal error (a checkpoint that cannot get its memory or write its blocks, a
 * failed WAL write): every later statement fails ('Database "store" has been invalidated ...', or for a database opened
 * directly 'FATAL Error: ... database has been invalidated') until the file is opened again.
 */
export function isFatalDuckdbError(error: unknown): boolean {
  // The appender reports its commit's failed automatic checkpoint without the "FATAL Error" prefix.
  return /\bFATAL Error\b|has been invalidated/i.test(messageOf(error)) || committedDespiteError(error);
}

/** A commit whose automatic checkpoint failed (fatal): the rows are on disk, as DuckDB's message says, though it threw. */
export function committedDespiteError(error: unknown): boolean {
  return /COMMIT succeeded and is durable/.test(messageOf(error));
}
