import type { EngineName, EngineResult, QueryProgress } from './engines';
import type { ResultSet } from './result.format';
import { duckdbType, getTable, lakeTables, tableNames } from './tables';

/** What the progress line writes to. */
export interface ProgressIo {
  stderr(text: string): void;
  /** Progress rewrites one line (`\r`) on a terminal; elsewhere it prints a line per state change. */
  stderrIsTTY?: boolean;
}

function bytesText(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function secondsText(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Prints an engine's progress on stderr: one rewritten line on a terminal, a line per state change elsewhere. */
export function progressPrinter(engine: EngineName, io: ProgressIo): { update(p: QueryProgress): void; done(): void } {
  let lastState: string | undefined;
  let drawn = false;
  return {
    update(p) {
      const scanned = p.bytesScanned !== undefined ? `, ${bytesText(p.bytesScanned)} scanned` : '';
      const line = `${engine}: ${p.state} ${secondsText(p.elapsedMs)}${scanned}`;
      if (io.stderrIsTTY) {
        io.stderr(`\r\x1b[K${line}`);
        drawn = true;
      } else if (p.state !== lastState) {
        io.stderr(`${line}\n`);
      }
      lastState = p.state;
    },
    done() {
      if (drawn) io.stderr('\r\x1b[K');
    },
  };
}

/** The figures of a remote engine's query, on stderr after the result (nothing for DuckDB). */
export function summaryLine(result: EngineResult): string | undefined {
  const { stats } = result;
  if (stats.engine === 'duckdb') return undefined;
  const n = result.rows.length;
  const parts = [`${stats.engine}: ${n} ${n === 1 ? 'row' : 'rows'} in ${secondsText(stats.elapsedMs)}`];
  if (stats.bytesScanned !== undefined) parts.push(`data scanned ${bytesText(stats.bytesScanned)}`);
  if (stats.costUsd !== undefined) parts.push(`cost $${stats.costUsd.toPrecision(2)} (list price, 10 MB minimum)`);
  if (stats.queryId) parts.push(`query ${stats.queryId}`);
  return `${parts.join(', ')}\n`;
}

/** `tables`: the lake tables and their columns. */
export function tablesResult(): ResultSet {
  return {
    columns: ['table', 'stage', 'primary_key', 'columns', 'description'],
    rows: tableNames.map((name) => {
      const t = lakeTables[name];
      return [name, t.stage, t.primaryKey.join(', '), t.columns.map((c) => c.name).join(', '), t.description];
    }),
  };
}

/** `describe <table>`: a table's columns, types, links and partition columns. */
export function describeResult(table: string): ResultSet {
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
