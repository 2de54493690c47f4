import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString, type WrittenFile, writeTableParquet } from './duckdb';
import { lakeTables } from './tables';

/** The tables the reference workload writes (stage `processed`), in lineage order. */
export const WORKLOAD_TABLES = ['observations', 'windows', 'features', 'estimates'] as const;
export type WorkloadTableName = (typeof WORKLOAD_TABLES)[number];

export type Complexity = 1 | 2 | 3 | 4 | 5;

export interface ComplexitySettings {
  complexity: Complexity;
  /** Window length in seconds; windows are aligned to multiples of it since midnight UTC. */
  windowSeconds: number;
  /** Number of feature passes. */
  passes: number;
}

const WINDOW_SECONDS: Record<Complexity, number> = { 1: 3600, 2: 900, 3: 300, 4: 60, 5: 10 };

/** Complexity 1..5 → window length {3600, 900, 300, 60, 10} s and `complexity` feature passes. */
export function complexitySettings(complexity: number): ComplexitySettings {
  if (!Number.isInteger(complexity) || complexity < 1 || complexity > 5) {
    throw new RangeError(`complexity must be an integer from 1 to 5: ${complexity}`);
  }
  const c = complexity as Complexity;
  return { complexity: c, windowSeconds: WINDOW_SECONDS[c], passes: c };
}

export interface WorkloadOptions {
  /** Normalized NDJSON: one `{"i","entity","ts","metric","value","tags"?}` per line. */
  ndjsonPath: string;
  batchId: string;
  complexity: number;
  /** Directory receiving `<table>.parquet` for each workload table. */
  outDir: string;
}

export interface WorkloadTableFile extends WrittenFile {
  localFile: string;
}

export type WorkloadResult = Record<WorkloadTableName, WorkloadTableFile>;

/** Raised for input the gateway should have rejected (missing fields, repeated record indexes). */
export class WorkloadInputError extends Error {
  override readonly name = 'WorkloadInputError';
}

/** feature_id = window_id * FEATURE_ID_FACTOR + pass (passes never reach the factor). */
export const FEATURE_ID_FACTOR = 8;

/**
 * SQL for the exponent e such that |x| * 2^e stays below 2^(bits + 1): the scale that turns doubles into
 * integers for exact, order-independent sums. Clamped to ±1000 so 2^e stays a normal double.
 */
function scaleExponent(maxAbs: string, bits: number): string {
  return `CAST(CASE WHEN ${maxAbs} > 0 THEN least(greatest(${bits} - floor(log2(${maxAbs})), -1000), 1000) ELSE 0 END AS INTEGER)`;
}

const T = {
  input: '__genlake_wl_input',
  winners: '__genlake_wl_winners',
  wstats: '__genlake_wl_window_stats',
  series: '__genlake_wl_series',
  members: '__genlake_wl_window_members',
  sums: '__genlake_wl_sums',
  windows: '__genlake_wl_windows',
  features: '__genlake_wl_features',
  estimates: '__genlake_wl_estimates',
};

/**
 * The reference processing workload (see lake/README.md): normalizes records, flags duplicates, groups
 * them into windows, derives `passes` feature passes per window and one estimate per entity and metric.
 * Writes observations, windows, features and estimates as Parquet files to `outDir`. The output is
 * byte-for-byte deterministic for the same input and any thread count: ids come from sort orders, sums of
 * doubles are exact integer sums, moving averages add up in window order, and every file is sorted by a
 * unique key.
 *
 * Uses temporary tables named `__genlake_wl_*` on the connection, so one connection runs one workload at a time.
 */
