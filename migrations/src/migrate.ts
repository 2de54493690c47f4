import { join } from 'node:path';
import postgres from 'postgres';

export const MIGRATIONS_DIR = join(__dirname, '..', 'sql');

export interface MigrateOptions {
  databaseUrl: string;
  log?: (message: string) => void;
}

/** Creates the database named in the URL when it does not exist (racing creators are fine). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    try {
      await sql.unsafe(`create database "${name.replace(/"/g, '""')}"`);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 42P04: created meanwhile by another starting service; 23505: same race seen in pg_database.
      if (code === '42P04' || code === '23505') return false;
      throw err;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Arbitrary constant naming genlake's migration lock among Postgres advisory locks. */
const MIGRATION_LOCK_ID = 7_254_310_881;

/**
 * Applies every pending migration in `migrations/sql` with node-pg-migrate. Services call this as they
 * start, possibly all at once: a session advisory lock makes the others wait (node-pg-migrate's own
 * lock would make them fail instead), then they find nothing to do.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const log = options.log ?? (() => {});
  const quiet = (m: string) => {
    // numbered (not timestamped) file names are intended
    if (!m.startsWith("Can't determine timestamp") && !m.startsWith('No migrations to run')) log(m);
  };
  if (await ensureDatabase(options.databaseUrl)) log('created database');
  const lockSql = postgres(options.databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const lock = await lockSql.reserve();
    try {
      await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
      const { runner } = await import('node-pg-migrate');
      const applied = await runner({
        databaseUrl: options.databaseUrl,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: 'schema_migrations',
        count: Number.POSITIVE_INFINITY,
        checkOrder: true,
        singleTransaction: true,
        noLock: true,
        verbose: false,
        log: () => {},
        logger: { debug: () => {}, info: quiet, warn: quiet, error: quiet },
      } as never);
      const names = (applied as Array<{ name: string }>).map((m) => m.name);
      if (names.length) log(`applied migrations: ${names.join(', ')}`);
      return names;
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {});
      lock.release();
    }
  } finally {
    await lockSql.end({ timeout: 5 });
  }
}
