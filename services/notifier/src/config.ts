import { SERVICES } from '@genlake/contracts';
import { baseConfigSchema, env } from '@genlake/kit';
import { z } from 'zod';

/** The CRM refuses 100 requests or more in any one second; the notifier stays below that, globally. */
export const CRM_HARD_LIMIT_PER_SECOND = 100;

/** RabbitMQ cancels a consumer that holds a delivery unacknowledged for 30 minutes (consumer_timeout). */
export const BROKER_CONSUMER_TIMEOUT_MS = 30 * 60_000;

/** An address as a mail relay takes it: `local@domain`, nothing fancy. */
const EMAIL_PATTERN = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$|^[^\s@<>,;"]+@localhost$/;
const emailAddress = z.string().trim().max(254).regex(EMAIL_PATTERN, 'must be an email address');

/** `Name <address>` or a bare address. */
const sender = z
  .string()
  .trim()
  .min(3)
  .refine((value) => {
    const match = /^(?:[^<>]*<([^<>]+)>|([^<>\s]+))$/.exec(value);
    return match !== null && EMAIL_PATTERN.test(match[1] ?? match[2]);
  }, 'must be an email address, or "Name <address>"');

/** A comma-separated list of email addresses (empty: none). */
const emailList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(emailAddress).max(50));

export const notifierConfigSchema = baseConfigSchema
  .extend({
    /** Health and metrics port. */
    PORT: env.port(SERVICES.notifier.port),

    // --- the CRM
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
    /**
     * During a CRM outage a message is held in the process (its place in the queue kept, so no user's events are
     * reordered) until this long after the outage began; then it is deferred through a delay queue. Well below
     * RabbitMQ's 30-minute consumer timeout, which counts from the delivery.
     */
    CRM_HOLD_MAX_MS: env.int(300_000, 0, BROKER_CONSUMER_TIMEOUT_MS / 2),
    /** CRM calls in flight at once (they are paced by CRM_MAX_PER_SECOND anyway). */
    NOTIFIER_CONCURRENCY: env.int(8, 1, 256),
    NOTIFIER_PREFETCH: env.int(32, 1, 1000),

    // --- email
    /** The mail relay: SES's SMTP endpoint in AWS, Mailpit in compose, the mail stub in development and tests. */
    SMTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
    SMTP_PORT: env.port(1025),
    /** Implicit TLS from the first byte (port 465); false: plain, upgraded by STARTTLS when offered. */
    SMTP_SECURE: env.boolean(false),
    /** Refuse to send unless the relay upgrades the connection with STARTTLS (SES on 587). */
    SMTP_REQUIRE_TLS: env.boolean(false),
    /** Credentials for the relay (SES SMTP credentials); both or neither. */
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    /** Connecting, the greeting and each reply of the relay must come within this. */
    SMTP_TIMEOUT_MS: env.int(10_000, 500, 120_000),
    /** Pooled connections to the relay. */
    SMTP_MAX_CONNECTIONS: env.int(3, 1, 50),
    /** How long the mail relay's circuit breaker stays open before one probe. */
    SMTP_BREAKER_RESET_MS: env.int(5_000, 100, 600_000),
    /** Relay failures (refused, timed out, 4xx) in a row that count as an outage: messages wait, spending no attempt. */
    SMTP_OUTAGE_FAILURES: env.int(3, 1, 1_000),
    /** The sender of every email. */
    MAIL_FROM: sender.default('genlake <no-reply@genlake.local>'),
    /** Where users reach genlake: links in emails (`<PUBLIC_BASE_URL>/batches/<id>`). */
    PUBLIC_BASE_URL: env.url(`http://localhost:${SERVICES.gateway.port}`, ['http:', 'https:']),
    /** Emails worked on at once by this process (any replica sends). */
    MAIL_CONCURRENCY: env.int(4, 1, 64),
    MAIL_PREFETCH: env.int(16, 1, 1000),

    // --- dead letters
    /**
     * Who gets the dead-letter alerts (comma-separated). Empty: every confirmed user with the role operator.
     */
    OPERATOR_EMAILS: emailList,
    /** How often dead letters not yet alerted are emailed, as one digest. */
    ALERT_INTERVAL_MS: env.int(30_000, 500, 3_600_000),
    /** Dead letters moved to the database at once by this process. */
    DEAD_LETTER_CONCURRENCY: env.int(4, 1, 64),
  })
  .superRefine((config, ctx) => {
    if ((config.SMTP_USER === undefined) !== (config.SMTP_PASSWORD === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [config.SMTP_USER === undefined ? 'SMTP_USER' : 'SMTP_PASSWORD'],
        message: 'SMTP_USER and SMTP_PASSWORD go together: set both or neither',
      });
    }
  });

export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
