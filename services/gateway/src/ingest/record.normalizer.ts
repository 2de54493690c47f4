/**
 * Validation and normalization of one measurement record.
 *
 * Input record: `{ entity, ts, metric, value, tags? }` and nothing else.
 *   - entity: string, 1..256 characters after trimming (surrounding whitespace removed).
 *   - ts: RFC 3339 date-time with a timezone (`Z` or `±hh:mm`), e.g. `2026-01-01T12:00:00+02:00`; calendar-checked
 *     (no 2026-02-30, no 25:00, no leap second 23:59:60), year 1970..9999 both as written and once converted to UTC.
 *     Fractional seconds beyond milliseconds are truncated (never rounded up into the next second).
 *   - metric: string, 1..128 characters after trimming and lower-casing.
 *   - value: a finite JSON number (strings, NaN, ±Infinity refused); -0 becomes 0.
 *   - tags (optional): object of string → string, at most 64 keys; keys 1..128 characters, values at most 1024.
 * Every string must be well-formed Unicode without NUL (U+0000). The keys `__proto__`, `constructor` and `prototype`
 * are refused wherever they appear. "Characters" are Unicode code points.
 *
 * Output (`NormalizedRecord`): fields in the fixed order `i, entity, ts, metric, value, tags`, the timestamp as
 * `toISOString()` UTC with milliseconds, tag keys sorted and `tags` omitted when empty. Normalization is idempotent:
 * normalizing a normalized record yields the same record, so `JSON.stringify` of it is a canonical line.
 *
 * Checks are hand-written (no schema library, no regular expression on the hot path): this runs for every record
 * of every batch.
 */
import { getSchema } from '@genlake/contracts';

export interface NormalizedRecord {
  /** 0-based position of the record in its batch. */
  i: number;
  entity: string;
  /** ISO 8601 UTC with milliseconds, e.g. `2026-01-01T00:00:00.000Z`. */
  ts: string;
  metric: string;
  value: number;
  tags?: Record<string, string>;
}

export type NormalizeResult = { ok: true; record: NormalizedRecord } | { ok: false; error: string };

const RECORD_SCHEMA = getSchema('record.v1') as {
  properties: {
    entity: { maxLength: number };
    metric: { maxLength: number };
    tags: { maxProperties: number; additionalProperties: { maxLength: number } };
  };
};

/**
 * The limits of a record: the lengths and the number of tags are the contract's (record.v1), read from it so the two
 * cannot disagree; the tag key length and the years are the gateway's own, stricter rules.
 */
export const RECORD_LIMITS = {
  entityMaxChars: RECORD_SCHEMA.properties.entity.maxLength,
  metricMaxChars: RECORD_SCHEMA.properties.metric.maxLength,
  maxTags: RECORD_SCHEMA.properties.tags.maxProperties,
  tagKeyMaxChars: 128,
  tagValueMaxChars: RECORD_SCHEMA.properties.tags.additionalProperties.maxLength,
  minYear: 1970,
  maxYear: 9999,
} as const;

/** Validates and normalizes `input`; the error names the record (`record <index>: ...`), the field and the problem. */
export function normalizeRecord(input: unknown, index: number): NormalizeResult {
  const r = tryNormalizeRecord(input, index);
  return typeof r === 'string' ? { ok: false, error: `record ${index}: ${r}` } : { ok: true, record: r };
}

/**
 * Same as `normalizeRecord` without the wrapper object: the normalized record, or the problem as a string without
 * the `record <index>: ` prefix (the caller names the location, e.g. `line 5: ...`).
 */
