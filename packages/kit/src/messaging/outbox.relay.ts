import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboxRepository } from '../database/outbox.repository';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../observability/metrics';
import type { Broker } from './broker';

export interface OutboxRelayOptions {
  batchSize?: number;
  idleMs?: number;
  maxBackoffMs?: number;
}

/**
 * Publishes outbox rows with publisher confirms and marks them sent. Any number of relays may run:
 * rows are claimed with SKIP LOCKED. A crash between confirm and commit republishes a row, which
 * consumers absorb through their inbox, so delivery is at-least-once and processing once in effect.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  lastError: string | undefined;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly broker: Broker,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks the relay to look for new rows now rather than at its next poll. */
  nudge(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const idleMs = this.options.idleMs ?? 100;
    const maxBackoff = this.options.maxBackoffMs ?? 5_000;
    let backoff = 250;
    let lastPurge = 0;
    while (this.running) {
      try {
        // Claim rows only with a connection up: a publish would otherwise wait for one while
        // holding the rows' locks and a database connection.
        if (!this.broker.ready) throw new Error('not connected to RabbitMQ');
        const sent = await this.outbox.publishPending(batchSize, async (rows) => {
          await Promise.all(
            rows.map((row) =>
              this.broker.publish(
                {
                  exchange: row.exchange,
                  routingKey: row.routing_key,
                  messageId: row.id,
                  correlationId: (row.payload as { correlationId?: string }).correlationId,
                  headers: row.headers,
                },
                row.payload,
              ),
            ),
          );
        });
        if (sent > 0) this.metrics.outboxPublished.inc(sent);
        if (this.lastError) this.logger.info('outbox relay recovered');
        this.lastError = undefined;
        backoff = 250;
        if (Date.now() - lastPurge > 3_600_000) {
          lastPurge = Date.now();
          await this.outbox.purgeSent(24);
        }
        if (sent < batchSize) await this.idle(idleMs);
      } catch (err) {
        const message = (err as Error).message;
        if (this.lastError !== message)
          this.logger.warn({ err: message, retryInMs: backoff }, 'outbox relay cannot publish; will retry');
        this.lastError = message;
        this.metrics.outboxFailures.inc();
        await this.idle(backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  private async idle(ms: number): Promise<void> {
    const ac = new AbortController();
    await Promise.race([
      sleep(ms, undefined, { signal: ac.signal }).catch(() => {}),
      new Promise<void>((resolve) => {
        this.wake = resolve;
      }),
    ]);
    ac.abort();
    this.wake = undefined;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
