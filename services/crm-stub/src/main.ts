import { isIP } from 'node:net';
import { startCrmStub } from './crm.stub';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`crm-stub: ${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})\n`);
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
      `crm-stub: HOST must be an IP address (127.0.0.1, 0.0.0.0, ::) or a host name (got ${JSON.stringify(raw)})\n`,
    );
    process.exit(1);
  }
  return raw;
}

async function main() {
  const stub = await startCrmStub({
    port: intFromEnv('PORT', 8090, 0, 65535),
    host: hostFromEnv(),
    token: process.env.CRM_TOKEN || 'dev-token',
    limitPerSecond: intFromEnv('CRM_LIMIT_PER_SECOND', 99, 1, 100_000),
    logger: process.env.LOG_LEVEL !== 'silent',
  });
  process.stdout.write(`crm-stub listening on ${stub.url}\n`);
  const stop = () => void stub.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`crm-stub: ${(err as Error).message}\n`);
  process.exit(1);
});
