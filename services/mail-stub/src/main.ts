import { isIP } from 'node:net';
import { startMailStub } from './mail.stub';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`mail-stub: ${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})\n`);
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
      `mail-stub: HOST must be an IP address (127.0.0.1, 0.0.0.0, ::) or a host name (got ${JSON.stringify(raw)})\n`,
    );
    process.exit(1);
  }
  return raw;
}

async function main() {
  const stub = await startMailStub({
    smtpPort: intFromEnv('SMTP_PORT', 1025, 0, 65535),
    httpPort: intFromEnv('PORT', 8025, 0, 65535),
    host: hostFromEnv(),
    maxMessages: intFromEnv('MAIL_STUB_MAX_MESSAGES', 10_000, 1, 1_000_000),
    logger: process.env.LOG_LEVEL !== 'silent',
  });
  process.stdout.write(`mail-stub: SMTP on port ${stub.smtpPort}, messages on ${stub.httpUrl}/api/v1/messages\n`);
  const stop = () => void stub.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`mail-stub: ${(err as Error).message}\n`);
  process.exit(1);
});
