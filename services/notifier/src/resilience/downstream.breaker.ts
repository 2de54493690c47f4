import type { Logger } from '@genlake/kit';
import CircuitBreaker from 'opossum';

export interface DownstreamBreakerOptions {
  /** Names the downstream in logs (`crm`, `mail relay`). */
  name: string;
  /** How long the breaker stays open before it lets one probe call through. */
  resetMs: number;
  /** Percentage of failed calls (within windowMs, at least minCalls of them) that opens the breaker. */
  errorPercent: number;
  minCalls: number;
  windowMs: number;
  /** Failures in a row that open the breaker too (and count as an outage); default minCalls. */
  failuresInARowToOpen?: number;
  /** Errors that say nothing about the downstream's health (it answered, and refused this one call). */
  isRefusal(err: Error): boolean;
}

/**
 * An opossum circuit breaker around one downstream (the CRM, the mail relay), plus what opossum does not track:
 * failures in a row, and since when the downstream has been out. Callers ask `inOutage` to tell an outage (wait,
 * spend no attempt) from a failure of one call (retry it).
 */
export class DownstreamBreaker<A extends unknown[]> {
  readonly breaker: CircuitBreaker<A, void>;
  private failures = 0;
  private outageStartedAt: number | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly inARowToOpen: number;

  constructor(
    action: (...args: A) => Promise<void>,
    options: DownstreamBreakerOptions,
    private readonly logger: Logger,
  ) {
    this.inARowToOpen = options.failuresInARowToOpen ?? options.minCalls;
    this.breaker = new CircuitBreaker(action, {
      name: options.name,
      // The actions have their own timeouts, so the breaker never leaves a call running.
      timeout: false,
      resetTimeout: options.resetMs,
      errorThresholdPercentage: options.errorPercent,
      volumeThreshold: options.minCalls,
      rollingCountTimeout: options.windowMs,
      rollingCountBuckets: 10,
      errorFilter: (err: Error) => options.isRefusal(err),
    });
    // The percentage needs many failures right after a busy, healthy period (the window is full of successes):
    // failures in a row open the breaker as well.
    this.breaker.on('success', () => {
      this.failures = 0;
      if (this.outageStartedAt !== undefined) {
        this.logger.info({ downstream: options.name, outageMs: Date.now() - this.outageStartedAt }, 'downstream back');
      }
      this.outageStartedAt = undefined;
    });
    this.breaker.on('failure', () => {
      this.failures++;
      if (this.failures >= this.inARowToOpen) this.outageStartedAt ??= Date.now();
      if (this.failures >= this.inARowToOpen && this.breaker.closed) this.breaker.open();
    });
    this.breaker.on('open', () => {
      this.outageStartedAt ??= Date.now();
      this.logger.warn({ downstream: options.name, resetMs: options.resetMs }, 'circuit breaker open');
      this.wake();
    });
    this.breaker.on('halfOpen', () => {
      this.logger.info({ downstream: options.name }, 'circuit breaker half-open: probing');
      this.wake();
    });
    this.breaker.on('close', () => {
      this.logger.info({ downstream: options.name }, 'circuit breaker closed');
      this.wake();
    });
  }

  /** Calls the downstream through the breaker; rejects with code EOPENBREAKER while it is open. */
  fire(...args: A): Promise<void> {
    return this.breaker.fire(...args);
  }

  /** The downstream is out: the breaker is not closed, or calls failed in a row. */
  get inOutage(): boolean {
    return !this.breaker.closed || this.failures >= this.inARowToOpen;
  }

  get failuresInARow(): number {
    return this.failures;
  }

  /** When the current outage began (first of the failures in a row, or the breaker opening); undefined: none. */
  get outageSince(): number | undefined {
    return this.outageStartedAt;
  }

  /** Resolves when the breaker changes state (a probe may go through), or after `maxMs`. */
  waitForChange(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, maxMs));
      this.waiters.add(done);
    });
  }

  /** Wakes everyone waiting in waitForChange (a state change, or shutdown). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  shutdown(): void {
    this.wake();
    this.breaker.shutdown();
  }
}

/** True for the rejection opossum gives while the breaker is open (or half-open with its probe in flight). */
export function isOpenBreaker(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'EOPENBREAKER';
}
