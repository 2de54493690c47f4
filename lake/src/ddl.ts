// Generated SQL and catalog definitions for Athena/Glue, Trino and DuckDB, from lake/tables.
//
// Every generator takes a table definition (or its name) and produces the engine's view of the same table:
// the definition's columns in definition order, followed by the partition columns dataset, date, generation.
// Locations are the table's own prefix, `<storage root>/lake/<table>/` (see `tableLocation`).
import {
  type ColumnDefinition,
  type ColumnType,
  duckdbType,
  getTable,
  LAKE_PREFIX,
  type PartitionKeyDefinition,
  type TableDefinition,
} from './tables';

/** A column as the Glue Data Catalog (and Athena) describes it. */
export interface GlueColumn {
  name: string;
  /** Hive/Athena type: string, int, bigint, double, boolean, timestamp, date, array<int>, array<string>. */
  type: string;
  comment: string;
}

const GLUE_TYPES: Record<ColumnType, string> = {
  string: 'string',
  int32: 'int',
  int64: 'bigint',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
  date: 'date',
  json: 'string',
  'list<int32>': 'array<int>',
  'list<string>': 'array<string>',
};

const TRINO_TYPES: Record<ColumnType, string> = {
  string: 'varchar',
  int32: 'integer',
  int64: 'bigint',
  double: 'double',
  boolean: 'boolean',
  // The Hive connector's precision comes from hive.timestamp-precision; plain `timestamp` works with any setting.
  timestamp: 'timestamp',
  date: 'date',
  json: 'varchar',
  'list<int32>': 'array(integer)',
  'list<string>': 'array(varchar)',
};

/** Glue limits a column comment to 255 characters. */
const GLUE_COMMENT_MAX = 255;

function typeOf(column: ColumnDefinition | PartitionKeyDefinition | ColumnType): ColumnType {
  return typeof column === 'string' ? column : column.type;
}

/** The Hive/Athena (Glue) type of a column. `json` is a string holding one JSON document. */
export function glueType(column: ColumnDefinition | PartitionKeyDefinition | ColumnType): string {
  const type = typeOf(column);
  const mapped = GLUE_TYPES[type];
  if (!mapped) throw new Error(`unknown column type "${type}"`);
  return mapped;
}

/** The Trino type of a column. `json` is a varchar holding one JSON document. */
export function trinoType(column: ColumnDefinition | PartitionKeyDefinition | ColumnType): string {
  const type = typeOf(column);
  const mapped = TRINO_TYPES[type];
  if (!mapped) throw new Error(`unknown column type "${type}"`);
  return mapped;
}

function comment(text: string | undefined, type: ColumnType): string {
  const base = (text ?? '').replace(/\s+/g, ' ').trim();
  const full = type === 'json' && !/json/i.test(base) ? `${base} (JSON document)`.trim() : base;
  return full.length <= GLUE_COMMENT_MAX ? full : `${full.slice(0, GLUE_COMMENT_MAX - 1)}…`;
}

/** The data columns of a table for the Glue catalog, in definition order (partition columns excluded). */
export function glueColumns(table: string | TableDefinition): GlueColumn[] {
  return getTable(table).columns.map((c) => ({
    name: c.name,
    type: glueType(c),
    comment: comment(c.description, c.type),
  }));
}

const PARTITION_COMMENTS: Record<string, string> = {
  dataset: 'Dataset the generation belongs to (partition).',
  date: 'UTC day the generation was written (partition).',
  generation: 'Generation number within the dataset (partition).',
};

/** The partition columns of a table for the Glue catalog: dataset string, date date, generation int. */
export function gluePartitionKeys(table: string | TableDefinition): GlueColumn[] {
  return getTable(table).partitionKeys.map((p) => ({
    name: p.name,
    type: glueType(p),
    comment: comment(p.description ?? PARTITION_COMMENTS[p.name], p.type),
  }));
}

/**
 * The location of a table's files below a storage root: `<root>/lake/<table>/`.
 * `storageRoot` is what `STORAGE_URL` holds, e.g. `s3://bucket` or `s3://bucket/prefix`.
 */
export function tableLocation(storageRoot: string, table: string | TableDefinition): string {
  const root = storageRoot.replace(/\/+$/, '');
  return `${root}/${LAKE_PREFIX}/${getTable(table).name}/`;
}

