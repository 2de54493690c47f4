import { isIP } from 'node:net';
import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's configuration schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** True for an address a server can listen on: an IPv4 or IPv6 address, or a host name (`localhost`). */
export function isBindAddress(value: string): boolean {
  return isIP(value) !== 0 || HOSTNAME.test(value);
}

/** Where servers listen unless told otherwise: this machine only. Containers set HOST=0.0.0.0. */
export const DEFAULT_BIND_HOST = '127.0.0.1';

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const env = {
  boolean: (fallback: boolean) => booleanString.default(fallback),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  /** An address to listen on (see isBindAddress). */
  host: (fallback: string) =>
    z.string().default(fallback).refine(isBindAddress, 'must be an IP address (127.0.0.1, 0.0.0.0, ::) or a host name'),
  url: (fallback: string, protocols: string[]) =>
    z
      .string()
      .default(fallback)
      .refine(
        (v) => {
          try {
            return protocols.includes(new URL(v).protocol);
          } catch {
            return false;
          }
        },
        `must be a URL with scheme ${protocols.join(' or ')}`,
      ),
};

/** Settings every genlake service shares. Defaults match the local services of a developer machine. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * The address the HTTP server (API, health, metrics) listens on: 127.0.0.1 (this machine only) unless told
   * otherwise; 0.0.0.0 in a container, where other containers and the load balancer reach it.
   */
  HOST: env.host(DEFAULT_BIND_HOST),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: env.url('postgres://postgres@127.0.0.1:5432/genlake', ['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: env.int(10, 1, 500),
  MIGRATE_ON_START: env.boolean(true),
  RABBITMQ_URL: env.url('amqp://guest:guest@127.0.0.1:5672', ['amqp:', 'amqps:']),
  STORAGE_URL: z.string().min(1).default('./.genlake/storage'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  WORK_DIR: z.string().min(1).default('./.genlake/work'),
  /** Largest local copy of remote lake files kept in WORK_DIR (least recently used files are dropped). */
  LAKE_CACHE_MAX_BYTES: env.int(2 * 1024 ** 3, 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: env.int(30_000, 1_000, 600_000),
  /** A client must send its request headers within this (Node's headersTimeout). */
  HTTP_HEADERS_TIMEOUT_MS: env.int(20_000, 1_000, 600_000),
  /**
   * A whole request, body included, must arrive within this (Node's requestTimeout): 10 minutes carry a 5 MiB upload
   * chunk at 9 KB/s or a 100 MB body at 170 KB/s; larger files on slow links go through the resumable uploads.
   */
  HTTP_REQUEST_TIMEOUT_MS: env.int(600_000, 1_000, 86_400_000),
  /** An idle keep-alive connection is closed after this (above the AWS load balancer's 60 s, so it closes first). */
  HTTP_IDLE_TIMEOUT_MS: env.int(65_000, 1_000, 3_600_000),
  /**
   * A request body arriving slower than this, measured over HTTP_BODY_RATE_WINDOW_MS, is cut off (a client trickling
   * bytes would otherwise hold its socket until HTTP_REQUEST_TIMEOUT_MS); 0 turns the check off.
   */
  HTTP_MIN_BODY_BYTES_PER_SECOND: env.int(512, 0, 1024 ** 3),
  HTTP_BODY_RATE_WINDOW_MS: env.int(30_000, 500, 600_000),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Parses the environment with a zod schema; on failure throws a ConfigError naming every bad variable.
 * Empty strings count as unset so that `FOO=` in a compose file falls back to the default.
 */
export function parseConfig<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) if (value !== undefined && value !== '') cleaned[key] = value;
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(root)';
        const given = cleaned[String(issue.path[0])];
        return `${name}: ${issue.message}${given === undefined ? ' (not set)' : ` (got ${JSON.stringify(given)})`}`;
      }),
    );
  }
  return result.data;
}
