import { DEAD_EXCHANGE, EVENTS_EXCHANGE, RETRY_EXCHANGE, deadQueueName, delayQueueName } from '@genlake/contracts';
import { Connection, type Publisher } from 'rabbitmq-client';
import type { Logger } from '../logging/logger';

export interface PublishOptions {
  exchange: string;
  routingKey: string;
  messageId: string;
  correlationId?: string;
  headers?: Record<string, string | number>;
}

export interface ConsumerQueueSpec {
  queue: string;
  routingKeys: string[];
  delaysMs: number[];
  /** Deliveries after which the broker itself dead-letters a message (crash loops). */
  deliveryLimit?: number;
}

/** The queue arguments every consumer queue uses; exported so tests and other languages can check them. */
export function consumerQueueArguments(spec: ConsumerQueueSpec): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': spec.deliveryLimit ?? 10,
    'x-dead-letter-exchange': DEAD_EXCHANGE,
    'x-dead-letter-routing-key': spec.queue,
  };
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
        headers: { ...(options.headers ?? {}), ...(options.correlationId ? { 'x-correlation-id': options.correlationId } : {}) },
        durable: true,
        contentType: 'application/json',
      },
      body,
    );
  }

  /** Declares the exchanges, the consumer queue, its delay queues and its dead-letter queue (idempotent). */
  async declareConsumerTopology(spec: ConsumerQueueSpec): Promise<void> {
    for (const ex of Broker.exchanges()) await this.connection.exchangeDeclare(ex);
    await this.connection.queueDeclare({ queue: spec.queue, durable: true, arguments: consumerQueueArguments(spec) });
    for (const key of spec.routingKeys) {
      await this.connection.queueBind({ queue: spec.queue, exchange: EVENTS_EXCHANGE, routingKey: key });
    }
    for (const ms of spec.delaysMs) {
      const name = delayQueueName(spec.queue, ms);
      await this.connection.queueDeclare({
        queue: name,
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-message-ttl': ms,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': spec.queue,
        },
      });
      await this.connection.queueBind({ queue: name, exchange: RETRY_EXCHANGE, routingKey: name });
    }
    const dead = deadQueueName(spec.queue);
    await this.connection.queueDeclare({ queue: dead, durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await this.connection.queueBind({ queue: dead, exchange: DEAD_EXCHANGE, routingKey: spec.queue });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.publisher.close().catch(() => {});
    await this.connection.close().catch(() => {});
  }
}
