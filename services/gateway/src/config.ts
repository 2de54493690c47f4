import { resolve } from 'node:path';
import { SERVICES } from '@genlake/contracts';
import { baseConfigSchema, env } from '@genlake/kit';
import { z } from 'zod';

export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: env.port(SERVICES.gateway.port),
  /** Where users reach genlake (links in emails point here). */
  PUBLIC_BASE_URL: env.url(`http://localhost:${SERVICES.gateway.port}`, ['http:', 'https:']),
  /**
   * Proxies in front of the gateway whose X-Forwarded-For entries are trusted (CloudFront + ALB = 2). With 0 the
   * address is the TCP peer's, so a client cannot choose its own address for the per-address limits.
   */
  TRUST_PROXY_HOPS: env.int(0, 0, 10),
  /** HS256 key of the access tokens (a Secrets Manager secret in AWS). No default: the gateway does not start without one. */
  AUTH_JWT_SECRET: z
    .string({ error: 'is required (at least 32 bytes; e.g. `openssl rand -base64 48`)' })
    .refine((v) => Buffer.byteLength(v, 'utf8') >= 32, 'must be at least 32 bytes long'),
  AUTH_JWT_ISSUER: z.string().min(1).default('genlake'),
  AUTH_JWT_AUDIENCE: z.string().min(1).default('genlake-api'),
  /** Lifetime of an access token; a refresh token gets the next one. */
  AUTH_ACCESS_TTL_SECONDS: env.int(900, 30, 3600),
  AUTH_REFRESH_TTL_DAYS: env.int(30, 1, 365),
  /** How long an email confirmation link works. */
  AUTH_CONFIRMATION_TTL_HOURS: env.int(24, 1, 24 * 14),
  /** Password hashes (Argon2id, ~20 ms of one core each) computed at once; libuv's thread pool has 4 threads. */
  AUTH_HASH_CONCURRENCY: env.int(2, 1, 64),
  /** A login that would wait longer than this for a hashing slot is answered 503 + Retry-After at once. */
  AUTH_HASH_MAX_WAIT_MS: env.int(10_000, 100, 120_000),
  /** Failed logins of one account within 15 minutes before it is locked for the rest of those 15 minutes. */
  AUTH_LOGIN_FAILURES_PER_ACCOUNT: env.int(10, 1, 10_000),
  /** Failed logins from one address within an hour before the address must wait. */
  AUTH_LOGIN_FAILURES_PER_ADDRESS: env.int(100, 1, 1_000_000),
  /** Requests per minute from one address to the account routes (register, login, refresh, confirm). */
  RATE_LIMIT_AUTH_PER_ADDRESS: env.int(60, 1, 10_000_000),
  /** Requests per minute from one address to any /api route. */
  RATE_LIMIT_PER_ADDRESS: env.int(1200, 1, 10_000_000),
  /** Requests per minute of one signed-in user to any /api route. */
  RATE_LIMIT_PER_USER: env.int(600, 1, 10_000_000),
  /** Largest JSON body (typed records); bigger batches are sent as CSV or NDJSON streams. */
  JSON_BODY_MAX_BYTES: env.int(16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  /** Largest CSV / NDJSON upload, read as a stream. */
  STREAM_BODY_MAX_BYTES: env.int(1024 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
  MAX_RECORDS_PER_BATCH: env.int(50_000_000, 1, 1_000_000_000),
  /** Normalized payloads up to this size stay in Postgres; larger ones go to object storage (claim check). */
  INLINE_PAYLOAD_MAX_BYTES: env.int(512 * 1024, 0, 64 * 1024 * 1024),
  /** Rows a table page may hold. */
  PAGE_MAX_ROWS: env.int(1000, 1, 100_000),
  RESULT_MAX_ROWS: env.int(1_000_000, 1, 50_000_000),
  /** The built web app served at / (services/web/dist); without an index.html there the gateway serves the API only. */
  WEB_DIST_DIR: z
    .string()
    .min(1)
    .default(resolve(__dirname, '..', '..', 'web', 'dist'))
    .transform((dir) => resolve(dir)),
  /** Unfinished and unclaimed resumable uploads are deleted this long after they were created. */
  UPLOAD_EXPIRY_HOURS: env.int(24, 1, 24 * 30),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** The key `npm start` uses on a developer machine; refused where NODE_ENV=production. */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-do-not-use-in-production';

/** Parses and checks what a schema cannot: a production gateway must not run on the development key. */
export const checkedGatewayConfigSchema = gatewayConfigSchema.refine(
  (c) => !(c.NODE_ENV === 'production' && c.AUTH_JWT_SECRET === DEVELOPMENT_JWT_SECRET),
  { path: ['AUTH_JWT_SECRET'], message: 'is the development key; set a secret of your own in production' },
);
