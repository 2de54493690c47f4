import type { ResultSet } from '../result.format';

export type EngineName = 'duckdb' | 'athena' | 'trino';
export const ENGINE_NAMES: readonly EngineName[] = ['duckdb', 'athena', 'trino'];

/** What an engine says while a query runs (the CLI prints it as a progress line on stderr). */
export interface QueryProgress {
  /** The engine's own state name: Athena's QUEUED/RUNNING/…, Trino's QUEUED/PLANNING/RUNNING/FINISHING/…. */
  state: string;
  elapsedMs: number;
  /** Data read so far, when the engine reports it. */
  bytesScanned?: number;
}

/** Figures of a finished query. */
export interface QueryStats {
  engine: EngineName;
  /** The engine's id of the query (Athena's QueryExecutionId, Trino's query id). */
  queryId?: string;
  elapsedMs: number;
  bytesScanned?: number;
  /** What the scan costs at list price (Athena only). */
  costUsd?: number;
}

export interface EngineResult extends ResultSet {
  stats: QueryStats;
}

export interface QueryOptions {
  /** Aborting stops the query in the engine (Athena: StopQueryExecution, Trino: DELETE of the query). */
  signal?: AbortSignal;
  onProgress?: (progress: QueryProgress) => void;
}

/**
 * One SQL engine over the lake: DuckDB in process, Athena or Trino over the network. Results come back as plain
 * JSON values in the same shapes whatever the engine (see `normalizeEngineValue`), so every output format prints
 * the same text for the same answer.
 */
export interface Engine {
  readonly name: EngineName;
  /** What the engine talks to, for messages: a storage URL, an endpoint and workgroup, a server URL. */
  readonly target: string;
  query(sql: string, options?: QueryOptions): Promise<EngineResult>;
  close(): Promise<void>;
}

/**
 * Why a query did not give a result:
 * - `sql`: the engine refused or failed the statement (the message carries its position, `line L:C: …`);
 * - `unreachable`: the engine's endpoint did not answer;
 * - `credentials`: no credentials, or the engine refused them;
 * - `config`: a setting is missing or wrong;
 * - `cancelled`: the caller aborted and the query was stopped.
 */
export type EngineErrorKind = 'sql' | 'unreachable' | 'credentials' | 'config' | 'cancelled';

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly queryId?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Exit status of a query aborted with Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_CANCELLED = 130;

/** Rejects with a cancelled error once `signal` aborts; resolves after `ms` otherwise. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'real', 'float']);

/** `2026-01-01 00:00:00.500` → `2026-01-01 00:00:00.5`, `…00.000` → `…00`: the text form DuckDB prints. */
export function normalizeTimestampText(text: string): string {
  return text.replace(
    /^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?:\.(\d*?)0*)?( .*)?$/,
    (_m, base, frac, zone) => `${base.replace('T', ' ')}${frac ? `.${frac}` : ''}${zone ?? ''}`,
  );
}

function integerValue(text: string): number | string {
  const n = Number(text);
  return Number.isInteger(n) && Math.abs(n) <= MAX_SAFE ? n : text;
}

function floatValue(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** Athena's text of an array, `[1, 2]` or `[a, b]`: elements that read as numbers become numbers. */
function arrayFromText(text: string): unknown[] | string {
  if (!text.startsWith('[') || !text.endsWith(']')) return text;
  const inner = text.slice(1, -1);
  if (inner.trim() === '') return [];
  return inner.split(', ').map((e) => {
    if (e === 'null') return null;
    const n = Number(e);
    return e.trim() !== '' && Number.isFinite(n) ? n : e;
  });
}

/**
 * One value an engine gave as text (Athena) or JSON (Trino), as the DuckDB engine gives it: integers as numbers when
 * exactly representable (strings otherwise), floating point as numbers, booleans, timestamps in DuckDB's text form,
 * decimals as their text, arrays as arrays. `type` is the engine's type name (`bigint`, `timestamp(3)`,
 * `array(integer)`, `decimal(10,2)`, …). Rows, maps and JSON stay in the engine's text.
 */
export function normalizeEngineValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, '').trim();
  if (typeof value === 'string') {
    if (INTEGER_TYPES.has(base)) return integerValue(value);
    if (FLOAT_TYPES.has(base)) return floatValue(value);
    if (base === 'boolean') return value === 'true';
    if (base.startsWith('timestamp')) return normalizeTimestampText(value);
    if (base === 'array') return arrayFromText(value);
    return value;
  }
  if (typeof value === 'number') {
    if (INTEGER_TYPES.has(base) && !(Math.abs(value) <= MAX_SAFE)) return String(value);
    return value;
  }
  if (Array.isArray(value)) {
    const element = /^array\((.*)\)$/i.exec(type.trim())?.[1] ?? '';
    return value.map((v) => normalizeEngineValue(element, v));
  }
  return value;
}

/** Column names made unique the way DuckDB does it (`a`, `a:1`, `a:2`), so JSON objects keep every column. */
export function dedupe(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let i = 1; seen.has(candidate); i++) candidate = `${name}:${i}`;
    seen.add(candidate);
    return candidate;
  });
}
