import { type BatchCompletedV1, nextRetry, type RetryPolicy, type UserRegisteredV1 } from '@genlake/contracts';
import { DeferError, type Logger, type MessageContext, PermanentError, RequeueError } from '@genlake/kit';
import { TokenBucket } from 'limiter';
import { DownstreamBreaker, isOpenBreaker } from '../resilience/downstream.breaker';
import type { CrmClient, CrmEvent } from './crm.client';
import { UserOrder } from './user-order';

/** The messages reported to the CRM. */
export type CrmMessage = BatchCompletedV1 | UserRegisteredV1;

export interface NotifyCrmOptions {
  maxPerSecond: number;
  breakerResetMs: number;
  breakerErrorPercent: number;
  breakerMinCalls: number;
  breakerWindowMs: number;
  /** How long after an outage began a message is still held in the process (then it is deferred). */
  holdMaxMs: number;
  /** The queue's retry policy and deferral limit: what the kit does after a failure decides what is parked. */
  retry: RetryPolicy;
  maxDeferrals: number;
  /** The shortest delay of the queue: how soon a message parked behind an earlier one of its user comes back. */
  followDelayMs: number;
}

/** The user a CRM event belongs to: its events reach the CRM in queue order. */
export function userOf(message: CrmMessage): string {
  return message.type === 'user.registered' ? message.data.userId : message.data.ownerId;
}

export function crmEventOf(message: CrmMessage): CrmEvent {
  if (message.type === 'user.registered') {
    const d = message.data;
    return { type: 'user.registered', userId: d.userId, email: d.email, registeredAt: d.registeredAt };
  }
  const d = message.data;
  return {
    type: 'batch.completed',
    batchId: d.batchId,
    dataset: d.dataset,
    ownerId: d.ownerId,
    recordCount: d.recordCount,
    corrections: d.corrections,
    completedAt: d.completedAt,
  };
}

/**
 * Reports new users and completed batches to the CRM, one event per message (idempotency key: the message id).
 *
 * - Pace: a token bucket (size 1, so no burst: never more than maxPerSecond + 1 calls in any second from this
 *   process); the queue has a single active consumer, so that is the global rate.
 * - Order: the events of one user go one after another in queue order (UserOrder), also across retries.
 * - Failures: a refusal (4xx other than 429) is permanent: dead letters. One failed call is retried through the
 *   delay queues (the message is parked, its user's later messages wait behind it). An outage (breaker open, or
 *   failures in a row) holds the message in the process, its place in the queue kept, and probes the CRM, until
 *   `holdMaxMs` after the outage began; after that it is deferred (parked) without spending an attempt.
 * - Shutdown: `stop()` hands held and waiting messages back to the queue (in their places) for the next consumer.
 */
export class NotifyCrm {
  private readonly bucket: TokenBucket;
  readonly breaker: DownstreamBreaker<[CrmEvent, string]>;
  readonly order: UserOrder;
  private stopping = false;

  constructor(
    private readonly client: CrmClient,
    private readonly options: NotifyCrmOptions,
    logger: Logger,
  ) {
    this.bucket = new TokenBucket({ bucketSize: 1, tokensPerInterval: options.maxPerSecond, interval: 'second' });
    // Start empty: a replica that just took over does not add a burst to its predecessor's last second.
    this.bucket.content = 0;
    this.breaker = new DownstreamBreaker(
      (event: CrmEvent, key: string) => this.paced(event, key),
      {
        name: 'crm',
        resetMs: options.breakerResetMs,
        errorPercent: options.breakerErrorPercent,
        minCalls: options.breakerMinCalls,
        windowMs: options.breakerWindowMs,
        // A message's own failures in a row on its last attempt already count as an outage: a message is never
        // dead-lettered only because the CRM was out.
        failuresInARowToOpen: Math.min(options.breakerMinCalls, options.retry.maxAttempts),
        // A refused event says nothing about the CRM's health.
        isRefusal: (err) => err instanceof PermanentError,
      },
      logger,
    );
    // A first parked message not seen again for this long is given up on (see UserOrder).
    const longestDelay = Math.max(...options.retry.delaysMs, options.breakerResetMs);
    this.order = new UserOrder(options.holdMaxMs + 4 * longestDelay + 60_000);
  }

  private async paced(event: CrmEvent, key: string): Promise<void> {
    await this.bucket.removeTokens(1);
    await this.client.send(event, key);
  }

  async execute(message: CrmMessage, ctx: MessageContext): Promise<void> {
    if (this.stopping) throw new RequeueError('the notifier is stopping');
    const user = userOf(message);
    await this.order.serialize(user, async () => {
      if (this.stopping) throw new RequeueError('the notifier is stopping');
      const blocker = this.order.blockerOf(user, ctx.messageId);
      if (blocker) {
        // An earlier event of this user is in a delay queue: this one waits behind it.
        if (ctx.deferrals + 1 > this.options.maxDeferrals) this.order.done(user, ctx.messageId);
        else this.order.park(user, ctx.messageId);
        throw new DeferError(`waits for ${blocker}, an earlier CRM event of the same user`, this.options.followDelayMs);
      }
      try {
        await this.sendHolding(crmEventOf(message), ctx.messageId);
        this.order.done(user, ctx.messageId);
      } catch (err) {
        this.afterFailure(user, err as Error, ctx);
        throw err;
      }
    });
  }

  /** What the kit will do with a failed message decides whether it stays ahead of its user's later messages. */
  private afterFailure(user: string, err: Error, ctx: MessageContext): void {
    // Handed back to the queue: it keeps its place there.
    if (err instanceof RequeueError) return;
    let leaves: boolean;
    if (err instanceof PermanentError) leaves = false;
    else if (err instanceof DeferError) leaves = ctx.deferrals + 1 <= this.options.maxDeferrals;
    else leaves = nextRetry(ctx.attempt, this.options.retry).action === 'retry';
    if (leaves) this.order.park(user, ctx.messageId);
    else this.order.done(user, ctx.messageId);
  }

  private async sendHolding(event: CrmEvent, key: string): Promise<void> {
    for (;;) {
      if (this.stopping) throw new RequeueError('the notifier is stopping');
      try {
        await this.breaker.fire(event, key);
        return;
      } catch (err) {
        const e = err as Error;
        if (e instanceof PermanentError) throw e;
        // One failed call while the CRM is otherwise well: retried through a delay queue.
        if (!isOpenBreaker(e) && !this.breaker.inOutage) throw e;
        // An outage: wait for the CRM with the message in hand, so nothing behind it overtakes it.
        const since = this.breaker.outageSince ?? Date.now();
        const left = since + this.options.holdMaxMs - Date.now();
        if (left <= 0) {
          const seconds = Math.round((Date.now() - since) / 1000);
          throw new DeferError(`CRM unavailable for ${seconds} s: ${e.message}`, this.options.breakerResetMs);
        }
        await this.breaker.waitForChange(Math.min(left, this.options.breakerResetMs));
      }
    }
  }

  /** Stops holding: messages held or waiting go back to the queue in their places (RequeueError). */
  stop(): void {
    this.stopping = true;
    this.breaker.wake();
  }

  shutdown(): void {
    this.stop();
    this.breaker.shutdown();
  }
}
