import { describe, expect, it } from 'vitest';
import { SlidingWindowCounter } from './sliding-window.counter';

describe('SlidingWindowCounter', () => {
  it('counts the events of the last second, the current one included', () => {
    const c = new SlidingWindowCounter(1_000);
    expect(c.hit(0)).toBe(1);
    expect(c.hit(500)).toBe(2);
    expect(c.hit(999)).toBe(3);
    // the event at 0 left the window (0, 1000]
    expect(c.hit(1_000)).toBe(3);
    expect(c.hit(2_500)).toBe(1);
    expect(c.max).toBe(3);
  });

  it('finds the busiest sliding second even across fixed-second boundaries', () => {
    const c = new SlidingWindowCounter(1_000);
    for (let i = 0; i < 60; i++) c.hit(900 + i); // 60 at the end of second 0
    for (let i = 0; i < 60; i++) c.hit(1_000 + i); // 60 at the start of second 1
    expect(c.max).toBe(120);
  });

  it('stays exact over many events and tells when a slot frees', () => {
    const c = new SlidingWindowCounter(1_000);
    for (let t = 0; t < 100_000; t += 10) c.hit(t); // 100 per second
    expect(c.max).toBe(100);
    expect(c.msUntilSlotFrees(99_990)).toBe(10);
    c.reset();
    expect(c.max).toBe(0);
  });
});
