import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  type DuckDBConnection,
  duckdbType,
  emptyTableSql,
  getTable,
  sqlString,
  writeTableParquet,
} from '@genlake/lake';

/**
 * Writes rows computed in JavaScript as a lake table's Parquet file: rows go through a temporary
 * NDJSON file that DuckDB reads with the table's declared types, so the file matches the definition.
 */
export async function writeRowsAsParquet(
  conn: DuckDBConnection,
  tableName: string,
  rows: Array<Record<string, unknown>>,
  ndjsonFile: string,
  parquetFile: string,
) {
  const table = getTable(tableName);
  if (rows.length === 0) return writeTableParquet(conn, table, emptyTableSql(table), parquetFile);
  const out = createWriteStream(ndjsonFile);
  for (const row of rows) {
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const columns = table.columns.map((c) => `${sqlString(c.name)}: ${sqlString(duckdbType(c))}`).join(', ');
  return writeTableParquet(
    conn,
    table,
    `SELECT * FROM read_json(${sqlString(ndjsonFile)}, format = 'newline_delimited', columns = {${columns}})`,
    parquetFile,
  );
}
