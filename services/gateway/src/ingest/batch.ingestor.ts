/**
 * Streaming ingest of a batch: JSON records (already parsed), NDJSON or CSV bodies of any size → normalized NDJSON.
 *
 * The output is one `JSON.stringify(NormalizedRecord)` per line, `\n` terminated, written to the caller's sink in
 * chunks of about 64 KiB, with backpressure (the ingestor waits for `drain`). While writing it computes:
 *   - `sha256`: hex SHA-256 of exactly the bytes written (an integrity checksum of the stored payload);
 *   - `contentHash`: hex SHA-256 of `CONTENT_HASH_PREFIX` followed by the same normalized lines. The lines are
 *     canonical (see record.normalizer.ts), so the same logical records give the same `contentHash` whatever the
 *     input format, whitespace, key order, timezone notation or tag order. It is the idempotency key of the content;
 *     the versioned prefix keeps it distinct from the payload checksum and lets the canonical form evolve.
 *
 * Memory stays bounded whatever the input size: one input chunk, at most one pending line (≤ 1 MiB) and one output
 * chunk. Raw input bytes are counted as they arrive; once `maxBytes` is exceeded the ingestor stops reading at once
 * and answers `too_large`.
 *
 * Ownership: the ingestor neither ends nor destroys the sink nor the source. On failure it simply stops consuming the
 * source (the caller may `resume()` it to drain the request) and the sink holds a partial payload that the caller
 * must discard; after the first invalid record nothing more is written.
 *
 * Bad input never throws: it yields `{ ok: false, kind, message, errors }`, each error naming its line (NDJSON, CSV)
 * or record index (JSON). I/O failures of the source or sink (a client abort, a disk error) do reject the promise:
 * they are not properties of the input.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type CsvError, parse as parseCsv } from 'csv-parse';
import { tryNormalizeRecord } from './record.normalizer';

export interface IngestLimits {
  /** Maximum raw input size in bytes; exceeding it stops the ingest with `too_large`. */
  maxBytes: number;
  /** Maximum number of records (non-blank lines / CSV data rows); exceeding it gives `too_large`. */
  maxRecords: number;
  /** How many record errors to collect before giving up (default 20). */
  maxErrors?: number;
}

export type IngestResult =
  | { ok: true; recordCount: number; bytes: number; sha256: string; contentHash: string }
  | { ok: false; kind: 'too_large' | 'invalid'; message: string; errors: string[] };

export const DEFAULT_MAX_ERRORS = 20;
/** Longest accepted NDJSON line or CSV record, in bytes (line terminator excluded). */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Deepest accepted nesting of objects/arrays in a record (the record object itself is level 1). */
export const MAX_NESTING_DEPTH = 4;
/** Domain-separation prefix of `contentHash`. */
export const CONTENT_HASH_PREFIX = 'genlake/batch-content/v1\n';

const CSV_REQUIRED_COLUMNS = ['entity', 'ts', 'metric', 'value'] as const;
const CSV_OPTIONAL_COLUMNS = ['tags'] as const;
const CSV_DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const OUTPUT_CHUNK_CHARS = 64 * 1024;

export class BatchIngestor {
  /**
   * JSON path: `records` comes from an already parsed request body (whose size the HTTP layer bounded). Errors are
   * named `record <index>` (0-based, as in `records[index]`). `limits.maxRecords` defaults to unlimited.
   */
  async ingestRecords(
    records: unknown[],
    sink: Writable,
    limits: Partial<Omit<IngestLimits, 'maxBytes'>> = {},
  ): Promise<IngestResult> {
    const run = new IngestRun(sink, 'record', limits.maxRecords ?? Number.POSITIVE_INFINITY, limits.maxErrors);
    if (!Array.isArray(records)) return run.invalid('records must be an array', []);
    for (let k = 0; k < records.length; k++) {
      if (!run.add(records[k], k)) break;
      if (run.shouldFlush()) await run.flush();
    }
    return run.finish();
  }

