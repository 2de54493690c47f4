import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bindingsOfQueue,
  consumerQueues,
  deadQueueName,
  HEADERS,
  type QueueDeclaration,
  queueTopology,
} from '@genlake/contracts';
import type { Broker, Logger, Metrics } from '@genlake/kit';
import { type AsyncMessage, type Consumer, ConsumerStatus } from 'rabbitmq-client';
import type { DeadLetterStore, NewDeadLetter } from './dead-letter.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEAD_SUFFIX = '.dead';

/** Text Postgres can store: no NUL characters. */
function storable(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/** AMQP headers as JSON Postgres can store (bigints as text, buffers as text, no NUL characters). */
function storableHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const text = JSON.stringify(headers ?? {}, (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'string') return storable(value);
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
      return storable(Buffer.from((value as { data: number[] }).data).toString('utf8'));
    }
    return value;
  });
  return JSON.parse(text) as Record<string, unknown>;
}

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length > 0 ? storable(value.slice(0, max)) : null;
}

/** The body as it arrived: rabbitmq-client hands JSON bodies over parsed, and text bodies as strings. */
function bodyText(body: unknown): string {
  if (Buffer.isBuffer(body)) return storable(body.toString('utf8'));
  if (typeof body === 'string') return storable(body);
  return storable(JSON.stringify(body) ?? '');
}

/**
 * What the dead-letter record of a message from `deadQueue` holds. The consumer (the kit) set the reason, the last
 * attempt, the queue and the dead-letter id; a message the broker dead-lettered itself (delivery limit) has only
 * `x-death`/`x-first-death-*` headers, and gets a fresh id.
 */
export function deadLetterOf(
  deadQueue: string,
  msg: Pick<AsyncMessage, 'headers' | 'body' | 'messageId'>,
): NewDeadLetter {
  const headers = msg.headers ?? {};
  const parsed = typeof msg.body === 'object' && msg.body !== null && !Buffer.isBuffer(msg.body) ? msg.body : undefined;
  const envelope = (parsed ?? {}) as { id?: unknown; type?: unknown; correlationId?: unknown };
  const deadId = headers[HEADERS.deadId];
  const attempt = Number(headers[HEADERS.attempt]);
  const fromKit = text(headers[HEADERS.reason], 4000);
  const brokerReason = text(headers['x-first-death-reason'], 200);
  const reason =
    fromKit ??
    (brokerReason
      ? `dead-lettered by RabbitMQ (${brokerReason}): the consumer did not acknowledge it ${brokerReason === 'delivery_limit' ? 'within the delivery limit (it crashed, or requeued it, every time)' : 'in time'}`
      : 'dead-lettered without a reason');
  const queue =
    text(headers[HEADERS.queue], 255) ??
    text(headers['x-first-death-queue'], 255) ??
    (deadQueue.endsWith(DEAD_SUFFIX) ? deadQueue.slice(0, -DEAD_SUFFIX.length) : deadQueue);
  return {
    id: typeof deadId === 'string' && UUID.test(deadId) ? deadId.toLowerCase() : randomUUID(),
    queue,
    messageId: text(msg.messageId, 255) ?? text(envelope.id, 255) ?? '',
    messageType: text(envelope.type, 255),
    correlationId: text(envelope.correlationId ?? headers[HEADERS.correlationId], 255),
    reason,
    attempts: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    headers: storableHeaders(headers),
    body: bodyText(msg.body),
  };
}

/** The dead-letter queues of every consumer queue of the catalog, declared exactly as their owners declare them. */
export function deadLetterQueues(): QueueDeclaration[] {
  return consumerQueues().map((queue) => {
    const b = bindingsOfQueue(queue);
    const topology = queueTopology(queue, b.routingKeys, b.retry, b.queueOptions);
    const dead = topology.find((q) => q.name === deadQueueName(queue));
    if (!dead) throw new Error(`the topology of ${queue} has no dead-letter queue`);
    return dead;
  });
}

export interface DeadLetterKeeperOptions {
  /** Dead letters stored at once by this process (per dead-letter queue). */
  concurrency: number;
  /** How long to wait before handing a message back after the database failed (no tight loop while it is down). */
  retryDelayMs?: number;
}

/**
 * Moves every message of every `<queue>.dead` queue into Postgres (dead_letters), counts the new ones in
 * `genlake_dead_letters_total{queue}` and acknowledges a message only after its row is committed: a failed insert
 * hands the message back to its queue (after a pause) and nothing is lost. Any number of replicas may run it: the
 * row's id is the message's dead-letter id, so a dead letter delivered twice is stored once.
 */
export class DeadLetterKeeper {
  private consumers: Consumer[] = [];
  private closing = false;
  private declared = false;

  constructor(
    private readonly broker: Broker,
    private readonly store: DeadLetterStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: DeadLetterKeeperOptions,
  ) {}

  /** True once every dead-letter queue is consumed (for readiness). */
  get started(): boolean {
    return this.declared;
  }

  async start(): Promise<void> {
    const queues = deadLetterQueues();
    let backoff = 250;
    for (;;) {
      if (this.closing) return;
      try {
        await this.broker.declareQueues(queues);
        break;
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, retryInMs: backoff },
          'cannot declare the dead-letter queues yet',
        );
        await sleep(backoff);
        backoff = Math.min(5_000, backoff * 2);
      }
    }
    if (this.closing) return;
    for (const q of queues) {
      const consumer = this.broker.connection.createConsumer(
        {
          queue: q.name,
          queueOptions: { queue: q.name, durable: true, arguments: q.arguments },
          qos: { prefetchCount: this.options.concurrency * 2 },
          concurrency: this.options.concurrency,
          requeue: true,
        },
        (msg) => this.keep(q.name, msg),
      );
      consumer.on('error', (err) =>
        this.logger.warn({ err: String(err), queue: q.name }, 'dead-letter consumer error'),
      );
      this.consumers.push(consumer);
    }
    this.declared = true;
    this.logger.info({ queues: queues.map((q) => q.name) }, 'keeping dead letters');
  }

  private async keep(deadQueue: string, msg: AsyncMessage): Promise<ConsumerStatus> {
    const letter = deadLetterOf(deadQueue, msg);
    try {
      if (await this.store.add(letter)) {
        this.metrics.deadLetters.inc({ queue: letter.queue });
        this.logger.warn(
          { deadLetterId: letter.id, queue: letter.queue, messageType: letter.messageType, reason: letter.reason },
          'dead letter stored',
        );
      }
      return ConsumerStatus.ACK;
    } catch (err) {
      this.logger.error({ err: (err as Error).message, queue: deadQueue }, 'cannot store a dead letter; it goes back');
      await sleep(this.options.retryDelayMs ?? 2_000);
      return ConsumerStatus.REQUEUE;
    }
  }

  /** Stops taking dead letters; the ones being stored finish (the rest stay in their queues). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.consumers.map((c) => c.close()));
  }
}
