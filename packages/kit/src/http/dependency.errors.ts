/**
 * Whether an error means that a dependency (Postgres, the broker, object storage) could not be reached or refused
 * to work for now — an outage a client should wait out (503 + Retry-After) — as opposed to a fault of our own code or
 * data, which a retry does not cure (500).
 */

/** Socket-level failures of any client (postgres.js, the AWS SDK, fetch). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
/** postgres.js' own codes for a connection that went away. */
const POSTGRES_CLIENT_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
/**
 * Postgres SQLSTATEs that say "not now": connection exceptions (08), insufficient resources (53: too many
 * connections, disk full), operator intervention (57P01-57P03: shutdown, crash recovery, not accepting connections),
 * serialization failures and deadlocks (40001, 40P01).
 */
const POSTGRES_UNAVAILABLE = /^(08|53|57P0[1-3]|40001|40P01)/;
/** The AWS SDK's names for throttling and for a service that is unreachable or failing on its side. */
const AWS_UNAVAILABLE = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'ThrottlingException',
]);

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (NETWORK_CODES.has(code) || POSTGRES_CLIENT_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code)))
    return true;
  if (typeof e.name === 'string' && AWS_UNAVAILABLE.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  // A wrapped failure (fetch's TypeError with a cause, AggregateError of several connection attempts).
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDependencyUnavailable(inner, depth + 1))) return true;
  return isDependencyUnavailable(e.cause, depth + 1);
}