  /**
   * NDJSON path: one JSON object per line; `\n` or `\r\n` line ends, blank lines skipped, the last line may lack its
   * newline, a leading UTF-8 BOM is ignored. Lines must be valid UTF-8 and at most `MAX_LINE_BYTES` long.
   */
  async ingestNdjson(source: Readable, sink: Writable, limits: IngestLimits): Promise<IngestResult> {
    const run = new IngestRun(sink, 'line', limits.maxRecords, limits.maxErrors);
    let rawBytes = 0;
    let lineNo = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let overlong = false; // the current line has already exceeded MAX_LINE_BYTES and is being skipped

    const handleLine = (line: Buffer): boolean => {
      lineNo++;
      let end = line.length;
      if (end > 0 && line[end - 1] === 0x0d) end--;
      let start = 0;
      if (lineNo === 1 && end >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) start = 3;
      let k = start;
      while (k < end && (line[k] === 0x20 || line[k] === 0x09 || line[k] === 0x0d)) k++;
      if (k === end) return true; // blank line
      if (end - start > MAX_LINE_BYTES) return run.fail(lineNo, `the line is longer than ${MAX_LINE_BYTES} bytes`);
      const bytes = line.subarray(start, end);
      if (!isUtf8(bytes)) return run.fail(lineNo, 'the line is not valid UTF-8');
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        return run.fail(lineNo, `invalid JSON: ${clip((e as Error).message)}`);
      }
      return run.add(value, lineNo);
    };

