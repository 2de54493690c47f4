/**
 * The SQL files the local stack's Trino runs (deploy/trino/*.sql), generated from the lake definitions
 * (lake/tables) through the DDL of @genlake/lake. compose.test.ts fails when the committed files differ;
 * regenerate them with:
 *
 *   GENLAKE_TEST_UPDATE=1 npx vitest run --project small test/repo/compose.test.ts
 */
import { join, resolve } from 'node:path';
import { tableLocation, tableNames, trinoCreateTableSql, trinoSyncPartitionsSql } from '@genlake/lake';

export const REPO_ROOT = resolve(__dirname, '..', '..');
/** The Hive catalog file deploy/trino/catalog/<catalog>.properties. */
export const TRINO_CATALOG = 'hive';
export const TRINO_SCHEMA = 'genlake';

const BANNER = [
  '-- Generated from lake/tables by test/repo/trino.generator.ts: do not edit.',
  '-- Regenerate: GENLAKE_TEST_UPDATE=1 npx vitest run --project small test/repo/compose.test.ts',
];

/** Statements run by the trino-init service of compose.yaml: schema, one table per lake table, partitions. */
export function trinoInitSql(storageRoot: string): string {
  const statements = [
    `CREATE SCHEMA IF NOT EXISTS "${TRINO_CATALOG}"."${TRINO_SCHEMA}"`,
    ...tableNames.map((table) =>
      trinoCreateTableSql(table, TRINO_SCHEMA, tableLocation(storageRoot, table), { catalog: TRINO_CATALOG }),
    ),
    ...tableNames.map((table) => trinoSyncPartitionsSql(table, TRINO_SCHEMA, { catalog: TRINO_CATALOG, mode: 'ADD' })),
  ];
  return `${[...BANNER, `-- The lake tables over ${storageRoot}/lake/, for the Trino Hive connector.`, ''].join('\n')}${statements.map((s) => `${s};\n`).join('\n')}`;
}

/** Statements the trino-sync service runs every minute so that new generations become visible. */
export function trinoSyncSql(): string {
  const statements = tableNames.map((table) =>
    trinoSyncPartitionsSql(table, TRINO_SCHEMA, { catalog: TRINO_CATALOG, mode: 'FULL' }),
  );
  return `${[...BANNER, '-- Registers the partitions (generations) written since the last run; FULL also forgets deleted ones.', ''].join('\n')}${statements.map((s) => `${s};\n`).join('')}`;
}

/** Every generated file, by path relative to the repository root. */
export function trinoFiles(storageRoot: string): Record<string, string> {
  return {
    [join('deploy', 'trino', 'init.sql')]: trinoInitSql(storageRoot),
    [join('deploy', 'trino', 'sync-partitions.sql')]: trinoSyncSql(),
  };
}
