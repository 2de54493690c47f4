#!/usr/bin/env node
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { LakeCatalog, type LakeObjectStore } from './catalog';
import { LakeEngine } from './duckdb';
import { formatResult, OUTPUT_FORMATS, type OutputFormat, type ResultSet, readResultSet } from './result.format';
import { duckdbType, getTable, lakeTables, tableNames } from './tables';

export type CliEnv = Record<string, string | undefined>;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment (STORAGE_URL, S3_*); default `process.env`. */
  env?: CliEnv;
  /** Opens the storage for a URL; default: the kit's `openStorage` with S3 settings from the environment. */
  openStore?: (url: string, env: CliEnv) => LakeObjectStore;
  /** Cache directory for remote storage; default per storage URL below the OS temp directory. */
  cacheDir?: string;
}

export const DEFAULT_STORAGE_URL = './.genlake/storage';

/**
 * The only place the lake touches `@genlake/kit`: loaded at run time, so the lake compiles without the kit.
 * S3 settings come from S3_ENDPOINT, S3_REGION (default us-east-1), S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY.
 */
export function openKitStorage(url: string, env: CliEnv): LakeObjectStore {
  const kit = require('@genlake/kit') as {
    openStorage(
      url: string,
      s3: { region: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string },
    ): LakeObjectStore;
  };
  return kit.openStorage(url, {
    region: env.S3_REGION || 'us-east-1',
    endpoint: env.S3_ENDPOINT || undefined,
    accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function tablesResult(): ResultSet {
  return {
    columns: ['table', 'stage', 'primary_key', 'columns', 'description'],
    rows: tableNames.map((name) => {
      const t = lakeTables[name];
      return [name, t.stage, t.primaryKey.join(', '), t.columns.map((c) => c.name).join(', '), t.description];
    }),
  };
}

function describeResult(table: string): ResultSet {
  const t = getTable(table);
  return {
    columns: ['column', 'type', 'duckdb_type', 'nullable', 'partition', 'references', 'description'],
    rows: [
      ...t.columns.map((c) => [c.name, c.type, duckdbType(c), c.nullable, false, c.references ?? null, c.description]),
      ...t.partitionKeys.map((p) => [
        p.name,
        p.type,
        duckdbType(p),
        false,
        true,
        null,
        p.description ?? 'Partition column (from the object path).',
      ]),
    ],
  };
}

/**
 * The `genlake-lake` command line. `argv` holds the arguments after the program name, e.g.
 * `['query', 'select 1', '--format', 'json']`. Resolves to the exit code; never throws.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  const openStore = io.openStore ?? openKitStorage;
  let code = 0;
  const fail = (err: unknown): void => {
    io.stderr(`error: ${message(err)}\n`);
    code = 1;
  };
  const formatOption = (): Option =>
    new Option('-f, --format <format>', 'output format').choices(OUTPUT_FORMATS).default('table');
  const storageOption = (): Option =>
    new Option('-s, --storage <url>', 's3://bucket/prefix, file:///dir or a directory (env STORAGE_URL)').default(
      env.STORAGE_URL || DEFAULT_STORAGE_URL,
    );

  const withCatalog = async (storage: string, work: (catalog: LakeCatalog) => Promise<void>): Promise<void> => {
    const engine = new LakeEngine({ tempDirectory: join(tmpdir(), 'genlake-lake-duckdb') });
    try {
      const catalog = new LakeCatalog(openStore(storage, env), engine, { cacheDir: io.cacheDir });
      await work(catalog);
    } finally {
      await engine.close();
    }
  };

  const program = new Command('genlake-lake')
    .description('Query the genlake generation lake with DuckDB; every lake table is a view by its name.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  program
    .command('query')
    .description('run SQL over the lake tables (partition columns: dataset, date, generation)')
    .argument('<sql>', 'SQL to run; the last statement’s result is printed')
    .addOption(formatOption())
    .addOption(storageOption())
    .action(async (sql: string, opts: { format: OutputFormat; storage: string }) => {
      try {
        await withCatalog(opts.storage, async (catalog) => {
          const conn = await catalog.connect();
          const result = await readResultSet(await conn.runAndRead(sql));
          io.stdout(formatResult(result, opts.format));
        });
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('tables')
    .description('list the lake tables and their columns')
    .addOption(formatOption())
    .action((opts: { format: OutputFormat }) => {
      io.stdout(formatResult(tablesResult(), opts.format));
    });

  program
    .command('describe')
    .description('show the columns of a table')
    .argument('<table>', 'table name')
    .addOption(formatOption())
    .action((table: string, opts: { format: OutputFormat }) => {
      try {
        io.stdout(formatResult(describeResult(table), opts.format));
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('partitions')
    .description('list the partitions in storage with their file count and size')
    .argument('[table]', 'only this table')
    .addOption(formatOption())
    .addOption(storageOption())
    .action(async (table: string | undefined, opts: { format: OutputFormat; storage: string }) => {
      try {
        if (table !== undefined) getTable(table);
        await withCatalog(opts.storage, async (catalog) => {
          await catalog.refresh();
          const partitions = catalog.partitions(table);
          io.stdout(
            formatResult(
              {
                columns: ['table', 'dataset', 'date', 'generation', 'files', 'bytes'],
                rows: partitions.map((p) => [p.table, p.dataset, p.date, p.generation, p.files, p.bytes]),
              },
              opts.format,
            ),
          );
        });
      } catch (err) {
        fail(err);
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : err.exitCode || 1;
    }
    fail(err);
  }
  return code;
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${message(err)}\n`);
      process.exitCode = 1;
    },
  );
}