export function tryNormalizeRecord(input: unknown, index: number): NormalizedRecord | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return `a record must be a JSON object, got ${typeName(input)}`;
  }
  if (!isPlainObject(input)) return `a record must be a plain JSON object, got ${typeName(input)}`;
  const o = input as Record<string, unknown>;
  let entity: unknown;
  let ts: unknown;
  let metric: unknown;
  let value: unknown;
  let tags: unknown;
  for (const k in o) {
    switch (k) {
      case 'entity':
        entity = o[k];
        break;
      case 'ts':
        ts = o[k];
        break;
      case 'metric':
        metric = o[k];
        break;
      case 'value':
        value = o[k];
        break;
      case 'tags':
        tags = o[k];
        break;
      case '__proto__':
      case 'constructor':
      case 'prototype':
        return `key ${show(k)} is not allowed`;
      default:
        return `unknown field ${show(k)}`;
    }
  }

  // entity
  if (typeof entity !== 'string') {
    return entity === undefined ? 'entity is missing' : wrongType('entity', 'a string', entity);
  }
  const badEntity = badString(entity);
  if (badEntity) return `entity ${badEntity}`;
  const e = entity.trim();
  if (e.length === 0) return 'entity is empty';
  if (!withinChars(e, RECORD_LIMITS.entityMaxChars)) {
    return `entity is longer than ${RECORD_LIMITS.entityMaxChars} characters`;
  }

  // ts
  if (typeof ts !== 'string') return ts === undefined ? 'ts is missing' : wrongType('ts', 'a string', ts);
  const t = normalizeTimestamp(ts);
  if (t.charCodeAt(0) === 0x21 /* '!': a reason, not a timestamp */) {
    return `ts ${show(ts)} is not a valid date-time (${t.slice(1)})`;
  }

  // metric
  if (typeof metric !== 'string') {
    return metric === undefined ? 'metric is missing' : wrongType('metric', 'a string', metric);
  }
  const badMetric = badString(metric);
  if (badMetric) return `metric ${badMetric}`;
  const m = metric.trim().toLowerCase();
  if (m.length === 0) return 'metric is empty';
  if (!withinChars(m, RECORD_LIMITS.metricMaxChars)) {
    return `metric is longer than ${RECORD_LIMITS.metricMaxChars} characters`;
  }

  // value
  if (typeof value !== 'number') {
    return value === undefined ? 'value is missing' : wrongType('value', 'a number', value);
  }
  if (!Number.isFinite(value)) return `value must be a finite number, got ${value}`;

  const rec: NormalizedRecord = { i: index, entity: e, ts: t, metric: m, value: value === 0 ? 0 : value };
  if (tags !== undefined) {
    const nt = normalizeTags(tags);
    if (typeof nt === 'string') return nt;
    if (nt !== undefined) rec.tags = nt;
  }
  return rec;
}

function normalizeTags(tags: unknown): Record<string, string> | undefined | string {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags) || !isPlainObject(tags)) {
    return wrongType('tags', 'an object of strings', tags);
  }
  const t = tags as Record<string, unknown>;
  let keys: string[] | undefined;
  let sorted = true;
  for (const k in t) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') return `tags: key ${show(k)} is not allowed`;
    if (keys === undefined) keys = [];
    if (keys.length === RECORD_LIMITS.maxTags) return `tags has more than ${RECORD_LIMITS.maxTags} keys`;
    if (k.length === 0) return 'tags: a key is empty';
    const badKey = badString(k);
    if (badKey) return `tags: key ${show(k)} ${badKey}`;
    if (!withinChars(k, RECORD_LIMITS.tagKeyMaxChars)) {
      return `tags: key ${show(k)} is longer than ${RECORD_LIMITS.tagKeyMaxChars} characters`;
    }
    const v = t[k];
    if (typeof v !== 'string') return wrongType(`tag ${show(k)}`, 'a string', v);
    const badValue = badString(v);
    if (badValue) return `tag ${show(k)} ${badValue}`;
    if (!withinChars(v, RECORD_LIMITS.tagValueMaxChars)) {
      return `tag ${show(k)} is longer than ${RECORD_LIMITS.tagValueMaxChars} characters`;
    }
    if (sorted && keys.length > 0 && keys[keys.length - 1] > k) sorted = false;
    keys.push(k);
  }
  if (keys === undefined) return undefined;
  if (!sorted) sortKeys(keys);
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = t[k] as string;
  return out;
}

/** Sorts by UTF-16 code units like `Array.prototype.sort()`; insertion sort for the usual handful of tags. */
function sortKeys(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let a = 1; a < keys.length; a++) {
    const k = keys[a];
    let b = a - 1;
    while (b >= 0 && keys[b] > k) {
      keys[b + 1] = keys[b];
      b--;
    }
    keys[b + 1] = k;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Timestamps

const MAX_TS_LENGTH = 40; // 'YYYY-MM-DDThh:mm:ss' + up to 14 fraction digits + '+hh:mm'
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const PAD2 = Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, k) => String(k).padStart(3, '0'));

/**
 * Parses an RFC 3339 `date-time` (`YYYY-MM-DD('T'|'t')hh:mm:ss[.f+]('Z'|'z'|±hh:mm)`) and returns it as
 * `toISOString()` UTC. On failure returns `'!'` followed by the reason (no allocation of a result object).
 */
