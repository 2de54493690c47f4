import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BatchIngestor,
  CONTENT_HASH_PREFIX,
  type IngestLimits,
  type IngestResult,
  MAX_LINE_BYTES,
} from './batch.ingestor';

const ingestor = new BatchIngestor();
const limits: IngestLimits = { maxBytes: 10 * 1024 * 1024, maxRecords: 100_000 };

/** A sink that keeps what it receives, optionally slow and with a tiny buffer to exercise backpressure. */
class MemorySink extends Writable {
  readonly chunks: Buffer[] = [];
  drains = 0;
  maxBuffered = 0;
  constructor(private readonly delayMs = -1) {
    super({ highWaterMark: delayMs >= 0 ? 1024 : 16 * 1024 });
    this.on('drain', () => this.drains++);
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (this.delayMs >= 0) setTimeout(cb, this.delayMs);
    else cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** A source emitting `body` in chunks of `size` bytes (splitting UTF-8 characters and line ends anywhere). */
function source(body: string | Buffer, size = 7): Readable {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const chunks: Buffer[] = [];
  for (let k = 0; k < bytes.length; k += size) chunks.push(bytes.subarray(k, k + size));
  return Readable.from(chunks, { objectMode: false });
}

function expectOk(r: IngestResult): Extract<IngestResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected success, got ${r.kind}: ${r.message}\n${r.errors.join('\n')}`);
  return r;
}

function expectFail(r: IngestResult, kind: 'invalid' | 'too_large'): Extract<IngestResult, { ok: false }> {
  if (r.ok) throw new Error('expected a failure');
  expect(r.kind).toBe(kind);
  return r;
}

const records = [
  { entity: 'sensor-1', ts: '2026-01-01T00:00:00Z', metric: 'temp', value: 21.5, tags: { site: 'paris', room: 'a' } },
  { entity: 'sensor-2', ts: '2026-01-01T01:00:00.250+01:00', metric: 'Temp', value: -3 },
  { entity: 'sensör "3", ünïcode 😀', ts: '2026-01-02T00:00:00Z', metric: 'humidity', value: 0.000125, tags: {} },
  { entity: 'sensor-4', ts: '2026-01-03T12:00:00Z', metric: 'rate', value: 12e10, tags: { 'a,b': 'x\ny' } },
];

const expectedLines = [
  '{"i":0,"entity":"sensor-1","ts":"2026-01-01T00:00:00.000Z","metric":"temp","value":21.5,"tags":{"room":"a","site":"paris"}}',
  '{"i":1,"entity":"sensor-2","ts":"2026-01-01T00:00:00.250Z","metric":"temp","value":-3}',
  '{"i":2,"entity":"sensör \\"3\\", ünïcode 😀","ts":"2026-01-02T00:00:00.000Z","metric":"humidity","value":0.000125}',
  '{"i":3,"entity":"sensor-4","ts":"2026-01-03T12:00:00.000Z","metric":"rate","value":120000000000,"tags":{"a,b":"x\\ny"}}',
];

// The same logical records, written differently in each format.
const ndjson = [
  '\ufeff' +
    JSON.stringify({
      tags: { room: 'a', site: 'paris' },
      value: 21.5,
      metric: 'temp',
      ts: records[0].ts,
      entity: 'sensor-1',
    }),
  '\r\n\r\n',
  `  ${JSON.stringify({ ...records[1], ts: '2026-01-01T00:00:00.250Z', entity: ' sensor-2 ' })}  \n`,
  '\n   \n',
  `${JSON.stringify(records[2])}\n`,
  JSON.stringify({ ...records[3], value: 1.2e11 }), // no final newline
].join('\n');

const csv = [
  '\ufeffTS, value ,entity,tags,metric',
  '2026-01-01T00:00:00Z,21.5,sensor-1,"{""site"":""paris"",""room"":""a""}",temp',
  '2026-01-01T01:00:00.250+01:00,-3.0, sensor-2 ,,TEMP',
  '',
  '2026-01-02T00:00:00Z,1.25e-4,"sensör ""3"", ünïcode 😀",{},humidity',
  '2026-01-03T12:00:00Z,+12E10,sensor-4,"{""a,b"":""x\\ny""}",rate',
].join('\r\n');

describe('BatchIngestor: valid batches', () => {
  it('writes the same normalized NDJSON and the same contentHash from JSON, NDJSON and CSV', async () => {
    const results: Array<{ result: Extract<IngestResult, { ok: true }>; text: string }> = [];
    for (const run of [
      (sink: Writable) => ingestor.ingestRecords(records, sink),
      (sink: Writable) => ingestor.ingestNdjson(source(ndjson), sink, limits),
      (sink: Writable) => ingestor.ingestNdjson(source(ndjson, 1), sink, limits),
      (sink: Writable) => ingestor.ingestCsv(source(csv), sink, limits),
      (sink: Writable) => ingestor.ingestCsv(source(csv, 1), sink, limits),
      (sink: Writable) => ingestor.ingestCsv(source(csv, 100_000), sink, limits),
    ]) {
      const sink = new MemorySink();
      const result = expectOk(await run(sink));
      results.push({ result, text: sink.text() });
    }
    const expectedText = `${expectedLines.join('\n')}\n`;
    const sha = createHash('sha256').update(expectedText).digest('hex');
    const contentHash = createHash('sha256').update(CONTENT_HASH_PREFIX).update(expectedText).digest('hex');
    for (const { result, text } of results) {
      expect(text).toBe(expectedText);
      expect(result).toEqual({
        ok: true,
        recordCount: 4,
        bytes: Buffer.byteLength(expectedText),
        sha256: sha,
        contentHash,
      });
    }
    expect(contentHash).not.toBe(sha);
  });

  it('a different batch gives a different contentHash', async () => {
    const a = expectOk(await ingestor.ingestRecords(records, new MemorySink()));
    const b = expectOk(
      await ingestor.ingestRecords([records[1], records[0], records[2], records[3]], new MemorySink()),
    );
    const c = expectOk(await ingestor.ingestRecords(records.slice(0, 3), new MemorySink()));
    expect(new Set([a.contentHash, b.contentHash, c.contentHash]).size).toBe(3);
  });

  it('respects backpressure of a slow sink', async () => {
    const many = Array.from({ length: 3000 }, (_, k) => JSON.stringify({ ...records[0], entity: `e${k}` })).join('\n');
    const sink = new MemorySink(1);
    const result = expectOk(await ingestor.ingestNdjson(source(many, 4096), sink, limits));
    expect(result.recordCount).toBe(3000);
    expect(sink.drains).toBeGreaterThan(0);
    expect(sink.maxBuffered).toBeLessThanOrEqual(70 * 1024); // one output chunk at a time
    expect(createHash('sha256').update(Buffer.concat(sink.chunks)).digest('hex')).toBe(result.sha256);
  });

  it('accepts string chunks (a source with an encoding set)', async () => {
    const s = source(ndjson, 5);
    s.setEncoding('utf8');
    expect(expectOk(await ingestor.ingestNdjson(s, new MemorySink(), limits)).recordCount).toBe(4);
  });

  it('NDJSON: any chunking gives the same result', async () => {
    const body = Buffer.from(ndjson, 'utf8');
    const reference = expectOk(await ingestor.ingestNdjson(source(body, body.length), new MemorySink(), limits));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), body.length];
          const chunks = points.slice(1).map((end, k) => body.subarray(points[k], end));
          const r = await ingestor.ingestNdjson(Readable.from(chunks, { objectMode: false }), new MemorySink(), limits);
          expect(r).toEqual(reference);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('CSV: any chunking gives the same result', async () => {
    const body = Buffer.from(csv, 'utf8');
    const reference = expectOk(await ingestor.ingestCsv(source(body, body.length), new MemorySink(), limits));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), body.length];
          const chunks = points.slice(1).map((end, k) => body.subarray(points[k], end));
          const r = await ingestor.ingestCsv(Readable.from(chunks, { objectMode: false }), new MemorySink(), limits);
          expect(r).toEqual(reference);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('CSV: the tags column is optional, LF line ends and a quoted multi-line field are fine', async () => {
    const body = 'entity,ts,metric,value\n"multi\nline",2026-01-01T00:00:00Z,m,1\ne2,2026-01-01T00:00:00Z,m,.5\n';
    const sink = new MemorySink();
    expect(expectOk(await ingestor.ingestCsv(source(body), sink, limits)).recordCount).toBe(2);
    expect(sink.text()).toContain('"entity":"multi\\nline"');
    expect(sink.text()).toContain('"value":0.5');
  });

  it('processes a 300,000-line NDJSON stream without accumulating memory', { timeout: 120_000 }, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const lines = 300_000;
    const input = new PassThrough({ highWaterMark: 64 * 1024 });
    let inputBytes = 0;
    let written = 0;
    const sha = createHash('sha256');
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        sha.update(chunk);
        cb();
      },
    });
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let maxGrowth = 0;
    const produce = async () => {
      let buf = '';
      for (let k = 0; k < lines; k++) {
        buf += `{"entity":"sensor-${k % 5000}","ts":"2026-01-${String(1 + (k % 28)).padStart(2, '0')}T10:00:00+02:00","metric":"Temperature","value":${k / 3},"tags":{"site":"site-${k % 17}","line":"${k}","pad":"${'x'.repeat(40)}"}}\n`;
        if (buf.length >= 64 * 1024) {
          inputBytes += Buffer.byteLength(buf);
          const more = input.write(buf);
          buf = '';
          if (!more) await new Promise((resolve) => input.once('drain', resolve));
        }
        if (k % 30_000 === 0) {
          gc();
          maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - baseline);
        }
      }
      inputBytes += Buffer.byteLength(buf);
      input.end(buf);
    };
    const [, result] = await Promise.all([
      produce(),
      ingestor.ingestNdjson(input, sink, { maxBytes: 1024 * 1024 * 1024, maxRecords: 1_000_000 }),
    ]);
    const ok = expectOk(result);
    expect(ok.recordCount).toBe(lines);
    expect(ok.bytes).toBe(written);
    expect(ok.sha256).toBe(sha.digest('hex'));
    expect(inputBytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(maxGrowth).toBeLessThan(inputBytes / 10);
  });
});

describe('BatchIngestor: rejections', () => {
  const good = JSON.stringify(records[0]);

  it('reports an empty batch in every format', async () => {
    const empty = { ok: false, kind: 'invalid', message: 'the batch has no records', errors: [] };
    expect(await ingestor.ingestRecords([], new MemorySink())).toEqual(empty);
    expect(await ingestor.ingestNdjson(source(''), new MemorySink(), limits)).toEqual(empty);
    expect(await ingestor.ingestNdjson(source('\n  \r\n\n'), new MemorySink(), limits)).toEqual(empty);
    expect(await ingestor.ingestCsv(source(''), new MemorySink(), limits)).toEqual(empty);
    expect(await ingestor.ingestCsv(source('entity,ts,metric,value\r\n'), new MemorySink(), limits)).toEqual(empty);
  });

  it('JSON: errors name the record index; a non-array is refused', async () => {
    const r = expectFail(
      await ingestor.ingestRecords(
        [records[0], { ...records[0], value: 'x' }, { ...records[0], extra: 1 }],
        new MemorySink(),
      ),
      'invalid',
    );
    expect(r.message).toBe('the batch has 2 invalid records');
    expect(r.errors).toEqual(['record 1: value must be a number, got string "x"', 'record 2: unknown field "extra"']);
    expect(
      expectFail(await ingestor.ingestRecords({} as unknown as unknown[], new MemorySink()), 'invalid').message,
    ).toBe('records must be an array');
  });

  it('NDJSON: every line problem names the line', async () => {
    const body = [
      good, // 1
      '{"entity":"e","ts":', // 2: invalid JSON
      '', // 3: blank
      JSON.stringify({ ...records[0], entity: 'a\u0000b' }), // 4
      '{"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":1,"__proto__":{"polluted":true}}', // 5
      JSON.stringify({ ...records[0], tags: { a: { b: { c: { d: 'deep' } } } } }), // 6: 5 levels
      JSON.stringify({ ...records[0], ts: '2026-02-30T00:00:00Z' }), // 7
      '{"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":1e999}', // 8: Infinity
      JSON.stringify({ ...records[0], value: '21.5' }), // 9
      JSON.stringify({ ...records[0], unit: 'C' }), // 10
      '[1,2]', // 11
      'null', // 12
      good, // 13
    ].join('\n');
    const sink = new MemorySink();
    const r = expectFail(await ingestor.ingestNdjson(source(body), sink, limits), 'invalid');
    expect(r.message).toBe('the batch has 10 invalid records');
    expect(r.errors[0]).toMatch(/^line 2: invalid JSON: /);
    expect(r.errors.slice(1)).toEqual([
      'line 4: entity contains a NUL character',
      'line 5: key "__proto__" is not allowed',
      'line 6: nesting deeper than 4 levels',
      'line 7: ts "2026-02-30T00:00:00Z" is not a valid date-time (no such day)',
      'line 8: value must be a finite number, got Infinity',
      'line 9: value must be a number, got string "21.5"',
      'line 10: unknown field "unit"',
      'line 11: a record must be a JSON object, got an array',
      'line 12: a record must be a JSON object, got null',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('NDJSON: nesting of exactly 4 levels is accepted by the parser check (and refused by the schema)', async () => {
    const r = expectFail(
      await ingestor.ingestNdjson(
        source(JSON.stringify({ ...records[0], tags: { a: { b: { c: 1 } } } })),
        new MemorySink(),
        limits,
      ),
      'invalid',
    );
    expect(r.errors).toEqual(['line 1: tag "a" must be a string, got an object']);
  });

  it('NDJSON: refuses pathological nesting without crashing', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const r = expectFail(
      await ingestor.ingestNdjson(source(`${good}\n${deep}\n`, 65536), new MemorySink(), limits),
      'invalid',
    );
    expect(r.errors).toEqual(['line 2: nesting deeper than 4 levels']);
  });

  it('NDJSON: refuses lines longer than 1 MiB, in one chunk or across chunks, and goes on', async () => {
    const long = JSON.stringify({ ...records[0], entity: 'x'.repeat(MAX_LINE_BYTES) });
    for (const chunkSize of [64 * 1024, 4 * MAX_LINE_BYTES]) {
      const body = `${good}\n${long}\n${good}\n${long}`;
      const r = expectFail(
        await ingestor.ingestNdjson(source(body, chunkSize), new MemorySink(), { ...limits, maxBytes: 1e8 }),
        'invalid',
      );
      expect(r.errors).toEqual([
        `line 2: the line is longer than ${MAX_LINE_BYTES} bytes`,
        `line 4: the line is longer than ${MAX_LINE_BYTES} bytes`,
      ]);
    }
  });

  it('NDJSON: refuses invalid UTF-8', async () => {
    const body = Buffer.concat([Buffer.from(`${good}\n{"entity":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const r = expectFail(await ingestor.ingestNdjson(source(body), new MemorySink(), limits), 'invalid');
    expect(r.errors).toEqual(['line 2: the line is not valid UTF-8']);
  });