    // `destroyOnReturn: false`: leaving the loop early must not destroy the caller's stream.
    for await (const chunk of source.iterator({ destroyOnReturn: false })) {
      const buf = toBuffer(chunk);
      rawBytes += buf.length;
      if (rawBytes > limits.maxBytes) return run.tooLarge(`the body is larger than ${limits.maxBytes} bytes`);
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(0x0a, start);
        if (nl === -1) {
          const rest = buf.length - start;
          if (overlong || rest === 0) break;
          if (pendingBytes + rest > MAX_LINE_BYTES + 1 /* room for a '\r' */) {
            overlong = true;
            pending = [];
            pendingBytes = 0;
          } else {
            pending.push(buf.subarray(start));
            pendingBytes += rest;
          }
          break;
        }
        let go: boolean;
        if (overlong) {
          overlong = false;
          lineNo++;
          go = run.fail(lineNo, `the line is longer than ${MAX_LINE_BYTES} bytes`);
        } else if (pendingBytes > 0) {
          pending.push(buf.subarray(start, nl));
          const line = Buffer.concat(pending, pendingBytes + nl - start);
          pending = [];
          pendingBytes = 0;
          go = handleLine(line);
        } else {
          go = handleLine(buf.subarray(start, nl));
        }
        if (!go) return run.finish();
        if (run.shouldFlush()) await run.flush();
        start = nl + 1;
      }
    }
    if (overlong) {
      run.fail(lineNo + 1, `the line is longer than ${MAX_LINE_BYTES} bytes`);
    } else if (pendingBytes > 0) {
      handleLine(Buffer.concat(pending, pendingBytes));
    }
    return run.finish();
  }

  /**
   * CSV path (RFC 4180 via csv-parse): a header row naming the columns `entity, ts, metric, value` and optionally
   * `tags` (a JSON object, or empty), in any order, names trimmed and case-insensitive. Every row must have as many
   * fields as the header; `value` must be a plain decimal number. `\n` or `\r\n` line ends, empty lines skipped,
   * UTF-8 with or without BOM. Errors name the line on which the offending row ends.
   */
  async ingestCsv(source: Readable, sink: Writable, limits: IngestLimits): Promise<IngestResult> {
    const run = new IngestRun(sink, 'line', limits.maxRecords, limits.maxErrors);
    type CsvEvent = { fields: string[]; line: number; error?: undefined } | { error: string; line: number };
    let events: CsvEvent[] = [];
    let lastErrorLine = -1;
    const parser = parseCsv({
      bom: true,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: false,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: MAX_LINE_BYTES,
      // Records are taken out synchronously as they are parsed; the parser's readable side stays empty.
      on_record: (fields: string[], ctx) => {
        events.push({ fields, line: ctx.lines });
        return null;
      },
      on_skip: (err: CsvError | undefined) => {
        if (!err) return undefined;
        const line = typeof err.lines === 'number' ? err.lines : -1;
        if (line !== lastErrorLine) events.push({ error: err.message, line }); // one error per line is enough
        lastErrorLine = line;
        return undefined;
      },
    });
    let fatal: Error | undefined;
    parser.on('error', (e: Error) => {
      fatal ??= e;
    });
    parser.resume();

    let columns: CsvColumns | undefined;
    /** Consumes the parsed rows; false when the ingest must stop. */
    const drain = async (): Promise<boolean> => {
      const batch = events;
      events = [];
      for (const ev of batch) {
        if (ev.error !== undefined) {
          if (columns === undefined) return run.headerError([`line ${ev.line}: ${ev.error}`]);
          if (!run.fail(ev.line, ev.error)) return false;
        } else if (columns === undefined) {
          const header = readCsvHeader(ev.fields);
          if (typeof header === 'string') return run.headerError([`line ${ev.line}: ${header}`]);
          columns = header;
        } else {
          const f = ev.fields;
          const value = f[columns.value];
          const rec: Record<string, unknown> = {
            entity: f[columns.entity],
            ts: f[columns.ts],
            metric: f[columns.metric],
            value: CSV_DECIMAL.test(value) ? Number(value) : value,
          };
          if (typeof rec.value === 'string') {
            if (!run.fail(ev.line, `value ${JSON.stringify(clip(value, 60))} is not a decimal number`)) return false;
            continue;
          }
          const tags = columns.tags >= 0 ? f[columns.tags] : '';
          if (tags !== '') {
            try {
              rec.tags = JSON.parse(tags);
            } catch (e) {
              if (!run.fail(ev.line, `tags is not valid JSON: ${clip((e as Error).message)}`)) return false;
              continue;
            }
          }
          if (!run.add(rec, ev.line)) return false;
          if (run.shouldFlush()) await run.flush();
        }
      }
      return true;
    };

    try {
      let rawBytes = 0;
      let newlines = 0; // only to name the line of an encoding error
      const utf8 = new Utf8Checker();
      for await (const chunk of source.iterator({ destroyOnReturn: false })) {
        const buf = toBuffer(chunk);
        rawBytes += buf.length;
        if (rawBytes > limits.maxBytes) return run.tooLarge(`the body is larger than ${limits.maxBytes} bytes`);
        const bad = utf8.check(buf);
        if (bad >= 0) {
          parser.write(buf.subarray(0, bad)); // report the rows before it too
          if (!(await drain())) return run.finish();
          return run.abort('the body is not valid UTF-8', newlines + countNewlines(buf, bad) + 1, 'invalid UTF-8');
        }
        newlines += countNewlines(buf, buf.length);
        parser.write(buf);
        if (fatal ?? parser.errored) break;
        if (!(await drain())) return run.finish();
      }
      if (!(fatal ?? parser.errored) && utf8.pendingIncomplete()) {
        return run.abort(
          'the body is not valid UTF-8',
          newlines + 1,
          'invalid UTF-8 (a truncated character at the end)',
        );
      }
      if (!(fatal ?? parser.errored)) {
        parser.end();
        try {
          await finished(parser);
        } catch (e) {
          fatal ??= e as Error;
        }
      }
      if (!(await drain())) return run.finish();
      const err = (fatal ?? parser.errored) as (Error & { lines?: number }) | null | undefined;
      if (err) {
        return run.abort(
          'the body is not valid CSV',
          typeof err.lines === 'number' ? err.lines : parser.info.lines,
          err.message,
        );
      }
      return run.finish(); // without any row (not even a header) this reports that the batch has no records
    } finally {
      if (!parser.destroyed) parser.destroy();
    }
  }
}

