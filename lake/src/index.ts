export * from './duckdb';
export * from './tables';
export * from './workload';