  it('stops collecting at maxErrors (default 20)', async () => {
    const body = Array.from({ length: 100 }, (_, k) => (k % 2 ? '{oops' : good)).join('\n');
    const r = expectFail(await ingestor.ingestNdjson(source(body), new MemorySink(), limits), 'invalid');
    expect(r.errors).toHaveLength(20);
    expect(r.message).toBe('the batch has invalid records (stopped after 20 errors)');
    expect(r.errors[19]).toMatch(/^line 40: invalid JSON/);
    const r5 = expectFail(
      await ingestor.ingestNdjson(source(body), new MemorySink(), { ...limits, maxErrors: 5 }),
      'invalid',
    );
    expect(r5.errors).toHaveLength(5);
    const csvBody = `entity,ts,metric,value\n${Array.from({ length: 50 }, (_, k) => `e${k},2026-01-01T00:00:00Z,m,x`).join('\n')}`;
    const rc = expectFail(
      await ingestor.ingestCsv(source(csvBody), new MemorySink(), { ...limits, maxErrors: 3 }),
      'invalid',
    );
    expect(rc.errors).toEqual([
      'line 2: value "x" is not a decimal number',
      'line 3: value "x" is not a decimal number',
      'line 4: value "x" is not a decimal number',
    ]);
    const rj = expectFail(
      await ingestor.ingestRecords(
        Array.from({ length: 50 }, () => ({})),
        new MemorySink(),
        { maxErrors: 2 },
      ),
      'invalid',
    );
    expect(rj.errors).toEqual(['record 0: entity is missing', 'record 1: entity is missing']);
  });

