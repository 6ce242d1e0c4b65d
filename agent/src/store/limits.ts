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

/** The regulation: electronic records kept for at least 30 days. */
export const MIN_RAW_RETENTION_DAYS = 30;
