import type { DuckDBConnection } from '@duckdb/node-api';
import type { LakeCatalog } from '../catalog';
import { readResultSet } from '../result.format';
import { type Engine, EngineError, type EngineResult, type QueryOptions } from './engine';

/**
 * Where DuckDB's error message points, as `line:column` (1-based) in `sql`, or undefined. DuckDB ends its messages
 * with `LINE n: <an excerpt of line n>` and a caret under the position; the excerpt may start with `...`.
 */
export function duckdbErrorPosition(sql: string, message: string): { line: number; column: number } | undefined {
  const match = /\nLINE (\d+): ([^\n]*)\n( *)\^/.exec(message);
  if (!match) return undefined;
  const line = Number(match[1]);
  const prefix = `LINE ${match[1]}: `.length;
  const caret = match[3].length - prefix;
  let excerpt = match[2];
  let shift = 0;
  if (excerpt.startsWith('...')) {
    excerpt = excerpt.slice(3);
    shift = 3;
  }
  const text = sql.split(/\r?\n/)[line - 1] ?? '';
  const at = text.indexOf(excerpt.replace(/\.\.\.$/, ''));
  const column = (at >= 0 ? at : 0) + caret - shift + 1;
  return { line, column: Math.max(1, column) };
}

/**
 * DuckDB's message in the form Athena and Trino use, `line L:C: <message>` (the position, when DuckDB gives one,
 * first; the excerpt and caret dropped), so a failed statement reads the same from every engine.
 */
export function duckdbSqlError(sql: string, message: string): string {
  const position = duckdbErrorPosition(sql, message);
  const text = message
    .replace(/\n+LINE \d+: [^\n]*\n *\^\s*$/, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return position ? `line ${position.line}:${position.column}: ${text}` : text;
}

/**
 * Runs `work` on `conn`; once `signal` aborts, interrupts the connection every 50 ms until `work` settles (an
 * interrupt that arrives before DuckDB started the statement would otherwise be lost).
 */
export async function runInterruptible<T>(
  conn: DuckDBConnection,
  work: () => Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  signal?.throwIfAborted();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    conn.interrupt();
    timer = setInterval(() => conn.interrupt(), 50);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await work();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearInterval(timer);
  }
}

/** The in-process engine: the lake's DuckDB views (LakeCatalog) over local files or an S3 cache. */
export class DuckDbEngine implements Engine {
  readonly name = 'duckdb' as const;
  readonly target: string;
  private conn: Promise<DuckDBConnection> | undefined;

  constructor(
    private readonly catalog: LakeCatalog,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {
    this.target = catalog.store.url;
  }

  async query(sql: string, options: QueryOptions = {}): Promise<EngineResult> {
    const started = Date.now();
    this.conn ??= this.catalog.connect();
    const conn = await this.conn;
    try {
      options.onProgress?.({ state: 'RUNNING', elapsedMs: 0 });
      const result = await runInterruptible(
        conn,
        async () => readResultSet(await conn.runAndRead(sql)),
        options.signal,
      );
      return { ...result, stats: { engine: this.name, elapsedMs: Date.now() - started } };
    } catch (err) {
      if (options.signal?.aborted) throw new EngineError('cancelled', 'duckdb: query interrupted');
      throw new EngineError('sql', `duckdb: ${duckdbSqlError(sql, err instanceof Error ? err.message : String(err))}`);
    }
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      const c = await conn.catch(() => undefined);
      if (c) {
        this.catalog.detach(c);
        c.closeSync();
      }
    }
    await this.onClose();
  }
}
