import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirStorage } from '../../packages/kit/src/storage/local-dir.storage';
import { LakeCatalog, type LakeObjectStore, publishTableFile } from './catalog';
import { type CliIo, runCli } from './cli';
import { LakeEngine } from './duckdb';
import { buildFixtureLake } from './lake.fixture';
import { readResultSet } from './result.format';
import { objectKey, tableNames } from './tables';
import { WORKLOAD_TABLES } from './workload';

const dir = mkdtempSync(join(tmpdir(), 'genlake-lake-cli-'));
const storageDir = join(dir, 'storage');
const store = new LocalDirStorage(storageDir);
// buildFixtureLake(dir) writes below dir/storage, which `store` reads.
let observations = 0;

/** The same objects seen through a "remote" store: no local paths, so the catalog must download. */
function remoteView(local: LocalDirStorage): LakeObjectStore & { downloads: string[] } {
  const downloads: string[] = [];
  return {
    url: 's3://test-bucket/lake-test',
    localRoot: undefined,
    localPath: () => undefined,
    list: (prefix) => local.list(prefix),
    download: async (key, path) => {
      downloads.push(key);
      await local.download(key, path);
    },
    downloads,
  };
}

async function cli(argv: string[], extra: Partial<CliIo> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    env: { STORAGE_URL: storageDir },
    openStore: () => store,
    cacheDir: join(dir, 'cache'),
    ...extra,
  });
  return { code, out, err };
}

