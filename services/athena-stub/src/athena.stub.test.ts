import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirStorage } from '../../../packages/kit/src/storage/local-dir.storage';
import { type AthenaStub, startAthenaStub } from './athena.stub';
import { athenaTimestamp, javaDouble } from './athena.text';

const dir = mkdtempSync(join(tmpdir(), 'genlake-athena-stub-'));
let stub: AthenaStub;

/** One AWS JSON 1.1 call, as the SDK sends it (the signature itself is not checked by the stand-in). */
async function call(
  op: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; type: string | null }> {
  const res = await fetch(`${stub.url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonAthena.${op}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/athena/aws4_request, Signature=x',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown>,
    type: res.headers.get('content-type'),
  };
}

interface Execution {
  Status: { State: string; StateChangeReason?: string };
  StatementType: string;
  Statistics: { DataScannedInBytes: number };
}

async function run(sql: string, extra: Record<string, unknown> = {}): Promise<{ id: string; execution: Execution }> {
  const start = await call('StartQueryExecution', { QueryString: sql, WorkGroup: 'primary', ...extra });
  expect(start.status).toBe(200);
  const id = start.json.QueryExecutionId as string;
  for (;;) {
    const { json } = await call('GetQueryExecution', { QueryExecutionId: id });
    const execution = json.QueryExecution as Execution;
    if (!['QUEUED', 'RUNNING'].includes(execution.Status.State)) return { id, execution };
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  stub = await startAthenaStub({ store: new LocalDirStorage(join(dir, 'storage')), threads: 1 });
});

afterAll(async () => {
  await stub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Athena stand-in (AWS JSON 1.1)', () => {
  it('runs a SELECT: labels first, text values, NULL as an empty datum, Athena type names', async () => {
    const { id, execution } = await run(
      `select 1 as i, 'a' as s, null::varchar as n, 2.5::double as d, timestamp '2026-01-01 00:00:00' as ts, [1, 2] as l`,
    );
    expect(execution.Status.State).toBe('SUCCEEDED');
    expect(execution.StatementType).toBe('DML');
    const { status, json, type } = await call('GetQueryResults', { QueryExecutionId: id });
    expect(status).toBe(200);
    expect(type).toBe('application/x-amz-json-1.1');
    const rs = json.ResultSet as {
      Rows: { Data: { VarCharValue?: string }[] }[];
      ResultSetMetadata: { ColumnInfo: { Name: string; Type: string }[] };
    };
    expect(rs.ResultSetMetadata.ColumnInfo.map((c) => [c.Name, c.Type])).toEqual([
      ['i', 'integer'],
      ['s', 'varchar'],
      ['n', 'varchar'],
      ['d', 'double'],
      ['ts', 'timestamp'],
      ['l', 'array'],
    ]);
    expect(rs.Rows).toEqual([
      { Data: ['i', 's', 'n', 'd', 'ts', 'l'].map((v) => ({ VarCharValue: v })) },
      {
        Data: [
          { VarCharValue: '1' },
          { VarCharValue: 'a' },
          {},
          { VarCharValue: '2.5' },
          { VarCharValue: '2026-01-01 00:00:00.000' },
          { VarCharValue: '[1, 2]' },
        ],
      },
    ]);
    expect(json.NextToken).toBeUndefined();
  });

  it('pages with MaxResults and NextToken, the label row counting toward the first page', async () => {
    const { id } = await run('select i from range(5) t(i) order by i');
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { json } = await call('GetQueryResults', { QueryExecutionId: id, MaxResults: 2, NextToken: token });
      const rows = (json.ResultSet as { Rows: { Data: { VarCharValue: string }[] }[] }).Rows;
      seen.push(...rows.map((r) => r.Data[0].VarCharValue));
      token = json.NextToken as string | undefined;
      pages++;
    } while (token);
    expect(seen).toEqual(['i', '0', '1', '2', '3', '4']);
    expect(pages).toBe(3);
    const bad = await call('GetQueryResults', { QueryExecutionId: id, NextToken: 'bm9wZTox' });
    expect(bad.json).toEqual({ __type: 'InvalidRequestException', message: 'The NextToken is not valid' });
    const tooMany = await call('GetQueryResults', { QueryExecutionId: id, MaxResults: 1001 });
    expect(tooMany.status).toBe(400);
  });

  it('fails bad SQL with a StateChangeReason holding the position, and refuses its results', async () => {
    const { id, execution } = await run('select 1,\n  2 frm x');
    expect(execution.Status.State).toBe('FAILED');
    expect(execution.Status.StateChangeReason).toMatch(
      /^SYNTAX_ERROR: line 2:9: Parser Error: syntax error at or near "x"$/,
    );
    const results = await call('GetQueryResults', { QueryExecutionId: id });
    expect(results.status).toBe(400);
    expect(results.json).toEqual({
      __type: 'InvalidRequestException',
      message: 'Query did not finish successfully. Final query state: FAILED',
    });
  });

  it('fails a query on a database that does not exist, and more than one statement', async () => {
    const { execution } = await run('select 1', { QueryExecutionContext: { Database: 'nope' } });
    expect(execution.Status.StateChangeReason).toBe("SCHEMA_NOT_FOUND: Schema 'nope' does not exist");
    const two = await run('select 1; select 2');
    expect(two.execution.Status.StateChangeReason).toMatch(/Only one sql statement is allowed/);
  });

  it('answers bad requests with the JSON 1.1 error shape', async () => {
    expect((await call('StartQueryExecution', {})).json).toEqual({
      __type: 'InvalidRequestException',
      message: 'QueryString is required',
    });
    expect((await call('StartQueryExecution', { QueryString: 'select 1', WorkGroup: 'x' })).json).toEqual({
      __type: 'InvalidRequestException',
      message: 'WorkGroup x is not found.',
    });
    expect((await call('GetQueryExecution', { QueryExecutionId: 'nope' })).json).toEqual({
      __type: 'InvalidRequestException',
      message: 'QueryExecution nope was not found',
    });
    const unknown = await call('DeleteEverything', {});
    expect([unknown.status, unknown.json.__type]).toEqual([400, 'UnknownOperationException']);
    const unsigned = await call('GetQueryExecution', { QueryExecutionId: 'x' }, { authorization: '' });
    expect(unsigned.json.__type).toBe('MissingAuthenticationTokenException');
    const garbage = await call('GetQueryExecution', '{not json');
    expect([garbage.status, garbage.json.__type]).toEqual([400, 'SerializationException']);
  });

  it('returns the same id for the same ClientRequestToken', async () => {
    const body = { QueryString: 'select 42', ClientRequestToken: 'token-of-this-test-0123456789abcdef' };
    const a = await call('StartQueryExecution', body);
    const b = await call('StartQueryExecution', body);
    expect(a.json.QueryExecutionId).toBe(b.json.QueryExecutionId);
  });

  it('stops a running query (StopQueryExecution interrupts DuckDB)', async () => {
    const start = await call('StartQueryExecution', {
      QueryString: 'select sum(hash(i)) from range(100000000000) t(i)',
    });
    const id = start.json.QueryExecutionId as string;
    await expect.poll(() => stub.executions().find((e) => e.id === id)?.state).toBe('RUNNING');
    expect((await call('StopQueryExecution', { QueryExecutionId: id })).json).toEqual({});
    const { json } = await call('GetQueryExecution', { QueryExecutionId: id });
    expect((json.QueryExecution as Execution).Status.State).toBe('CANCELLED');
  });
});

describe('Athena text forms', () => {
  it('prints doubles as Java does and timestamps with milliseconds', () => {
    expect([10, 1.5, 1e20, 1e-4, -0.25, 1234567.5, Number.NaN].map(javaDouble)).toEqual([
      '10.0',
      '1.5',
      '1.0E20',
      '1.0E-4',
      '-0.25',
      '1234567.5',
      'NaN',
    ]);
    expect(athenaTimestamp('2026-01-01 00:00:00')).toBe('2026-01-01 00:00:00.000');
    expect(athenaTimestamp('2026-01-01 00:00:00.5')).toBe('2026-01-01 00:00:00.500');
    expect(athenaTimestamp('2026-01-01 00:00:00.1234')).toBe('2026-01-01 00:00:00.123400');
  });
});