export async function runWorkload(conn: DuckDBConnection, options: WorkloadOptions): Promise<WorkloadResult> {
  const { windowSeconds, passes } = complexitySettings(options.complexity);
  const width = `INTERVAL ${windowSeconds} SECOND`;
  try {
    // 1. Read and normalize. ts is parsed with its offset and stored as UTC. Unreadable input (malformed JSON,
    //    wrong types) is a WorkloadInputError.
    await conn
      .run(`
      CREATE OR REPLACE TEMP TABLE ${T.input} AS
      SELECT
        CAST(i AS BIGINT) AS obs_id,
        trim(entity) AS entity,
        lower(trim(metric)) AS metric,
        make_timestamp(epoch_us(ts)) AS ts,
        value,
        CASE WHEN tags IS NULL OR json_type(tags) = 'NULL' THEN NULL ELSE CAST(tags AS VARCHAR) END AS tags
      FROM read_json(${sqlString(options.ndjsonPath)}, format = 'newline_delimited',
        columns = {i: 'BIGINT', entity: 'VARCHAR', ts: 'TIMESTAMPTZ', metric: 'VARCHAR', value: 'DOUBLE', tags: 'JSON'})`)
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (/^(Invalid Input|Conversion) Error/.test(message)) throw new WorkloadInputError(message);
        throw err;
      });
    const check = (
      await conn.runAndReadAll(`
        SELECT count(*) AS n, count(DISTINCT obs_id) AS ids,
          count(*) FILTER (WHERE obs_id IS NULL OR entity IS NULL OR metric IS NULL OR ts IS NULL
            OR value IS NULL OR isnan(value) OR isinf(value)) AS incomplete
        FROM ${T.input}`)
    ).getRowObjects()[0];
    if (Number(check.incomplete) > 0) {
      throw new WorkloadInputError(`${check.incomplete} records lack i, entity, metric, ts or a finite value`);
    }
    if (Number(check.ids) !== Number(check.n)) {
      throw new WorkloadInputError(`record indexes (i) repeat: ${check.n} records, ${check.ids} distinct indexes`);
    }

    // 2. Duplicates: among records with the same entity, metric and ts the highest index wins; the winners
    //    are the observations that count.
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.winners} AS
      SELECT entity, metric, ts, time_bucket(${width}, ts) AS window_start,
        max(obs_id) AS obs_id, arg_max(value, obs_id) AS value
      FROM ${T.input} GROUP BY entity, metric, ts`);

    // 3. Windows. Counts, extremes and ids come from one grouping; window_id numbers windows in
    //    (entity, metric, window_start) order.
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.wstats} AS
      SELECT row_number() OVER (ORDER BY entity, metric, window_start) AS window_id, *
      FROM (
        SELECT entity, metric, window_start, count(*) AS n,
          min(value) AS value_min, max(value) AS value_max, max(abs(value)) AS max_abs,
          arg_min(obs_id, ts) AS first_obs_id, arg_max(obs_id, ts) AS last_obs_id,
          min(ts) AS first_ts, max(ts) AS last_ts
        FROM ${T.winners} GROUP BY entity, metric, window_start)`);
    //    Means come from exact integer sums, so they do not depend on the order in which DuckDB's threads
    //    add rows up: each value is scaled by 2^s (s per window, so that |value| * 2^s < 2^90), split into
    //    an integer part and a remainder, and the remainder is summed as an integer at a 2^88 finer
    //    resolution. Series means use the same sums at a per-series scale.
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.series} AS
      SELECT entity, metric, ${scaleExponent('max(max_abs)', 89)} AS ss
      FROM ${T.wstats} GROUP BY entity, metric`);
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.members} AS
      SELECT o.entity, o.metric, o.ts, o.obs_id, o.value, w.window_id, w.sw, w.ss
      FROM ${T.winners} o
      JOIN (
        SELECT w.entity, w.metric, w.window_start, w.window_id, ${scaleExponent('w.max_abs', 89)} AS sw, s.ss
        FROM ${T.wstats} w JOIN ${T.series} s USING (entity, metric)
      ) w USING (entity, metric, window_start)`);
    await conn.run(`DROP TABLE ${T.winners}`);
    const split = (x: string, name: string): string =>
      `sum(CAST(${x} AS HUGEINT)) AS ${name}_hi, ` +
      `sum(CAST((${x} - CAST(CAST(${x} AS HUGEINT) AS DOUBLE)) * pow(2.0, 88) AS HUGEINT)) AS ${name}_lo`;
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.sums} AS
      SELECT window_id, any_value(sw) AS sw, any_value(ss) AS ss, ${split('xw', 'w')}, ${split('xs', 's')}
      FROM (SELECT window_id, sw, ss, value * pow(2.0, sw) AS xw, value * pow(2.0, ss) AS xs FROM ${T.members})
      GROUP BY window_id`);
    //    Sample standard deviation: exact integer sum of squared deviations from the mean, scaled per window.
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.windows} AS
      WITH w AS (
        SELECT *, (CAST(w_hi AS DOUBLE) + CAST(w_lo AS DOUBLE) / pow(2.0, 88)) / n AS mean_k,
          value_max * pow(2.0, sw) - value_min * pow(2.0, sw) AS range_k
        FROM ${T.wstats} JOIN ${T.sums} USING (window_id)
      ), spread AS (
        SELECT window_id,
          sum(CAST(pow((o.value * pow(2.0, w.sw) - w.mean_k) * pow(2.0, w.u), 2) AS HUGEINT)) AS sum_d2
        FROM (SELECT window_id, sw, mean_k, ${scaleExponent('range_k', 44)} AS u FROM w WHERE n > 1 AND range_k > 0) w
        JOIN ${T.members} o USING (window_id)
        GROUP BY window_id
      )
      SELECT window_id, entity, metric, window_start, window_start + ${width} AS window_end,
        n AS obs_count,
        mean_k / pow(2.0, sw) AS value_mean,
        value_min, value_max,
        CASE
          WHEN n = 1 THEN NULL
          WHEN range_k = 0 THEN 0.0
          ELSE sqrt(CAST(sum_d2 AS DOUBLE) / (n - 1)) / pow(2.0, ${scaleExponent('range_k', 44)}) / pow(2.0, sw)
        END AS value_stddev,
        first_obs_id, last_obs_id
      FROM w LEFT JOIN spread USING (window_id)`);

    // 4. Features: pass 1 = window mean; pass p = mean of pass p-1 over this and the previous p-1 windows,
    //    summed in window order.
    const delta = 'value - lag(value) OVER (PARTITION BY entity, metric ORDER BY window_id)';
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.features} AS
      SELECT window_id * ${FEATURE_ID_FACTOR} + 1 AS feature_id, window_id, 1 AS pass,
        CAST(NULL AS BIGINT) AS parent_feature_id, entity, metric, window_start, value, ${delta} AS delta
      FROM (SELECT *, value_mean AS value FROM ${T.windows})`);
    for (let pass = 2; pass <= passes; pass++) {
      const lags = [...Array(pass - 1).keys()].map(
        (k) => `coalesce(lag(value, ${k + 1}) OVER (PARTITION BY entity, metric ORDER BY window_id), 0)`,
      );
      const count = `least(row_number() OVER (PARTITION BY entity, metric ORDER BY window_id), ${pass})`;
      await conn.run(`
        INSERT INTO ${T.features}
        SELECT feature_id, window_id, pass, parent_feature_id, entity, metric, window_start, value, ${delta}
        FROM (
          SELECT window_id * ${FEATURE_ID_FACTOR} + ${pass} AS feature_id, window_id, ${pass} AS pass,
            feature_id AS parent_feature_id, entity, metric, window_start,
            (${['value', ...lags].join(' + ')}) / ${count} AS value
          FROM ${T.features} WHERE pass = ${pass - 1})`);
    }

    // 5. Estimates: last-pass feature of the latest window, plus statistics over non-duplicates.
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE ${T.estimates} AS
      WITH latest AS (
        SELECT entity, metric, max(window_id) AS window_id, count(*) AS window_count
        FROM ${T.windows} GROUP BY entity, metric
      ), stats AS (
        SELECT entity, metric,
          (CAST(sum(s_hi) AS DOUBLE) + CAST(sum(s_lo) AS DOUBLE) / pow(2.0, 88)) / sum(n) / pow(2.0, any_value(ss))
            AS mean,
          sum(n) AS obs_count, min(first_ts) AS first_ts, max(last_ts) AS last_ts
        FROM ${T.wstats} JOIN ${T.sums} USING (window_id)
        GROUP BY entity, metric
      )
      SELECT row_number() OVER (ORDER BY l.entity, l.metric) AS estimate_id, l.entity, l.metric, f.value,
        s.mean, s.obs_count, l.window_count, s.first_ts, s.last_ts, f.feature_id AS source_feature_id
      FROM latest l
      JOIN stats s USING (entity, metric)
      JOIN ${T.features} f ON f.window_id = l.window_id AND f.pass = ${passes}`);

    // 6. Write the files.
    const out = {} as WorkloadResult;
    const write = async (table: WorkloadTableName, sql: string): Promise<void> => {
      const localFile = join(options.outDir, `${table}.parquet`);
      out[table] = { ...(await writeTableParquet(conn, lakeTables[table], sql, localFile)), localFile };
    };
    await write(
      'observations',
      `SELECT i.obs_id, ${sqlString(options.batchId)} AS batch_id, i.entity, i.metric, i.ts, i.value, i.tags,
        m.window_id, i.obs_id <> m.obs_id AS is_duplicate
       FROM ${T.input} i JOIN ${T.members} m USING (entity, metric, ts)`,
    );
    if (out.observations.rows !== Number(check.n)) {
      throw new Error(`internal error: ${check.n} records but ${out.observations.rows} observations`);
    }
    await write('windows', `SELECT * FROM ${T.windows}`);
    await write('features', `SELECT * FROM ${T.features}`);
    await write('estimates', `SELECT * FROM ${T.estimates}`);
    return out;
  } finally {
    for (const table of Object.values(T)) await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}
