import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AthenaStub, startAthenaStub } from '@genlake/athena-stub';
import { type S3TestServer, startS3rver } from '@genlake/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDirStorage } from '../../../packages/kit/src/storage/local-dir.storage';
import { type CliEnv, runCli } from '../cli';
import { buildFixtureLake } from '../lake.fixture';
import { AthenaEngine, type AthenaEngineConfig, type AthenaResultsMode } from './athena.engine';

const dir = mkdtempSync(join(tmpdir(), 'genlake-lake-athena-results-'));
let store: LocalDirStorage;
let s3: S3TestServer;
let stub: AthenaStub;

/** Rows of the measured result (GetQueryResults pages against the result object). */
const BIG_ROWS = Number(process.env.GENLAKE_BENCH_ATHENA_ROWS || 50_000);
const BIG_SQL = `select i, 'entity-' || (i % 100) as entity, i * 0.5 as value,
    timestamp '2026-01-01 00:00:00' + to_seconds(i) as ts, i % 7 = 0 as flag, case when i % 5 = 0 then null else 'x' end as maybe
  from range(${BIG_ROWS}) t(i) order by i`;

function config(results: AthenaResultsMode): AthenaEngineConfig {
  return {
    region: 'us-east-1',
    workgroup: 'primary',
    database: 'genlake_dev',
    endpoint: stub.url,
    credentials: { accessKeyId: 'stand-in', secretAccessKey: 'stand-in-secret' },
    pricePerTb: 5,
    pollMs: { initial: 20, max: 200 },
    results,
    s3: { endpoint: s3.endpoint, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
  };
}

async function timed(results: AthenaResultsMode, sql: string) {
  const engine = new AthenaEngine(config(results));
  try {
    const started = performance.now();
    const result = await engine.query(sql);
    return { result, ms: performance.now() - started };
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  ({ store } = await buildFixtureLake(dir));
  s3 = await startS3rver();
  await s3.createBucket('athena-results');
  stub = await startAthenaStub({
    store,
    threads: 2,
    outputLocation: 's3://athena-results/queries/',
    resultsS3: { endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
});

afterAll(async () => {
  await stub?.close();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Athena results: GetQueryResults pages and the result object in S3', () => {
  it('reads the same rows both ways, and the same as DuckDB through the CLI', async () => {
    const sql = 'select generation, obs_id, entity, ts, value, tags, is_duplicate from observations order by all';
    const pages = await timed('pages', sql);
    const object = await timed('object', sql);
    expect(object.result.columns).toEqual(pages.result.columns);
    expect(object.result.rows).toEqual(pages.result.rows);
    expect(pages.result.rows.length).toBeGreaterThan(1000);

    const out = async (env: CliEnv, extra: string[]) => {
      let text = '';
      let err = '';
      const code = await runCli(['query', sql, '-f', 'json', ...extra], {
        stdout: (s) => {
          text += s;
        },
        stderr: (s) => {
          err += s;
        },
        env,
        openStore: () => store,
        cacheDir: join(dir, 'cache'),
      });
      expect(code, err).toBe(0);
      return text;
    };
    const duck = await out({}, []);
    const athena = await out(
      {
        LAKE_ATHENA_ENDPOINT: stub.url,
        LAKE_ATHENA_WORKGROUP: 'primary',
        AWS_ACCESS_KEY_ID: 'stand-in',
        AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
      ['--engine', 'athena'],
    );
    expect(athena).toBe(duck);
    // auto (the default) read the object: one GetQueryResults call for the column types.
    expect(
      stub
        .executions()
        .at(-1)
        ?.calls.filter((c) => c === 'GetQueryResults'),
    ).toHaveLength(1);
  });

  it('says which object it could not read', async () => {
    const engine = new AthenaEngine({ ...config('object'), s3: { endpoint: 'http://127.0.0.1:9' } });
    try {
      await expect(engine.query('select * from range(2000)')).rejects.toThrow(
        /^athena: cannot read the result object s3:\/\/athena-results\/queries\/[0-9a-f-]+\.csv at http:\/\/127\.0\.0\.1:9: ECONNREFUSED/,
      );
    } finally {
      await engine.close();
    }
  });

  it(`measures ${BIG_ROWS.toLocaleString('en')} rows: pages against the object`, async () => {
    // Alternating, best of two each: the first run also warms the stand-in's DuckDB and the S3 server.
    const runs = {
      pages: [] as Awaited<ReturnType<typeof timed>>[],
      object: [] as Awaited<ReturnType<typeof timed>>[],
    };
    for (let round = 0; round < 2; round++) {
      runs.pages.push(await timed('pages', BIG_SQL));
      runs.object.push(await timed('object', BIG_SQL));
    }
    const best = (xs: Awaited<ReturnType<typeof timed>>[]) => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const pages = best(runs.pages);
    const object = best(runs.object);
    expect(object.result.rows).toEqual(pages.result.rows);
    expect(pages.result.rows).toHaveLength(BIG_ROWS);
    const pageCalls = Math.ceil((BIG_ROWS + 1) / 1000);
    process.stdout.write(
      `[athena results] ${BIG_ROWS} rows through the stand-in on loopback: GetQueryResults ${pageCalls} pages ` +
        `${pages.ms.toFixed(0)} ms, result object ${object.ms.toFixed(0)} ms, pages/object ${(pages.ms / object.ms).toFixed(2)}x\n`,
    );
  });
});
