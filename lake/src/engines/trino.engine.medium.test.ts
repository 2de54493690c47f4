import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectS3, dockerAvailable } from '@genlake/testing';
import { MinioContainer, type StartedMinioContainer } from '@testcontainers/minio';
import { GenericContainer, Network, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDirStorage } from '../../../packages/kit/src/storage/local-dir.storage';
import { S3Storage } from '../../../packages/kit/src/storage/s3.storage';
import { type CliEnv, runCli } from '../cli';
import { trinoSyncPartitionsSql } from '../ddl';
import { buildFixtureLake } from '../lake.fixture';
import { OUTPUT_FORMATS } from '../result.format';
import { tableNames } from '../tables';
import { TrinoEngine } from './trino.engine';

const REPO = resolve(__dirname, '..', '..', '..');
const docker = dockerAvailable();
const SKIP_REASON =
  'no Docker engine (DOCKER_HOST unset and /var/run/docker.sock does not answer `docker info`): the Trino engine ' +
  'runs against trinodb/trino in Testcontainers only';
if (!docker) process.stderr.write(`[genlake tests] trino.engine.medium.test.ts skipped: ${SKIP_REASON}\n`);

/** The compose stack's images and catalog (compose.yaml, deploy/trino). */
const TRINO_IMAGE = 'trinodb/trino:475';
const MINIO_IMAGE = 'minio/minio:RELEASE.2025-04-22T22-12-26Z';

/** The same answers in DuckDB's and Trino's SQL (no GROUP BY ALL / ORDER BY ALL in Trino). */
const QUERIES = [
  'select dataset, generation, count(*) as n from observations group by dataset, generation order by dataset, generation',
  `select generation, metric, count(*) as n, round(avg(value), 6) as avg_value, min(value) as min_value,
     max(value) as max_value, sum(obs_count) as obs
   from estimates group by generation, metric order by generation, metric`,
  `select obs_id, entity, metric, ts, value, is_duplicate, date from observations
   where dataset = 'greenhouse' and generation = 1 order by obs_id limit 40`,
];

describe.skipIf(!docker)(
  `query --engine trino (Testcontainers: the compose stack’s Trino and catalog)${docker ? '' : ` — skipped: ${SKIP_REASON}`}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'genlake-lake-trino-'));
    let store: LocalDirStorage;
    let network: StartedNetwork;
    let minio: StartedMinioContainer;
    let trino: StartedTestContainer;
    let env: CliEnv;

    const cli = async (argv: string[], e: CliEnv) => {
      let out = '';
      let err = '';
      const code = await runCli(argv, {
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          err += s;
        },
        env: e,
        openStore: () => store,
        cacheDir: join(dir, 'cache'),
      });
      return { code, out, err };
    };

    beforeAll(async () => {
      ({ store } = await buildFixtureLake(dir));
      network = await new Network().start();
      minio = await new MinioContainer(MINIO_IMAGE)
        .withUsername('genlake')
        .withPassword('genlake-secret')
        .withNetwork(network)
        .withNetworkAliases('minio')
        .start();
      const endpoint = minio.getConnectionUrl();
      await connectS3(endpoint, 'genlake', 'genlake-secret').createBucket('genlake');
      const bucket = new S3Storage({
        bucket: 'genlake',
        prefix: '',
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        accessKeyId: 'genlake',
        secretAccessKey: 'genlake-secret',
      });
      for (const table of tableNames) {
        for (const object of await store.list(`lake/${table}/`)) {
          if (object.key.endsWith('.parquet')) await bucket.putFile(object.key, store.localPath(object.key) as string);
        }
      }
      trino = await new GenericContainer(TRINO_IMAGE)
        .withNetwork(network)
        .withCopyFilesToContainer([
          { source: join(REPO, 'deploy/trino/catalog/hive.properties'), target: '/etc/trino/catalog/hive.properties' },
        ])
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forLogMessage(/SERVER STARTED/))
        .withStartupTimeout(240_000)
        .start();
      env = { LAKE_TRINO_URL: `http://${trino.getHost()}:${trino.getMappedPort(8080)}` };
      // The generated DDL of the compose stack, then the partitions written above.
      const engine = new TrinoEngine({
        server: env.LAKE_TRINO_URL as string,
        catalog: 'hive',
        schema: 'genlake',
        user: 'test',
      });
      const ddl = readFileSync(join(REPO, 'deploy/trino/init.sql'), 'utf8')
        .split(/;\s*\n/)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter((s) => s !== '');
      for (const statement of ddl) await engine.query(statement);
      for (const table of tableNames) await engine.query(trinoSyncPartitionsSql(table, 'genlake'));
    }, 600_000);

    afterAll(async () => {
      await trino?.stop();
      await minio?.stop();
      await network?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const sql of QUERIES) {
      it(`gives DuckDB's answer in every format: ${sql.slice(0, 60)}…`, async () => {
        for (const format of OUTPUT_FORMATS) {
          const duck = await cli(['query', sql, '-f', format], {});
          const viaTrino = await cli(['query', sql, '-e', 'trino', '-f', format], env);
          expect(duck.code).toBe(0);
          expect(viaTrino.code, viaTrino.err).toBe(0);
          expect(viaTrino.out).toBe(duck.out);
        }
      });
    }

    it('reports bad SQL with Trino’s position, exit 1', async () => {
      const { code, err } = await cli(['query', 'select nope from observations', '-e', 'trino'], env);
      expect(code).toBe(1);
      expect(err).toMatch(/^error: trino: query \S+ failed: line 1:8: Column 'nope' cannot be resolved/);
    });
  },
);
