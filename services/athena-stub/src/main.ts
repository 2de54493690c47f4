import { isIP } from 'node:net';
import { startAthenaStub } from './athena.stub';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(
      `athena-stub: ${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})\n`,
    );
    process.exit(1);
  }
  return n;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * HOST: where the stand-in listens. 127.0.0.1 unless told otherwise (its /_control endpoint has no
 * authentication); 0.0.0.0 in a container, where other containers reach it.
 */
function hostFromEnv(): string {
  const raw = process.env.HOST;
  if (raw === undefined || raw === '') return '127.0.0.1';
  if (isIP(raw) === 0 && !HOSTNAME.test(raw)) {
    process.stderr.write(
      `athena-stub: HOST must be an IP address (127.0.0.1, 0.0.0.0, ::) or a host name (got ${JSON.stringify(raw)})\n`,
    );
    process.exit(1);
  }
  return raw;
}

async function main() {
  const workgroups = process.env.ATHENA_STUB_WORKGROUPS;
  const stub = await startAthenaStub({
    port: intFromEnv('PORT', 8091, 0, 65535),
    host: hostFromEnv(),
    storageUrl: process.env.STORAGE_URL || undefined,
    database: process.env.ATHENA_STUB_DATABASE || undefined,
    workgroups: workgroups ? workgroups.split(',').map((w) => w.trim()) : undefined,
    outputLocation: process.env.ATHENA_STUB_OUTPUT || undefined,
    resultsS3:
      process.env.ATHENA_STUB_OUTPUT && process.env.S3_ENDPOINT
        ? {
            endpoint: process.env.S3_ENDPOINT,
            region: process.env.S3_REGION || 'us-east-1',
            accessKeyId: process.env.S3_ACCESS_KEY_ID || '',
            secretAccessKey: process.env.S3_SECRET_ACCESS_KEY || '',
          }
        : undefined,
    logger: process.env.LOG_LEVEL !== 'silent',
  });
  process.stdout.write(`athena-stub listening on ${stub.url} (LAKE_ATHENA_ENDPOINT=${stub.url})\n`);
  const stop = () => void stub.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`athena-stub: ${(err as Error).message}\n`);
  process.exit(1);
});
