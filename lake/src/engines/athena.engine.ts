import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Json } from '@duckdb/node-api';
import { parse } from 'csv-parse';
import { athenaWorkgroupName, glueDatabaseName } from './athena.names';
import {
  dedupe,
  type Engine,
  EngineError,
  type EngineResult,
  normalizeEngineValue,
  type QueryOptions,
  sleep,
} from './engine';

/**
 * Athena's list price per TB scanned, used when the cost tool's price table (tools/cost/prices.json, which holds
 * `regions.<region>.athena.perTbScanned`) is not next to this package (a test checks the two agree).
 */
export const ATHENA_LIST_PRICE_PER_TB_USD = 5;
const MB = 1024 * 1024;
const TB = 1024 * 1024 * 1024 * 1024;
/** Athena bills data scanned rounded up to the megabyte, at least 10 MB per query. */
export const ATHENA_MIN_BILLED_BYTES = 10 * MB;

/** The cost tool's Athena price for a region, or the list price when the table is not there or lacks the region. */
export function athenaPricePerTb(
  region: string,
  pricesFile = join(__dirname, '..', '..', '..', 'tools', 'cost', 'prices.json'),
): number {
  try {
    const prices = JSON.parse(readFileSync(pricesFile, 'utf8')) as {
      regions?: Record<string, { athena?: { perTbScanned?: number } }>;
    };
    const price = prices.regions?.[region]?.athena?.perTbScanned;
    return typeof price === 'number' ? price : ATHENA_LIST_PRICE_PER_TB_USD;
  } catch {
    return ATHENA_LIST_PRICE_PER_TB_USD;
  }
}

/** What Athena charges for a query that scanned `bytes`. */
export function athenaCostUsd(bytes: number, pricePerTb: number): number {
  const billed = Math.max(ATHENA_MIN_BILLED_BYTES, Math.ceil(bytes / MB) * MB);
  return (billed / TB) * pricePerTb;
}

export interface AthenaEngineConfig {
  region: string;
  workgroup: string;
  database: string;
  /** The data catalog (default `AwsDataCatalog`). */
  catalog?: string;
  /** s3://bucket/prefix/ for results; optional: the CDK app's workgroup enforces its own. */
  outputLocation?: string;
  /** Another endpoint than AWS's, e.g. the stand-in's `http://127.0.0.1:8095`. */
  endpoint?: string;
  /** Explicit credentials; without them the SDK's default chain (environment, profile, SSO, role) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** USD per TB scanned. */
  pricePerTb: number;
  /** First and longest wait between two GetQueryExecution calls (default 200 ms, doubling up to 2 s). */
  pollMs?: { initial: number; max: number };
  /** Rows per GetQueryResults page (Athena's maximum and default: 1,000). */
  pageSize?: number;
  /**
   * How results are read: `pages` (GetQueryResults only), `object` (the CSV Athena writes to the output location,
   * read with S3 GetObject), `auto` (default: pages when one page holds the result, else the object).
   */
  results?: AthenaResultsMode;
  /** S3 settings for reading result objects (default: AWS's S3 in the region, with the Athena credentials). */
  s3?: { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
}

export type AthenaResultsMode = 'pages' | 'object' | 'auto';
export const ATHENA_RESULTS_MODES: readonly AthenaResultsMode[] = ['pages', 'object', 'auto'];

/** Where the SDK's default chain looks for credentials, for the message when it finds none. */
export const AWS_CREDENTIALS_HELP =
  'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE with ~/.aws/config ' +
  '(or AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE), or AWS_WEB_IDENTITY_TOKEN_FILE, or an instance/task role';

/**
 * Athena settings from the environment. Defaults are the CDK app's names for `LAKE_ENV` (dev):
 * workgroup `genlake-dev-analysts`, database `genlake_dev`; region `AWS_REGION`, `AWS_DEFAULT_REGION`, else eu-central-1.
 */
export function athenaConfigFromEnv(env: Record<string, string | undefined>): AthenaEngineConfig {
  const environment = env.LAKE_ENV || 'dev';
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'eu-central-1';
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          sessionToken: env.AWS_SESSION_TOKEN || undefined,
        }
      : undefined;
  const results = env.LAKE_ATHENA_RESULTS || 'auto';
  if (!ATHENA_RESULTS_MODES.includes(results as AthenaResultsMode)) {
    throw new EngineError(
      'config',
      `LAKE_ATHENA_RESULTS must be one of ${ATHENA_RESULTS_MODES.join(', ')} (got ${results})`,
    );
  }
  return {
    region,
    results: results as AthenaResultsMode,
    s3: {
      endpoint: env.S3_ENDPOINT || undefined,
      credentials:
        env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
          : undefined,
    },
    workgroup: env.LAKE_ATHENA_WORKGROUP || athenaWorkgroupName(environment),
    database: env.LAKE_ATHENA_DATABASE || glueDatabaseName(environment),
    outputLocation: env.LAKE_ATHENA_OUTPUT || undefined,
    endpoint: env.LAKE_ATHENA_ENDPOINT || undefined,
    credentials,
    pricePerTb: athenaPricePerTb(region),
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const x = e as { code?: unknown; errors?: unknown[]; cause?: unknown; name?: unknown };
    if (typeof x.code === 'string' && NETWORK_CODES.has(x.code)) return x.code;
    if (x.name === 'TimeoutError') return 'timeout';
    e = Array.isArray(x.errors) ? x.errors[0] : x.cause;
  }
  return undefined;
}

