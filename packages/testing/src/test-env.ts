import { randomBytes } from 'node:crypto';
import { Connection } from 'rabbitmq-client';
import { freshDatabase } from './databases';
import { connectS3, type S3TestServer, startS3rver } from './s3-server';

/** The gateway's JWT key in tests (32+ bytes, as the gateway demands). */
export const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef';

/** Gateway rate limits for tests that poll many batches (the limits themselves have their own tests). */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_PER_ADDRESS: '1000000',
  RATE_LIMIT_PER_USER: '1000000',
  RATE_LIMIT_AUTH_PER_ADDRESS: '100000',
} as const;

function required(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `${name} is not set: run this test through the medium or e2e vitest project (its global setup sets it)`,
    );
  return v;
}

export interface TestServices {
  databaseUrl: string;
  rabbitmqUrl: string;
  vhost: string;
  s3: S3TestServer;
  bucket: string;
  /** `s3://<bucket>/<prefix>` for STORAGE_URL. */
  storageUrl: string;
  /** Environment variables that point a genlake service at these services. */
  serviceEnv(): Record<string, string>;
  cleanup(): Promise<void>;
}

function managementUrl(amqpUrl: string): { base: string; auth: string } {
  const explicit = process.env.GENLAKE_TEST_RABBITMQ_MANAGEMENT_URL;
  const u = new URL(amqpUrl);
  const auth = Buffer.from(
    `${decodeURIComponent(u.username || 'guest')}:${decodeURIComponent(u.password || 'guest')}`,
  ).toString('base64');
  return { base: explicit ?? `http://${u.hostname}:15672`, auth };
}

async function management(amqpUrl: string, method: string, path: string, body?: unknown): Promise<Response> {
  const { base, auth } = managementUrl(amqpUrl);
  const res = await fetch(`${base}/api${path}`, {
    method,
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && res.status !== 404)
    throw new Error(`rabbitmq management ${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Messages in a queue (ready + unacknowledged), read with a passive declare: exact and immediate. */
export async function queueDepth(amqpUrl: string, _vhost: string, queue: string): Promise<number> {
  const connection = new Connection({ url: amqpUrl, retryLow: 100, retryHigh: 500 });
  try {
    const ok = await connection.queueDeclare({ queue, passive: true });
    return ok.messageCount;
  } catch {
    return 0;
  } finally {
    await connection.close();
  }
}

/**
 * Isolated services for one test file: a fresh database cloned from the migrated template, its own
 * RabbitMQ virtual host (so queues never mix between files or runs), and an S3 bucket (s3rver started
 * here unless an S3 endpoint was given).
 */
export async function setupTestServices(label: string): Promise<TestServices> {
  const serverDb = required('GENLAKE_TEST_DATABASE_URL');
  const amqp = required('GENLAKE_TEST_RABBITMQ_URL');
  const db = await freshDatabase(serverDb, label);
  const vhost = `genlake-${label}-${randomBytes(3).toString('hex')}`;
  await management(amqp, 'PUT', `/vhosts/${encodeURIComponent(vhost)}`);
  const user = decodeURIComponent(new URL(amqp).username || 'guest');
  await management(amqp, 'PUT', `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  const rabbitUrl = new URL(amqp);
  rabbitUrl.pathname = `/${encodeURIComponent(vhost)}`;
  const s3 = process.env.GENLAKE_TEST_S3_ENDPOINT
    ? connectS3(
        process.env.GENLAKE_TEST_S3_ENDPOINT,
        process.env.GENLAKE_TEST_S3_ACCESS_KEY_ID ?? 'minioadmin',
        process.env.GENLAKE_TEST_S3_SECRET_ACCESS_KEY ?? 'minioadmin',
      )
    : await startS3rver();
  const bucket = `genlake-${randomBytes(4).toString('hex')}`;
  await s3.createBucket(bucket);
  const storageUrl = `s3://${bucket}/lake-test`;
  return {
    databaseUrl: db.url,
    rabbitmqUrl: rabbitUrl.toString(),
    vhost,
    s3,
    bucket,
    storageUrl,
    serviceEnv: () => ({
      DATABASE_URL: db.url,
      RABBITMQ_URL: rabbitUrl.toString(),
      STORAGE_URL: storageUrl,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
    }),
    cleanup: async () => {
      await db.drop().catch(() => {});
      await management(amqp, 'DELETE', `/vhosts/${encodeURIComponent(vhost)}`).catch(() => {});
      await s3.stop();
    },
  };
}
