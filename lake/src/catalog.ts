import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { emptyTableSql, type LakeEngine, readTableSql, sqlIdentifier } from './duckdb';
import { getTable, type LakePartition, objectKey, parseObjectKey, tableNames, tablePrefix } from './tables';

export interface LakeStoredObject {
  key: string;
  size: number;
}

/**
 * The part of the kit's `ObjectStorage` the lake reads with; the kit's storage objects (local directory or S3)
 * fit it as they are. Keys are relative to the storage root and use `/`.
 */
export interface LakeObjectStore {
  readonly url: string;
  /** Set when objects are plain files below a local directory (then `localPath` gives each file). */
  readonly localRoot: string | undefined;
  localPath(key: string): string | undefined;
  list(prefix: string): Promise<LakeStoredObject[]>;
  download(key: string, localPath: string): Promise<void>;
}

/** A store the lake can also write to (the processing and correction stages). */
export interface LakeObjectWriter extends LakeObjectStore {
  putFile(key: string, localPath: string, contentType?: string): Promise<void>;
}

/** One Parquet file of the lake, with the local file DuckDB reads. */
export interface LakeFile {
  table: string;
  dataset: string;
  date: string;
  generation: number;
  part: number;
  key: string;
  size: number;
  localFile: string;
}

export interface LakePartitionSummary {
  table: string;
  dataset: string;
  date: string;
  generation: number;
  files: number;
  bytes: number;
}

export interface LakeCatalogOptions {
  /**
   * Where files of remote (S3) storage are cached. Default:
   * `<os tmpdir>/genlake-lake-cache/<sha256 of the storage url, 16 hex>`.
   */
  cacheDir?: string;
  /** Parallel downloads from remote storage (default 8). */
  downloadConcurrency?: number;
}

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** Uploads one table file of a partition (idempotent: the same key is overwritten). Returns the key. */
export async function publishTableFile(
  store: LakeObjectWriter,
  table: string,
  partition: LakePartition,
  localFile: string,
  part = 0,
): Promise<string> {
  const key = objectKey(table, partition, part);
  await store.putFile(key, localFile, PARQUET_CONTENT_TYPE);
  return key;
}

/** The default cache directory for a storage URL. */
export function defaultCacheDir(storageUrl: string): string {
  return join(tmpdir(), 'genlake-lake-cache', createHash('sha256').update(storageUrl).digest('hex').slice(0, 16));
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Makes every lake table queryable by name in DuckDB. `refresh` lists `lake/<table>/` in the store (and, for
 * remote storage, downloads new or changed files into the cache directory); `attach` creates one temporary
 * view per table on a connection: the definition's columns plus the partition columns dataset, date and
 * generation. Views of attached connections are re-created on every refresh.
 */
export class LakeCatalog {
  readonly cacheDir: string;
  private readonly concurrency: number;
  private snapshot: Map<string, LakeFile[]> | undefined;
  private readonly attached = new Set<DuckDBConnection>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: LakeObjectStore,
    readonly engine?: LakeEngine,
    options: LakeCatalogOptions = {},
  ) {
    this.cacheDir = options.cacheDir ?? defaultCacheDir(store.url);
    this.concurrency = options.downloadConcurrency ?? 8;
  }

  /** Runs `task` after every earlier refresh/attach finished, so views never see a half-made snapshot. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Re-lists the store, syncs the cache, and re-creates the views of attached connections. */
  refresh(): Promise<void> {
    return this.serialize(async () => {
      await this.load();
      for (const conn of [...this.attached]) await this.createViews(conn);
    });
  }

  /** Creates the views on a connection (refreshing first if the catalog was never loaded). */
  attach(conn: DuckDBConnection): Promise<void> {
    return this.serialize(async () => {
      if (!this.snapshot) await this.load();
      await this.createViews(conn);
      this.attached.add(conn);
    });
  }

  /** Stops re-creating views on a connection at refresh (call before closing it). */
  detach(conn: DuckDBConnection): void {
    this.attached.delete(conn);
  }

  /** A new connection of the catalog's engine with the views attached. */
  async connect(): Promise<DuckDBConnection> {
    if (!this.engine) throw new Error('this LakeCatalog has no engine; pass one to the constructor');
    const conn = await this.engine.connect();
    await this.attach(conn);
    return conn;
  }

  /** Files of a table as of the last refresh, ordered by key. */
  files(table: string): LakeFile[] {
    return [...(this.snapshot?.get(getTable(table).name) ?? [])];
  }

  /** Partitions as of the last refresh, ordered by table, dataset, date, generation. */
  partitions(table?: string): LakePartitionSummary[] {
    const out = new Map<string, LakePartitionSummary>();
    for (const name of table ? [getTable(table).name] : tableNames) {
      for (const f of this.snapshot?.get(name) ?? []) {
        const id = `${f.table}/${f.dataset}/${f.date}/${f.generation}`;
        let summary = out.get(id);
        if (!summary) {
          summary = { table: f.table, dataset: f.dataset, date: f.date, generation: f.generation, files: 0, bytes: 0 };
          out.set(id, summary);
        }
        summary.files += 1;
        summary.bytes += f.size;
      }
    }
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return [...out.values()].sort(
      (a, b) =>
        cmp(a.table, b.table) || cmp(a.dataset, b.dataset) || cmp(a.date, b.date) || a.generation - b.generation,
    );
  }

  /** The SELECT behind a table's view (an empty typed SELECT when the table has no files). */
  viewSql(table: string): string {
    const files = this.files(table).map((f) => f.localFile);
    return files.length > 0 ? readTableSql(table, files) : emptyTableSql(table);
  }

  private async createViews(conn: DuckDBConnection): Promise<void> {
    for (const name of tableNames) {
      await conn.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdentifier(name)} AS ${this.viewSql(name)}`);
    }
  }

  private async load(): Promise<void> {
    const snapshot = new Map<string, LakeFile[]>();
    const downloads: LakeFile[] = [];
    for (const name of tableNames) {
      const objects = await this.store.list(tablePrefix(name));
      const files: LakeFile[] = [];
      for (const object of objects) {
        const parsed = parseObjectKey(object.key);
        if (!parsed || parsed.table !== name) continue;
        const local = this.store.localRoot !== undefined ? this.store.localPath(object.key) : undefined;
        const file: LakeFile = {
          ...parsed,
          key: object.key,
          size: object.size,
          localFile: local ?? join(this.cacheDir, ...object.key.split('/')),
        };
        files.push(file);
        if (local === undefined) downloads.push(file);
      }
      files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      snapshot.set(name, files);
    }
    await mapLimit(downloads, this.concurrency, async (file) => {
      if ((await sizeOf(file.localFile)) === file.size) return;
      await mkdir(dirname(file.localFile), { recursive: true });
      const partial = `${file.localFile}.${randomBytes(6).toString('hex')}.download`;
      try {
        await this.store.download(file.key, partial);
        await rename(partial, file.localFile);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    });
    this.snapshot = snapshot;
  }
}
