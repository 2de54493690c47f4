#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { LakeCatalog, type LakeObjectStore } from './catalog';
import { describeResult, progressPrinter, summaryLine, tablesResult } from './cli.results';
import { LakeEngine } from './duckdb';
import {
  createEngine,
  DUCKDB_TEMP_DIRECTORY,
  ENGINE_NAMES,
  type Engine,
  EngineError,
  type EngineName,
  EXIT_CANCELLED,
} from './engines';
import { formatResult, OUTPUT_FORMATS, type OutputFormat } from './result.format';
import { runShell } from './shell';
import { getTable } from './tables';

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
  /** Aborted on Ctrl-C: the running query is stopped in its engine and the command exits 130. */
  signal?: AbortSignal;
  /** Progress rewrites one line (`\r`) on a terminal; elsewhere it prints a line per state change. */
  stderrIsTTY?: boolean;
  /** Input of `shell`; default `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /** Whether that input is a terminal (prompt, history, Ctrl-C stops the running query). */
  stdinIsTTY?: boolean;
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

  const engineOption = (): Option =>
    new Option('-e, --engine <engine>', 'duckdb (in process), athena or trino (env LAKE_ENGINE)')
      .choices(ENGINE_NAMES)
      .default(ENGINE_NAMES.includes(env.LAKE_ENGINE as EngineName) ? env.LAKE_ENGINE : 'duckdb');

  const withCatalog = async (storage: string, work: (catalog: LakeCatalog) => Promise<void>): Promise<void> => {
    const engine = new LakeEngine({ tempDirectory: DUCKDB_TEMP_DIRECTORY });
    try {
      const catalog = new LakeCatalog(openStore(storage, env), engine, { cacheDir: io.cacheDir });
      await work(catalog);
    } finally {
      await engine.close();
    }
  };

  const program = new Command('genlake-lake')
    .description(
      'Query the genlake generation lake with DuckDB (default), Athena or Trino; every lake table is a view by its name.',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  program
    .command('query')
    .description('run SQL over the lake tables (partition columns: dataset, date, generation)')
    .argument('<sql>', 'SQL to run; the last statement’s result is printed')
    .addOption(formatOption())
    .addOption(storageOption())
    .addOption(engineOption())
    .option('-o, --out <file>', 'write the result to a file instead of stdout')
    .action(async (sql: string, opts: { format: OutputFormat; storage: string; engine: EngineName; out?: string }) => {
      const progress = progressPrinter(opts.engine, io);
      let engine: Engine | undefined;
      try {
        engine = await createEngine(opts.engine, {
          env,
          openStore: () => openStore(opts.storage, env),
          cacheDir: io.cacheDir,
        });
        const result = await engine.query(sql, {
          signal: io.signal,
          onProgress: opts.engine === 'duckdb' ? undefined : (p) => progress.update(p),
        });
        progress.done();
        const text = formatResult(result, opts.format);
        if (opts.out) {
          writeFileSync(opts.out, text);
          io.stderr(`wrote ${result.rows.length} rows to ${opts.out}\n`);
        } else {
          io.stdout(text);
        }
        const summary = summaryLine(result);
        if (summary) io.stderr(summary);
      } catch (err) {
        progress.done();
        fail(err);
        if (err instanceof EngineError && err.kind === 'cancelled') code = EXIT_CANCELLED;
      } finally {
        await engine?.close();
      }
    });

  program
    .command('shell')
    .description('an interactive prompt: SQL ending with ";", .tables, .describe <table>, .engine [name], .help')
    .addOption(formatOption())
    .addOption(storageOption())
    .addOption(engineOption())
    .action(async (opts: { format: OutputFormat; storage: string; engine: EngineName }) => {
      const terminal = io.stdinIsTTY === true;
      code = await runShell({
        stdout: io.stdout,
        stderr: io.stderr,
        stderrIsTTY: io.stderrIsTTY,
        input: io.stdin ?? process.stdin,
        terminal,
        engine: opts.engine,
        format: opts.format,
        historyFile: env.LAKE_SHELL_HISTORY || (terminal ? join(homedir(), '.genlake_lake_history') : undefined),
        openEngine: (name) =>
          createEngine(name, { env, openStore: () => openStore(opts.storage, env), cacheDir: io.cacheDir }),
      });
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
  // The pinned AWS SDK supports Node 20; its notice that later SDK versions will need Node 22 is for the project's
  // maintainers (docs/decisions/0014-lake-engines.md), not for an analyst reading a query's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const interrupt = new AbortController();
  // First Ctrl-C stops the running query (and the command exits 130); a second one exits at once.
  process.once('SIGINT', () => {
    interrupt.abort(new Error('interrupted'));
    process.once('SIGINT', () => process.exit(EXIT_CANCELLED));
  });
  runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    signal: interrupt.signal,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
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