  it('stops reading as soon as maxBytes is exceeded, without destroying the source', async () => {
    let pulled = 0;
    const line = Buffer.from(`${good}\n`);
    const endless = new Readable({
      read() {
        pulled++;
        this.push(line);
      },
    });
    const r = expectFail(
      await ingestor.ingestNdjson(endless, new MemorySink(), { maxBytes: 10_000, maxRecords: 1e9 }),
      'too_large',
    );
    expect(r.message).toBe('the body is larger than 10000 bytes');
    expect(endless.destroyed).toBe(false);
    expect(pulled).toBeLessThan(200);

    pulled = 0;
    const endlessCsv = new Readable({
      read() {
        this.push(pulled++ === 0 ? 'entity,ts,metric,value\n' : 'e,2026-01-01T00:00:00Z,m,1\n');
      },
    });
    expectFail(
      await ingestor.ingestCsv(endlessCsv, new MemorySink(), { maxBytes: 10_000, maxRecords: 1e9 }),
      'too_large',
    );
    expect(endlessCsv.destroyed).toBe(false);
  });

  it('leaves a finite source drainable by the caller after stopping', async () => {
    const body = `${good}\n`.repeat(1000);
    const s = source(body, 1000);
    expectFail(await ingestor.ingestNdjson(s, new MemorySink(), { maxBytes: 5000, maxRecords: 1e9 }), 'too_large');
    s.resume();
    await new Promise((resolve) => s.once('end', resolve));
    expect(s.destroyed || s.readableEnded).toBe(true);
  });

