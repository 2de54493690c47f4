/**
 * The message catalog: which messages exist, who produces them, who consumes them from which queue, and the
 * RabbitMQ topology every consumer queue follows. asyncapi.yaml documents the same facts for other languages;
 * a test keeps the two in agreement.
 */
import type { ServiceName } from './topology';

/** Topic exchange (durable) every message is published to, with routing key == message type. */
export const EVENTS_EXCHANGE = 'genlake.events';
/** Direct exchange (durable) for retries: routing key `<queue>.delay.<ms>` leads to the delay queue of that name. */
export const RETRY_EXCHANGE = 'genlake.retry';
/** Direct exchange (durable) for dead letters: routing key `<queue>` leads to the queue `<queue>.dead`. */
export const DEAD_EXCHANGE = 'genlake.dead';

/**
 * Consumer queues (durable quorum queues bound to EVENTS_EXCHANGE). A queue may take several message types: it is
 * bound once per routing key, and every catalog entry that lists it names the same service, options and retry policy.
 */
export const QUEUES = {
  processorBatchAccepted: 'processor.batch-accepted',
  correctorGenerationProduced: 'corrector.generation-produced',
  /** The notifier's CRM reports (user.registered, batch.completed): one queue, so a user's events stay in order. */
  notifierCrm: 'notifier.crm',
  /** The notifier's emails (user.registered, user.confirmation-requested, user.registration-attempted, batch.completed). */
  notifierMail: 'notifier.mail',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** AMQP headers of the contract. */
export const HEADERS = {
  /** 1-based number of the delivery attempt a message is on; absent on the first attempt means 1. */
  attempt: 'x-genlake-attempt',
  /** Why a message was dead-lettered (text). */
  reason: 'x-genlake-reason',
  /** The consumer queue a dead-lettered message came from. */
  queue: 'x-genlake-queue',
  /** The envelope's correlationId. */
  correlationId: 'x-correlation-id',
  /**
   * A UUID given to a message when it is dead-lettered (only on messages in `Q.dead`): the id of its dead-letter
   * record, so a dead letter delivered twice is stored once.
   */
  deadId: 'x-genlake-dead-id',
} as const;

/** `x-delivery-limit` of every consumer queue: a safety net for consumers that crash before acking. */
export const DELIVERY_LIMIT = 10;
export const CONTENT_TYPE = 'application/json';

export interface RetryPolicy {
  /** Total attempts including the first delivery. */
  maxAttempts: number;
  /** Delay before attempt n + 1 after attempt n failed: `delaysMs[n - 1]`; length is maxAttempts - 1. */
  delaysMs: readonly number[];
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, delaysMs: [1000, 5000, 30000, 120000] };

/** Notifications: after 3 failed attempts a message goes to the dead letters (and an operator is told). */
export const NOTIFICATION_RETRY: RetryPolicy = { maxAttempts: 3, delaysMs: [1000, 5000] };

export interface ConsumerBinding {
  service: ServiceName;
  queue: QueueName;
  /** Options of the consumer queue (for example a single active consumer). */
  queueOptions?: QueueOptions;
}

export interface CatalogEntry<T extends string = string> {
  type: T;
  version: number;
  routingKey: T;
  exchange: typeof EVENTS_EXCHANGE;
  /** `$id` of the JSON Schema of the message, file `schemas/<type>.v<version>.schema.json`. */
  schemaId: string;
  producer: ServiceName;
  consumers: readonly ConsumerBinding[];
  /** Services that will consume the message but do not exist yet (no queue is declared for them). */
  plannedConsumers: readonly string[];
  retry: RetryPolicy;
}

export const SCHEMA_ID_PREFIX = 'https://genlake.dev/schemas/';

/** `$id` of a schema by name, e.g. `schemaIdOf('record.v1')`. */
export function schemaIdOf(schemaName: string): string {
  return `${SCHEMA_ID_PREFIX}${schemaName}.schema.json`;
}

function entry<T extends string>(
  type: T,
  version: number,
  producer: ServiceName,
  consumers: readonly ConsumerBinding[],
  plannedConsumers: readonly string[] = [],
  retry: RetryPolicy = DEFAULT_RETRY,
): CatalogEntry<T> {
  return {
    type,
    version,
    routingKey: type,
    exchange: EVENTS_EXCHANGE,
    schemaId: schemaIdOf(`${type}.v${version}`),
    producer,
    consumers,
    plannedConsumers,
    retry,
  };
}

// The notifier's queues, shared by several message types (the same binding object, so the entries agree).
const NOTIFIER_CRM: ConsumerBinding = {
  service: 'notifier',
  queue: QUEUES.notifierCrm,
  // The CRM takes fewer than 100 requests/s from everyone together: one active consumer across all replicas paces it.
  queueOptions: { singleActiveConsumer: true },
};
const NOTIFIER_MAIL: ConsumerBinding = { service: 'notifier', queue: QUEUES.notifierMail };

/** Every message type with its current version. */
export const CATALOG = {
  'batch.accepted': entry('batch.accepted', 1, 'gateway', [
    { service: 'processor', queue: QUEUES.processorBatchAccepted },
  ]),
  'generation.produced': entry('generation.produced', 1, 'processor', [
    { service: 'corrector', queue: QUEUES.correctorGenerationProduced },
  ]),
  'batch.completed': entry('batch.completed', 1, 'corrector', [NOTIFIER_CRM, NOTIFIER_MAIL], [], NOTIFICATION_RETRY),
  'user.registered': entry('user.registered', 1, 'gateway', [NOTIFIER_CRM, NOTIFIER_MAIL], [], NOTIFICATION_RETRY),
  'user.confirmation-requested': entry(
    'user.confirmation-requested',
    1,
    'gateway',
    [NOTIFIER_MAIL],
    [],
    NOTIFICATION_RETRY,
  ),
  'user.registration-attempted': entry(
    'user.registration-attempted',
    1,
    'gateway',
    [NOTIFIER_MAIL],
    [],
    NOTIFICATION_RETRY,
  ),
} as const satisfies { [T in string]: CatalogEntry<T> };

export type MessageType = keyof typeof CATALOG;
export const MESSAGE_TYPES = Object.keys(CATALOG) as MessageType[];

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.hasOwn(CATALOG, value);
}

