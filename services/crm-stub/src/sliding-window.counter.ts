/**
 * Counts events in a sliding window (1 s by default): `hit(now)` records one event and returns how many
 * happened in the window ending at `now` (that one included). `max` is the highest count ever seen, that
 * is the largest number of events in any window of that length.
 */
export class SlidingWindowCounter {
  private readonly times: number[] = [];
  private head = 0;
  private highest = 0;

  constructor(private readonly windowMs = 1_000) {}

  hit(now: number): number {
    this.times.push(now);
    while (this.head < this.times.length && this.times[this.head] <= now - this.windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    const count = this.times.length - this.head;
    if (count > this.highest) this.highest = count;
    return count;
  }

  /** Milliseconds until the oldest event of the window leaves it (for Retry-After). */
  msUntilSlotFrees(now: number): number {
    if (this.head >= this.times.length) return 0;
    return Math.max(0, this.times[this.head] + this.windowMs - now);
  }

  get max(): number {
    return this.highest;
  }

  reset(): void {
    this.times.length = 0;
    this.head = 0;
    this.highest = 0;
  }
}
