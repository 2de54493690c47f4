import { ApiError } from '../api-error';

export interface HashGateOptions {
  /** Password hashes computed at once (each takes one thread of libuv's pool of 4 for ~20 ms). */
  concurrency: number;
  /** A request that would wait longer than this for its turn is answered 503 + Retry-After at once. */
  maxWaitMs: number;
}

/**
 * Admission control for password hashing. Argon2id is deliberately slow: a storm of logins would otherwise fill
 * libuv's thread pool, which file reads and DNS share, and every login would be answered only at the end of the
 * storm (a proxy in front gives up after 60 s). Here at most `concurrency` hashes run; the others wait in order, and
 * when the expected wait exceeds `maxWaitMs` the request is shed with 503 and Retry-After (clients retry then).
 */
export class HashGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Moving average of one hash's duration, for the expected wait. */
  private averageMs = 25;

  constructor(private readonly options: HashGateOptions) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      const expectedWaitMs = ((this.waiting.length + 1) * this.averageMs) / this.options.concurrency;
      if (expectedWaitMs > this.options.maxWaitMs) {
        const retryAfter = Math.max(1, Math.ceil(expectedWaitMs / 1000));
        throw new ApiError(503, 'too many sign-ins at this moment; retry shortly', undefined, {
          'retry-after': String(retryAfter),
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.averageMs = this.averageMs * 0.9 + (performance.now() - started) * 0.1;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter (running stays the same).
      if (next) next();
      else this.running--;
    }
  }
}
