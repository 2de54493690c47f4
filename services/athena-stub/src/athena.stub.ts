import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DuckDBConnection, DuckDBType, Json } from '@duckdb/node-api';
import {
  athenaWorkgroupName,
  DEFAULT_STORAGE_URL,
  duckdbSqlError,
  glueDatabaseName,
  LakeCatalog,
  LakeEngine,
  type LakeObjectStore,
  lakeJsonConverter,
  openKitStorage,
  runInterruptible,
  tableNames,
} from '@genlake/lake';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { athenaText, athenaType } from './athena.text';

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** One query the stand-in was given, with its result once it succeeded. */
export interface StubExecution {
  id: string;
  query: string;
  workgroup: string;
  database: string | undefined;
  clientRequestToken: string | undefined;
  state: QueryState;
  stateChangeReason?: string;
  statementType: 'DML' | 'UTILITY';
  submittedAt: number;
  completedAt?: number;
  dataScannedInBytes: number;
  columns: { name: string; type: string; precision: number; scale: number }[];
  /** Result rows as Athena's text values (null for NULL). */
  rows: (string | null)[][];
  /** The operations that touched it, in order (StartQueryExecution, GetQueryExecution, …). */
  calls: string[];
}

export interface AthenaStubOptions {
  /** HTTP port; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** The lake the SQL runs over (the CLI's STORAGE_URL); default `./.genlake/storage`. */
  storageUrl?: string;
  /** Or a store object (tests). */
  store?: LakeObjectStore;
  /** Settings for S3 storage (S3_ENDPOINT, …), as the CLI reads them; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Workgroups that exist (default: `primary` and the CDK app's dev workgroup). */
  workgroups?: string[];
  /** The Glue database whose tables are the lake's (default the CDK app's dev database). */
  database?: string;
  /** Where results are written, `s3://bucket/prefix/` (reported in ResultConfiguration; default `s3://athena-stub-results/`). */
  outputLocation?: string;
  /**
   * The S3 server to write each SELECT's result to, as Athena does (`<outputLocation><id>.csv`); without it results
   * stay in memory only and the reported object does not exist.
   */
  resultsS3?: { endpoint: string; region?: string; accessKeyId: string; secretAccessKey: string };
  /** DuckDB threads (default DuckDB's: the number of cores). */
  threads?: number;
  logger?: boolean;
}

export interface AthenaStub {
  url: string;
  port: number;
  app: FastifyInstance;
  executions(): StubExecution[];
  close(): Promise<void>;
}

/** Athena's limit on GetQueryResults' MaxResults. */
const MAX_RESULTS = 1000;
const MAX_QUERY_LENGTH = 262_144;
const OPERATIONS = ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution'] as const;
type Operation = (typeof OPERATIONS)[number];

