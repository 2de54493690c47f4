import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  athenaCreateTableSql,
  DEFAULT_PROJECTION_DATE_RANGE,
  DEFAULT_PROJECTION_GENERATION_RANGE,
  duckdbCreateViewSql,
  glueColumns,
  gluePartitionKeys,
  glueType,
  partitionProjectionProperties,
  tableLocation,
  trinoCreateTableSql,
  trinoSyncPartitionsSql,
  trinoType,
} from './ddl';
import { LakeEngine, writeTableParquet } from './duckdb';
import { readResultSet } from './result.format';
import { COLUMN_TYPES, duckdbType, getTable, lakeTables, objectKey, tableNames } from './tables';

const LOCATION = 's3://genlake-lake/root/lake/observations/';

describe('column types', () => {
  it('map every logical type to Hive/Athena and Trino types', () => {
    expect(COLUMN_TYPES.map((t) => glueType(t))).toEqual([
      'string',
      'int',
      'bigint',
      'double',
      'boolean',
      'timestamp',
      'date',
      'string',
      'array<int>',
      'array<string>',
    ]);
    expect(COLUMN_TYPES.map((t) => trinoType(t))).toEqual([
      'varchar',
      'integer',
      'bigint',
      'double',
      'boolean',
      'timestamp',
      'date',
      'varchar',
      'array(integer)',
      'array(varchar)',
    ]);
  });

  it('reject an unknown type', () => {
    expect(() => glueType('decimal' as never)).toThrow(/unknown column type "decimal"/);
    expect(() => trinoType('decimal' as never)).toThrow(/unknown column type "decimal"/);
  });
});

describe('glueColumns / gluePartitionKeys', () => {
  it.each(tableNames)('%s: the definition columns in order, with types and comments', (name) => {
    const table = getTable(name);
    const columns = glueColumns(name);
    expect(columns.map((c) => c.name)).toEqual(table.columns.map((c) => c.name));
    expect(columns.map((c) => c.type)).toEqual(table.columns.map((c) => glueType(c)));
    for (const c of columns) {
      expect(c.comment.length).toBeGreaterThan(0);
      expect(c.comment.length).toBeLessThanOrEqual(255);
    }
    expect(glueColumns(table)).toEqual(columns);
  });

  it('partition keys are dataset string, date date, generation int', () => {
    expect(gluePartitionKeys('estimates').map((c) => `${c.name} ${c.type}`)).toEqual([
      'dataset string',
      'date date',
      'generation int',
    ]);
  });

  it('notes json columns in the comment and truncates long comments to the Glue limit', () => {
    const tags = glueColumns('observations').find((c) => c.name === 'tags');
    expect(tags).toMatchObject({ type: 'string' });
    expect(tags?.comment).toMatch(/JSON/);
    const long = {
      ...lakeTables.estimates,
      columns: [{ name: 'x', type: 'int64' as const, nullable: false, description: 'word '.repeat(100) }],
    };
    const [x] = glueColumns(long);
    expect(x.comment.length).toBe(255);
    expect(x.comment.endsWith('…')).toBe(true);
  });

  it('throws for an unknown table', () => {
    expect(() => glueColumns('nope')).toThrow(/unknown lake table "nope"/);
  });
});

describe('tableLocation / partitionProjectionProperties', () => {
  it('locates a table below a storage root', () => {
    expect(tableLocation('s3://b', 'windows')).toBe('s3://b/lake/windows/');
    expect(tableLocation('s3://b/prefix/', 'windows')).toBe('s3://b/prefix/lake/windows/');
  });

  it('projects dataset (injected), date and generation onto the Hive layout', () => {
    const properties = partitionProjectionProperties('observations', LOCATION.slice(0, -1));
    expect(properties).toEqual({
      'projection.enabled': 'true',
      'projection.dataset.type': 'injected',
      'projection.date.type': 'date',
      'projection.date.format': 'yyyy-MM-dd',
      'projection.date.range': DEFAULT_PROJECTION_DATE_RANGE,
      'projection.date.interval': '1',
      'projection.date.interval.unit': 'DAYS',
      'projection.generation.type': 'integer',
      'projection.generation.range': DEFAULT_PROJECTION_GENERATION_RANGE,
      'storage.location.template': `${LOCATION}dataset=\${dataset}/date=\${date}/generation=\${generation}/`,
    });
  });

  it('the location template produces the keys the writers use', () => {
    const template = partitionProjectionProperties('estimates', 's3://b/lake/estimates/')['storage.location.template'];
    const values: Record<string, string> = { dataset: 'demo', date: '2026-03-07', generation: '12' };
    const location = template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name]);
    const key = objectKey('estimates', { dataset: 'demo', date: '2026-03-07', generation: 12 });
    expect(`s3://b/${key}`.startsWith(location)).toBe(true);
  });

  it('enumerates datasets and takes ranges when given', () => {
    const properties = partitionProjectionProperties('windows', 's3://b/lake/windows/', {
      datasets: ['a', 'b'],
      dateRange: 'NOW-3YEARS,NOW',
      generationRange: '1,500',
    });
    expect(properties['projection.dataset.type']).toBe('enum');
    expect(properties['projection.dataset.values']).toBe('a,b');
    expect(properties['projection.date.range']).toBe('NOW-3YEARS,NOW');
    expect(properties['projection.generation.range']).toBe('1,500');
  });
});

