import { randomUUID } from 'node:crypto';
import type { Json } from '@duckdb/node-api';
import { BasicAuth, type Columns, type QueryResult, Trino } from 'trino-client';
import { dedupe, type Engine, EngineError, type EngineResult, normalizeEngineValue, type QueryOptions } from './engine';

/** The compose stack's Trino (compose.yaml: `trino`, port 8088 on the host). */
export const DEFAULT_TRINO_URL = 'http://localhost:8088';

export interface TrinoEngineConfig {
  server: string;
  /** Default catalog and schema of unqualified table names (the compose stack's: `hive`, `genlake`). */
  catalog: string;
  schema: string;
  user: string;
  password?: string;
}

/** Trino settings from the environment: LAKE_TRINO_URL, LAKE_TRINO_CATALOG, LAKE_TRINO_SCHEMA, LAKE_TRINO_USER, LAKE_TRINO_PASSWORD. */
export function trinoConfigFromEnv(env: Record<string, string | undefined>): TrinoEngineConfig {
  return {
    server: env.LAKE_TRINO_URL || DEFAULT_TRINO_URL,
    catalog: env.LAKE_TRINO_CATALOG || 'hive',
    schema: env.LAKE_TRINO_SCHEMA || 'genlake',
    user: env.LAKE_TRINO_USER || 'genlake-lake',
    password: env.LAKE_TRINO_PASSWORD || undefined,
  };
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const x = e as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof x.code === 'string' && /^E[A-Z]+$/.test(x.code)) return x.code;
    e = Array.isArray(x.errors) ? x.errors[0] : x.cause;
  }
  return undefined;
}

/**
 * Trino through `trino-client`: POST /v1/statement, then the client follows `nextUri` page by page (it waits on the
 * server's long polls); progress from each page's stats; abort → DELETE /v1/query/<id>.
 */
export class TrinoEngine implements Engine {
  readonly name = 'trino' as const;
  readonly target: string;

  constructor(readonly config: TrinoEngineConfig) {
    this.target = `${config.server} (catalog ${config.catalog}, schema ${config.schema})`;
  }

  async query(sql: string, options: QueryOptions = {}): Promise<EngineResult> {
    const started = Date.now();
    // A source unique to this query, so a query aborted before its first page can still be found and killed.
    const source = `genlake-lake/${randomUUID()}`;
    const trino = Trino.create({
      server: this.config.server,
      catalog: this.config.catalog,
      schema: this.config.schema,
      source,
      // HTTP basic authentication only with a password (Trino refuses passwords over plain HTTP unless told otherwise).
      auth: this.config.password !== undefined ? new BasicAuth(this.config.user, this.config.password) : undefined,
      // The user of every request of the query (the POST and each nextUri).
      extraHeaders: { 'X-Trino-User': this.config.user },
    });
    let queryId: string | undefined;
    let columns: Columns | undefined;
    const rows: Json[][] = [];
    let last: QueryResult | undefined;
    try {
      const iterator = await trino.query(sql);
      for await (const page of iterator) {
        last = page;
        queryId ??= page.id;
        if (options.signal?.aborted) break;
        if (page.error) break;
        columns ??= page.columns;
        if (page.stats) {
          options.onProgress?.({
            state: page.stats.state,
            elapsedMs: Date.now() - started,
            bytesScanned: page.stats.physicalInputBytes,
          });
        }
        for (const row of page.data ?? []) {
          rows.push((columns ?? []).map((c, i) => normalizeEngineValue(c.type, row[i]) as Json));
        }
      }
    } catch (err) {
      if (options.signal?.aborted) throw await this.cancel(trino, queryId, source);
      const code = errorCode(err);
      const status = (err as { response?: { status?: number } }).response?.status;
      if (status === 401 || status === 403) {
        throw new EngineError('credentials', `trino: ${this.target} refused user ${this.config.user} (HTTP ${status})`);
      }
      const why = code ?? (status ? `HTTP ${status}` : (err as Error).message || String(err));
      throw new EngineError('unreachable', `trino: cannot reach ${this.target}: ${why}`);
    }
    if (options.signal?.aborted) throw await this.cancel(trino, queryId, source);
    if (last?.error) {
      throw new EngineError('sql', `trino: query ${last.id} failed: ${last.error.message}`, last.id);
    }
    return {
      columns: dedupe((columns ?? []).map((c) => c.name)),
      rows,
      stats: {
        engine: this.name,
        queryId,
        elapsedMs: Date.now() - started,
        bytesScanned: last?.stats?.physicalInputBytes,
      },
    };
  }

  private async cancel(trino: Trino, queryId: string | undefined, source: string): Promise<EngineError> {
    try {
      let id = queryId;
      if (!id) {
        const lookup = await trino.query(
          `SELECT query_id FROM system.runtime.queries WHERE source = '${source}' AND state NOT IN ('FINISHED', 'FAILED')`,
        );
        for await (const page of lookup) id ??= page.data?.[0]?.[0] as string | undefined;
      }
      if (!id) return new EngineError('cancelled', 'trino: cancelled before the query started');
      await trino.cancel(id);
      return new EngineError('cancelled', `trino: query ${id} cancelled`, id);
    } catch (err) {
      return new EngineError(
        'cancelled',
        `trino: cancelled, but cancelling the query failed: ${(err as Error).message}`,
      );
    }
  }

  async close(): Promise<void> {}
}
