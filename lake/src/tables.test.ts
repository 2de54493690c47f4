import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyTableSql, LakeEngine, readTableSql } from './duckdb';
import { readResultSet } from './result.format';
import {
  duckdbType,
  getTable,
  LAKE_PREFIX,
  lakeTables,
  loadTableDefinitions,
  objectKey,
  parseObjectKey,
  partitionPath,
  referenceErrors,
  TABLES_DIR,
  type TableDefinition,
  tableDefinitionErrors,
  tableNames,
  tablesForStage,
} from './tables';

const schema = JSON.parse(readFileSync(join(TABLES_DIR, 'table-definition.schema.json'), 'utf8'));
const files = readdirSync(TABLES_DIR).filter((f) => f.endsWith('.table.json'));
const raw = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(TABLES_DIR, `${name}.table.json`), 'utf8'));

describe('table definitions', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(schema);

  it('are the six tables of the reference workload', () => {
    expect(tableNames).toEqual([
      'corrected_estimates',
      'corrections',
      'estimates',
      'features',
      'observations',
      'windows',
    ]);
    expect(files).toHaveLength(6);
    expect(tablesForStage('processed').map((t) => t.name)).toEqual([
      'estimates',
      'features',
      'observations',
      'windows',
    ]);
    expect(tablesForStage('corrected').map((t) => t.name)).toEqual(['corrected_estimates', 'corrections']);
  });

  it.each(files)('%s validates against the JSON Schema', (file) => {
    const value = JSON.parse(readFileSync(join(TABLES_DIR, file), 'utf8'));
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    expect(tableDefinitionErrors(value)).toEqual([]);
  });

  it('share the partition keys and link only to existing columns', () => {
    for (const table of Object.values(lakeTables)) {
      expect(table.partitionKeys).toEqual([
        { name: 'dataset', type: 'string' },
        { name: 'date', type: 'date' },
        { name: 'generation', type: 'int32' },
      ]);
    }
    expect(referenceErrors(lakeTables)).toEqual([]);
  });

  it('are rejected by both the schema and the loader when wrong', () => {
    const cases: [string, (t: Record<string, unknown>) => void][] = [
      ['unknown stage', (t) => (t.stage = 'raw')],
      ['bad column type', (t) => ((t.columns as { type: string }[])[0].type = 'float')],
      ['extra property', (t) => (t.owner = 'me')],
      ['partition keys out of order', (t) => (t.partitionKeys as unknown[]).reverse()],
      ['bad identifier', (t) => (t.name = 'Observations')],
      ['schema version', (t) => (t.schemaVersion = 2)],
    ];
    for (const [label, mutate] of cases) {
      const t = raw('observations');
      mutate(t);
      expect(validate(t), label).toBe(false);
      expect(tableDefinitionErrors(t).length, label).toBeGreaterThan(0);
    }
    // Rules only the loader checks.
    const dup = raw('observations');
    (dup.columns as unknown[]).push({ name: 'entity', type: 'string', nullable: false, description: 'again' });
    expect(tableDefinitionErrors(dup)).toContain('columns[9]: duplicate column name "entity"');
    const missingKey = raw('windows');
    missingKey.orderBy = ['nope'];
    expect(tableDefinitionErrors(missingKey)).toContain('orderBy: "nope" is not a column');
    const partitionColumn = raw('windows');
    (partitionColumn.columns as unknown[]).push({ name: 'date', type: 'date', nullable: false, description: 'd' });
    expect(tableDefinitionErrors(partitionColumn).join()).toMatch(/partition key/);
  });

  it('reports references to unknown or differently typed columns', () => {
    const features = structuredClone(lakeTables.features) as TableDefinition;
    features.columns = features.columns.map((c) =>
      c.name === 'window_id' ? { ...c, type: 'int32', references: 'windows.window_id' } : c,
    );
    const estimates = structuredClone(lakeTables.estimates) as TableDefinition;
    estimates.columns = estimates.columns.map((c) =>
      c.name === 'source_feature_id' ? { ...c, references: 'features.nope' } : c,
    );
    expect(referenceErrors({ ...lakeTables, features, estimates })).toEqual([
      'estimates.source_feature_id: references unknown column features.nope',
      'features.window_id: type int32 differs from windows.window_id (int64)',
    ]);
  });

  it('are all documented in lake/README.md', () => {
    const readme = readFileSync(join(TABLES_DIR, '..', 'README.md'), 'utf8').replace(/ +/g, ' ');
    for (const table of Object.values(lakeTables)) {
      expect(readme).toContain(`### \`${table.name}\` (${table.stage})`);
      for (const c of table.columns) {
        expect(readme, `${table.name}.${c.name}`).toContain(
          `| \`${c.name}\` | \`${c.type}\` | ${c.nullable ? 'yes' : 'no'} |`,
        );
      }
    }
  });

  it('load from a directory and fail loudly on a broken one', () => {
    expect(Object.keys(loadTableDefinitions(TABLES_DIR)).sort()).toEqual([...tableNames]);
    expect(() => loadTableDefinitions(join(TABLES_DIR, '..', 'src'))).toThrow(/no \*\.table\.json/);
  });
});

