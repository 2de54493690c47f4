import type { BatchCompletedV1 } from '@genlake/contracts';
import { DeferError, type Logger, PermanentError } from '@genlake/kit';
import { TokenBucket } from 'limiter';
import CircuitBreaker from 'opossum';
import type { CrmBatchCompletedEvent, CrmClient } from './crm.client';

export interface NotifyCrmOptions {
  maxPerSecond: number;
  breakerResetMs: number;
  breakerErrorPercent: number;
  breakerMinCalls: number;
  breakerWindowMs: number;
}

/**
 * Reports one completed batch to the CRM: paced by a token bucket (bucket size 1, so no burst: never more
 * than maxPerSecond + 1 calls in any second from this process), behind a circuit breaker. While the breaker
 * is open a message is deferred (it comes back through a delay queue without spending a failure attempt);
 * a retryable CRM failure is thrown as is (the kit retries it, then dead-letters it); a refusal is permanent.
 */
export class NotifyCrm {
  private readonly bucket: TokenBucket;
  private failuresInARow = 0;
  readonly breaker: CircuitBreaker<[CrmBatchCompletedEvent, string], void>;

  constructor(
    private readonly client: CrmClient,
    private readonly options: NotifyCrmOptions,
    private readonly logger: Logger,
  ) {
    this.bucket = new TokenBucket({ bucketSize: 1, tokensPerInterval: options.maxPerSecond, interval: 'second' });
    // Start empty: a replica that just took over does not add a burst to its predecessor's last second.
    this.bucket.content = 0;
    this.breaker = new CircuitBreaker((event: CrmBatchCompletedEvent, key: string) => this.paced(event, key), {
      name: 'crm',
      // The client has its own timeout (AbortSignal), so the breaker does not leave calls running.
      timeout: false,
      resetTimeout: options.breakerResetMs,
      errorThresholdPercentage: options.breakerErrorPercent,
      volumeThreshold: options.breakerMinCalls,
      rollingCountTimeout: options.breakerWindowMs,
      rollingCountBuckets: 10,
      // A refused event says nothing about the CRM's health.
      errorFilter: (err: Error) => err instanceof PermanentError,
    });
    // The percentage needs many failures right after a busy, healthy period (the window is full of successes):
    // breakerMinCalls failures in a row open the breaker as well.
    let consecutiveFailures = 0;
    this.breaker.on('success', () => {
      consecutiveFailures = 0;
    });
    this.breaker.on('failure', () => {
      consecutiveFailures++;
      if (consecutiveFailures >= options.breakerMinCalls && this.breaker.closed) this.breaker.open();
    });
    this.breaker.on('open', () => this.logger.warn({ resetMs: options.breakerResetMs }, 'CRM circuit breaker open'));
    this.breaker.on('halfOpen', () => this.logger.info('CRM circuit breaker half-open: probing'));
    this.breaker.on('close', () => this.logger.info('CRM circuit breaker closed'));
  }

  private async paced(event: CrmBatchCompletedEvent, key: string): Promise<void> {
    await this.bucket.removeTokens(1);
    await this.client.send(event, key);
  }

  async execute(message: BatchCompletedV1, messageId: string): Promise<void> {
    const d = message.data;
    const event: CrmBatchCompletedEvent = {
      type: 'batch.completed',
      batchId: d.batchId,
      dataset: d.dataset,
      ownerId: d.ownerId,
      recordCount: d.recordCount,
      corrections: d.corrections,
      completedAt: d.completedAt,
    };
    try {
      await this.breaker.fire(event, messageId);
      this.failuresInARow = 0;
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.code === 'EOPENBREAKER') {
        // Not the message's fault: wait for the CRM without spending an attempt.
        throw new DeferError(`CRM circuit breaker open: ${e.message}`, this.options.breakerResetMs);
      }
      if (e instanceof PermanentError) throw e;
      // Once failures come in a row (an outage, not a fault of this message) they no longer spend the
      // message's attempts: failed half-open probes and the calls in flight when the breaker opened are
      // deferred, so a long CRM outage cannot walk messages into the dead letters one probe at a time.
      this.failuresInARow++;
      if (this.failuresInARow >= this.options.breakerMinCalls || !this.breaker.closed) {
        throw new DeferError(
          `CRM unavailable (${this.failuresInARow} failures in a row): ${e.message}`,
          this.options.breakerResetMs,
        );
      }
      throw e;
    }
  }
}
