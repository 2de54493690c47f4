import { randomBytes } from 'node:crypto';
import { migrate } from '@genlake/migrations';
import postgres from 'postgres';

/** The template's name when no global setup named one (a run's own name keeps two runs on one server apart). */
const DEFAULT_TEMPLATE = 'genlake_test_template';
const templateName = () => process.env.GENLAKE_TEST_TEMPLATE ?? DEFAULT_TEMPLATE;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Migrates a template database once per run (the global setup calls this) under a name of this run's own, so two
 * test runs against one Postgres never drop each other's template. Returns its name and a function that drops it.
 */
export async function prepareTemplate(serverUrl: string): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `${DEFAULT_TEMPLATE}_${randomBytes(4).toString('hex')}`;
  await migrate({ databaseUrl: withDatabase(serverUrl, name) });
  return {
    name,
    drop: async () => {
      const admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * A fresh, migrated database for one test file, cloned from the template (fast: no migrations run).
 * Returns its URL and a function that drops it.
 */
export async function freshDatabase(
  serverUrl: string,
  label = 'test',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `genlake_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${templateName()}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      const a = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
