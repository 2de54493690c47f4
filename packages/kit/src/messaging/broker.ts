import {
  DEAD_EXCHANGE,
  EVENTS_EXCHANGE,
  type QueueDeclaration,
  type QueueOptions,
  queueTopology,
  RETRY_EXCHANGE,
  type RetryPolicy,
} from '@genlake/contracts';
import { Connection, type Publisher } from 'rabbitmq-client';
import type { Logger } from '../logging/logger';

export interface PublishOptions {
  exchange: string;
  routingKey: string;
  messageId: string;
  correlationId?: string;
  headers?: Record<string, string | number>;
  /** Per-message TTL (AMQP `expiration`), for a message published to a delay queue. */
  expirationMs?: number;
}

/**
 * One AMQP connection per process (it reconnects by itself), a confirming publisher,
 * and the declaration of the reliability topology described in the contracts' asyncapi.yaml.
 */
export class Broker {
  readonly connection: Connection;
  private readonly publisher: Publisher;
  private closed = false;

  constructor(
    url: string,
    private readonly logger: Logger,
    connectionName: string,
  ) {
    this.connection = new Connection({
      url,
      connectionName,
      retryLow: 500,
      retryHigh: 5_000,
      connectionTimeout: 5_000,
      // A publish waiting for a connection fails after this, instead of hanging.
      acquireTimeout: 5_000,
    });
    this.connection.on('error', (err) => {
      if (!this.closed) this.logger.warn({ err: err.message }, 'rabbitmq connection error');
    });
    this.connection.on('connection', () => this.logger.info('rabbitmq connected'));
    this.publisher = this.connection.createPublisher({
      confirm: true,
      maxAttempts: 2,
      exchanges: Broker.exchanges(),
    });
  }

  static exchanges() {
    return [
      { exchange: EVENTS_EXCHANGE, type: 'topic', durable: true },
      { exchange: RETRY_EXCHANGE, type: 'direct', durable: true },
      { exchange: DEAD_EXCHANGE, type: 'direct', durable: true },
    ];
  }

  get ready(): boolean {
    return this.connection.ready;
  }

  /** Waits (bounded) until the connection is up; returns whether it is. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    if (this.connection.ready) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.connection.off('connection', onUp);
        resolve(this.connection.ready);
      }, timeoutMs);
      const onUp = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.connection.once('connection', onUp);
    });
  }

  async publish(options: PublishOptions, body: unknown): Promise<void> {
    await this.publisher.send(
      {
        exchange: options.exchange,
        routingKey: options.routingKey,
        messageId: options.messageId,
        correlationId: options.correlationId,
        headers: {
          ...(options.headers ?? {}),
          ...(options.correlationId ? { 'x-correlation-id': options.correlationId } : {}),
        },
        durable: true,
        contentType: 'application/json',
        ...(options.expirationMs !== undefined
          ? { expiration: String(Math.max(0, Math.round(options.expirationMs))) }
          : {}),
      },
      body,
    );
  }

  /**
   * Declares the exchanges and every queue of a consumer's reliability topology (main quorum queue bound with each
   * routing key, delay queues, dead-letter queue) exactly as the contracts define it. Idempotent.
   */
  async declareConsumerTopology(
    queue: string,
    routingKeys: string | readonly string[],
    retry: RetryPolicy,
    options: QueueOptions = {},
  ): Promise<void> {
    await this.declareQueues(queueTopology(queue, routingKeys, retry, options));
  }

  /** Declares the exchanges, then each queue with its arguments and bindings. Idempotent. */
  async declareQueues(queues: readonly QueueDeclaration[]): Promise<void> {
    for (const ex of Broker.exchanges()) await this.connection.exchangeDeclare(ex);
    for (const q of queues) {
      await this.connection.queueDeclare({ queue: q.name, durable: true, arguments: q.arguments });
      for (const binding of q.bindings) {
        await this.connection.queueBind({ queue: q.name, exchange: binding.exchange, routingKey: binding.routingKey });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.publisher.close().catch(() => {});
    await this.connection.close().catch(() => {});
  }
}