function withSlash(location: string): string {
  if (location.length === 0) throw new Error('location must not be empty');
  return location.endsWith('/') ? location : `${location}/`;
}

export interface PartitionProjectionOptions {
  /**
   * Dataset names to enumerate (`enum` projection). When absent the dataset is `injected`: every Athena query must
   * then filter on `dataset = '<name>'` (or `IN (...)`), which is how the lake is meant to be read.
   */
  datasets?: readonly string[];
  /** Range of the `date` partition, `yyyy-MM-dd` or Athena's relative `NOW…` forms. Default `2025-01-01,NOW`. */
  dateRange?: string;
  /**
   * Range of generation numbers (inclusive, `min,max`). Default `1,100000`. Athena enumerates the range for a
   * query that does not filter on generation, so keep it close to the real numbers or filter on generation.
   */
  generationRange?: string;
}

export const DEFAULT_PROJECTION_DATE_RANGE = '2025-01-01,NOW';
export const DEFAULT_PROJECTION_GENERATION_RANGE = '1,100000';

/**
 * Athena partition projection table properties for a table stored at `location` (`<root>/lake/<table>/`):
 * `projection.enabled`, one projection per partition key and `storage.location.template`, so new partitions are
 * visible at once, without a crawler or `MSCK REPAIR TABLE`.
 */
export function partitionProjectionProperties(
  table: string | TableDefinition,
  location: string,
  options: PartitionProjectionOptions = {},
): Record<string, string> {
  const def = getTable(table);
  const base = withSlash(location);
  const properties: Record<string, string> = { 'projection.enabled': 'true' };
  for (const key of def.partitionKeys) {
    if (key.name === 'dataset') {
      if (options.datasets && options.datasets.length > 0) {
        properties['projection.dataset.type'] = 'enum';
        properties['projection.dataset.values'] = options.datasets.join(',');
      } else properties['projection.dataset.type'] = 'injected';
    } else if (key.name === 'date') {
      properties['projection.date.type'] = 'date';
      properties['projection.date.format'] = 'yyyy-MM-dd';
      properties['projection.date.range'] = options.dateRange ?? DEFAULT_PROJECTION_DATE_RANGE;
      properties['projection.date.interval'] = '1';
      properties['projection.date.interval.unit'] = 'DAYS';
    } else if (key.name === 'generation') {
      properties['projection.generation.type'] = 'integer';
      properties['projection.generation.range'] = options.generationRange ?? DEFAULT_PROJECTION_GENERATION_RANGE;
    } else throw new Error(`no partition projection for partition key "${key.name}"`);
  }
  properties['storage.location.template'] =
    `${base}${def.partitionKeys.map((key) => `${key.name}=\${${key.name}}`).join('/')}/`;
  return properties;
}

/** A Hive DDL string literal (Athena DDL escapes with backslashes). */
function hiveString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function hiveIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function trinoIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function trinoString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface AthenaDdlOptions extends PartitionProjectionOptions {
  /** Glue database to create the table in (`CREATE EXTERNAL TABLE <database>.<table>`); default the current one. */
  database?: string;
}

/**
 * `CREATE EXTERNAL TABLE IF NOT EXISTS` for Athena (Hive DDL): the definition's columns, `PARTITIONED BY (dataset
 * string, date date, generation int)`, Parquet at `location` (`<root>/lake/<table>/`), and partition projection in
 * `TBLPROPERTIES`.
 */
