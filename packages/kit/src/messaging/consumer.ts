import { randomUUID } from 'node:crypto';
import {
  bindingsOfQueue,
  DEAD_EXCHANGE,
  delayQueueName,
  HEADERS,
  nextRetry,
  queueTopology,
  RETRY_EXCHANGE,
  type RetryPolicy,
  validateMessage,
} from '@genlake/contracts';
import { type AsyncMessage, type Consumer, ConsumerStatus } from 'rabbitmq-client';
import { context } from '../logging/context';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../observability/metrics';
import type { Broker } from './broker';
import { DeferError, PermanentError, RequeueError } from './errors';

export interface MessageContext {
  messageId: string;
  correlationId: string;
  /** 1-based failure attempt the message is on. */
  attempt: number;
  /** How often the message was deferred already (DeferError; waiting is not a failure attempt). */
  deferrals: number;
  redelivered: boolean;
}

export interface ConsumerDefinition<M> {
  /** The service-local name used in the inbox and in metrics. */
  name: string;
  queue: string;
  /** The message types the queue takes; any other is dead-lettered. */
  messageTypes: readonly string[];
  /** The routing keys the queue is bound to on the events exchange (one per message type). */
  routingKeys: readonly string[];
  retry: RetryPolicy;
  /** Messages worked on at once by this process. */
  concurrency: number;
  /** Unacknowledged messages the broker may send ahead (bounded; at least concurrency). */
  prefetch: number;
  /** One consumer of the queue at a time across all replicas (see the contracts' QueueOptions). */
  singleActiveConsumer?: boolean;
  /** How many times a message may be deferred (DeferError) before it is dead-lettered. */
  maxDeferrals?: number;
  handle(message: M, ctx: MessageContext): Promise<void>;
}

/** What a service decides about a consumer; the rest comes from the catalog. */
export type ConsumerSettings<M> = Pick<
  ConsumerDefinition<M>,
  'name' | 'concurrency' | 'prefetch' | 'maxDeferrals' | 'handle'
>;

/**
 * The definition of the consumer of a catalog queue: its message types, routing keys, retry policy and queue
 * options come from the contracts (`bindingsOfQueue`), so a consumer cannot disagree with the declared topology.
 */
export function catalogConsumer<M>(queue: string, settings: ConsumerSettings<M>): ConsumerDefinition<M> {
  const bindings = bindingsOfQueue(queue);
  return {
    ...settings,
    queue: bindings.queue,
    messageTypes: bindings.messageTypes,
    routingKeys: bindings.routingKeys,
    retry: bindings.retry,
    singleActiveConsumer: bindings.queueOptions.singleActiveConsumer,
  };
}

export const ATTEMPT_HEADER = HEADERS.attempt;
/**
 * A retried or deferred message waits between (1 - RETRY_JITTER) and 1 times its delay queue's delay (a per-message
 * TTL below the queue's), so messages that failed together do not all come back at the same moment.
 */
export const RETRY_JITTER = 0.2;

/** Local to this kit: how often a message was deferred (waiting is not a failure attempt). */
export const DEFERRALS_HEADER = 'x-genlake-deferrals';
export const REASON_HEADER = HEADERS.reason;
export const QUEUE_HEADER = HEADERS.queue;
export const DEAD_ID_HEADER = HEADERS.deadId;

