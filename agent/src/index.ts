/** Public surface of @hazmon/agent: the alarm engine (pure), the DuckDB store, the configuration file and the runtime that composes them. */
export * from './engine/index.ts';
export * from './store/index.ts';
export * from './config/index.ts';
export * from './runtime/index.ts';
