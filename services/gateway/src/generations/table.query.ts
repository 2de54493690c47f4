import { getTable, lakeTables, sqlIdentifier, type TableDefinition } from '@genlake/lake';
import { ApiError } from '../api-error';
import { checkUuid } from '../batches/batch.query';
import { csvCell } from './csv';
import type { GenerationRepository } from './generation.repository';
import { type LakeReader, type Plain, type TableQuery } from './lake.reader';

const OPERATORS: Record<string, string> = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };
const RESERVED = new Set(['limit', 'cursor', 'order', 'q']);
const FILTER_KEY = /^([a-z_][a-z0-9_]*)(?:\[(eq|ne|lt|lte|gt|gte)\])?$/;

/** Offsets beyond this are no page of any generation (DuckDB's offsets are 64-bit; JSON's safe integers end at 2^53). */
const MAX_OFFSET = 2 ** 31;
/** Filter times DuckDB and JavaScript both read exactly: years 1 to 9999. */
const TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

type Cursor = { k: [Plain, Plain] } | { o: number };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (c && Array.isArray(c.k) && c.k.length === 2) return c;
    if (c && Number.isSafeInteger(c.o) && c.o >= 0 && c.o <= MAX_OFFSET) return c;
  } catch {
    // fall through
  }
  throw ApiError.badRequest('cursor is not one this API returned');
}

/** The time as ISO 8601 UTC, keeping microseconds the input gave (Date keeps milliseconds only). */
function microsIso(raw: string, ms: number): string {
  const iso = new Date(ms).toISOString();
  const sub = /\.\d{3}(\d{1,3})/.exec(raw)?.[1];
  return sub ? `${iso.slice(0, -1)}${sub.padEnd(3, '0')}Z` : iso;
}

/** Checks a filter value against the column type, so DuckDB never sees a value it would reject. */
function parseValue(def: TableDefinition, column: string, raw: string): unknown {
  const col = def.columns.find((c) => c.name === column)!;
  switch (col.type) {
    case 'int32':
    case 'int64': {
      const n = Number(raw);
      if (!/^-?\d{1,16}$/.test(raw) || !Number.isSafeInteger(n))
        throw ApiError.badRequest(`${column} must be an integer between -(2^53-1) and 2^53-1`);
      return n;
    }
    case 'double': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw ApiError.badRequest(`${column} must be a number`);
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw ApiError.badRequest(`${column} must be true or false`);
      return raw === 'true';
    case 'timestamp':
    case 'date': {
      const t = TIME.test(raw) ? Date.parse(raw) : Number.NaN;
      const year = new Date(t).getUTCFullYear();
      if (Number.isNaN(t) || year < 1 || year > 9999)
        throw ApiError.badRequest(`${column} must be an ISO 8601 date or time between the years 1 and 9999`);
      return microsIso(raw, t);
    }
    case 'string':
    case 'json':
      return raw;
    default:
      throw ApiError.badRequest(`${column} (${col.type}) cannot be filtered`);
  }
}

function sqlParam(def: TableDefinition, column: string, index: number): string {
  const col = def.columns.find((c) => c.name === column)!;
  if (col.type === 'timestamp') return `CAST($${index} AS TIMESTAMP)`;
  if (col.type === 'date') return `CAST(CAST($${index} AS TIMESTAMP) AS DATE)`;
  if (col.type === 'int32' || col.type === 'int64') return `CAST($${index} AS BIGINT)`;
  if (col.type === 'double') return `CAST($${index} AS DOUBLE)`;
  return `$${index}`;
}

/**
 * Paging through the intermediate tables of a generation: equality and range filters on any column
 * (`metric=temp`, `ts[gte]=2026-01-01`), a text search over string columns (`q`), ordering by any
 * column (`order=-value`), and keyset cursors so that deep pages cost what the first one does.
 */
export class TableQueryService {
  constructor(
    private readonly generations: GenerationRepository,
    private readonly lake: LakeReader,
    private readonly maxRows: number,
    /** The most rows a CSV download may hold (RESULT_MAX_ROWS). */
    private readonly exportMaxRows: number = maxRows,
  ) {}

