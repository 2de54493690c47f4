export { ensureDatabase, MIGRATIONS_DIR, type MigrateOptions, migrate } from './migrate';
