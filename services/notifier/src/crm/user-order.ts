/**
 * Keeps the messages of one user in queue order on the one active consumer of a queue (decision 0010).
 *
 * - In the process: `serialize` runs the messages of one user one after another, in the order the consumer was
 *   handed them (which is queue order); messages of different users run concurrently.
 * - Across delay queues: a message that leaves the queue for a delay queue (a retry, or a deferral) is `park`ed: it
 *   must still go before every later message of its user. While a user has parked messages, `blockerOf` names the
 *   first of them to any other message of that user, which is then parked behind it (deferred) as well; the parked
 *   messages go in the order they were first parked. `done` (delivered, or dead) lets the next one go.
 *
 * The state lives in memory on the active consumer: a standby that takes over does not know what was parked, so
 * across a failover the order is best effort. A first parked message not seen for `staleMs` is given up on (it was
 * dead-lettered or purged without this process seeing it), so one lost message cannot block a user for ever.
 */
export class UserOrder {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly parked = new Map<string, { ids: string[]; headSeenAt: number }>();

  constructor(
    private readonly staleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `fn` once every earlier call for the same user has settled: calls for one user run in call order. */
  async serialize<T>(user: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(user) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.chains.set(user, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      if (this.chains.get(user) === tail) this.chains.delete(user);
    }
  }

  /** The parked message that must go before `messageId` (the first parked message of the user), if any. */
  blockerOf(user: string, messageId: string): string | undefined {
    const entry = this.parked.get(user);
    if (!entry) return undefined;
    if (entry.ids[0] === messageId) {
      entry.headSeenAt = this.now();
      return undefined;
    }
    if (this.now() - entry.headSeenAt > this.staleMs) {
      // The first parked message has not come back for too long: give up on it, the next one leads.
      entry.ids.shift();
      entry.headSeenAt = this.now();
      if (entry.ids.length === 0) {
        this.parked.delete(user);
        return undefined;
      }
      if (entry.ids[0] === messageId) return undefined;
    }
    return entry.ids[0];
  }

  /** `messageId` goes to a delay queue: it keeps its place among the parked messages of the user (last when new). */
  park(user: string, messageId: string): void {
    const entry = this.parked.get(user);
    if (!entry) {
      this.parked.set(user, { ids: [messageId], headSeenAt: this.now() });
      return;
    }
    if (!entry.ids.includes(messageId)) entry.ids.push(messageId);
    if (entry.ids[0] === messageId) entry.headSeenAt = this.now();
  }

  /** `messageId` was delivered, or is dead: it blocks nobody any more. */
  done(user: string, messageId: string): void {
    const entry = this.parked.get(user);
    if (!entry) return;
    const index = entry.ids.indexOf(messageId);
    if (index < 0) return;
    entry.ids.splice(index, 1);
    if (index === 0) entry.headSeenAt = this.now();
    if (entry.ids.length === 0) this.parked.delete(user);
  }

  /** The parked messages of a user, first first (for logs and tests). */
  parkedOf(user: string): readonly string[] {
    return this.parked.get(user)?.ids ?? [];
  }

  /** Users with parked messages. */
  get parkedUsers(): number {
    return this.parked.size;
  }
}
