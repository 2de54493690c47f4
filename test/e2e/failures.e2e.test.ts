import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadQueueName, EVENTS_EXCHANGE, HEADERS, QUEUES } from '@genlake/contracts';
import {
  GatewayClient,
  GENEROUS_LIMITS,
  measurements,
  ndjsonChunks,
  queueDepth,
  REPO_ROOT,
  ServiceProcess,
  setupTestServices,
  TcpProxy,
  type TestServices,
} from '@genlake/testing';
import postgres from 'postgres';
import { Connection } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('failures', () => {
  let services: TestServices;
  let workDir: string;
  let env: Record<string, string>;
  let sql: postgres.Sql;
  let proxy: TcpProxy;
  let gateway: ServiceProcess;
  let processor: ServiceProcess;
  let corrector: ServiceProcess;
  let client: GatewayClient;

  beforeAll(async () => {
    services = await setupTestServices('failures');
    workDir = await mkdtemp(join(tmpdir(), 'genlake-failures-'));
    env = { ...services.serviceEnv(), WORK_DIR: join(workDir, 'work'), ...GENEROUS_LIMITS };
    const rabbit = new URL(services.rabbitmqUrl);
    proxy = new TcpProxy(rabbit.hostname, Number(rabbit.port || 5672));
    await proxy.start();
    const viaProxy = new URL(services.rabbitmqUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const logs = join(workDir, 'logs');
    // Every service reaches RabbitMQ through the proxy, so the test can make the broker unreachable.
    env.RABBITMQ_URL = viaProxy.toString();
    gateway = await ServiceProcess.start(
      'gateway',
      { ...env, JSON_BODY_MAX_BYTES: String(256 * 1024), STREAM_BODY_MAX_BYTES: String(8 * 1024 * 1024) },
      logs,
    );
    [processor, corrector] = await Promise.all([
      ServiceProcess.start('processor', env, logs),
      ServiceProcess.start('corrector', env, logs),
    ]);
    client = new GatewayClient(gateway.url);
    sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    await client.signUp(sql);
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), processor?.stop(), corrector?.stop()]);
    await proxy?.stop();
    await sql?.end();
    await services?.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(workDir, { recursive: true, force: true });
  });

  it('keeps answering 202 while RabbitMQ is unreachable, and delivers everything once it is back', async () => {
    proxy.cut();
    await sleep(500);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await client.submitJson('outage', [...measurements({ count: 50, seed: i })]);
      expect(res.status, res.text).toBe(202);
      ids.push(res.body.id as string);
    }
    await sleep(2000);
    const [pending] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where sent_at is null`;
    expect(pending.n).toBe(30);
    const [accepted] = await sql<{ n: number }[]>`select count(*)::int as n from batches where status = 'accepted'`;
    expect(accepted.n).toBe(30);

    proxy.restore();
    const done = await client.waitCompleted(ids, 120_000);
    expect(done.every((b) => b.status === 'completed')).toBe(true);
    const [gens] = await sql<{ n: number; max: number }[]>`
      select count(*)::int as n, max(number) as max from generations g join datasets d on d.id = g.dataset_id
      where d.name = 'outage' and g.stage = 'processed'`;
    expect(gens).toEqual({ n: 30, max: 30 });
  });

  it('loses and duplicates nothing when a worker is killed with SIGKILL in the middle of a batch', async () => {
    const res = await client.submitStream(
      'killed',
      ndjsonChunks({ count: 40_000, entities: 20, seed: 11 }),
      'application/x-ndjson',
      5,
    );
    expect(res.status, res.text).toBe(202);
    const id = res.body.id as string;
    const deadline = Date.now() + 60_000;
    while ((await client.batch(id)).status !== 'processing' && Date.now() < deadline) await sleep(20);
    expect((await client.batch(id)).status).toBe('processing');
    await processor.kill();
    // Killed in the middle: the batch had not moved on when the process died.
    expect((await client.batch(id)).status).toBe('processing');
    // The unacknowledged delivery returns to the queue; a new process picks it up.
    await processor.launch();
    const [batch] = await client.waitCompleted([id], 180_000);
    const processed = batch.generations.filter((g) => g.stage === 'processed');
    expect(processed).toHaveLength(1);
    expect(processed[0].tables.observations.rows).toBe(40_000);
    const files = await sql<{ n: number }[]>`
      select count(*)::int as n from generation_files f join generations g on g.id = f.generation_id where g.batch_id = ${id}`;
    expect(files[0].n).toBe(6);
    const objects = await (await import('@genlake/kit'))
      .openStorage(services.storageUrl, {
        region: services.s3.region,
        endpoint: services.s3.endpoint,
        accessKeyId: services.s3.accessKeyId,
        secretAccessKey: services.s3.secretAccessKey,
      })
      .list('lake/observations/dataset=killed/');
    expect(objects).toHaveLength(1);
  });

  it('sends a poison message to the dead letters with the reason and keeps working', async () => {
    const connection = new Connection({ url: services.rabbitmqUrl });
    const publisher = connection.createPublisher({ confirm: true, maxAttempts: 2 });
    await publisher.send(
      {
        exchange: EVENTS_EXCHANGE,
        routingKey: 'batch.accepted',
        messageId: randomUUID(),
        contentType: 'application/json',
        durable: true,
      },
      {
        id: randomUUID(),
        type: 'batch.accepted',
        version: 1,
        occurredAt: new Date().toISOString(),
        correlationId: 'poison',
        data: { batchId: 42 },
      },
    );
    const dead = deadQueueName(QUEUES.processorBatchAccepted);
    const deadline = Date.now() + 30_000;
    while ((await queueDepth(services.rabbitmqUrl, services.vhost, dead)) < 1 && Date.now() < deadline)
      await sleep(100);
    const ch = await connection.acquire();
    const msg = await ch.basicGet({ queue: dead, noAck: true });
    await ch.close();
    await publisher.close();
    await connection.close();
    expect(String(msg?.headers?.[HEADERS.reason])).toMatch(/does not match its contract.*batchId/);
    expect(processor.exitCode).toBeNull();
    const after = await client.submitJson('after-poison', [...measurements({ count: 5, seed: 1 })]);
    await client.waitCompleted([after.body.id as string], 60_000);
  });

  it('answers malformed, oversized and wrongly typed requests with a 4xx and a reason', async () => {
    const record = { entity: 'a', ts: '2026-11-01T00:00:00Z', metric: 't', value: 1 };
    const cases: Array<{
      name: string;
      send: () => ReturnType<GatewayClient['post']>;
      status: number;
      message: RegExp;
    }> = [
      {
        name: 'bad JSON',
        send: () => client.post('/api/batches', '{"dataset":', { 'content-type': 'application/json' }),
        status: 400,
        message: /JSON/,
      },
      {
        name: 'wrong media type',
        send: () => client.post('/api/batches', 'x', { 'content-type': 'text/plain' }),
        status: 415,
        message: /text\/csv/,
      },
      {
        name: 'no dataset',
        send: () =>
          client.post('/api/batches', JSON.stringify({ records: [record] }), { 'content-type': 'application/json' }),
        status: 400,
        message: /dataset/,
      },
      { name: 'bad dataset', send: () => client.submitJson('Bad Name!', [record]), status: 400, message: /dataset/ },
      {
        name: 'string value',
        send: () => client.submitJson('x', [{ ...record, value: '1' }]),
        status: 400,
        message: /value/,
      },
      {
        name: 'NaN-like value',
        send: () =>
          client.post(
            '/api/batches',
            '{"dataset":"x","records":[{"entity":"a","ts":"2026-11-01T00:00:00Z","metric":"t","value":1e999}]}',
            { 'content-type': 'application/json' },
          ),
        status: 400,
        message: /value/,
      },
      {
        name: 'impossible date',
        send: () => client.submitJson('x', [{ ...record, ts: '2026-13-01T00:00:00Z' }]),
        status: 400,
        message: /ts/,
      },
      {
        name: 'unknown field',
        send: () => client.submitJson('x', [{ ...record, colour: 'red' }]),
        status: 400,
        message: /colour/,
      },
      {
        name: '__proto__ key',
        send: () =>
          client.post(
            '/api/batches',
            '{"dataset":"x","records":[{"entity":"a","ts":"2026-11-01T00:00:00Z","metric":"t","value":1,"tags":{"__proto__":{"x":"1"}}}]}',
            { 'content-type': 'application/json' },
          ),
        status: 400,
        message: /__proto__|prototype/,
      },
      {
        name: 'NUL byte',
        send: () => client.submitJson('x', [{ ...record, entity: 'a\u0000b' }]),
        status: 400,
        message: /NUL|control/,
      },
      { name: 'empty records', send: () => client.submitJson('x', []), status: 400, message: /no records/ },
      { name: 'bad complexity', send: () => client.submitJson('x', [record], 9), status: 400, message: /complexity/ },
      ...['"3"', 'null', '[3]', 'true', '""', '2.5'].map((complexity) => ({
        name: `complexity ${complexity}`,
        send: () =>
          client.post(
            '/api/batches',
            `{"dataset":"x","records":[${JSON.stringify(record)}],"options":{"complexity":${complexity}}}`,
            {
              'content-type': 'application/json',
            },
          ),
        status: 400,
        message: /options\.complexity must be integer/,
      })),
      {
        name: 'options without complexity',
        send: () =>
          client.post('/api/batches', `{"dataset":"x","records":[${JSON.stringify(record)}],"options":{}}`, {
            'content-type': 'application/json',
          }),
        status: 400,
        message: /options\.complexity is required/,
      },
      {
        name: 'JSON too large',
        send: () => client.submitJson('x', [...measurements({ count: 5000 })]),
        status: 413,
        message: /./,
      },
      {
        name: 'stream too large',
        send: () => client.submitStream('x', ndjsonChunks({ count: 100_000 }), 'application/x-ndjson'),
        status: 413,
        message: /./,
      },
      {
        name: 'bad NDJSON line',
        send: () => client.submitStream('x', `${JSON.stringify(record)}\n{oops\n`, 'application/x-ndjson'),
        status: 400,
        message: /line 2/,
      },
      {
        name: 'CSV without value column',
        send: () => client.submitStream('x', 'entity,ts,metric\na,2026-11-01T00:00:00Z,t\n', 'text/csv'),
        status: 400,
        message: /value/,
      },
      {
        name: 'unknown query parameter',
        send: () =>
          client.post('/api/batches?dataset=x&colour=red', 'entity,ts,metric,value\n', { 'content-type': 'text/csv' }),
        status: 400,
        message: /colour/,
      },
    ];
    for (const c of cases) {
      const res = await c.send();
      expect(res.status, `${c.name}: ${res.text}`).toBe(c.status);
      expect(typeof res.body?.message, c.name).toBe('string');
      expect(res.text, c.name).toMatch(c.message);
      expect(res.text, c.name).not.toMatch(/\bat .*\.js:\d+/);
    }
    const gets: Array<[string, number]> = [
      ['/api/batches/not-a-uuid', 400],
      [`/api/batches/${randomUUID()}`, 404],
      ['/api/batches?status=bogus', 400],
      ['/api/batches?limit=0', 400],
      ['/api/batches?cursor=zzz', 400],
      [
        `/api/batches?cursor=${Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', randomUUID()])).toString('base64url')}`,
        400,
      ],
      [
        `/api/batches?cursor=${Buffer.from(JSON.stringify(['-271821-04-20T00:00:00.000Z', randomUUID()])).toString('base64url')}`,
        400,
      ],
      [`/api/generations/${randomUUID()}/tables/observations`, 404],
      ['/api/datasets/nope/generations', 404],
      ['/api/batches?dataset=%00', 400],
      ['/api/datasets/NO%00PE/generations', 400],
    ];
    for (const [path, status] of gets) {
      const res = await client.get<{ message: string }>(path);
      expect(res.status, path).toBe(status);
      expect(typeof res.body.message, path).toBe('string');
    }
    // What the HTTP parser refuses is answered in JSON with a reason too.
    const { port } = new URL(gateway.url);
    for (const [raw, reason] of [
      ['GET /health/live HTTP/1.1\r\n\r\n', /Host header/],
      ['NOT HTTP AT ALL\r\n\r\n', /could not be parsed/],
    ] as const) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(raw));
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk;
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
      });
      expect(answer, raw).toMatch(/^HTTP\/1\.1 400/);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(body.message, raw).toMatch(reason);
    }
  });

  it('makes retries with an Idempotency-Key safe', async () => {
    const records = [...measurements({ count: 10, seed: 5 })];
    const key = randomUUID();
    const first = await client.submitJson('idem', records, 1, { 'idempotency-key': key });
    const again = await client.submitJson('idem', records, 1, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    const other = await client.submitJson('idem', records.slice(1), 1, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.body.message).toMatch(/Idempotency-Key/);
    const [n] = await sql<{ n: number }[]>`select count(*)::int as n from batches where idempotency_key = ${key}`;
    expect(n.n).toBe(1);
  });

  it('refuses to start with a wrong setting and names it', () => {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'services', 'gateway', 'dist', 'main.js')], {
      env: { ...process.env, PORT: 'eighty', DATABASE_URL: 'mysql://nope' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/PORT/);
    expect(run.stderr).toMatch(/DATABASE_URL/);
    expect(run.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