beforeAll(async () => {
  ({ observations } = await buildFixtureLake(dir, 100));
  // Files the catalog must ignore.
  writeFileSync(join(storageDir, 'lake', 'observations', 'README.txt'), 'not a partition');
  writeFileSync(
    join(storageDir, 'lake', 'observations', 'dataset=greenhouse', 'date=2026-01-01', 'generation=1', 'x.parquet.tmp'),
    'partial upload',
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SQL = 'select dataset, generation, count(*) as n from observations group by all order by all';

describe('genlake-lake query', () => {
  it('prints an aligned table with the partition columns', async () => {
    const { code, out, err } = await cli(['query', SQL]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe(
      [
        'dataset     generation    n',
        '----------  ----------  ---',
        `greenhouse           1  ${observations}`,
        `greenhouse           2  ${observations}`,
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  it('prints RFC 4180 CSV', async () => {
    const { code, out } = await cli(['query', SQL, '--format', 'csv']);
    expect(code).toBe(0);
    expect(out).toBe(`dataset,generation,n\r\ngreenhouse,1,${observations}\r\ngreenhouse,2,${observations}\r\n`);
    const quoted = await cli(['query', `select 'a,b' as x, 'say "hi"' as y, null as z, [1,2] as l`, '-f', 'csv']);
    expect(quoted.out).toBe('x,y,z,l\r\n"a,b","say ""hi""",,"[1,2]"\r\n');
  });

  it('prints a JSON array of objects, big integers as strings', async () => {
    const { code, out } = await cli(['query', SQL, '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([
      { dataset: 'greenhouse', generation: 1, n: observations },
      { dataset: 'greenhouse', generation: 2, n: observations },
    ]);
    const big = await cli([
      'query',
      `select 9007199254740993::BIGINT as big, 42::HUGEINT as small, DATE '2026-01-02' as d`,
      '-f',
      'json',
    ]);
    expect(JSON.parse(big.out)).toEqual([{ big: '9007199254740993', small: 42, d: '2026-01-02' }]);
  });

  it('exposes every table, empty ones with their columns', async () => {
    const { out } = await cli([
      'query',
      'select count(*) as n, count(generations_used) as g, min(date) as d from corrections',
      '-f',
      'json',
    ]);
    expect(JSON.parse(out)).toEqual([{ n: 0, g: 0, d: null }]);
    const joined = await cli([
      'query',
      `select count(*) as orphans from features f left join windows w
         on w.window_id = f.window_id and w.dataset = f.dataset and w.generation = f.generation
       where w.window_id is null`,
      '-f',
      'json',
    ]);
    expect(JSON.parse(joined.out)).toEqual([{ orphans: 0 }]);
  });

  it('reports bad SQL on stderr with exit code 1 and no stack trace', async () => {
    const { code, out, err } = await cli(['query', 'selec * from observations']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('error: duckdb: line 1:1: Parser Error: syntax error at or near "selec"\n');
    const missing = await cli(['query', 'select *\n  from nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: duckdb: line 2:8: Catalog Error: Table with name nope does not exist/);
    expect(missing.err).not.toMatch(/\n\s+at /);
  });

  it('rejects unknown formats and commands', async () => {
    expect((await cli(['query', 'select 1', '--format', 'xml'])).code).toBe(1);
    expect((await cli(['frobnicate'])).code).toBe(1);
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('uses STORAGE_URL when --storage is not given', async () => {
    let opened = '';
    await cli(['query', 'select 1'], {
      env: { STORAGE_URL: '/somewhere/else' },
      openStore: (url) => {
        opened = url;
        return store;
      },
    });
    expect(opened).toBe('/somewhere/else');
    await cli(['query', 'select 1', '--storage', 's3://b/p'], {
      openStore: (url) => {
        opened = url;
        return store;
      },
    });
    expect(opened).toBe('s3://b/p');
  });
});

describe('genlake-lake tables / describe / partitions', () => {
  it('lists the tables', async () => {
    const { code, out } = await cli(['tables', '-f', 'json']);
    expect(code).toBe(0);
    const listed = JSON.parse(out) as { table: string; columns: string }[];
    expect(listed.map((t) => t.table)).toEqual([...tableNames]);
    expect(listed.find((t) => t.table === 'observations')?.columns).toMatch(/^obs_id, batch_id, entity/);
  });

  it('describes a table and fails for an unknown one', async () => {
    const { code, out } = await cli(['describe', 'windows']);
    expect(code).toBe(0);
    expect(out).toMatch(/^column\s+type\s+duckdb_type/);
    expect(out).toMatch(/first_obs_id\s+int64\s+BIGINT\s+false\s+false\s+observations\.obs_id/);
    expect(out).toMatch(/generation\s+int32\s+INTEGER\s+false\s+true/);
    const bad = await cli(['describe', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: unknown lake table "nope"/);
  });

  it('lists partitions in storage', async () => {
    const { out } = await cli(['partitions', 'estimates', '-f', 'csv']);
    expect(out.split('\r\n').slice(0, 3)).toEqual([
      'table,dataset,date,generation,files,bytes',
      expect.stringMatching(/^estimates,greenhouse,2026-01-01,1,1,\d+$/),
      expect.stringMatching(/^estimates,greenhouse,2026-01-01,2,1,\d+$/),
    ]);
  });
});

describe('LakeCatalog', () => {
  it('downloads remote files once into the cache and reads them with partitions', async () => {
    const remote = remoteView(store);
    const cacheDir = join(dir, 'remote-cache');
    const engine = await LakeEngine.create({ threads: 1 });
    try {
      const catalog = new LakeCatalog(remote, engine, { cacheDir });
      const conn = await catalog.connect();
      expect(remote.downloads).toHaveLength(WORKLOAD_TABLES.length * 2);
      const key = objectKey('observations', { dataset: 'greenhouse', date: '2026-01-01', generation: 2 });
      const cached = join(cacheDir, ...key.split('/'));
      expect(statSync(cached).size).toBe(statSync(store.localPath(key)).size);
      const result = await readResultSet(
        await conn.runAndRead('select generation, count(*) from observations group by all order by 1'),
      );
      expect(result.rows).toEqual([
        [1, observations],
        [2, observations],
      ]);
      await catalog.refresh();
      expect(remote.downloads).toHaveLength(WORKLOAD_TABLES.length * 2);
      expect(catalog.partitions('windows').map((p) => p.generation)).toEqual([1, 2]);
      expect(catalog.files('observations').map((f) => f.key)).toEqual([
        objectKey('observations', { dataset: 'greenhouse', date: '2026-01-01', generation: 1 }),
        key,
      ]);
    } finally {
      await engine.close();
    }
  });

  it('re-creates the views of attached connections on refresh', async () => {
    const storage = new LocalDirStorage(join(dir, 'refresh-storage'));
    const engine = await LakeEngine.create({ threads: 1 });
    try {
      const catalog = new LakeCatalog(storage, engine);
      const conn = await catalog.connect();
      const count = async (): Promise<unknown> =>
        (await readResultSet(await conn.runAndRead('select count(*) from estimates'))).rows[0][0];
      expect(await count()).toBe(0);
      const source = join(dir, 'gen-1', 'estimates.parquet');
      expect(existsSync(source)).toBe(true);
      await publishTableFile(storage, 'estimates', { dataset: 'd', date: '2026-01-02', generation: 1 }, source);
      expect(await count()).toBe(0);
      await catalog.refresh();
      expect(await count()).toBe(6);
      expect(catalog.files('estimates')[0].localFile).toBe(
        storage.localPath(objectKey('estimates', { dataset: 'd', date: '2026-01-02', generation: 1 })),
      );
    } finally {
      await engine.close();
    }
  });
});
