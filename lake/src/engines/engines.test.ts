import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AthenaStub, startAthenaStub } from '@genlake/athena-stub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDirStorage } from '../../../packages/kit/src/storage/local-dir.storage';
import { type CliEnv, type CliIo, runCli } from '../cli';
import { buildFixtureLake } from '../lake.fixture';
import { OUTPUT_FORMATS } from '../result.format';
import { AthenaEngine, athenaConfigFromEnv } from './athena.engine';
import { glueDatabaseName } from './athena.names';
import { EXIT_CANCELLED } from './engine';

const dir = mkdtempSync(join(tmpdir(), 'genlake-lake-engines-'));
let store: LocalDirStorage;
let storageDir: string;
let observations = 0;
let stub: AthenaStub;
let athenaEnv: CliEnv;

async function cli(
  argv: string[],
  env: CliEnv,
  extra: Partial<CliIo> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    env,
    openStore: () => store,
    cacheDir: join(dir, 'cache'),
    ...extra,
  });
  return { code, out, err };
}

beforeAll(async () => {
  ({ store, storageDir, observations } = await buildFixtureLake(dir));
  stub = await startAthenaStub({ store, threads: 2 });
  athenaEnv = {
    STORAGE_URL: storageDir,
    LAKE_ATHENA_ENDPOINT: stub.url,
    // This stand-in keeps results in memory; athena.results.medium.test.ts reads result objects from S3.
    LAKE_ATHENA_RESULTS: 'pages',
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'stand-in',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
  };
});

