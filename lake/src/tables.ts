import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Logical column types of the lake, shared by every engine (see tables/table-definition.schema.json). */
export const COLUMN_TYPES = [
  'string',
  'int32',
  'int64',
  'double',
  'boolean',
  'timestamp',
  'date',
  'json',
  'list<int32>',
  'list<string>',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const TABLE_STAGES = ['processed', 'corrected'] as const;
export type TableStage = (typeof TABLE_STAGES)[number];

export interface ColumnDefinition {
  name: string;
  type: ColumnType;
  nullable: boolean;
  description: string;
  /** Parent link `<table>.<column>`, resolved within the same dataset and generation. */
  references?: string;
}

export interface PartitionKeyDefinition {
  name: string;
  type: ColumnType;
  description?: string;
}

export interface TableDefinition {
  name: string;
  description: string;
  stage: TableStage;
  schemaVersion: 1;
  primaryKey: string[];
  partitionKeys: PartitionKeyDefinition[];
  columns: ColumnDefinition[];
  orderBy: string[];
}

/** One partition of a table: `dataset=<dataset>/date=<YYYY-MM-DD>/generation=<n>`. */
export interface LakePartition {
  dataset: string;
  /** `YYYY-MM-DD` or a Date (its UTC calendar date is used). */
  date: string | Date;
  generation: number;
}

/** All lake object keys start with this prefix (relative to the storage root). */
export const LAKE_PREFIX = 'lake';

/** The partition keys every table has, in path order. */
export const PARTITION_KEYS: readonly PartitionKeyDefinition[] = [
  { name: 'dataset', type: 'string' },
  { name: 'date', type: 'date' },
  { name: 'generation', type: 'int32' },
];

/**
 * Dataset names allowed in partition paths: they appear verbatim in object keys and SQL,
 * so they are restricted to characters that need no escaping anywhere.
 */
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;
const REFERENCE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DEFINITION_KEYS = [
  '$schema',
  'name',
  'description',
  'stage',
  'schemaVersion',
  'primaryKey',
  'partitionKeys',
  'columns',
  'orderBy',
];
const COLUMN_KEYS = ['name', 'type', 'nullable', 'description', 'references'];
const PARTITION_KEY_KEYS = ['name', 'type', 'description'];

/** The directory holding `<table>.table.json` and the JSON Schema (works from src and dist). */
export const TABLES_DIR = join(__dirname, '..', 'tables');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value) && value.length <= 63;
}

/**
 * Checks one table definition against the rules of tables/table-definition.schema.json plus the rules
 * JSON Schema cannot express within one table (unique column names, key and order columns exist).
 * Returns the list of problems, empty when valid.
 */
