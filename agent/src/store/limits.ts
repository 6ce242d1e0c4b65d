/** The store's settings limits, apart from the store so the config checks them without loading DuckDB. */

/**
 * StoreOptions.memoryLimitMb: the default and the range accepted. Wide on purpose: a CHECKPOINT that cannot get its
 * memory under the limit invalidates the whole DuckDB database (a FATAL error; every later write fails until the
 * file is opened again), which CI hit at 24 MiB. RSS is held down by evicting the cached blocks after each
 * checkpoint (releaseCachedBlocks), not by the limit (README "Memory limit").
 */
export const DEFAULT_STORE_MEMORY_LIMIT_MB = 128;
export const MIN_STORE_MEMORY_LIMIT_MB = 16;
export const MAX_STORE_MEMORY_LIMIT_MB = 65_536;

/**
 * StoreOptions.readTimeoutMs in whole seconds, as the config gives it: the default and the range. A read past it (a
 * regulator's year of raw readings in one query, say) is stopped, so that it cannot hold a core of the gateway's two
 * from polling, alarms and ingest; the web server answers 503 asking for a shorter range or smaller page. The day's
 * export of 1k points runs ~2 s in windows of its own statements, each well under it.
 */
export const DEFAULT_STORE_READ_TIMEOUT_S = 30;
export const MAX_STORE_READ_TIMEOUT_S = 3600;

/** The regulation: electronic records kept for at least 30 days. */
export const MIN_RAW_RETENTION_DAYS = 30;
