import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  GatewayClient,
  GENEROUS_LIMITS,
  measurements,
  ServiceProcess,
  setupTestServices,
  type TestServices,
} from '@genlake/testing';
import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Operation {
  method: string;
  path: string;
  params: string[];
}

/** Every operation of the committed OpenAPI document (a test elsewhere keeps it equal to the routes served). */
function operations(): Operation[] {
  const doc = parse(readFileSync(resolve(__dirname, '../../services/gateway/openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, { parameters?: Array<{ name?: string; in?: string }> }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: (op.parameters ?? []).filter((p) => p.in === 'query' && p.name).map((p) => p.name!),
    })),
  );
}

/** A path segment; a lone surrogate becomes an invalid UTF-8 byte (%FF), which servers must refuse politely. */
function encodePathValue(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return `${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ''))}%FF`;
  }
}

const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'text/csv',
  'application/x-ndjson',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=latin1',
];

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '\u0000',
    '%00',
    '..',
    '../..',
    '__proto__',
    'constructor',
    'null',
    '-1',
    '1e309',
    'NaN',
    '9'.repeat(40),
    'a'.repeat(300),
    '\ud800',
    '2026-02-30T00:00:00Z',
    // the extremes of JavaScript dates and numbers, and exponent notation
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '10000-01-01T00:00:00Z',
    '9007199254740993',
    '-9007199254740993',
    '1e21',
    '2.5e3',
    '0x10',
  ),
  fc.uuid(),
  // cursors a client could forge: the API's shapes with extreme values
  fc
    .constantFrom<unknown>(
      ['+275760-09-13T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'],
      ['99999999999999999999', '00000000-0000-4000-8000-000000000000'],
      { o: 1e21 },
      { o: -1 },
      { k: ['+275760-09-13T00:00:00.000Z', 1] },
    )
    .map((c) => JSON.stringify(c))
    // integers past 2^53 as a client can write them in JSON (a JavaScript number cannot hold them)
    .chain((json) => fc.constantFrom(json, '{"k":[9007199254740993,9007199254740993]}'))
    .map((json) => Buffer.from(json).toString('base64url')),
);

const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.object({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
    '{"a":1e999}',
    '{"email":"a@b.co","password":"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000"}',
    '{"dataset":"x","records":[{"entity":"e","ts":"2026-13-45T00:00:00Z","metric":"m","value":1}]}',
    '{"dataset":"x","records":[{"entity":"e","ts":"2026-01-01T00:00:00Z","metric":"m","value":"NaN"}]}',
    '\uFEFF{}',
    '',
  ),
);

/**
 * A property over every route: whatever method, path values, query, token, content type and body a client
 * sends, the gateway never answers 5xx, and every 4xx is JSON with a reason.
 */
describe('the gateway under generated requests', () => {
  let services: TestServices;
  let workDir: string;
  let gateway: ServiceProcess;
  let sql: postgres.Sql;
  const tokens: Record<string, string | undefined> = {};
  const known: string[] = [];

  beforeAll(async () => {
    services = await setupTestServices('fuzz');
    workDir = await mkdtemp(join(tmpdir(), 'genlake-fuzz-'));
    gateway = await ServiceProcess.start(
      'gateway',
      { ...services.serviceEnv(), WORK_DIR: join(workDir, 'work'), ...GENEROUS_LIMITS },
      join(workDir, 'logs'),
    );
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    const user = new GatewayClient(gateway.url);
    await user.signUp(sql);
    const operator = new GatewayClient(gateway.url);
    await operator.signUp(sql, { role: 'operator' });
    tokens.user = user.token;
    tokens.operator = operator.token;
    // Real ids, so some generated requests reach past the 404s.
    const batch = await user.submitJson('fuzz', [...measurements({ count: 3, seed: 1 })]);
    known.push(String(batch.body.id), 'fuzz');
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await sql?.end();
    await services?.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(workDir, { recursive: true, force: true });
  });

  it('never answers 5xx, and every 4xx carries a JSON reason', async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(20);
    const request = fc.record({
      op: fc.constantFrom(...ops),
      method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), { freq: 4 }),
      pathValues: fc.array(fc.oneof(hostileString, fc.constantFrom(...known)), { minLength: 3, maxLength: 3 }),
      query: fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              'dataset',
              'status',
              'limit',
              'cursor',
              'format',
              'force',
              'q',
              'order',
              'token',
              'state',
              'queue',
              'complexity',
              'ts[gte]',
              'obs_id',
              'value[lt]',
            ),
            hostileString,
          ),
          hostileString,
        ),
        { maxLength: 4 },
      ),
      auth: fc.constantFrom('none', 'user', 'operator', 'garbage', 'empty'),
      contentType: fc.constantFrom(...CONTENT_TYPES),
      body: fc.option(hostileJson, { freq: 3 }),
    });
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const path = r.op.path.replace(/\{[^}]+\}/g, () => encodePathValue(r.pathValues[i++] ?? 'x'));
        const params = new URLSearchParams(r.query);
        const method = r.method ?? r.op.method;
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.auth === 'user' || r.auth === 'operator') headers.authorization = `Bearer ${tokens[r.auth]}`;
        if (r.auth === 'garbage') headers.authorization = 'Bearer eyJhbGciOiJub25lIn0.e30.';
        if (r.auth === 'empty') headers.authorization = '';
        const withBody = r.body !== null && !['GET', 'HEAD'].includes(method);
        const res = await fetch(`${gateway.url}${path}${params.size ? `?${params}` : ''}`, {
          method,
          headers,
          body: withBody ? r.body : undefined,
          signal: AbortSignal.timeout(10_000),
        });
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        const type = res.headers.get('content-type') ?? '';
        // Event streams of real batches stay open: the status line is the answer.
        const text = type.includes('text/event-stream') ? (await res.body?.cancel(), '') : await res.text();
        const what = `${method} ${path}?${params} [${r.auth}, ${r.contentType}] → ${res.status} ${text.slice(0, 200)}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status >= 400 && method !== 'HEAD') {
          expect(type, what).toContain('application/json');
          const body = JSON.parse(text) as { message?: unknown };
          expect(typeof body.message, what).toBe('string');
          expect(text, what).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
        }
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 2000),
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
      },
    );
    // The generator reaches past the front door: successes and several kinds of refusal.
    expect([...seen.keys()].filter((s) => s < 300).length, JSON.stringify([...seen])).toBeGreaterThan(0);
    expect([...seen.keys()].filter((s) => s >= 400).length, JSON.stringify([...seen])).toBeGreaterThan(3);
  }, 300_000);
});