export function tableDefinitionErrors(value: unknown): string[] {
  const errors: string[] = [];
  if (!isObject(value)) return ['a table definition must be a JSON object'];
  for (const key of Object.keys(value)) if (!DEFINITION_KEYS.includes(key)) errors.push(`unknown property "${key}"`);
  for (const key of DEFINITION_KEYS.slice(1)) if (!(key in value)) errors.push(`missing property "${key}"`);
  if ('name' in value && !isIdentifier(value.name)) errors.push('name must be a lower-case snake_case identifier');
  if ('description' in value && (typeof value.description !== 'string' || value.description.length === 0)) {
    errors.push('description must be a non-empty string');
  }
  if ('stage' in value && !TABLE_STAGES.includes(value.stage as TableStage)) {
    errors.push(`stage must be one of ${TABLE_STAGES.join(', ')}`);
  }
  if ('schemaVersion' in value && value.schemaVersion !== 1) errors.push('schemaVersion must be 1');

  const columnNames = new Set<string>();
  if ('columns' in value) {
    if (!Array.isArray(value.columns) || value.columns.length === 0) errors.push('columns must be a non-empty array');
    else {
      value.columns.forEach((column: unknown, i: number) => {
        const at = `columns[${i}]`;
        if (!isObject(column)) {
          errors.push(`${at} must be an object`);
          return;
        }
        for (const key of Object.keys(column))
          if (!COLUMN_KEYS.includes(key)) errors.push(`${at}: unknown property "${key}"`);
        if (!isIdentifier(column.name)) errors.push(`${at}: name must be a lower-case snake_case identifier`);
        else if (columnNames.has(column.name)) errors.push(`${at}: duplicate column name "${column.name}"`);
        else if (PARTITION_KEYS.some((p) => p.name === column.name)) {
          errors.push(`${at}: "${column.name}" is a partition key and cannot be a column`);
        } else columnNames.add(column.name);
        if (!COLUMN_TYPES.includes(column.type as ColumnType)) {
          errors.push(`${at}: type must be one of ${COLUMN_TYPES.join(', ')}`);
        }
        if (typeof column.nullable !== 'boolean') errors.push(`${at}: nullable must be a boolean`);
        if (typeof column.description !== 'string' || column.description.length === 0) {
          errors.push(`${at}: description must be a non-empty string`);
        }
        if ('references' in column && (typeof column.references !== 'string' || !REFERENCE.test(column.references))) {
          errors.push(`${at}: references must look like "<table>.<column>"`);
        }
      });
    }
  }

  for (const list of ['primaryKey', 'orderBy'] as const) {
    if (!(list in value)) continue;
    const names = value[list];
    if (!Array.isArray(names) || names.length === 0) {
      errors.push(`${list} must be a non-empty array of column names`);
      continue;
    }
    if (new Set(names).size !== names.length) errors.push(`${list} has duplicate names`);
    for (const name of names) {
      if (!isIdentifier(name)) errors.push(`${list}: "${String(name)}" is not an identifier`);
      else if (columnNames.size > 0 && !columnNames.has(name)) errors.push(`${list}: "${name}" is not a column`);
    }
  }

  if ('partitionKeys' in value) {
    const keys = value.partitionKeys;
    const ok =
      Array.isArray(keys) &&
      keys.length === PARTITION_KEYS.length &&
      keys.every(
        (key: unknown, i: number) =>
          isObject(key) &&
          key.name === PARTITION_KEYS[i].name &&
          key.type === PARTITION_KEYS[i].type &&
          Object.keys(key).every((k) => PARTITION_KEY_KEYS.includes(k)) &&
          (key.description === undefined || typeof key.description === 'string'),
      );
    if (!ok) {
      errors.push(
        `partitionKeys must be ${JSON.stringify(PARTITION_KEYS.map(({ name, type }) => ({ name, type })))} in this order`,
      );
    }
  }
  return errors;
}

/** Cross-table rules: every `references` target exists and has the same type. */
export function referenceErrors(tables: Record<string, TableDefinition>): string[] {
  const errors: string[] = [];
  for (const table of Object.values(tables)) {
    for (const column of table.columns) {
      if (!column.references) continue;
      const [targetTable, targetColumn] = column.references.split('.');
      const target = tables[targetTable]?.columns.find((c) => c.name === targetColumn);
      if (!target) errors.push(`${table.name}.${column.name}: references unknown column ${column.references}`);
      else if (target.type !== column.type) {
        errors.push(
          `${table.name}.${column.name}: type ${column.type} differs from ${column.references} (${target.type})`,
        );
      }
    }
  }
  return errors;
}

/** Loads and validates every `<table>.table.json` of a directory; throws listing all problems. */
export function loadTableDefinitions(dir: string = TABLES_DIR): Record<string, TableDefinition> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.table.json'))
    .sort();
  const tables: Record<string, TableDefinition> = {};
  const errors: string[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      errors.push(`${file}: not valid JSON (${(err as Error).message})`);
      continue;
    }
    const problems = tableDefinitionErrors(parsed);
    const definition = parsed as TableDefinition;
    if (problems.length === 0 && `${definition.name}.table.json` !== file) {
      problems.push(`name "${definition.name}" does not match the file name`);
    }
    if (problems.length > 0) errors.push(...problems.map((p) => `${file}: ${p}`));
    else {
      const { $schema: _schema, ...rest } = definition as TableDefinition & { $schema?: string };
      tables[definition.name] = Object.freeze(rest) as TableDefinition;
    }
  }
  if (files.length === 0) errors.push(`no *.table.json files in ${dir}`);
  if (errors.length === 0) errors.push(...referenceErrors(tables));
  if (errors.length > 0) throw new Error(`invalid lake table definitions:\n  ${errors.join('\n  ')}`);
  return tables;
}

/** Every lake table by name, loaded and validated when this module is imported. */
export const lakeTables: Readonly<Record<string, TableDefinition>> = Object.freeze(loadTableDefinitions());

/** Table names in alphabetical order. */
export const tableNames: readonly string[] = Object.freeze(Object.keys(lakeTables).sort());

