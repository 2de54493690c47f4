import type { LocalObjectCache } from '@genlake/kit';
import {
  type DuckDBConnection,
  getTable,
  type LakeEngine,
  readTableSql,
  sqlIdentifier,
  type TableDefinition,
} from '@genlake/lake';
import type { ManifestFile } from './generation.repository';

export type Plain = string | number | boolean | null | Plain[];

/** DuckDB values as JSON-friendly values: int64 as numbers, timestamps as ISO strings, lists as arrays. */
export function toPlain(value: unknown): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toPlain);
  const v = value as { items?: unknown[]; micros?: bigint; days?: number; toString(): string };
  if (Array.isArray(v.items)) return v.items.map(toPlain);
  if (typeof v.micros === 'bigint') {
    // Microseconds kept when there are any, so that a timestamp in a cursor points at exactly its row.
    const sub = ((v.micros % 1000n) + 1000n) % 1000n;
    const iso = new Date(Number((v.micros - sub) / 1000n)).toISOString();
    return sub === 0n ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
  }
  if (typeof v.days === 'number') return new Date(v.days * 86_400_000).toISOString().slice(0, 10);
  return v.toString();
}

export interface TableQuery {
  where: string[];
  params: unknown[];
  orderBy: string;
  limit: number;
  offset?: number;
}

/**
 * Reads a generation's Parquet files with DuckDB (through the local object cache when the lake is
 * remote). Only the table definition's columns are exposed; the partition columns are implied.
 */
export class LakeReader {
  constructor(
    private readonly engine: LakeEngine,
    private readonly files: LocalObjectCache,
  ) {}

  async withTable<T>(
    table: string,
    manifest: ManifestFile[],
    fn: (conn: DuckDBConnection, from: string, def: TableDefinition) => Promise<T>,
  ): Promise<T> {
    const def = getTable(table);
    const paths = await Promise.all(manifest.map((f) => this.files.localPath(f.object_key, Number(f.size_bytes))));
    const conn = await this.engine.connect();
    try {
      const columns = def.columns.map((c) => sqlIdentifier(c.name)).join(', ');
      return await fn(conn, `(SELECT ${columns} FROM (${readTableSql(def, paths)}))`, def);
    } finally {
      conn.closeSync();
    }
  }

  async rows(table: string, manifest: ManifestFile[], query: TableQuery): Promise<Array<Record<string, Plain>>> {
    return this.withTable(table, manifest, async (conn, from) => {
      const sql =
        `SELECT * FROM ${from} AS t ${query.where.length ? `WHERE ${query.where.join(' AND ')}` : ''} ` +
        `ORDER BY ${query.orderBy} LIMIT ${query.limit}${query.offset ? ` OFFSET ${query.offset}` : ''}`;
      const reader = await conn.runAndReadAll(sql, query.params as never);
      return reader.getRowObjects().map((row) => {
        const out: Record<string, Plain> = {};
        for (const [k, v] of Object.entries(row)) out[k] = toPlain(v);
        return out;
      });
    });
  }
}
