import { createServer } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger';
import { Metrics } from '../observability/metrics';
import { isDependencyUnavailable } from './dependency.errors';
import { answerUnexpected } from './http-exception.filter';

/** The errors the real clients throw, told apart: an outage (503, retry) or a fault of ours (500, error id). */
describe('errors of real dependencies', () => {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let sql: postgres.Sql;
  let closedPort: number;

  beforeAll(async () => {
    sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
    // a port nobody listens on: take a free one and close it again
    closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
  });
  afterAll(async () => {
    await sql?.end();
  });

  async function thrown(work: () => Promise<unknown>): Promise<unknown> {
    try {
      await work();
    } catch (err) {
      return err;
    }
    throw new Error('expected the work to fail');
  }

  it('calls an unreachable database, a terminated session and an unreachable object store an outage', async () => {
    const unreachable = postgres(`postgres://postgres@127.0.0.1:${closedPort}/postgres`, {
      max: 1,
      connect_timeout: 2,
    });
    const refused = await thrown(() => unreachable`select 1`);
    await unreachable.end({ timeout: 1 });
    expect(isDependencyUnavailable(refused), String(refused)).toBe(true);

    const victim = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const [{ pid }] = await victim<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const terminated = await thrown(async () => {
      const running = victim`select pg_sleep(5)`;
      await new Promise((r) => setTimeout(r, 200));
      await sql`select pg_terminate_backend(${pid})`;
      await running;
    });
    await victim.end({ timeout: 1 });
    expect(isDependencyUnavailable(terminated), String(terminated)).toBe(true);

    const s3 = new S3Client({
      endpoint: `http://127.0.0.1:${closedPort}`,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const storage = await thrown(() => s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
    s3.destroy();
    expect(isDependencyUnavailable(storage), String(storage)).toBe(true);
  });

  it('calls a failing query and a programming error a fault of ours: 500 with a logged, counted error id', async () => {
    const divided = await thrown(() => sql`select 1 / 0`);
    const undefinedColumn = await thrown(() => sql`select no_such_column from pg_class`);
    const bug = await thrown(async () => (undefined as unknown as { x: string }).x.trim());
    const metrics = new Metrics('test');
    const logger = createLogger('test', 'silent');
    for (const err of [divided, undefinedColumn, bug]) {
      expect(isDependencyUnavailable(err), String(err)).toBe(false);
      const answer = answerUnexpected(err, logger, metrics);
      expect(answer.status).toBe(500);
      expect(answer.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.body.message).toContain(answer.body.errorId);
      expect(JSON.stringify(answer.body)).not.toMatch(/no_such_column|division|trim/);
    }
    const counted = await metrics.registry.getSingleMetricAsString('genlake_http_unexpected_errors_total');
    expect(counted).toMatch(/genlake_http_unexpected_errors_total\{service="test"\} 3/);
    const outage = answerUnexpected(
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      logger,
      metrics,
    );
    expect(outage).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
  });
});