export function athenaCreateTableSql(
  table: string | TableDefinition,
  location: string,
  options: AthenaDdlOptions = {},
): string {
  const def = getTable(table);
  const name = options.database
    ? `${hiveIdentifier(options.database)}.${hiveIdentifier(def.name)}`
    : hiveIdentifier(def.name);
  const columns = glueColumns(def).map((c) => `  ${hiveIdentifier(c.name)} ${c.type} COMMENT ${hiveString(c.comment)}`);
  const partitions = gluePartitionKeys(def).map(
    (c) => `  ${hiveIdentifier(c.name)} ${c.type} COMMENT ${hiveString(c.comment)}`,
  );
  const properties = Object.entries({
    classification: 'parquet',
    ...partitionProjectionProperties(def, location, options),
  }).map(([key, value]) => `  ${hiveString(key)} = ${hiveString(value)}`);
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${name} (`,
    columns.join(',\n'),
    ')',
    `COMMENT ${hiveString(comment(def.description, 'string'))}`,
    'PARTITIONED BY (',
    partitions.join(',\n'),
    ')',
    'STORED AS PARQUET',
    `LOCATION ${hiveString(withSlash(location))}`,
    'TBLPROPERTIES (',
    properties.join(',\n'),
    ')',
  ].join('\n');
}

export interface TrinoDdlOptions {
  /** Trino catalog of the Hive connector; default `hive`. */
  catalog?: string;
}

/**
 * `CREATE TABLE IF NOT EXISTS <catalog>.<schema>.<table>` for the Trino Hive connector: the definition's columns,
 * then the partition columns (last, as the connector requires) `dataset varchar, date date, generation integer`,
 * `WITH (format = 'PARQUET', external_location = '<location>', partitioned_by = ARRAY['dataset','date','generation'])`.
 * The Hive connector learns about partitions written later with `trinoSyncPartitionsSql`.
 */
export function trinoCreateTableSql(
  table: string | TableDefinition,
  schema: string,
  location: string,
  options: TrinoDdlOptions = {},
): string {
  const def = getTable(table);
  const catalog = options.catalog ?? 'hive';
  const columns = [
    ...def.columns.map((c) => `  ${trinoIdentifier(c.name)} ${trinoType(c)}`),
    ...def.partitionKeys.map((p) => `  ${trinoIdentifier(p.name)} ${trinoType(p)}`),
  ];
  const partitionedBy = def.partitionKeys.map((p) => trinoString(p.name)).join(', ');
  return [
    `CREATE TABLE IF NOT EXISTS ${trinoIdentifier(catalog)}.${trinoIdentifier(schema)}.${trinoIdentifier(def.name)} (`,
    columns.join(',\n'),
    ')',
    `COMMENT ${trinoString(def.description)}`,
    'WITH (',
    "  format = 'PARQUET',",
    `  external_location = ${trinoString(withSlash(location))},`,
    `  partitioned_by = ARRAY[${partitionedBy}]`,
    ')',
  ].join('\n');
}

/**
 * `CALL <catalog>.system.sync_partition_metadata(...)`: registers the partitions found under the table's location
 * in the Hive metastore (mode `FULL` also drops partitions whose files are gone).
 */
export function trinoSyncPartitionsSql(
  table: string | TableDefinition,
  schema: string,
  options: TrinoDdlOptions & { mode?: 'ADD' | 'DROP' | 'FULL' } = {},
): string {
  const def = getTable(table);
  const catalog = options.catalog ?? 'hive';
  return (
    `CALL ${trinoIdentifier(catalog)}.system.sync_partition_metadata(` +
    `schema_name => ${trinoString(schema)}, table_name => ${trinoString(def.name)}, ` +
    `mode => ${trinoString(options.mode ?? 'ADD')}, case_sensitive => true)`
  );
}

/**
 * `CREATE OR REPLACE VIEW <table>` in DuckDB over the Parquet files matching `globPath` (for example
 * `s3://bucket/lake/observations/**\/*.parquet` or `./.genlake/storage/lake/observations/*\/*\/*\/*.parquet`): the
 * definition's columns cast to their types (files merged by name), then dataset, date and generation read from
 * the Hive-style path. DuckDB fails when the glob matches no file; `emptyTableSql` covers that case.
 */
export function duckdbCreateViewSql(table: string | TableDefinition, globPath: string): string {
  const def = getTable(table);
  const columns = [
    ...def.columns.map((c) => `CAST(${trinoIdentifier(c.name)} AS ${duckdbType(c)}) AS ${trinoIdentifier(c.name)}`),
    ...def.partitionKeys.map(
      (p) => `CAST(${trinoIdentifier(p.name)} AS ${duckdbType(p)}) AS ${trinoIdentifier(p.name)}`,
    ),
  ];
  const hiveTypes = def.partitionKeys.map((p) => `${trinoString(p.name)}: ${trinoString(duckdbType(p))}`);
  return (
    `CREATE OR REPLACE VIEW ${trinoIdentifier(def.name)} AS SELECT ${columns.join(', ')} ` +
    `FROM read_parquet(${trinoString(globPath)}, hive_partitioning = true, union_by_name = true, ` +
    `hive_types = {${hiveTypes.join(', ')}})`
  );
}