/** State of one ingest call: output buffering, hashing, counting and error collection. */
class IngestRun {
  private readonly maxErrors: number;
  private readonly sha = createHash('sha256');
  private readonly content: Hash = createHash('sha256').update(CONTENT_HASH_PREFIX);
  private out = '';
  private bytes = 0;
  private seen = 0;
  private readonly errors: string[] = [];
  private failure: { kind: 'too_large' | 'invalid'; message: string; errors: string[] } | undefined;

  constructor(
    private readonly sink: Writable,
    private readonly label: 'line' | 'record',
    private readonly maxRecords: number,
    maxErrors: number | undefined,
  ) {
    this.maxErrors = Math.max(1, Math.floor(maxErrors ?? DEFAULT_MAX_ERRORS));
  }

  /** Counts one record; false when the record limit is exceeded (the run is then `too_large`). */
  private count(): boolean {
    if (++this.seen > this.maxRecords) {
      this.failure ??= { kind: 'too_large', message: `the batch has more than ${this.maxRecords} records`, errors: [] };
      return false;
    }
    return true;
  }

  /**
   * Validates, normalizes and buffers one record found at `where` (line number or record index); `index` is its
   * 0-based position in the batch (defaults to the count of records so far). False when the run must stop.
   */
  add(input: unknown, where: number, index = this.seen): boolean {
    if (!this.count()) return false;
    if (exceedsDepth(input, MAX_NESTING_DEPTH)) {
      return this.error(where, `nesting deeper than ${MAX_NESTING_DEPTH} levels`);
    }
    const r = tryNormalizeRecord(input, index);
    if (typeof r === 'string') return this.error(where, r);
    if (this.errors.length === 0) this.out += `${JSON.stringify(r)}\n`;
    return true;
  }

  /** A record that could not even be parsed: it counts as a record and as an error. False when the run must stop. */
  fail(where: number, problem: string): boolean {
    if (!this.count()) return false;
    return this.error(where, problem);
  }

  private error(where: number, problem: string): boolean {
    this.errors.push(`${this.label} ${where}: ${problem}`);
    this.out = '';
    return this.errors.length < this.maxErrors;
  }

  shouldFlush(): boolean {
    return this.out.length >= OUTPUT_CHUNK_CHARS;
  }

  async flush(): Promise<void> {
    if (this.out.length === 0) return;
    const chunk = Buffer.from(this.out, 'utf8');
    this.out = '';
    this.sha.update(chunk);
    this.content.update(chunk);
    this.bytes += chunk.length;
    await writeWithBackpressure(this.sink, chunk);
  }

  tooLarge(message: string): Promise<IngestResult> {
    this.failure ??= { kind: 'too_large', message, errors: [] };
    return this.finish();
  }

  invalid(message: string, errors: string[]): Promise<IngestResult> {
    this.failure ??= { kind: 'invalid', message, errors };
    return this.finish();
  }

  headerError(errors: string[]): false {
    this.failure ??= { kind: 'invalid', message: 'the CSV header is invalid', errors };
    return false;
  }

  /** The input cannot be read any further: invalid, with the record errors so far and this one. */
  abort(message: string, where: number, problem: string): Promise<IngestResult> {
    const errors = [...this.errors.slice(0, this.maxErrors - 1), `${this.label} ${where}: ${problem}`];
    return this.invalid(message, errors);
  }

  async finish(): Promise<IngestResult> {
    if (this.failure) return { ok: false, ...this.failure };
    if (this.errors.length > 0) {
      const errors = this.errors.slice(0, this.maxErrors);
      const message =
        this.errors.length >= this.maxErrors
          ? `the batch has invalid records (stopped after ${this.maxErrors} errors)`
          : `the batch has ${errors.length} invalid record${errors.length === 1 ? '' : 's'}`;
      return { ok: false, kind: 'invalid', message, errors };
    }
    if (this.seen === 0) return { ok: false, kind: 'invalid', message: 'the batch has no records', errors: [] };
    await this.flush();
    return {
      ok: true,
      recordCount: this.seen,
      bytes: this.bytes,
      sha256: this.sha.digest('hex'),
      contentHash: this.content.digest('hex'),
    };
  }
}

