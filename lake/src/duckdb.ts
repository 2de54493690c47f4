import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbType, getTable, type TableDefinition } from './tables';

export type { DuckDBConnection } from '@duckdb/node-api';

export interface LakeEngineOptions {
  /** Worker threads of the DuckDB instance; DuckDB's default is the number of cores. */
  threads?: number;
  /** DuckDB memory limit, e.g. `'1GB'`; DuckDB's default is 80% of RAM. */
  memoryLimit?: string;
  /** Where DuckDB spills when the memory limit is reached. */
  tempDirectory?: string;
}

/**
 * One in-memory DuckDB instance. Connections share its threads and memory limit; every connection is set
 * to UTC so timestamps print and convert the same everywhere.
 */
export class LakeEngine {
  private instance: Promise<DuckDBInstance> | undefined;
  /** Weak, so connections their users close and drop are not kept alive here. */
  private readonly connections = new Set<WeakRef<DuckDBConnection>>();
  private closed = false;

  constructor(readonly options: LakeEngineOptions = {}) {}

  /** Creates the engine and starts its instance at once (so configuration errors surface here). */
  static async create(options: LakeEngineOptions = {}): Promise<LakeEngine> {
    const engine = new LakeEngine(options);
    await engine.start();
    return engine;
  }

  private start(): Promise<DuckDBInstance> {
    if (this.closed) return Promise.reject(new Error('the lake engine is closed'));
    if (!this.instance) {
      const config: Record<string, string> = { autoinstall_known_extensions: 'false' };
      if (this.options.threads !== undefined) config.threads = String(this.options.threads);
      if (this.options.memoryLimit !== undefined) config.memory_limit = this.options.memoryLimit;
      if (this.options.tempDirectory !== undefined) config.temp_directory = this.options.tempDirectory;
      this.instance = DuckDBInstance.create(':memory:', config);
      this.instance.catch(() => {
        this.instance = undefined;
      });
    }
    return this.instance;
  }

  /** A new connection (session) on the shared instance. */
  async connect(): Promise<DuckDBConnection> {
    const instance = await this.start();
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    for (const ref of this.connections) if (!ref.deref()) this.connections.delete(ref);
    this.connections.add(new WeakRef(conn));
    return conn;
  }

  /**
   * Runs `fn` with its own connection and an empty scratch directory `dir` (created, and removed afterwards
   * with the connection closed, whatever happens): one unit of work, such as processing one batch.
   */
  async withSession<T>(dir: string, fn: (conn: DuckDBConnection, dir: string) => Promise<T>): Promise<T> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const conn = await this.connect();
    try {
      return await fn(conn, dir);
    } finally {
      conn.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Closes the instance and the connections still in use (closing one twice is harmless); later `connect` calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ref of this.connections) ref.deref()?.closeSync();
    this.connections.clear();
    const instance = this.instance;
    this.instance = undefined;
    if (instance) (await instance).closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface WrittenFile {
  rows: number;
  bytes: number;
  sha256: string;
}

/** The sha256 (hex) of a file, streamed. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Writes the rows of `selectSql` as one Parquet file with exactly the table's columns (each cast to its
 * type, in definition order), sorted by the table's `orderBy`, zstd-compressed. The caller must make the
 * sort keys unique for the file to be byte-for-byte reproducible.
 */
export async function writeTableParquet(
  conn: DuckDBConnection,
  table: TableDefinition | string,
  selectSql: string,
  localFile: string,
): Promise<WrittenFile> {
  const def = getTable(table);
  const columns = def.columns
    .map((c) => `CAST(${sqlIdentifier(c.name)} AS ${duckdbType(c)}) AS ${sqlIdentifier(c.name)}`)
    .join(', ');
  const orderBy = def.orderBy.map(sqlIdentifier).join(', ');
  await mkdir(dirname(localFile), { recursive: true });
  try {
    const result = await conn.run(
      `COPY (SELECT ${columns} FROM (${selectSql}) ORDER BY ${orderBy}) TO ${sqlString(localFile)} ` +
        '(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)',
    );
    const [{ size }, sha256] = await Promise.all([stat(localFile), fileSha256(localFile)]);
    return { rows: Number(result.rowsChanged), bytes: size, sha256 };
  } catch (err) {
    await rm(localFile, { force: true });
    throw err;
  }
}

function partitionColumns(def: TableDefinition, cast: (type: string, name: string) => string): string[] {
  return def.partitionKeys.map((p) => `${cast(duckdbType(p), sqlIdentifier(p.name))} AS ${sqlIdentifier(p.name)}`);
}

/**
 * A SELECT over Parquet files of one table laid out in Hive partitions: the definition's columns (cast to
 * their types; files are merged by column name) followed by the partition columns dataset, date, generation.
 */
export function readTableSql(table: TableDefinition | string, files: string[]): string {
  const def = getTable(table);
  if (files.length === 0) return emptyTableSql(def);
  const hiveTypes = def.partitionKeys.map((p) => `${sqlString(p.name)}: '${duckdbType(p)}'`).join(', ');
  const columns = [
    ...def.columns.map((c) => `CAST(${sqlIdentifier(c.name)} AS ${duckdbType(c)}) AS ${sqlIdentifier(c.name)}`),
    ...partitionColumns(def, (type, name) => `CAST(${name} AS ${type})`),
  ];
  return (
    `SELECT ${columns.join(', ')} FROM read_parquet([${files.map(sqlString).join(', ')}], ` +
    `hive_partitioning = true, union_by_name = true, hive_types = {${hiveTypes}})`
  );
}

/** A typed SELECT with no rows and the same columns as `readTableSql`, for tables without files. */
export function emptyTableSql(table: TableDefinition | string): string {
  const def = getTable(table);
  const columns = [
    ...def.columns.map((c) => `CAST(NULL AS ${duckdbType(c)}) AS ${sqlIdentifier(c.name)}`),
    ...partitionColumns(def, (type) => `CAST(NULL AS ${type})`),
  ];
  return `SELECT ${columns.join(', ')} WHERE false`;
}