function labels(columns: ColumnInfo[]): string[] {
  return dedupe(columns.map((c) => c.Label ?? c.Name ?? ''));
}

/** Athena's text values (`VarCharValue`) as the DuckDB engine gives them; first row of a SELECT is the labels. */
function pageRows(columns: ColumnInfo[], rows: { Data?: { VarCharValue?: string }[] }[]): Json[][] {
  return rows.map((row) =>
    columns.map((c, i) => normalizeEngineValue(c.Type ?? 'varchar', row.Data?.[i]?.VarCharValue) as Json),
  );
}

/** Athena through `@aws-sdk/client-athena`: StartQueryExecution, GetQueryExecution polls, GetQueryResults pages. */
export class AthenaEngine implements Engine {
  readonly name = 'athena' as const;
  readonly target: string;
  private readonly client: AthenaClient;

  constructor(readonly config: AthenaEngineConfig) {
    const endpoint = config.endpoint ?? `https://athena.${config.region}.amazonaws.com`;
    this.target = `${endpoint} (workgroup ${config.workgroup}, database ${config.database}, region ${config.region})`;
    this.client = new AthenaClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.credentials,
      maxAttempts: 2,
    });
  }

  private failure(err: unknown, queryId?: string): EngineError {
    if (err instanceof EngineError) return err;
    const e = err as { name?: string; message?: string; $metadata?: unknown };
    const text = e?.message || String(err);
    if (e?.name === 'CredentialsProviderError' || /could not load credentials/i.test(text)) {
      return new EngineError('credentials', `athena: no AWS credentials found; set ${AWS_CREDENTIALS_HELP}`);
    }
    const code = networkCode(err);
    if (code) return new EngineError('unreachable', `athena: cannot reach ${this.target}: ${code}`);
    if (
      e?.name === 'UnrecognizedClientException' ||
      e?.name === 'InvalidSignatureException' ||
      e?.name === 'AccessDeniedException' ||
      e?.name === 'ExpiredTokenException'
    ) {
      return new EngineError('credentials', `athena: ${e.name}: ${text} (${this.target})`);
    }
    if (e?.name === 'InvalidRequestException') return new EngineError('sql', `athena: ${text}`, queryId);
    return new EngineError('unreachable', `athena: ${e?.name ?? 'error'}: ${text} (${this.target})`, queryId);
  }

  async query(sql: string, options: QueryOptions = {}): Promise<EngineResult> {
    const started = Date.now();
    let queryId: string | undefined;
    try {
      const start = await this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: randomUUID(),
          WorkGroup: this.config.workgroup,
          QueryExecutionContext: { Database: this.config.database, Catalog: this.config.catalog },
          ResultConfiguration: this.config.outputLocation ? { OutputLocation: this.config.outputLocation } : undefined,
        }),
        { abortSignal: options.signal },
      );
      queryId = start.QueryExecutionId;
      if (!queryId) throw new EngineError('unreachable', `athena: StartQueryExecution returned no id (${this.target})`);
      const execution = await this.waitForCompletion(queryId, started, options);
      const { columns, rows } = await this.readResults(queryId, execution, options.signal);
      const bytesScanned = execution.Statistics?.DataScannedInBytes ?? 0;
      return {
        columns,
        rows,
        stats: {
          engine: this.name,
          queryId,
          elapsedMs: Date.now() - started,
          bytesScanned,
          costUsd: athenaCostUsd(bytesScanned, this.config.pricePerTb),
        },
      };
    } catch (err) {
      if (options.signal?.aborted) throw await this.stop(queryId);
      throw this.failure(err, queryId);
    }
  }

  /** StopQueryExecution (when the query started), then the cancelled error to throw. */
  private async stop(queryId: string | undefined): Promise<EngineError> {
    if (!queryId) return new EngineError('cancelled', 'athena: cancelled before the query started');
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
      return new EngineError('cancelled', `athena: query ${queryId} stopped (StopQueryExecution)`, queryId);
    } catch (err) {
      return new EngineError(
        'cancelled',
        `athena: cancelled, but stopping query ${queryId} failed: ${this.failure(err).message}`,
        queryId,
      );
    }
  }

  private async waitForCompletion(queryId: string, started: number, options: QueryOptions): Promise<QueryExecution> {
    const poll = this.config.pollMs ?? { initial: 200, max: 2000 };
    let wait = poll.initial;
    for (;;) {
      const { QueryExecution: execution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: queryId }),
        { abortSignal: options.signal },
      );
      const state = execution?.Status?.State ?? 'UNKNOWN';
      options.onProgress?.({
        state,
        elapsedMs: Date.now() - started,
        bytesScanned: execution?.Statistics?.DataScannedInBytes,
      });
      if (state === 'SUCCEEDED' && execution) return execution;
      if (state === 'FAILED') {
        const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage;
        throw new EngineError('sql', `athena: query ${queryId} FAILED: ${reason ?? 'no reason given'}`, queryId);
      }
      if (state === 'CANCELLED') throw new EngineError('cancelled', `athena: query ${queryId} was cancelled`, queryId);
      await sleep(wait, options.signal);
      wait = Math.min(poll.max, wait * 2);
    }
  }

  private async readResults(
    queryId: string,
    execution: QueryExecution,
    signal: AbortSignal | undefined,
  ): Promise<{ columns: string[]; rows: Json[][] }> {
    const mode = this.config.results ?? 'auto';
    const pageSize = mode === 'object' ? 1 : (this.config.pageSize ?? 1000);
    let columnInfo: ColumnInfo[] | undefined;
    const rows: Json[][] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token, MaxResults: pageSize }),
        { abortSignal: signal },
      );
      columnInfo ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      token = page.NextToken;
      const location = execution.ResultConfiguration?.OutputLocation;
      if (first && token && mode !== 'pages' && location?.startsWith('s3://')) {
        return { columns: labels(columnInfo), rows: await this.readObject(location, columnInfo, signal) };
      }
      let pageRowsRaw = page.ResultSet?.Rows ?? [];
      if (first && (execution.StatementType ?? 'DML') === 'DML' && pageRowsRaw.length > 0) {
        const names = columnInfo.map((c) => c.Label ?? c.Name);
        const head = pageRowsRaw[0].Data?.map((d) => d.VarCharValue) ?? [];
        if (names.every((l, i) => l === head[i])) pageRowsRaw = pageRowsRaw.slice(1);
      }
      first = false;
      for (const row of pageRows(columnInfo, pageRowsRaw)) rows.push(row);
    } while (token);
    return { columns: labels(columnInfo ?? []), rows };
  }

  /**
   * The CSV Athena wrote for the query (`<OutputLocation>`, one object): a header line, every value quoted, NULL an
   * empty unquoted field. Streamed through csv-parse; values converted by the column types of GetQueryResults.
   */
  private async readObject(
    location: string,
    columns: ColumnInfo[],
    signal: AbortSignal | undefined,
  ): Promise<Json[][]> {
    const rest = location.slice('s3://'.length);
    const bucket = rest.slice(0, rest.indexOf('/'));
    const key = rest.slice(rest.indexOf('/') + 1);
    const s3 = new S3Client({
      region: this.config.region,
      endpoint: this.config.s3?.endpoint,
      forcePathStyle: this.config.s3?.endpoint !== undefined,
      credentials: this.config.s3?.credentials ?? this.config.credentials,
      maxAttempts: 2,
    });
    try {
      const object = await s3
        .send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
        .catch((err: unknown) => {
          const e = err as { name?: string; message?: string };
          throw new EngineError(
            networkCode(err) ? 'unreachable' : 'credentials',
            `athena: cannot read the result object ${location}` +
              `${this.config.s3?.endpoint ? ` at ${this.config.s3.endpoint}` : ''}: ${networkCode(err) ?? e.name ?? ''} ${e.message ?? ''}`.trimEnd(),
          );
        });
      const parser = (object.Body as NodeJS.ReadableStream).pipe(
        parse({
          from_line: 2,
          relax_column_count: false,
          cast: (value, context) => (value === '' && !context.quoting ? undefined : value),
        }),
      );
      const rows: Json[][] = [];
      for await (const record of parser as AsyncIterable<(string | undefined)[]>) {
        rows.push(columns.map((c, i) => normalizeEngineValue(c.Type ?? 'varchar', record[i]) as Json));
      }
      return rows;
    } finally {
      s3.destroy();
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