  it('refuses more than maxRecords records', async () => {
    const body = `${good}\n`.repeat(11);
    const r = expectFail(
      await ingestor.ingestNdjson(source(body), new MemorySink(), { ...limits, maxRecords: 10 }),
      'too_large',
    );
    expect(r.message).toBe('the batch has more than 10 records');
    expect(
      expectOk(await ingestor.ingestNdjson(source(body), new MemorySink(), { ...limits, maxRecords: 11 })).recordCount,
    ).toBe(11);
    const csvBody = `entity,ts,metric,value\n${'e,2026-01-01T00:00:00Z,m,1\n'.repeat(11)}`;
    expectFail(await ingestor.ingestCsv(source(csvBody), new MemorySink(), { ...limits, maxRecords: 10 }), 'too_large');
    expectFail(
      await ingestor.ingestRecords([records[0], records[0]], new MemorySink(), { maxRecords: 1 }),
      'too_large',
    );
  });

  it.each([
    ['entity,ts,metric', 'line 1: missing column "value" (expected entity, ts, metric, value, tags)'],
    ['entity,ts,value', 'line 1: missing column "metric" (expected entity, ts, metric, value, tags)'],
    ['entity,ts,metric,value,unit,x', 'line 1: unknown columns "unit", "x" (expected entity, ts, metric, value, tags)'],
    ['entity,ts,metric,value,Entity', 'line 1: duplicate column "entity" (expected entity, ts, metric, value, tags)'],
    ['e1,2026-01-01T00:00:00Z,m,1', 'line 1: unknown columns "e1", "2026-01-01T00:00:00Z", "m", "1"; missing columns'],
  ])('CSV: refuses the header %j', async (header, error) => {
    const r = expectFail(await ingestor.ingestCsv(source(`${header}\ne,t,m,1\n`), new MemorySink(), limits), 'invalid');
    expect(r.message).toBe('the CSV header is invalid');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain(error);
  });