afterAll(async () => {
  await stub?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Queries over the fixture lake whose answers must not depend on the engine. */
const PARITY_QUERIES: Record<string, string> = {
  'partition counts': 'select dataset, generation, count(*) as n from observations group by all order by all',
  'estimates per metric': `select generation, metric, count(*) as n, round(avg(value), 6) as avg_value,
      min(value) as min_value, max(value) as max_value, sum(obs_count) as obs
    from estimates group by all order by all`,
  'rows with timestamps, json and booleans': `select obs_id, entity, metric, ts, value, tags, is_duplicate, date
    from observations where generation = 1 order by obs_id limit 40`,
  'every type the tables use': `select null as nothing, true as yes, DATE '2026-01-02' as day, 1.5::double as x,
      10::double as ten, 1e20 as big, 0.0001::double as small, [1, 2, 3] as ints, ['a', 'b'] as strings,
      12.50::decimal(10,2) as price, timestamp '2026-01-01 00:00:00.25' as ts, 9007199254740993::bigint as huge`,
  'more than one page (1,000 rows)': 'select generation, obs_id, entity, value from observations order by all',
};

describe('query --engine duckdb and --engine athena (SDK → the stand-in) over the same lake', () => {
  for (const [name, sql] of Object.entries(PARITY_QUERIES)) {
    it(`prints the same ${name} in every format`, async () => {
      for (const format of OUTPUT_FORMATS) {
        const duck = await cli(['query', sql, '--format', format], { STORAGE_URL: storageDir });
        const athena = await cli(['query', sql, '--engine', 'athena', '--format', format], athenaEnv);
        expect(duck.err).toBe('');
        expect(duck.code).toBe(0);
        expect(athena.code, athena.err).toBe(0);
        expect(athena.out).toBe(duck.out);
        expect(duck.out.length).toBeGreaterThan(20);
      }
    });
  }

  it('reads results of more than 1,000 rows page by page (NextToken)', async () => {
    const sql = PARITY_QUERIES['more than one page (1,000 rows)'];
    const { code, out } = await cli(['query', sql, '-e', 'athena', '-f', 'json'], athenaEnv);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toHaveLength(2 * observations);
    const execution = stub.executions().findLast((e) => e.query === sql);
    expect(execution?.calls.filter((c) => c === 'GetQueryResults').length).toBe(
      Math.ceil((2 * observations + 1) / 1000),
    );
  });

  it('prints the progress, data scanned and the cost at list price on stderr, the result alone on stdout', async () => {
    const { code, out, err } = await cli(
      ['query', 'select count(*) as n from observations', '-e', 'athena'],
      athenaEnv,
    );
    expect(code).toBe(0);
    expect(out).toBe(`   n\n----\n${2 * observations}\n(1 row)\n`);
    expect(err).toMatch(/^athena: (QUEUED|RUNNING|SUCCEEDED) \d+\.\d s/m);
    const execution = stub.executions().at(-1);
    expect(execution?.dataScannedInBytes).toBeGreaterThan(0);
    // Under Athena's 10 MB minimum: 10 MB at $5 per TB.
    expect(err).toContain(`athena: 1 row in `);
    expect(err).toMatch(/data scanned \d+\.\d KB, cost \$0\.000048 \(list price, 10 MB minimum\)/);
    expect(err).toContain(`query ${execution?.id}`);
  });

  it('writes the result to --out, the same bytes for both engines', async () => {
    const sql = PARITY_QUERIES['estimates per metric'];
    const files = { duckdb: join(dir, 'duckdb.csv'), athena: join(dir, 'athena.csv') };
    const duck = await cli(['query', sql, '-f', 'csv', '--out', files.duckdb], { STORAGE_URL: storageDir });
    const athena = await cli(['query', sql, '-e', 'athena', '-f', 'csv', '-o', files.athena], athenaEnv);
    expect([duck.code, athena.code]).toEqual([0, 0]);
    expect(duck.out + athena.out).toBe('');
    expect(duck.err).toMatch(/^wrote \d+ rows to /);
    expect(readFileSync(files.athena, 'utf8')).toBe(readFileSync(files.duckdb, 'utf8'));
  });

  it('names the workgroup and database it used (the CDK app’s names by default)', () => {
    const config = athenaConfigFromEnv({ LAKE_ENV: 'prod' });
    expect(config).toMatchObject({ workgroup: 'genlake-prod-analysts', database: 'genlake_prod' });
    expect(glueDatabaseName('dev')).toBe('genlake_dev');
  });
});

describe('errors through every engine', () => {
  it('bad SQL: the engine’s message with its position, exit 1, no stack trace', async () => {
    const sql = 'select dataset,\n  nope from observations';
    const duck = await cli(['query', sql], { STORAGE_URL: storageDir });
    const athena = await cli(['query', sql, '-e', 'athena'], athenaEnv);
    expect([duck.code, athena.code]).toEqual([1, 1]);
    expect(duck.out + athena.out).toBe('');
    expect(duck.err).toMatch(/^error: duckdb: line 2:3: Binder Error: Referenced column "nope" not found/m);
    expect(athena.err).toMatch(
      /^error: athena: query [0-9a-f-]{36} FAILED: COLUMN_NOT_FOUND: line 2:3: Binder Error: Referenced column "nope"/m,
    );
    expect(athena.err).not.toMatch(/\n\s+at /);
    const syntax = await cli(['query', 'selec 1', '-e', 'athena'], athenaEnv);
    expect(syntax.err).toMatch(/FAILED: SYNTAX_ERROR: line 1:1: Parser Error: syntax error at or near "selec"\n$/);
  });

  it('a workgroup that does not exist: the service’s InvalidRequestException', async () => {
    const { code, err } = await cli(['query', 'select 1', '-e', 'athena'], {
      ...athenaEnv,
      LAKE_ATHENA_WORKGROUP: 'nobody',
    });
    expect(code).toBe(1);
    expect(err).toBe('error: athena: WorkGroup nobody is not found.\n');
  });

  it('an unreachable Athena endpoint: says which endpoint and workgroup', async () => {
    const { code, err } = await cli(['query', 'select 1', '-e', 'athena'], {
      ...athenaEnv,
      LAKE_ATHENA_ENDPOINT: 'http://127.0.0.1:9',
    });
    expect(code).toBe(1);
    expect(err).toBe(
      'error: athena: cannot reach http://127.0.0.1:9 (workgroup genlake-dev-analysts, database genlake_dev, ' +
        'region eu-central-1): ECONNREFUSED\n',
    );
  });

  it('an unreachable Trino: says which URL', async () => {
    const { code, err } = await cli(['query', 'select 1', '--engine', 'trino'], {
      LAKE_TRINO_URL: 'http://127.0.0.1:9',
    });
    expect(code).toBe(1);
    expect(err).toBe('error: trino: cannot reach http://127.0.0.1:9 (catalog hive, schema genlake): ECONNREFUSED\n');
  });

  it('no AWS credentials: says which variables are read', async () => {
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];
    const overrides: Record<string, string | undefined> = {
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const name of names) overrides[name] = undefined;
    const saved = Object.fromEntries(Object.keys(overrides).map((k) => [k, process.env[k]]));
    // The SDK's default chain reads the process environment and the shared files: point them at nothing.
    const apply = (values: Record<string, string | undefined>): void => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    apply(overrides);
    try {
      const env = { ...athenaEnv };
      for (const name of names) delete env[name];
      const { code, err } = await cli(['query', 'select 1', '-e', 'athena'], env);
      expect(code).toBe(1);
      expect(err).toMatch(/^error: athena: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      expect(err).toContain('AWS_PROFILE');
    } finally {
      apply(saved);
    }
  });
});

describe('Ctrl-C', () => {
  it('stops the Athena query (StopQueryExecution) and exits 130', async () => {
    const controller = new AbortController();
    const sql = 'select sum(hash(i)) as h from range(100000000000) t(i)';
    const run = cli(['query', sql, '-e', 'athena'], athenaEnv, { signal: controller.signal });
    await expect.poll(() => stub.executions().find((e) => e.query === sql)?.state, { timeout: 10_000 }).toBe('RUNNING');
    controller.abort(new Error('interrupted'));
    const { code, out, err } = await run;
    expect(code).toBe(EXIT_CANCELLED);
    expect(out).toBe('');
    const execution = stub.executions().find((e) => e.query === sql);
    expect(err).toContain(`error: athena: query ${execution?.id} stopped (StopQueryExecution)\n`);
    expect(execution?.state).toBe('CANCELLED');
    expect(execution?.calls).toContain('StopQueryExecution');
  });

  it('interrupts a DuckDB query and exits 130', async () => {
    const controller = new AbortController();
    const run = cli(
      ['query', 'select sum(hash(i)) from range(100000000000) t(i)'],
      { STORAGE_URL: storageDir },
      {
        signal: controller.signal,
      },
    );
    setTimeout(() => controller.abort(new Error('interrupted')), 300);
    const { code, err } = await run;
    expect(code).toBe(EXIT_CANCELLED);
    expect(err).toBe('error: duckdb: query interrupted\n');
  });
});

describe('AthenaEngine', () => {
  it('reports progress while it polls with backoff', async () => {
    const engine = new AthenaEngine({
      ...athenaConfigFromEnv(athenaEnv),
      pollMs: { initial: 5, max: 20 },
      pageSize: 7,
    });
    const states: string[] = [];
    try {
      const result = await engine.query(
        'select obs_id from observations where generation = 2 order by obs_id limit 20',
        {
          onProgress: (p) => states.push(p.state),
        },
      );
      expect(result.rows.map((r) => r[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(states.at(-1)).toBe('SUCCEEDED');
      expect(result.stats).toMatchObject({ engine: 'athena', bytesScanned: expect.any(Number) });
      // 20 rows + the label row in pages of 7.
      expect(
        stub
          .executions()
          .at(-1)
          ?.calls.filter((c) => c === 'GetQueryResults'),
      ).toHaveLength(3);
    } finally {
      await engine.close();
    }
  });
});
