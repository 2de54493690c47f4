import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GatewayClient,
  GENEROUS_LIMITS,
  measurements,
  ServiceProcess,
  setupTestServices,
  type TestServices,
} from '@genlake/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The HTTP limits of docs/security.md against a real gateway: a method a path lacks is a 405 with Allow, a body
 * announced above the limit is refused before it is read, and a client that trickles its headers or its body is
 * cut off while one that is slow but steady is not.
 */
describe('HTTP limits', () => {
  let services: TestServices;
  let workDir: string;
  let gateway: ServiceProcess;
  let sql: postgres.Sql;
  let client: GatewayClient;
  let port: number;

  beforeAll(async () => {
    services = await setupTestServices('http-limits');
    workDir = await mkdtemp(join(tmpdir(), 'genlake-http-limits-'));
    gateway = await ServiceProcess.start(
      'gateway',
      {
        ...services.serviceEnv(),
        WORK_DIR: join(workDir, 'work'),
        ...GENEROUS_LIMITS,
        STREAM_BODY_MAX_BYTES: String(64 * 1024 * 1024),
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        // at least 200 bytes a second, judged over one second
        HTTP_MIN_BODY_BYTES_PER_SECOND: '200',
        HTTP_BODY_RATE_WINDOW_MS: '1000',
      },
      join(workDir, 'logs'),
    );
    port = Number(new URL(gateway.url).port);
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    client = new GatewayClient(gateway.url);
    await client.signUp(sql);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await sql?.end();
    await services?.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(workDir, { recursive: true, force: true });
  });

  /** A raw connection: what it received, and whether the server closed it. */
  function rawConnection() {
    const socket: Socket = connect(port, '127.0.0.1');
    const state = { received: '', closed: false };
    socket.on('data', (chunk) => {
      state.received += chunk;
    });
    socket.on('close', () => {
      state.closed = true;
    });
    socket.on('error', () => {});
    return { socket, state };
  }

  async function until(what: string, condition: () => boolean, seconds = 20): Promise<void> {
    for (let i = 0; i < seconds * 10; i++) {
      if (condition()) return;
      await sleep(100);
    }
    throw new Error(`${what}: not within ${seconds} s`);
  }

  const batchHeaders = (contentType: string, length: number) =>
    [
      'POST /api/batches?dataset=limits HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      `Authorization: Bearer ${client.token}`,
      `Content-Type: ${contentType}`,
      `Content-Length: ${length}`,
      '',
      '',
    ].join('\r\n');

  it('answers a method the path does not have with 405 and Allow, and an unknown path with 404', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['DELETE', '/api/batches', /^(GET, )?(HEAD, )?POST$|GET.*POST/],
      ['PUT', '/health/live', /GET/],
      ['POST', `/api/batches/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, /GET/],
    ];
    for (const [method, path, allow] of cases) {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${client.token}` },
      });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toMatch(allow);
      const body = (await res.json()) as { message: string };
      expect(body.message).toContain(`${method} is not allowed`);
    }
    const unknown = await fetch(`${gateway.url}/api/no-such-thing`, {
      headers: { authorization: `Bearer ${client.token}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('refuses a stream that announces more than the limit before reading its body', async () => {
    const { socket, state } = rawConnection();
    socket.write(batchHeaders('text/csv', 10 * 1024 ** 3));
    // no body byte is sent: the answer must come anyway
    await until('the 413', () => state.received.includes('\r\n\r\n{'));
    expect(state.received).toMatch(/^HTTP\/1\.1 413/);
    expect(state.received).toMatch(/at most 67108864 are accepted/);
    socket.destroy();
  });

  it('closes a connection that trickles its headers or its body', async () => {
    const headers = rawConnection();
    headers.socket.write('POST /api/batches HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => headers.socket.write('X-Slow: 1\r\n'), 500);
    const body = rawConnection();
    const csv = `entity,ts,metric,value\n${'a,2026-11-01T00:00:00Z,t,1\n'.repeat(200)}`;
    body.socket.write(batchHeaders('text/csv', Buffer.byteLength(csv)));
    let sent = 0;
    const drip = setInterval(() => {
      if (!body.socket.destroyed && sent < csv.length) body.socket.write(csv[sent++]);
    }, 100);
    try {
      await until('the header trickler cut off', () => headers.state.closed);
      await until('the body trickler cut off', () => body.state.closed);
    } finally {
      clearInterval(trickle);
      clearInterval(drip);
    }
    expect(sent).toBeLessThan(csv.length);
  });

  it('lets a slow but steady upload through', async () => {
    const records = [...measurements({ count: 100, seed: 3 })];
    const ndjson = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const { socket, state } = rawConnection();
    socket.write(batchHeaders('application/x-ndjson', Buffer.byteLength(ndjson)));
    // about 4 KB a second, in pieces, well above the minimum
    for (let i = 0; i < ndjson.length; i += 400) {
      socket.write(ndjson.slice(i, i + 400));
      await sleep(100);
    }
    await until('the answer', () => state.received.includes('\r\n\r\n'));
    expect(state.received).toMatch(/^HTTP\/1\.1 202/);
    socket.destroy();
  });
});
