import {
  type DuckDBResultReader,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';

export type OutputFormat = 'table' | 'csv' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

/** A query result as plain JSON values: column names (deduplicated) and rows in column order. */
export interface ResultSet {
  columns: string[];
  rows: Json[][];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * DuckDB value → JSON value: integers become numbers when they are exactly representable, strings otherwise;
 * timestamps and dates become DuckDB's text form (`2026-01-01 00:00:00`), lists arrays, structs objects.
 */
export const lakeJsonConverter: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (typeof value === 'bigint') return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : String(value);
  return JsonDuckDBValueConverter(value, type, converter);
};

/** Reads every row of a result reader into a ResultSet. */
export async function readResultSet(reader: DuckDBResultReader): Promise<ResultSet> {
  await reader.readAll();
  return { columns: reader.deduplicatedColumnNames(), rows: reader.convertRows(lakeJsonConverter) };
}

function text(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function csvField(value: Json): string {
  const s = text(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180: CRLF line ends, a header line, fields quoted when they hold a quote, comma or line break; NULL is empty. */
export function formatCsv(result: ResultSet): string {
  const lines = [result.columns, ...result.rows].map((row) => row.map((v) => csvField(v as Json)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A JSON array of objects keyed by column name, one row per line. */
export function formatJson(result: ResultSet): string {
  if (result.rows.length === 0) return '[]\n';
  const objects = result.rows.map((row) =>
    JSON.stringify(Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null]))),
  );
  return `[\n${objects.join(',\n')}\n]\n`;
}

/** Aligned columns with a header rule; numbers right-aligned, NULL printed as `NULL`, then a row count. */
export function formatTable(result: ResultSet): string {
  const cells = result.rows.map((row) =>
    row.map((v) =>
      v === null
        ? 'NULL'
        : text(v)
            .replace(/\r?\n|\r/g, '\\n')
            .replace(/\t/g, ' '),
    ),
  );
  const numeric = result.columns.map(
    (_, i) => result.rows.length > 0 && result.rows.every((row) => row[i] === null || typeof row[i] === 'number'),
  );
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(result.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  const n = result.rows.length;
  return `${out.join('\n')}\n(${n} ${n === 1 ? 'row' : 'rows'})\n`;
}

export function formatResult(result: ResultSet, format: OutputFormat): string {
  switch (format) {
    case 'csv':
      return formatCsv(result);
    case 'json':
      return formatJson(result);
    default:
      return formatTable(result);
  }
}
