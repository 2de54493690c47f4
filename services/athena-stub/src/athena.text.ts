import { type DuckDBType, DuckDBTypeId, type Json } from '@duckdb/node-api';

/** The Athena (Trino) type name of a DuckDB column type, as `ColumnInfo.Type` gives it. */
export function athenaType(type: DuckDBType): string {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
      return 'tinyint';
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return 'smallint';
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return 'integer';
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      // DuckDB widens sum(integer) to HUGEINT; Athena's sum of an integer is a bigint.
      return 'bigint';
    case DuckDBTypeId.FLOAT:
      return 'real';
    case DuckDBTypeId.DOUBLE:
      return 'double';
    case DuckDBTypeId.DECIMAL:
      return 'decimal';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'timestamp';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp with time zone';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return 'array';
    case DuckDBTypeId.STRUCT:
      return 'row';
    case DuckDBTypeId.MAP:
      return 'map';
    default:
      return 'varchar';
  }
}

/** A double as Java prints it (Athena's engine runs on the JVM): `10.0`, `1.5`, `1.0E20`, `1.0E-4`, `NaN`. */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) {
    const s = String(value);
    return s.includes('.') || s.includes('e') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** `2026-01-01 00:00:00` → `2026-01-01 00:00:00.000`: Athena prints milliseconds (more digits when there are more). */
export function athenaTimestamp(text: string): string {
  return text.replace(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))?/, (_m, base, frac = '') => {
    const digits = frac.length <= 3 ? frac.padEnd(3, '0') : frac.padEnd(6, '0');
    return `${base}.${digits}`;
  });
}

function childTypes(type: DuckDBType): { value?: DuckDBType; entries?: readonly DuckDBType[] } {
  const t = type as unknown as { valueType?: DuckDBType; entryTypes?: readonly DuckDBType[] };
  return { value: t.valueType, entries: t.entryTypes };
}

/**
 * A value (as the lake's JSON converter gives it) in Athena's text form (`VarCharValue`): numbers, booleans and
 * dates as text, doubles as Java prints them, timestamps with milliseconds, arrays `[a, b]`, rows `{x=1, y=a}`.
 */
export function athenaText(value: Json, type: DuckDBType | undefined): string {
  if (value === null) return 'null';
  const id = type?.typeId;
  if (typeof value === 'number' && (id === DuckDBTypeId.DOUBLE || id === DuckDBTypeId.FLOAT)) return javaDouble(value);
  if (typeof value === 'string' && (id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_TZ)) {
    return athenaTimestamp(value);
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const children = type ? childTypes(type) : {};
  if (Array.isArray(value)) {
    if (id === DuckDBTypeId.MAP) {
      const entries = value as { key: Json; value: Json }[];
      return `{${entries.map((e) => `${athenaText(e.key, undefined)}=${athenaText(e.value, undefined)}`).join(', ')}}`;
    }
    return `[${value.map((v) => athenaText(v, children.value)).join(', ')}]`;
  }
  return `{${Object.entries(value)
    .map(([k, v], i) => `${k}=${athenaText(v ?? null, children.entries?.[i])}`)
    .join(', ')}}`;
}
