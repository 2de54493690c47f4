export { ensureDatabase, MIGRATIONS_DIR, migrate, type MigrateOptions } from './migrate';
