/** Public surface of @hazmon/agent: the alarm engine (pure), the DuckDB store and the configuration file. */
export * from './engine/index.ts';
export * from './store/index.ts';
export * from './config/index.ts';