describe('athenaCreateTableSql', () => {
  it('creates an external Parquet table partitioned by dataset, date, generation, with projection', () => {
    const sql = athenaCreateTableSql('observations', LOCATION, { database: 'genlake_dev' });
    expect(sql.startsWith('CREATE EXTERNAL TABLE IF NOT EXISTS `genlake_dev`.`observations` (\n')).toBe(true);
    expect(sql).toContain("  `obs_id` bigint COMMENT 'Index of the record");
    expect(sql).toContain('  `ts` timestamp COMMENT ');
    expect(sql).toContain('  `is_duplicate` boolean COMMENT ');
    expect(sql).toMatch(
      /PARTITIONED BY \(\n {2}`dataset` string COMMENT '[^']*',\n {2}`date` date COMMENT '[^']*',\n {2}`generation` int COMMENT '[^']*'\n\)/,
    );
    expect(sql).toContain(`STORED AS PARQUET\nLOCATION '${LOCATION}'`);
    expect(sql).toContain("'projection.enabled' = 'true'");
    expect(sql).toContain("'projection.dataset.type' = 'injected'");
    expect(sql).toContain(
      `'storage.location.template' = '${LOCATION}dataset=\${dataset}/date=\${date}/generation=\${generation}/'`,
    );
    // data columns are exactly the definition's, in order, and do not repeat the partition keys
    const body = sql.slice(sql.indexOf('(\n') + 2, sql.indexOf('\n)'));
    expect(body.split(',\n').map((line) => line.trim().split(' ')[0])).toEqual(
      getTable('observations').columns.map((c) => `\`${c.name}\``),
    );
  });

  it('escapes quotes in comments for Hive DDL', () => {
    const table = {
      ...lakeTables.estimates,
      description: "it's a table",
      columns: [{ name: 'x', type: 'string' as const, nullable: false, description: "the 'x' \\ column" }],
    };
    const sql = athenaCreateTableSql(table, 's3://b/lake/estimates');
    expect(sql).toContain("`x` string COMMENT 'the \\'x\\' \\\\ column'");
    expect(sql).toContain("COMMENT 'it\\'s a table'");
    expect(sql).toContain("LOCATION 's3://b/lake/estimates/'");
  });
});

describe('trinoCreateTableSql', () => {
  it.each(tableNames)('%s: columns, then the partition columns last, Parquet, external location', (name) => {
    const location = `s3a://lake/root/lake/${name}/`;
    const sql = trinoCreateTableSql(name, 'genlake', location);
    const table = getTable(name);
    expect(sql.startsWith(`CREATE TABLE IF NOT EXISTS "hive"."genlake"."${name}" (\n`)).toBe(true);
    const body = sql.slice(sql.indexOf('(\n') + 2, sql.indexOf('\n)'));
    expect(body.split(',\n').map((line) => line.trim())).toEqual([
      ...table.columns.map((c) => `"${c.name}" ${trinoType(c)}`),
      '"dataset" varchar',
      '"date" date',
      '"generation" integer',
    ]);
    expect(sql).toContain("  format = 'PARQUET',");
    expect(sql).toContain(`  external_location = '${location}',`);
    expect(sql).toContain("  partitioned_by = ARRAY['dataset', 'date', 'generation']");
  });

  it('takes another catalog and adds the trailing slash to the location', () => {
    const sql = trinoCreateTableSql('windows', 'lake', 's3://b/lake/windows', { catalog: 'minio' });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "minio"."lake"."windows"');
    expect(sql).toContain("external_location = 's3://b/lake/windows/'");
  });

  it('syncs partitions through the Hive connector procedure', () => {
    expect(trinoSyncPartitionsSql('windows', 'lake')).toBe(
      `CALL "hive".system.sync_partition_metadata(schema_name => 'lake', table_name => 'windows', mode => 'ADD', case_sensitive => true)`,
    );
    expect(trinoSyncPartitionsSql('windows', 'lake', { mode: 'FULL', catalog: 'c' })).toContain("mode => 'FULL'");
  });
});

describe('duckdbCreateViewSql', () => {
  let engine: LakeEngine;
  let dir: string;
  beforeAll(async () => {
    engine = await LakeEngine.create({ threads: 1 });
    dir = await mkdtemp(join(tmpdir(), 'genlake-ddl-'));
  });
  afterAll(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads Hive-partitioned files with the definition columns and typed partition columns', async () => {
    const conn = await engine.connect();
    const rows = (generation: number) =>
      `SELECT ${generation} AS estimate_id, 'e' AS entity, 'm' AS metric, 1.5 AS value, 1.5 AS mean, 1 AS obs_count, ` +
      `1 AS window_count, TIMESTAMP '2026-03-07 10:00:00' AS first_ts, TIMESTAMP '2026-03-07 10:00:00' AS last_ts, ` +
      '9 AS source_feature_id';
    for (const generation of [1, 2]) {
      const key = objectKey('estimates', { dataset: 'demo', date: '2026-03-07', generation });
      await writeTableParquet(conn, 'estimates', rows(generation), join(dir, key));
    }
    await conn.run(duckdbCreateViewSql('estimates', join(dir, 'lake/estimates/*/*/*/*.parquet')));
    const described = await readResultSet(await conn.runAndRead('DESCRIBE estimates'));
    expect(described.rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      ...getTable('estimates').columns.map((c) => `${c.name} ${duckdbType(c)}`),
      'dataset VARCHAR',
      'date DATE',
      'generation INTEGER',
    ]);
    const result = await readResultSet(
      await conn.runAndRead(
        "SELECT estimate_id, dataset, CAST(date AS VARCHAR), generation FROM estimates WHERE generation = 2 AND dataset = 'demo'",
      ),
    );
    expect(result.rows).toEqual([[2, 'demo', '2026-03-07', 2]]);
  });
});