type CsvColumns = Record<'entity' | 'ts' | 'metric' | 'value' | 'tags', number>;

function readCsvHeader(fields: string[]): CsvColumns | string {
  const columns = { entity: -1, ts: -1, metric: -1, value: -1, tags: -1 };
  const unknown: string[] = [];
  const duplicate: string[] = [];
  fields.forEach((raw, k) => {
    const name = raw.trim().toLowerCase();
    if (
      (CSV_REQUIRED_COLUMNS as readonly string[]).includes(name) ||
      (CSV_OPTIONAL_COLUMNS as readonly string[]).includes(name)
    ) {
      const key = name as keyof typeof columns;
      if (columns[key] >= 0) duplicate.push(name);
      else columns[key] = k;
    } else {
      unknown.push(raw);
    }
  });
  const missing = CSV_REQUIRED_COLUMNS.filter((c) => columns[c] < 0);
  const problems: string[] = [];
  const list = (xs: string[]) => xs.map((x) => JSON.stringify(clip(x, 60))).join(', ');
  if (unknown.length > 0) problems.push(`unknown column${unknown.length > 1 ? 's' : ''} ${list(unknown)}`);
  if (duplicate.length > 0) problems.push(`duplicate column${duplicate.length > 1 ? 's' : ''} ${list(duplicate)}`);
  if (missing.length > 0) problems.push(`missing column${missing.length > 1 ? 's' : ''} ${list(missing)}`);
  if (problems.length > 0) {
    return `${problems.join('; ')} (expected ${[...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS].join(', ')})`;
  }
  return columns;
}

/** Whether `v` nests objects/arrays deeper than `max` levels (a scalar is depth 0); stops descending at the limit. */
function exceedsDepth(v: unknown, max: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (max === 0) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (exceedsDepth(x, max - 1)) return true;
    return false;
  }
  for (const k in v) if (exceedsDepth((v as Record<string, unknown>)[k], max - 1)) return true;
  return false;
}

/**
 * Incremental UTF-8 validation of a byte stream whose chunks may split characters. `check` returns -1 when the chunk
 * is fine so far, or the offset (within this chunk, ≥ 0) near the first invalid byte.
 */
class Utf8Checker {
  private carry: Buffer = Buffer.alloc(0);

  check(chunk: Buffer): number {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const carried = this.carry.length;
    const split = completePrefixLength(data);
    if (!isUtf8(data.subarray(0, split))) return Math.max(0, firstInvalidUtf8(data) - carried);
    this.carry = Buffer.from(data.subarray(split));
    return -1;
  }

  /** Whether the stream ended in the middle of a multi-byte character. */
  pendingIncomplete(): boolean {
    return this.carry.length > 0;
  }
}

/** Length of the longest prefix of `b` that does not end inside a (possibly valid) multi-byte sequence. */
function completePrefixLength(b: Buffer): number {
  const n = b.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const c = b[n - back];
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead byte
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n; // only continuation bytes at the end: either complete or invalid, `isUtf8` decides
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (error path only). */
function firstInvalidUtf8(b: Buffer): number {
  let k = 0;
  while (k < b.length) {
    const c = b[k];
    const need =
      c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (need === 0 || k + need > b.length || !isUtf8(b.subarray(k, k + need))) return k;
    k += need;
  }
  return b.length;
}

async function writeWithBackpressure(sink: Writable, chunk: Buffer): Promise<void> {
  if (sink.errored) throw sink.errored;
  if (sink.destroyed || sink.writableEnded) throw new Error('the ingest sink is closed');
  if (sink.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      sink.off('drain', onDrain);
      sink.off('error', onError);
      sink.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(new Error('the ingest sink closed before draining'));
    sink.on('drain', onDrain);
    sink.on('error', onError);
    sink.on('close', onClose);
  });
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let k = buf.indexOf(0x0a); k !== -1 && k < end; k = buf.indexOf(0x0a, k + 1)) n++;
  return n;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('the ingest source must yield bytes or strings (not an object-mode stream)');
}

function clip(s: string, max = 200): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