/** The definition of a table; throws for an unknown name. */
export function getTable(table: string | TableDefinition): TableDefinition {
  if (typeof table !== 'string') return table;
  const definition = lakeTables[table];
  if (!definition || !Object.hasOwn(lakeTables, table)) {
    throw new Error(`unknown lake table "${table}" (known: ${tableNames.join(', ')})`);
  }
  return definition;
}

/** Tables written by one stage, in name order. */
export function tablesForStage(stage: TableStage): TableDefinition[] {
  return tableNames.map((name) => lakeTables[name]).filter((t) => t.stage === stage);
}

const DUCKDB_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  int32: 'INTEGER',
  int64: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  json: 'VARCHAR',
  'list<int32>': 'INTEGER[]',
  'list<string>': 'VARCHAR[]',
};

/**
 * The DuckDB type a column is stored as. `timestamp` is a TIMESTAMP without time zone whose values are
 * UTC (Parquet TIMESTAMP(MICROS)); `json` is stored as VARCHAR holding one JSON document.
 */
export function duckdbType(column: ColumnDefinition | PartitionKeyDefinition | ColumnType): string {
  const type = typeof column === 'string' ? column : column.type;
  const mapped = DUCKDB_TYPES[type];
  if (!mapped) throw new Error(`unknown column type "${type}"`);
  return mapped;
}

/** `YYYY-MM-DD` of a partition date; validates strings. */
export function partitionDate(date: string | Date): string {
  if (date instanceof Date) {
    if (Number.isNaN(date.getTime())) throw new Error('partition date is an invalid Date');
    return date.toISOString().slice(0, 10);
  }
  if (!DATE_PATTERN.test(date) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    throw new Error(`partition date must be YYYY-MM-DD: "${date}"`);
  }
  return date;
}

function checkPartition(partition: LakePartition): { dataset: string; date: string; generation: number } {
  if (!DATASET_NAME_PATTERN.test(partition.dataset)) {
    throw new Error(
      `dataset name "${partition.dataset}" is not allowed in lake paths (letters, digits, '.', '_', '-'; at most 128)`,
    );
  }
  if (!Number.isInteger(partition.generation) || partition.generation < 0 || partition.generation > 2147483647) {
    throw new Error(`generation must be a non-negative int32: ${partition.generation}`);
  }
  return { dataset: partition.dataset, date: partitionDate(partition.date), generation: partition.generation };
}

/** `<table>/dataset=<d>/date=<YYYY-MM-DD>/generation=<n>`, relative to the lake prefix. */
export function partitionPath(table: string | TableDefinition, partition: LakePartition): string {
  const name = getTable(table).name;
  const p = checkPartition(partition);
  return `${name}/dataset=${p.dataset}/date=${p.date}/generation=${p.generation}`;
}

/** `lake/<table>/`: the storage prefix holding every file of a table. */
export function tablePrefix(table: string | TableDefinition): string {
  return `${LAKE_PREFIX}/${getTable(table).name}/`;
}

/** `lake/<table>/dataset=…/date=…/generation=…/`: the storage prefix of one partition. */
export function partitionPrefix(table: string | TableDefinition, partition: LakePartition): string {
  return `${LAKE_PREFIX}/${partitionPath(table, partition)}/`;
}

/** The storage key of a Parquet file: `lake/<table>/dataset=…/date=…/generation=…/part-00000.parquet`. */
export function objectKey(table: string | TableDefinition, partition: LakePartition, part = 0): string {
  if (!Number.isInteger(part) || part < 0 || part > 99999) throw new Error(`part must be 0..99999: ${part}`);
  return `${partitionPrefix(table, partition)}part-${String(part).padStart(5, '0')}.parquet`;
}

export interface ParsedObjectKey {
  table: string;
  dataset: string;
  date: string;
  generation: number;
  part: number;
}

const KEY_PATTERN =
  /^lake\/([a-z][a-z0-9_]*)\/dataset=([A-Za-z0-9][A-Za-z0-9._-]{0,127})\/date=(\d{4}-\d{2}-\d{2})\/generation=(\d{1,10})\/part-(\d{5})\.parquet$/;

/** Parses a key made by `objectKey`; undefined for anything else (temporary files, unknown tables, other layouts). */
export function parseObjectKey(key: string): ParsedObjectKey | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m || !Object.hasOwn(lakeTables, m[1])) return undefined;
  const generation = Number(m[4]);
  if (generation > 2147483647) return undefined;
  try {
    partitionDate(m[3]);
  } catch {
    return undefined;
  }
  return { table: m[1], dataset: m[2], date: m[3], generation, part: Number(m[5]) };
}