  async page(generationId: string, tableName: string, query: Record<string, string>, ownerId?: string) {
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > this.maxRows) {
      throw ApiError.badRequest(`limit must be an integer from 1 to ${this.maxRows}`);
    }
    const plan = await this.plan(generationId, tableName, query, ownerId, limit);
    const { generation, def, orderCol, pk, keyset, offset, manifest } = plan;
    const rows = await this.lake.rows(tableName, manifest, plan.tq);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    let nextCursor: string | null = null;
    if (rows.length > limit && last) {
      nextCursor = keyset
        ? encodeCursor({ k: [last[orderCol], last[pk]] })
        : encodeCursor({ o: (offset ?? 0) + limit });
    }
    return {
      generation: {
        id: generation.id,
        dataset: generation.dataset,
        number: generation.number,
        stage: generation.stage,
      },
      table: tableName,
      columns: def.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
      totalRows: manifest.reduce((n, f) => n + Number(f.row_count), 0),
      rows: page,
      nextCursor,
    };
  }

  /**
   * Every row of the table that the filters, search and order select, as CSV (columns in the table's order; lists
   * and JSON as JSON text). At most RESULT_MAX_ROWS rows: more is a 400 that says to narrow the filters.
   */
  async csv(
    generationId: string,
    tableName: string,
    query: Record<string, string>,
    ownerId: string | undefined,
  ): Promise<{ filename: string; body: string }> {
    const exportMaxRows = this.exportMaxRows;
    for (const key of ['limit', 'cursor']) {
      if (query[key] !== undefined) throw ApiError.badRequest(`${key} does not apply to a download: it has every row`);
    }
    const plan = await this.plan(generationId, tableName, query, ownerId, exportMaxRows);
    const rows = await this.lake.rows(tableName, plan.manifest, plan.tq);
    if (rows.length > exportMaxRows) {
      throw ApiError.badRequest(
        `more than ${exportMaxRows} rows of ${tableName} match: narrow the filters or read the lake directly`,
      );
    }
    const names = plan.def.columns.map((c) => c.name);
    const lines = [names.join(','), ...rows.map((r) => names.map((n) => csvCell(r[n])).join(','))];
    return {
      filename: `${plan.generation.dataset}-generation-${plan.generation.number}-${tableName}.csv`,
      body: `${lines.join('\n')}\n`,
    };
  }

  /** Checks the request and turns it into the lake query: filters, search, order and cursor. */
  private async plan(
    generationId: string,
    tableName: string,
    query: Record<string, string>,
    ownerId: string | undefined,
    limit: number,
  ) {
    const generation = await this.generations.findById(checkUuid(generationId, 'generation id'));
    if (!generation || (ownerId && generation.owner_id !== ownerId))
      throw ApiError.notFound(`no generation ${generationId}`);
    if (!Object.hasOwn(lakeTables, tableName)) {
      throw ApiError.notFound(`no table ${tableName}; tables: ${Object.keys(lakeTables).sort().join(', ')}`);
    }
    const def = getTable(tableName);
    if (def.stage !== generation.stage) {
      throw ApiError.notFound(
        `table ${tableName} belongs to ${def.stage} generations; generation ${generation.id} is ${generation.stage}`,
      );
    }
    const pk = def.primaryKey[0];
    for (const key of RESERVED) {
      if (query[key] !== undefined && typeof query[key] !== 'string') throw ApiError.badRequest(`give ${key} once`);
    }
    const orderRaw = query.order ?? def.orderBy[0] ?? pk;
    const desc = orderRaw.startsWith('-');
    const orderCol = desc ? orderRaw.slice(1) : orderRaw;
    const orderDef = def.columns.find((c) => c.name === orderCol);
    if (!orderDef || orderDef.type.startsWith('list')) {
      throw ApiError.badRequest(`order must name a column of ${tableName} (prefix "-" for descending)`);
    }

    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, raw] of Object.entries(query)) {
      if (RESERVED.has(key)) continue;
      const m = FILTER_KEY.exec(key);
      const column = m?.[1];
      if (!m || !column || !def.columns.some((c) => c.name === column)) {
        throw ApiError.badRequest(
          `unknown filter ${key}; filter by a column of ${tableName}: ${def.columns.map((c) => c.name).join(', ')}`,
        );
      }
      if (typeof raw !== 'string') throw ApiError.badRequest(`give ${key} once`);
      params.push(parseValue(def, column, raw));
      where.push(`${sqlIdentifier(column)} ${OPERATORS[m[2] ?? 'eq']} ${sqlParam(def, column, params.length)}`);
    }
    if (query.q !== undefined) {
      if (typeof query.q !== 'string' || query.q.length === 0 || query.q.length > 200) {
        throw ApiError.badRequest('q must be 1-200 characters');
      }
      const text = def.columns.filter((c) => c.type === 'string' || c.type === 'json');
      if (text.length === 0) throw ApiError.badRequest(`${tableName} has no text columns to search`);
      params.push(`%${query.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
      where.push(`(${text.map((c) => `${sqlIdentifier(c.name)} ILIKE $${params.length} ESCAPE '\\'`).join(' OR ')})`);
    }

    // Keyset paging on (order column, primary key) when the order column has no NULLs; offsets otherwise.
    const keyset = !orderDef.nullable;
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const oc = sqlIdentifier(orderCol);
    const pkc = sqlIdentifier(pk);
    let offset: number | undefined;
    if (cursor && 'k' in cursor && keyset) {
      // The cursor is the client's to send back: check its values like filters, so a forged one is a 400.
      const [value, key] = cursor.k.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null));
      if (value === null || key === null) throw ApiError.badRequest('cursor is not one this API returned');
      params.push(parseValue(def, orderCol, value), parseValue(def, pk, key));
      const v = sqlParam(def, orderCol, params.length - 1);
      const k = sqlParam(def, pk, params.length);
      where.push(`(${oc} ${desc ? '<' : '>'} ${v} OR (${oc} = ${v} AND ${pkc} > ${k}))`);
    } else if (cursor && 'o' in cursor) {
      offset = cursor.o;
    } else if (cursor) {
      throw ApiError.badRequest('cursor does not fit this ordering');
    }
    const tq: TableQuery = {
      where,
      params,
      orderBy: `${oc} ${desc ? 'DESC' : 'ASC'}${keyset ? '' : ' NULLS LAST'}${orderCol === pk ? '' : `, ${pkc} ASC`}`,
      limit: limit + 1,
      offset,
    };
    const manifest = await this.generations.files(generation.id, tableName);
    return { generation, def, orderCol, pk, keyset, offset, manifest, tq };
  }
}
