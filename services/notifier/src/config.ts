import { baseConfigSchema, env } from '@genlake/kit';
import { z } from 'zod';

/** The CRM refuses 100 requests or more in any one second; the notifier stays below that, globally. */
export const CRM_HARD_LIMIT_PER_SECOND = 100;

export const notifierConfigSchema = baseConfigSchema.extend({
  /** Health and metrics port. */
  PORT: env.port(8083),
  /** The CRM's events endpoint. */
  CRM_URL: env.url('http://127.0.0.1:8090/v1/events', ['http:', 'https:']),
  /** Bearer token for the CRM. */
  CRM_TOKEN: z.string().min(1).default('dev-token'),
  /**
   * Requests per second sent to the CRM, for all replicas together (only one replica sends at a time: the
   * queue has a single active consumer). Must stay below the CRM's limit of 100.
   */
  CRM_MAX_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1)
    .max(CRM_HARD_LIMIT_PER_SECOND - 1, `must be below ${CRM_HARD_LIMIT_PER_SECOND} (the CRM's limit per second)`)
    .default(80),
  /** A CRM call not answered within this is a (retryable) failure. */
  CRM_TIMEOUT_MS: env.int(5_000, 100, 120_000),
  /** How long the circuit breaker stays open before it lets one probe call through. */
  CRM_BREAKER_RESET_MS: env.int(5_000, 100, 600_000),
  /** Percentage of failed calls (within CRM_BREAKER_WINDOW_MS, at least CRM_BREAKER_MIN_CALLS) that opens the breaker. */
  CRM_BREAKER_ERROR_PERCENT: env.int(50, 1, 100),
  CRM_BREAKER_MIN_CALLS: env.int(5, 1, 10_000),
  CRM_BREAKER_WINDOW_MS: env.int(10_000, 1_000, 600_000),
  /** CRM calls in flight at once (they are paced by CRM_MAX_PER_SECOND anyway). */
  NOTIFIER_CONCURRENCY: env.int(8, 1, 256),
  NOTIFIER_PREFETCH: env.int(32, 1, 1000),
});

export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