describe('paths and keys', () => {
  const partition = { dataset: 'greenhouse-sensors', date: '2026-03-07', generation: 12 };

  it('builds Hive-style partition paths and object keys below lake/', () => {
    expect(LAKE_PREFIX).toBe('lake');
    expect(partitionPath('windows', partition)).toBe(
      'windows/dataset=greenhouse-sensors/date=2026-03-07/generation=12',
    );
    expect(objectKey('windows', partition)).toBe(
      'lake/windows/dataset=greenhouse-sensors/date=2026-03-07/generation=12/part-00000.parquet',
    );
    expect(objectKey(lakeTables.features, { ...partition, date: new Date('2026-03-07T23:59:59Z') }, 3)).toBe(
      'lake/features/dataset=greenhouse-sensors/date=2026-03-07/generation=12/part-00003.parquet',
    );
  });

  it('parses the keys it builds and nothing else', () => {
    expect(parseObjectKey(objectKey('estimates', partition, 7))).toEqual({ table: 'estimates', ...partition, part: 7 });
    for (const key of [
      'lake/estimates/dataset=x/date=2026-03-07/generation=1/part-00000.parquet.123.tmp',
      'lake/unknown/dataset=x/date=2026-03-07/generation=1/part-00000.parquet',
      'lake/estimates/dataset=x/date=2026-02-30/generation=1/part-00000.parquet',
      'lake/estimates/dataset=../date=2026-03-07/generation=1/part-00000.parquet',
      'other/estimates/dataset=x/date=2026-03-07/generation=1/part-00000.parquet',
    ]) {
      expect(parseObjectKey(key), key).toBeUndefined();
    }
  });

  it('refuses partitions that cannot be written safely', () => {
    expect(() => partitionPath('windows', { ...partition, dataset: 'a/b' })).toThrow(/dataset name/);
    expect(() => partitionPath('windows', { ...partition, dataset: '' })).toThrow(/dataset name/);
    expect(() => partitionPath('windows', { ...partition, date: '2026-3-7' })).toThrow(/YYYY-MM-DD/);
    expect(() => partitionPath('windows', { ...partition, generation: -1 })).toThrow(/generation/);
    expect(() => partitionPath('nope', partition)).toThrow(/unknown lake table/);
    expect(() => getTable('__proto__')).toThrow(/unknown lake table/);
  });

  it('maps logical types to DuckDB types', () => {
    expect(
      ['string', 'int32', 'int64', 'double', 'boolean', 'timestamp', 'date', 'json', 'list<int32>', 'list<string>'].map(
        (type) => duckdbType(type as never),
      ),
    ).toEqual([
      'VARCHAR',
      'INTEGER',
      'BIGINT',
      'DOUBLE',
      'BOOLEAN',
      'TIMESTAMP',
      'DATE',
      'VARCHAR',
      'INTEGER[]',
      'VARCHAR[]',
    ]);
  });
});

describe('readTableSql / emptyTableSql', () => {
  let engine: LakeEngine;
  beforeAll(async () => {
    engine = await LakeEngine.create({ threads: 1 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it.each(tableNames)(
    '%s: the empty view has the columns and types of the definition plus partitions',
    async (name) => {
      const conn = await engine.connect();
      const result = await readResultSet(await conn.runAndRead(`DESCRIBE ${emptyTableSql(name)}`));
      const described = result.rows.map((r) => `${r[0]} ${r[1]}`);
      const table = getTable(name);
      expect(described).toEqual([
        ...table.columns.map((c) => `${c.name} ${duckdbType(c)}`),
        'dataset VARCHAR',
        'date DATE',
        'generation INTEGER',
      ]);
      expect(readTableSql(name, [])).toBe(emptyTableSql(name));
      expect(readTableSql(name, ["/x/it's.parquet"])).toContain("'/x/it''s.parquet'");
    },
  );
});
