import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate';

describe('migrate', () => {
  it('creates the database and applies migrations once when several services start together', async () => {
    const server = new URL(process.env.GENLAKE_TEST_DATABASE_URL ?? '');
    const name = `genlake_migrate_${randomBytes(4).toString('hex')}`;
    const url = new URL(server);
    url.pathname = `/${name}`;
    const runs = await Promise.all(Array.from({ length: 4 }, () => migrate({ databaseUrl: url.toString() })));
    // Exactly one starter applied the migrations; the others waited and found nothing to do.
    expect(runs.filter((r) => r.length > 0)).toHaveLength(1);
    expect(runs.flat()).toContain('0001_pipeline');
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      const tables = await sql<{ table_name: string }[]>`
        select table_name from information_schema.tables where table_schema = 'public' order by 1`;
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['batches', 'datasets', 'generation_files', 'generations', 'inbox', 'outbox']),
      );
      expect(await migrate({ databaseUrl: url.toString() })).toEqual([]);
    } finally {
      await sql.end();
      const admin = postgres(new URL('/postgres', server).toString(), { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