/** What one consumer queue takes: every message type (and routing key) bound to it, its options and retry policy. */
export interface QueueBindings {
  queue: QueueName;
  service: ServiceName;
  /** In catalog order. */
  messageTypes: MessageType[];
  /** The routing keys the queue is bound to on EVENTS_EXCHANGE, one per message type. */
  routingKeys: string[];
  queueOptions: QueueOptions;
  retry: RetryPolicy;
}

/** Every consumer queue of the catalog, once each, in catalog order. */
export function consumerQueues(): QueueName[] {
  return [...new Set(Object.values(CATALOG).flatMap((entry) => entry.consumers.map((c) => c.queue)))];
}

/**
 * The bindings of a consumer queue gathered from every catalog entry that lists it. Throws for a queue the
 * catalog does not know, or when the entries disagree on its service, options or retry policy.
 */
export function bindingsOfQueue(queue: string): QueueBindings {
  const entries = Object.values(CATALOG).filter((entry) => entry.consumers.some((c) => c.queue === queue));
  if (entries.length === 0) throw new Error(`no catalog entry is consumed through the queue ${queue}`);
  const [first, ...rest] = entries.map((entry) => {
    const binding = entry.consumers.find((c) => c.queue === queue) as ConsumerBinding;
    return { entry, binding, options: { singleActiveConsumer: binding.queueOptions?.singleActiveConsumer === true } };
  });
  for (const other of rest) {
    const same =
      other.binding.service === first.binding.service &&
      other.options.singleActiveConsumer === first.options.singleActiveConsumer &&
      JSON.stringify(other.entry.retry) === JSON.stringify(first.entry.retry);
    if (!same) throw new Error(`${first.entry.type} and ${other.entry.type} disagree about the queue ${queue}`);
  }
  return {
    queue: first.binding.queue,
    service: first.binding.service,
    messageTypes: entries.map((entry) => entry.type),
    routingKeys: entries.map((entry) => entry.routingKey),
    queueOptions: first.binding.queueOptions ?? {},
    retry: first.entry.retry,
  };
}