function headerNumber(msg: AsyncMessage, name: string, fallback: number): number {
  const n = Number(msg.headers?.[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * Runs one consumer: validates each message against its contract, calls the handler, and owns
 * acknowledgement, retries through delay queues and dead-lettering. Handlers only do the work.
 */
export class MessageConsumer<M> {
  private consumer: Consumer | undefined;
  private closing = false;

  constructor(
    private readonly def: ConsumerDefinition<M>,
    private readonly broker: Broker,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** True once the topology is declared and the consumer is subscribed (for readiness). */
  get started(): boolean {
    return this.consumer !== undefined;
  }

  /**
   * Declares the topology and subscribes. A broker that is down or drops the connection meanwhile
   * does not stop the service: the declaration is retried with backoff until it succeeds or close().
   */
  async start(): Promise<void> {
    const def = this.def;
    let backoff = 250;
    for (;;) {
      if (this.closing) return;
      try {
        await this.broker.declareConsumerTopology(def.queue, def.routingKeys, def.retry, {
          singleActiveConsumer: def.singleActiveConsumer,
        });
        break;
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, queue: def.queue, retryInMs: backoff },
          'cannot declare the queues yet',
        );
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(5_000, backoff * 2);
      }
    }
    const [main] = queueTopology(def.queue, def.routingKeys, def.retry, {
      singleActiveConsumer: def.singleActiveConsumer,
    });
    this.consumer = this.broker.connection.createConsumer(
      {
        queue: def.queue,
        // The same declaration as the topology, so a redeclare after a reconnect matches the queue.
        queueOptions: { queue: main.name, durable: true, arguments: main.arguments },
        qos: { prefetchCount: Math.max(def.prefetch, def.concurrency) },
        concurrency: def.concurrency,
        // When even dead-lettering fails (broker trouble) the message goes back; the quorum
        // queue's delivery limit stops a loop.
        requeue: true,
      },
      (msg) => this.onMessage(msg),
    );
    this.consumer.on('error', (err) => this.logger.warn({ err: String(err), queue: def.queue }, 'consumer error'));
  }

  private async onMessage(msg: AsyncMessage): Promise<ConsumerStatus> {
    const def = this.def;
    const attempt = headerNumber(msg, ATTEMPT_HEADER, 1);
    const started = process.hrtime.bigint();
    let body: unknown = msg.body;
    if (Buffer.isBuffer(body)) {
      try {
        body = JSON.parse(body.toString('utf8'));
      } catch {
        await this.deadLetter(msg, attempt, 'message body is not valid JSON');
        return ConsumerStatus.ACK;
      }
    }
    const validation = validateMessage(body);
    if (!validation.ok) {
      await this.deadLetter(msg, attempt, `message does not match its contract: ${validation.errors.join('; ')}`);
      return ConsumerStatus.ACK;
    }
    if (!def.messageTypes.includes(validation.type)) {
      await this.deadLetter(
        msg,
        attempt,
        `queue ${def.queue} takes ${def.messageTypes.join(', ')}, not ${validation.type}`,
      );
      return ConsumerStatus.ACK;
    }
    const envelope = validation.message as { id: string; correlationId: string };
    const ctx: MessageContext = {
      messageId: envelope.id,
      correlationId: envelope.correlationId,
      attempt,
      deferrals: headerNumber(msg, DEFERRALS_HEADER, 0),
      redelivered: msg.redelivered,
    };
    return context.run({ correlationId: ctx.correlationId, messageId: ctx.messageId }, async () => {
      try {
        await def.handle(validation.message as M, ctx);
        this.metrics.messages.inc({ queue: def.queue, outcome: 'ok' });
        this.metrics.messageSeconds.observe({ queue: def.queue }, Number(process.hrtime.bigint() - started) / 1e9);
        return ConsumerStatus.ACK;
      } catch (err) {
        const error = err as Error;
        if (error instanceof RequeueError) {
          this.logger.info({ reason: error.message }, 'message handed back to the queue');
          return ConsumerStatus.REQUEUE;
        }
        if (error instanceof PermanentError) {
          await this.deadLetter(msg, attempt, error.message);
        } else if (error instanceof DeferError) {
          const deferrals = ctx.deferrals + 1;
          if (deferrals > (def.maxDeferrals ?? 720)) {
            await this.deadLetter(msg, attempt, `deferred too often: ${error.message}`);
          } else {
            this.logger.info({ reason: error.message, deferrals }, 'message deferred');
            this.metrics.messages.inc({ queue: def.queue, outcome: 'deferred' });
            await this.retry(msg, attempt, this.closestDelay(error.delayMs), { [DEFERRALS_HEADER]: deferrals });
          }
        } else {
          const next = nextRetry(attempt, def.retry);
          if (next.action === 'dead') {
            this.logger.error({ err: error.message, attempt }, 'message failed for the last time');
            await this.deadLetter(msg, attempt, `failed ${attempt} times; last error: ${error.message}`);
          } else {
            this.logger.warn({ err: error.message, attempt, retryInMs: next.delayMs }, 'message failed; will retry');
            this.metrics.messages.inc({ queue: def.queue, outcome: 'retried' });
            await this.retry(msg, next.nextAttempt, next.delayMs, {});
          }
        }
        return ConsumerStatus.ACK;
      }
    });
  }

  private closestDelay(ms: number): number {
    const delays = this.def.retry.delaysMs;
    return delays.reduce((best, d) => (Math.abs(d - ms) < Math.abs(best - ms) ? d : best), delays[0]);
  }

  private async retry(msg: AsyncMessage, attempt: number, delayMs: number, extra: Record<string, number>) {
    const routingKey = delayQueueName(this.def.queue, delayMs);
    await this.broker.publish(
      {
        exchange: RETRY_EXCHANGE,
        routingKey,
        messageId: msg.messageId ?? '',
        correlationId: msg.correlationId,
        headers: { ...this.plainHeaders(msg), [ATTEMPT_HEADER]: attempt, ...extra },
        // Quorum queues expire messages at the head only, so a shorter TTL never overtakes: the queue stays FIFO.
        expirationMs: delayMs * (1 - RETRY_JITTER * Math.random()),
      },
      msg.body,
    );
  }

  private async deadLetter(msg: AsyncMessage, attempt: number, reason: string) {
    this.logger.error({ reason, queue: this.def.queue, attempt }, 'message dead-lettered');
    this.metrics.messages.inc({ queue: this.def.queue, outcome: 'dead' });
    await this.broker.publish(
      {
        exchange: DEAD_EXCHANGE,
        routingKey: this.def.queue,
        messageId: msg.messageId ?? '',
        correlationId: msg.correlationId,
        headers: {
          ...this.plainHeaders(msg),
          [ATTEMPT_HEADER]: attempt,
          [REASON_HEADER]: reason.slice(0, 4000),
          [QUEUE_HEADER]: this.def.queue,
          // The id of the dead letter: whoever stores it stores a dead letter delivered twice once.
          [DEAD_ID_HEADER]: randomUUID(),
        },
      },
      msg.body,
    );
  }

  private plainHeaders(msg: AsyncMessage): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(msg.headers ?? {})) {
      if ((typeof v === 'string' || typeof v === 'number') && !k.startsWith('x-death')) out[k] = v;
    }
    return out;
  }

  /** Stops taking messages and waits for the ones in flight to finish. */
  async close(): Promise<void> {
    this.closing = true;
    await this.consumer?.close();
  }
}