  it('CSV: refuses bad rows, naming their lines', async () => {
    const body = [
      'entity,ts,metric,value,tags', // 1
      'e,2026-01-01T00:00:00Z,m,1,', // 2 ok
      'e,2026-01-01T00:00:00Z,m,NaN,', // 3
      'e,2026-01-01T00:00:00Z,m,Infinity,', // 4
      'e,2026-01-01T00:00:00Z,m,0x10,', // 5
      'e,2026-01-01T00:00:00Z,m, 1,', // 6
      'e,2026-01-01T00:00:00Z,m,1e999,', // 7
      'e,2026-01-01T00:00:00Z,m,1', // 8: too few fields
      'e,2026-01-01T00:00:00Z,m,1,{bad', // 9
      'e,2026-01-01T00:00:00Z,m,1,"[""a""]"', // 10
      'e,2026-02-29T00:00:00Z,m,1,', // 11
      '"e\u0000",2026-01-01T00:00:00Z,m,1,', // 12
      'e,2026-01-01T00:00:00Z,m,1,"{""__proto__"":""x""}"', // 13
      'e,2026-01-01T00:00:00Z,m,1,"{""a"":{""b"":{""c"":{""d"":1}}}}"', // 14
      'e,2026-01-01T00:00:00Z,,1,', // 15
      'e,2026-01-01T00:00:00Z,m,1,', // 16 ok
    ].join('\n');
    const r = expectFail(await ingestor.ingestCsv(source(body), new MemorySink(), limits), 'invalid');
    expect(r.errors).toEqual([
      'line 3: value "NaN" is not a decimal number',
      'line 4: value "Infinity" is not a decimal number',
      'line 5: value "0x10" is not a decimal number',
      'line 6: value " 1" is not a decimal number',
      'line 7: value must be a finite number, got Infinity',
      'line 8: Invalid Record Length: expect 5, got 4 on line 8',
      expect.stringMatching(/^line 9: tags is not valid JSON: /),
      'line 10: tags must be an object of strings, got an array',
      'line 11: ts "2026-02-29T00:00:00Z" is not a valid date-time (no such day)',
      'line 12: entity contains a NUL character',
      'line 13: tags: key "__proto__" is not allowed',
      'line 14: nesting deeper than 4 levels',
      'line 15: metric is empty',
    ]);
  });