/** Name of the delay queue (and retry routing key) of `queue` for `ms` milliseconds: `<queue>.delay.<ms>`. */
export function delayQueueName(queue: string, ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`delay must be a positive integer of ms, got ${ms}`);
  return `${queue}.delay.${ms}`;
}

/** Name of the dead-letter queue of `queue`: `<queue>.dead`. */
export function deadQueueName(queue: string): string {
  return `${queue}.dead`;
}

/**
 * What to do after attempt `attempt` (1-based) failed: retry after `delayMs`, or dead-letter.
 * Messages that fail schema validation are dead-lettered at once, without asking.
 */
export function nextRetry(
  attempt: number,
  retry: RetryPolicy = DEFAULT_RETRY,
): { action: 'retry'; nextAttempt: number; delayMs: number } | { action: 'dead' } {
  if (attempt >= retry.maxAttempts) return { action: 'dead' };
  const delays = retry.delaysMs;
  const delayMs = delays[Math.min(Math.max(attempt, 1), delays.length) - 1];
  return { action: 'retry', nextAttempt: attempt + 1, delayMs };
}

/** An AMQP queue declaration of the topology: name and `x-` arguments. All queues are durable. */
export interface QueueDeclaration {
  name: string;
  arguments: Record<string, string | number | boolean>;
  /** Exchange and routing key of each binding of the queue (a main queue has one per message type it takes). */
  bindings: Array<{ exchange: string; routingKey: string }>;
}

export interface QueueOptions {
  /**
   * Only one consumer of the queue receives messages at a time; the others stand by and take over when it
   * goes away (`x-single-active-consumer`). For consumers that must pace a shared downstream globally.
   */
  singleActiveConsumer?: boolean;
}

/**
 * Every queue a consumer of `queue` declares: the main queue bound to EVENTS_EXCHANGE with each of `routingKeys`,
 * one delay queue per distinct retry delay, and the dead-letter queue. Exchanges: EVENTS_EXCHANGE (topic),
 * RETRY_EXCHANGE and DEAD_EXCHANGE (direct), all durable.
 */
export function queueTopology(
  queue: string,
  routingKeys: string | readonly string[],
  retry: RetryPolicy = DEFAULT_RETRY,
  options: QueueOptions = {},
): QueueDeclaration[] {
  const keys = typeof routingKeys === 'string' ? [routingKeys] : [...new Set(routingKeys)];
  if (keys.length === 0) throw new RangeError(`queue ${queue} needs at least one routing key`);
  const main: QueueDeclaration = {
    name: queue,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': DELIVERY_LIMIT,
      'x-dead-letter-exchange': DEAD_EXCHANGE,
      'x-dead-letter-routing-key': queue,
      ...(options.singleActiveConsumer ? { 'x-single-active-consumer': true } : {}),
    },
    bindings: keys.map((routingKey) => ({ exchange: EVENTS_EXCHANGE, routingKey })),
  };
  const delays = [...new Set(retry.delaysMs)].map((ms) => ({
    name: delayQueueName(queue, ms),
    arguments: {
      'x-queue-type': 'quorum',
      'x-message-ttl': ms,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': queue,
    },
    bindings: [{ exchange: RETRY_EXCHANGE, routingKey: delayQueueName(queue, ms) }],
  }));
  const dead: QueueDeclaration = {
    name: deadQueueName(queue),
    arguments: { 'x-queue-type': 'quorum' },
    bindings: [{ exchange: DEAD_EXCHANGE, routingKey: queue }],
  };
  return [main, ...delays, dead];
}
