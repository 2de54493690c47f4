import type { Sql } from '@genlake/kit';
import { ApiError } from '../api-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Microseconds since 1970 as decimal digits: up to year 5138 in 17 digits, never negative. */
const MICROS = /^\d{1,17}$/;

/** A keyset position in a list ordered by (a timestamptz column, a uuid) descending. */
export interface TimeKey {
  /** The timestamp as whole microseconds since the epoch, exactly as Postgres stores it. */
  micros: string;
  id: string;
}

/**
 * The select expression that gives a timestamptz column as exact microseconds since the epoch. A cursor must keep
 * the sort key to the microsecond: rows written in one transaction share their timestamp to the microsecond, and a
 * millisecond cursor skips the rest of such a group.
 */
export function epochMicros(sql: Sql, column: string) {
  return sql.unsafe(`(extract(epoch from ${column}) * 1000000)::bigint::text`);
}

/** `(column, id) < key` for a descending keyset page, compared exactly (integer microseconds, no float). */
export function beforeTimeKey(sql: Sql, column: string, idColumn: string, key: TimeKey) {
  return sql`(${sql.unsafe(column)}, ${sql.unsafe(idColumn)}) < ('epoch'::timestamptz + ${key.micros}::bigint * interval '1 microsecond', ${key.id}::uuid)`;
}

export function encodeTimeKey(key: TimeKey): string {
  return Buffer.from(JSON.stringify([key.micros, key.id])).toString('base64url');
}

/** Reads a cursor this API returned; anything else (forged, old format, out of range) is a 400. */
export function decodeTimeKey(cursor: string): TimeKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [micros, id] = parsed;
      if (typeof micros === 'string' && MICROS.test(micros) && typeof id === 'string' && UUID.test(id))
        return { micros, id: id.toLowerCase() };
    }
  } catch {
    // fall through
  }
  throw ApiError.badRequest('cursor is not one this API returned');
}
