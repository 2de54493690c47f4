import argon2 from 'argon2';
import type { HashGate } from './hash.gate';
import { normalizePassword } from './password.policy';

/**
 * Argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet): m = 19 MiB, t = 2, p = 1.
 * About 20 ms per hash on one core here; hashing runs on libuv's thread pool, not the event loop.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class PasswordHasher {
  /** A hash of a random password, verified when an email is unknown so that the answer takes as long. */
  private dummy: Promise<string> | undefined;

  /** With a gate, hashes wait their turn (and are shed with 503 when the wait would be too long). */
  constructor(private readonly gate?: HashGate) {}

  private admit<T>(work: () => Promise<T>): Promise<T> {
    return this.gate ? this.gate.run(work) : work();
  }

  hash(password: string): Promise<string> {
    return this.admit(() => argon2.hash(normalizePassword(password), ARGON2_OPTIONS));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return this.admit(async () => {
      try {
        return await argon2.verify(hash, normalizePassword(password));
      } catch {
        return false;
      }
    });
  }

  /** Spends the time of one verification without a user (against timing attacks that find registered emails). */
  async verifyNobody(password: string): Promise<false> {
    this.dummy ??= argon2.hash(`nobody-${Math.random()}`, ARGON2_OPTIONS).catch((err) => {
      this.dummy = undefined;
      throw err;
    });
    await this.verify(await this.dummy, password);
    return false;
  }

  /** True when the hash was made with other parameters than today's (it is replaced at the next login). */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, ARGON2_OPTIONS);
    } catch {
      return true;
    }
  }
}
