import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../api-error';

export interface LoginThrottleOptions {
  failuresPerAccount: number;
  failuresPerAddress: number;
}

/**
 * Counts failed logins per account (15 minutes) and per address (1 hour); when either budget is spent,
 * logins wait until the window ends. A success clears the account's count. The counters live in this
 * process (rate-limiter-flexible, memory store): with n gateway replicas an attacker gets at most n times
 * the budget — docs/security.md says why that is accepted and what to switch to (its Postgres/Redis stores).
 */
export class LoginThrottle {
  private readonly perAccount: RateLimiterMemory;
  private readonly perAddress: RateLimiterMemory;

  constructor(options: LoginThrottleOptions) {
    this.perAccount = new RateLimiterMemory({
      keyPrefix: 'login-account',
      points: options.failuresPerAccount,
      duration: 15 * 60,
    });
    this.perAddress = new RateLimiterMemory({
      keyPrefix: 'login-address',
      points: options.failuresPerAddress,
      duration: 60 * 60,
    });
  }

  /** A 429 with Retry-After when the account or the address has no attempts left (before any password check). */
  async check(email: string, address: string): Promise<void> {
    const [account, from] = await Promise.all([this.perAccount.get(key(email)), this.perAddress.get(address)]);
    for (const [res, budget, what] of [
      [account, this.perAccount.points, 'this account'],
      [from, this.perAddress.points, 'your address'],
    ] as const) {
      if (res && res.consumedPoints >= budget) {
        throw ApiError.tooManyRequests(
          `too many failed logins for ${what}; try again later`,
          Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
        );
      }
    }
  }

  async failed(email: string, address: string): Promise<void> {
    await Promise.all([this.perAccount.penalty(key(email), 1), this.perAddress.penalty(address, 1)]).catch((err) => {
      if (!(err instanceof RateLimiterRes)) throw err;
    });
  }

  async succeeded(email: string): Promise<void> {
    await this.perAccount.delete(key(email));
  }
}

function key(email: string): string {
  return email.trim().toLowerCase();
}
