export * from './catalog';
export { type CliEnv, type CliIo, DEFAULT_STORAGE_URL, openKitStorage, runCli } from './cli';
export * from './ddl';
export * from './duckdb';
export * from './engines';
export * from './result.format';
export * from './tables';
export * from './workload';