  it('CSV: an unclosed quote and invalid UTF-8 are reported with their line', async () => {
    const unclosed = 'entity,ts,metric,value\ne,2026-01-01T00:00:00Z,m,1\n"e,2026-01-01T00:00:00Z,m,1\n';
    const r = expectFail(await ingestor.ingestCsv(source(unclosed), new MemorySink(), limits), 'invalid');
    expect(r.errors).toEqual([expect.stringMatching(/^line 3: Quote Not Closed/)]);

    const bad = Buffer.concat([
      Buffer.from('entity,ts,metric,value\ne,2026-01-01T00:00:00Z,m,1\ne'),
      Buffer.from([0xff]),
      Buffer.from(',2026-01-01T00:00:00Z,m,1\n'),
    ]);
    const u = expectFail(await ingestor.ingestCsv(source(bad, 1000), new MemorySink(), limits), 'invalid');
    expect(u.message).toBe('the body is not valid UTF-8');
    expect(u.errors).toEqual(['line 3: invalid UTF-8']);

    const truncated = Buffer.concat([
      Buffer.from('entity,ts,metric,value\ne,2026-01-01T00:00:00Z,m,1\né'),
      Buffer.from([0xc3]),
    ]);
    const t = expectFail(await ingestor.ingestCsv(source(truncated), new MemorySink(), limits), 'invalid');
    expect(t.errors).toEqual([expect.stringMatching(/^line 3: invalid UTF-8/)]);
  });

  it('CSV: refuses a record larger than 1 MiB', async () => {
    const body = `entity,ts,metric,value\n"${'x'.repeat(MAX_LINE_BYTES + 10)}",2026-01-01T00:00:00Z,m,1\n`;
    const r = expectFail(
      await ingestor.ingestCsv(source(body, 65536), new MemorySink(), { ...limits, maxBytes: 1e8 }),
      'invalid',
    );
    expect(r.errors[0]).toMatch(/^line 2: Max Record Size/);
  });

  it('writes nothing more after the first invalid record', async () => {
    const sink = new MemorySink();
    const body = `${`${good}\n`.repeat(10)}{bad\n${`${good}\n`.repeat(5000)}`;
    expectFail(await ingestor.ingestNdjson(source(body, 100_000), sink, limits), 'invalid');
    expect(sink.text().split('\n').length).toBeLessThanOrEqual(11);
  });

  it('rejects (throws) on sink failures, which are not input problems', async () => {
    const broken = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, cb) {
        setImmediate(() => cb(new Error('disk full')));
      },
    });
    broken.on('error', () => {});
    const many = `${good}\n`.repeat(5000);
    await expect(ingestor.ingestNdjson(source(many, 65536), broken, { ...limits, maxBytes: 1e8 })).rejects.toThrow(
      'disk full',
    );
  });
});