class AthenaRequestError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function invalid(message: string): AthenaRequestError {
  return new AthenaRequestError('InvalidRequestException', message);
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw invalid(`${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

/** Athena's error code of a DuckDB failure, in front of the message as Athena puts it. */
function errorCode(message: string): string {
  if (message.startsWith('Parser Error')) return 'SYNTAX_ERROR';
  if (message.startsWith('Catalog Error')) return 'TABLE_NOT_FOUND';
  if (message.startsWith('Binder Error')) return 'COLUMN_NOT_FOUND';
  if (message.startsWith('Conversion Error') || message.startsWith('Invalid Input Error'))
    return 'INVALID_CAST_ARGUMENT';
  return 'GENERIC_USER_ERROR';
}

/** Athena's result CSV: a header line, every value double-quoted (quotes doubled), NULL an empty unquoted field. */
export function athenaCsv(e: Pick<StubExecution, 'columns' | 'rows'>): string {
  const quote = (v: string | null): string => (v === null ? '' : `"${v.replaceAll('"', '""')}"`);
  const lines = [e.columns.map((c) => quote(c.name)), ...e.rows.map((row) => row.map(quote))];
  return lines.map((l) => `${l.join(',')}\n`).join('');
}

function resultObject(outputLocation: string, id: string): { bucket: string; key: string } {
  const rest = outputLocation.replace(/^s3:\/\//, '');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  return { bucket, key: `${prefix}${prefix === '' || prefix.endsWith('/') ? '' : '/'}${id}.csv` };
}

const SELECT_LIKE = /^\s*(\(|select\b|with\b|values\b|from\b|table\b)/i;

/**
 * The stand-in Athena: a real HTTP server speaking AWS JSON 1.1 (POST / with `X-Amz-Target: AmazonAthena.<Op>`)
 * for StartQueryExecution, GetQueryExecution, GetQueryResults and StopQueryExecution. It runs the SQL with
 * DuckDB over the lake's views (the same LakeCatalog as `genlake-lake query`), so it speaks DuckDB's dialect,
 * and answers in Athena's shapes: text values, the first row of a SELECT holding the column labels, pages of
 * at most 1,000 rows with NextToken, FAILED with `StateChangeReason` (`SYNTAX_ERROR: line 1:8: …`) for bad SQL,
 * `{"__type": "InvalidRequestException", "message": …}` for bad requests. DataScannedInBytes is the size of the
 * Parquet files of the tables the query names (no partition pruning): an upper bound, not Athena's figure.
 * Signatures are not verified; a request must carry a SigV4 Authorization header.
 */
export async function startAthenaStub(options: AthenaStubOptions = {}): Promise<AthenaStub> {
  const env = options.env ?? process.env;
  const store = options.store ?? openKitStorage(options.storageUrl ?? DEFAULT_STORAGE_URL, env);
  const engine = new LakeEngine({ threads: options.threads });
  const catalog = new LakeCatalog(store, engine);
  const workgroups = new Set(options.workgroups ?? ['primary', athenaWorkgroupName('dev')]);
  const database = options.database ?? glueDatabaseName('dev');
  const outputLocation = options.outputLocation ?? 's3://athena-stub-results/';
  const resultsS3 = options.resultsS3
    ? new S3Client({
        endpoint: options.resultsS3.endpoint,
        region: options.resultsS3.region ?? 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: options.resultsS3.accessKeyId, secretAccessKey: options.resultsS3.secretAccessKey },
      })
    : undefined;
  const executions = new Map<string, StubExecution>();
  const byToken = new Map<string, string>();
  const stops = new Map<string, AbortController>();
  const work = new Set<Promise<void>>();

  const finish = (e: StubExecution, state: QueryState, reason?: string): void => {
    if (e.state === 'CANCELLED' || e.state === 'SUCCEEDED' || e.state === 'FAILED') return;
    e.state = state;
    e.stateChangeReason = reason;
    e.completedAt = Date.now();
  };

  const execute = async (e: StubExecution): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (e.state !== 'QUEUED') return;
    e.state = 'RUNNING';
    let conn: DuckDBConnection | undefined;
    const stop = new AbortController();
    stops.set(e.id, stop);
    try {
      if (e.database !== undefined && e.database !== database) {
        throw new Error(`SCHEMA_NOT_FOUND: Schema '${e.database}' does not exist`);
      }
      await catalog.refresh();
      conn = await catalog.connect();
      const c = conn;
      let reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;
      try {
        const statements = await conn.extractStatements(e.query);
        if (statements.count !== 1) throw new Error('Only one sql statement is allowed.');
        e.dataScannedInBytes = tableNames
          .filter((t) => new RegExp(`(^|[^A-Za-z0-9_])${t}($|[^A-Za-z0-9_])`, 'i').test(e.query))
          .reduce((sum, t) => sum + catalog.files(t).reduce((s, f) => s + f.size, 0), 0);
        reader = await runInterruptible(c, () => c.runAndReadAll(e.query), stop.signal);
      } catch (err) {
        const message = (err instanceof Error ? err.message : String(err)).replace(
          /^Failed to extract statements: /,
          '',
        );
        throw new Error(`${errorCode(message)}: ${duckdbSqlError(e.query, message)}`);
      }
      const types: DuckDBType[] = reader.columnTypes();
      e.columns = reader.columnNames().map((name, i) => {
        const t = types[i] as unknown as { width?: number; scale?: number };
        return { name, type: athenaType(types[i]), precision: t.width ?? 0, scale: t.scale ?? 0 };
      });
      e.rows = reader
        .convertRows(lakeJsonConverter)
        .map((row) => row.map((v, i) => (v === null ? null : athenaText(v as Json, types[i]))));
      if (resultsS3 && e.statementType === 'DML') {
        const { bucket, key } = resultObject(outputLocation, e.id);
        await resultsS3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: athenaCsv(e), ContentType: 'text/csv' }),
        );
      }
      finish(e, 'SUCCEEDED');
    } catch (err) {
      finish(e, 'FAILED', err instanceof Error ? err.message : String(err));
    } finally {
      stops.delete(e.id);
      if (conn) {
        catalog.detach(conn);
        conn.closeSync();
      }
    }
  };

  const find = (body: Record<string, unknown>, op: Operation): StubExecution => {
    const id = stringField(body, 'QueryExecutionId', true) as string;
    const e = executions.get(id);
    if (!e) throw invalid(`QueryExecution ${id} was not found`);
    e.calls.push(op);
    return e;
  };

  const handlers: Record<Operation, (body: Record<string, unknown>) => unknown> = {
    StartQueryExecution(body) {
      const query = stringField(body, 'QueryString', true) as string;
      if (query.trim() === '') throw invalid('QueryString must not be empty');
      if (query.length > MAX_QUERY_LENGTH) throw invalid(`QueryString is longer than ${MAX_QUERY_LENGTH} characters`);
      const workgroup = stringField(body, 'WorkGroup', false) ?? 'primary';
      if (!workgroups.has(workgroup)) throw invalid(`WorkGroup ${workgroup} is not found.`);
      const token = stringField(body, 'ClientRequestToken', false);
      if (token !== undefined && byToken.has(token)) return { QueryExecutionId: byToken.get(token) };
      const context = (body.QueryExecutionContext ?? {}) as Record<string, unknown>;
      const e: StubExecution = {
        id: randomUUID(),
        query,
        workgroup,
        database: stringField(context, 'Database', false),
        clientRequestToken: token,
        state: 'QUEUED',
        statementType: SELECT_LIKE.test(query) ? 'DML' : 'UTILITY',
        submittedAt: Date.now(),
        dataScannedInBytes: 0,
        columns: [],
        rows: [],
        calls: ['StartQueryExecution'],
      };
      executions.set(e.id, e);
      if (token !== undefined) byToken.set(token, e.id);
      const job = execute(e).finally(() => work.delete(job));
      work.add(job);
      return { QueryExecutionId: e.id };
    },

    GetQueryExecution(body) {
      const e = find(body, 'GetQueryExecution');
      const result = resultObject(outputLocation, e.id);
      const end = e.completedAt ?? Date.now();
      return {
        QueryExecution: {
          QueryExecutionId: e.id,
          Query: e.query,
          StatementType: e.statementType,
          WorkGroup: e.workgroup,
          QueryExecutionContext: { Database: e.database, Catalog: 'AwsDataCatalog' },
          ResultConfiguration: { OutputLocation: `s3://${result.bucket}/${result.key}` },
          EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
          Status: {
            State: e.state,
            StateChangeReason: e.stateChangeReason,
            SubmissionDateTime: e.submittedAt / 1000,
            CompletionDateTime: e.completedAt !== undefined ? e.completedAt / 1000 : undefined,
            AthenaError:
              e.state === 'FAILED'
                ? { ErrorCategory: 2, ErrorType: 1001, ErrorMessage: e.stateChangeReason }
                : undefined,
          },
          Statistics: {
            EngineExecutionTimeInMillis: end - e.submittedAt,
            TotalExecutionTimeInMillis: end - e.submittedAt,
            QueryQueueTimeInMillis: 0,
            DataScannedInBytes: e.dataScannedInBytes,
          },
        },
      };
    },

    GetQueryResults(body) {
      const e = find(body, 'GetQueryResults');
      if (e.state === 'QUEUED' || e.state === 'RUNNING') {
        throw invalid(`Query has not yet finished. Current state: ${e.state}`);
      }
      if (e.state !== 'SUCCEEDED') throw invalid(`Query did not finish successfully. Final query state: ${e.state}`);
      const max = body.MaxResults === undefined ? MAX_RESULTS : body.MaxResults;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
        throw invalid(`MaxResults must be an integer from 1 to ${MAX_RESULTS}`);
      }
      const token = stringField(body, 'NextToken', false);
      let offset = 0;
      if (token !== undefined) {
        const [id, at] = Buffer.from(token, 'base64url').toString('utf8').split(':');
        offset = Number(at);
        if (id !== e.id || !Number.isInteger(offset) || offset < 0) throw invalid('The NextToken is not valid');
      }
      // A SELECT's first row is its column labels, and it counts toward MaxResults, as in Athena.
      const header = e.statementType === 'DML' ? [e.columns.map((c) => c.name)] : [];
      const all = [...header, ...e.rows];
      const page = all.slice(offset, offset + max);
      const next = offset + max < all.length ? Buffer.from(`${e.id}:${offset + max}`).toString('base64url') : undefined;
      return {
        UpdateCount: 0,
        ResultSet: {
          Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
          ResultSetMetadata: {
            ColumnInfo: e.columns.map((c) => ({
              CatalogName: 'hive',
              SchemaName: '',
              TableName: '',
              Name: c.name,
              Label: c.name,
              Type: c.type,
              Precision: c.precision,
              Scale: c.scale,
              Nullable: 'UNKNOWN',
              CaseSensitive: c.type === 'varchar',
            })),
          },
        },
        NextToken: next,
      };
    },

    StopQueryExecution(body) {
      const e = find(body, 'StopQueryExecution');
      if (e.state === 'QUEUED' || e.state === 'RUNNING') {
        stops.get(e.id)?.abort();
        e.state = 'CANCELLED';
        e.stateChangeReason = 'Query cancelled by user';
        e.completedAt = Date.now();
      }
      return {};
    },
  };

  const app = Fastify({ logger: options.logger ?? false });
  app.addContentTypeParser(
    ['application/x-amz-json-1.1', 'application/json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      try {
        const text = String(body);
        done(null, text === '' ? {} : JSON.parse(text));
      } catch {
        done(new AthenaRequestError('SerializationException', 'The request body is not valid JSON'), undefined);
      }
    },
  );

  const sendError = (reply: FastifyReply, err: AthenaRequestError): FastifyReply =>
    reply
      .status(err.status)
      .header('content-type', 'application/x-amz-json-1.1')
      .header('x-amzn-requestid', randomUUID())
      .send(Buffer.from(JSON.stringify({ __type: err.type, message: err.message })));

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof AthenaRequestError) return sendError(reply, err);
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const type =
      status === 415
        ? 'UnsupportedMediaTypeException'
        : status < 500
          ? 'SerializationException'
          : 'InternalServerException';
    return sendError(reply, new AthenaRequestError(type, err instanceof Error ? err.message : String(err), status));
  });

  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async () => ({ status: 'ok' }));

  app.post('/', async (req, reply) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const [service, op] = target.split('.');
    if (service !== 'AmazonAthena' || !(OPERATIONS as readonly string[]).includes(op)) {
      throw new AthenaRequestError('UnknownOperationException', `Unknown operation ${JSON.stringify(target)}`);
    }
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      throw new AthenaRequestError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AthenaRequestError('SerializationException', 'The request body must be a JSON object');
    }
    const answer = handlers[op as Operation](body as Record<string, unknown>);
    return reply
      .header('content-type', 'application/x-amz-json-1.1')
      .header('x-amzn-requestid', randomUUID())
      .send(Buffer.from(JSON.stringify(answer)));
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    app,
    executions: () => [...executions.values()],
    async close() {
      for (const stop of stops.values()) stop.abort();
      await app.close();
      await Promise.allSettled([...work]);
      await engine.close();
      resultsS3?.destroy();
    },
  };
}
