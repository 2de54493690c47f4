import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/** Where the real services of a test run come from. */
export interface Infrastructure {
  source: 'environment' | 'testcontainers';
  databaseUrl: string;
  rabbitmqUrl: string;
  /** Management API base URL (for queue inspection), when known. */
  rabbitmqManagementUrl?: string;
  /** An S3 endpoint when tests should use S3; unset means the test starts s3rver itself. */
  s3Endpoint?: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  stop(): Promise<void>;
}

/** Whether a Docker engine answers (DOCKER_HOST set, or /var/run/docker.sock answering `docker info`). */
export function dockerAvailable(): boolean {
  if (process.env.DOCKER_HOST) return true;
  if (!existsSync('/var/run/docker.sock')) return false;
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The one place that decides where tests find Postgres, RabbitMQ and S3:
 * - TEST_DATABASE_URL / TEST_RABBITMQ_URL (and optionally TEST_S3_ENDPOINT) given: use them;
 * - otherwise, with a Docker engine: start them with Testcontainers (Postgres, RabbitMQ, MinIO);
 * - otherwise, when Postgres and RabbitMQ answer on their default local ports: use those;
 * - otherwise: fail with a message saying what to set.
 * It says which it used on stderr.
 */
export async function resolveInfrastructure(env: NodeJS.ProcessEnv = process.env): Promise<Infrastructure> {
  if (env.TEST_DATABASE_URL && env.TEST_RABBITMQ_URL) {
    process.stderr.write(
      `[genlake tests] services from environment: ${redact(env.TEST_DATABASE_URL)}, ${redact(env.TEST_RABBITMQ_URL)}\n`,
    );
    return {
      source: 'environment',
      databaseUrl: env.TEST_DATABASE_URL,
      rabbitmqUrl: env.TEST_RABBITMQ_URL,
      rabbitmqManagementUrl: env.TEST_RABBITMQ_MANAGEMENT_URL,
      s3Endpoint: env.TEST_S3_ENDPOINT,
      s3AccessKeyId: env.TEST_S3_ACCESS_KEY_ID,
      s3SecretAccessKey: env.TEST_S3_SECRET_ACCESS_KEY,
      stop: async () => {},
    };
  }
  if (!dockerAvailable()) {
    const local = { db: 'postgres://postgres@127.0.0.1:5432/postgres', amqp: 'amqp://guest:guest@127.0.0.1:5672' };
    if ((await reachable('127.0.0.1', 5432)) && (await reachable('127.0.0.1', 5672))) {
      process.stderr.write(
        '[genlake tests] no Docker engine and no TEST_* variables: using the local services on their default ports\n',
      );
      return { source: 'environment', databaseUrl: local.db, rabbitmqUrl: local.amqp, stop: async () => {} };
    }
    throw new Error(
      'no test services: set TEST_DATABASE_URL and TEST_RABBITMQ_URL (for example ' +
        'postgres://postgres@127.0.0.1:5432/postgres and amqp://guest:guest@127.0.0.1:5672), or run a Docker engine for Testcontainers',
    );
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const { MinioContainer } = await import('@testcontainers/minio');
  const [pg, rabbit, minio] = await Promise.all([
    new PostgreSqlContainer('postgres:15-alpine').start(),
    new RabbitMQContainer('rabbitmq:3.13-management-alpine').start(),
    new MinioContainer('minio/minio:RELEASE.2025-04-22T22-12-26Z').start(),
  ]);
  process.stderr.write('[genlake tests] services from Testcontainers (postgres:15, rabbitmq:3.13, minio)\n');
  return {
    source: 'testcontainers',
    databaseUrl: pg.getConnectionUri(),
    rabbitmqUrl: rabbit.getAmqpUrl(),
    rabbitmqManagementUrl: `http://${rabbit.getHost()}:${rabbit.getMappedPort(15672)}`,
    s3Endpoint: minio.getConnectionUrl(),
    s3AccessKeyId: minio.getUsername(),
    s3SecretAccessKey: minio.getPassword(),
    stop: async () => {
      await Promise.all([pg.stop(), rabbit.stop(), minio.stop()]);
    },
  };
}

/** True when a TCP connection to host:port opens within `timeoutMs`. */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