function normalizeTimestamp(s: string): string {
  const n = s.length;
  if (n < 20 || n > MAX_TS_LENGTH) return '!expected YYYY-MM-DDThh:mm:ss[.fff] followed by Z or ±hh:mm';
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  const sep = s.charCodeAt(10);
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    s.charCodeAt(4) !== 0x2d ||
    s.charCodeAt(7) !== 0x2d ||
    (sep !== 0x54 && sep !== 0x74) ||
    s.charCodeAt(13) !== 0x3a ||
    s.charCodeAt(16) !== 0x3a
  ) {
    return '!expected YYYY-MM-DDThh:mm:ss[.fff] followed by Z or ±hh:mm';
  }
  let p = 19;
  let ms = 0;
  let fractionDigits = 0;
  if (s.charCodeAt(p) === 0x2e) {
    p++;
    while (p < n) {
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 9) break;
      if (fractionDigits < 3) ms = ms * 10 + c;
      fractionDigits++;
      p++;
    }
    if (fractionDigits === 0) return '!a fraction of a second needs at least one digit';
    for (let k = fractionDigits; k < 3; k++) ms *= 10;
  }
  let offsetMinutes = 0;
  const z = s.charCodeAt(p);
  let utcDesignator = false;
  if (z === 0x5a || z === 0x7a) {
    if (p + 1 !== n) return '!unexpected characters after the timezone';
    utcDesignator = true;
  } else if (z === 0x2b || z === 0x2d) {
    if (p + 6 !== n) return '!expected a timezone Z or ±hh:mm';
    const oh = digits(s, p + 1, 2);
    const om = digits(s, p + 4, 2);
    if (oh < 0 || om < 0 || s.charCodeAt(p + 3) !== 0x3a) return '!expected a timezone Z or ±hh:mm';
    if (oh > 23 || om > 59) return '!the timezone offset is out of range';
    offsetMinutes = (oh * 60 + om) * (z === 0x2d ? -1 : 1);
  } else {
    return '!expected a timezone Z or ±hh:mm';
  }
  if (year < RECORD_LIMITS.minYear || year > RECORD_LIMITS.maxYear) return '!the year is outside 1970..9999';
  if (month < 1 || month > 12) return '!no such month';
  const dim = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month];
  if (day < 1 || day > dim) return '!no such day';
  if (hour > 23 || minute > 59) return '!no such time of day';
  if (second === 60) return '!leap seconds are not supported';
  if (second > 59) return '!no such time of day';
  if (utcDesignator) {
    if (fractionDigits === 3 && sep === 0x54) return s; // already canonical
    return `${s.slice(0, 10)}T${s.slice(11, 19)}.${PAD3[ms]}Z`;
  }
  // Shift to UTC: the offset is under a day, so the date moves by at most one day either way.
  let y = year;
  let mo = month;
  let d = day;
  let minutes = hour * 60 + minute - offsetMinutes;
  if (minutes < 0) {
    minutes += 1440;
    if (--d === 0) {
      if (--mo === 0) {
        mo = 12;
        y--;
      }
      d = mo === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[mo];
    }
  } else if (minutes >= 1440) {
    minutes -= 1440;
    if (++d > dim) {
      d = 1;
      if (++mo === 13) {
        mo = 1;
        y++;
      }
    }
  }
  if (y < RECORD_LIMITS.minYear || y > RECORD_LIMITS.maxYear) return '!the year is outside 1970..9999 in UTC';
  const h = (minutes / 60) | 0;
  return `${y}-${PAD2[mo]}-${PAD2[d]}T${PAD2[h]}:${PAD2[minutes - h * 60]}:${PAD2[second]}.${PAD3[ms]}Z`;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The unsigned decimal number in `s[at, at+count)`, or -1 if any of those characters is not an ASCII digit. */
function digits(s: string, at: number, count: number): number {
  let v = 0;
  for (let k = at; k < at + count; k++) {
    const c = s.charCodeAt(k) - 48;
    if (!(c >= 0 && c <= 9)) return -1; // also catches NaN past the end of the string
    v = v * 10 + c;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** Why the string is unacceptable ('contains a NUL character', ...), or '' when it is fine. */
function badString(s: string): string {
  if (s.indexOf('\u0000') !== -1) return 'contains a NUL character';
  if (!isWellFormed(s)) return 'is not well-formed Unicode (lone surrogate)';
  return '';
}

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';

function isWellFormed(s: string): boolean {
  if (hasIsWellFormed) return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(k + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      k++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** Whether `s` has at most `max` code points (UTF-16 length is a cheap bound either way). */
function withinChars(s: string, max: number): boolean {
  if (s.length <= max) return true;
  if (s.length > 2 * max) return false;
  let count = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdbff) count++; // a high surrogate is counted with its low surrogate
  }
  return count <= max;
}

function isPlainObject(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

function wrongType(field: string, expected: string, v: unknown): string {
  return `${field} must be ${expected}, got ${typeName(v)}${typeof v === 'string' ? ` ${show(v)}` : ''}`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** A value quoted for an error message: JSON string syntax (so control characters are visible), at most ~60 chars. */
function show(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}
