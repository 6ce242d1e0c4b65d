/** Public surface of @hazmon/agent: the alarm engine (pure) and the DuckDB store. */
export * from './engine/index.ts';
export * from './store/index.ts';
