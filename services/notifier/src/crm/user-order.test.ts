import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserOrder } from './user-order';

describe('UserOrder', () => {
  it('runs the calls of one user one after another, in call order, and other users alongside', async () => {
    const order = new UserOrder(60_000);
    const log: string[] = [];
    const task = (user: string, id: string, ms: number) =>
      order.serialize(user, async () => {
        log.push(`start ${id}`);
        await sleep(ms);
        log.push(`end ${id}`);
      });
    await Promise.all([task('a', 'a1', 30), task('a', 'a2', 1), task('b', 'b1', 5), task('a', 'a3', 1)]);
    const a = log.filter((l) => l.includes(' a'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    // b did not wait for a.
    expect(log.indexOf('end b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('goes on with the next call after one fails', async () => {
    const order = new UserOrder(60_000);
    const first = order.serialize('a', async () => {
      throw new Error('boom');
    });
    const second = order.serialize('a', async () => 'ok');
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('ok');
  });

  it('keeps later messages behind a parked one until it is done', () => {
    const order = new UserOrder(60_000);
    expect(order.blockerOf('u', 'm1')).toBeUndefined();
    order.park('u', 'm1'); // m1 went to a delay queue
    expect(order.blockerOf('u', 'm2')).toBe('m1');
    order.park('u', 'm2');
    expect(order.blockerOf('u', 'm3')).toBe('m1');
    order.park('u', 'm3');
    // m2 comes back before m1: it waits again, keeping its place
    expect(order.blockerOf('u', 'm2')).toBe('m1');
    order.park('u', 'm2');
    expect(order.parkedOf('u')).toEqual(['m1', 'm2', 'm3']);
    // m1 comes back: it leads, and is delivered
    expect(order.blockerOf('u', 'm1')).toBeUndefined();
    order.done('u', 'm1');
    expect(order.blockerOf('u', 'm3')).toBe('m2');
    expect(order.blockerOf('u', 'm2')).toBeUndefined();
    order.done('u', 'm2');
    order.done('u', 'm3');
    expect(order.parkedUsers).toBe(0);
    expect(order.blockerOf('v', 'x')).toBeUndefined();
  });

  it('gives up on a parked message that does not come back within staleMs', () => {
    let now = 0;
    const order = new UserOrder(1_000, () => now);
    order.park('u', 'lost');
    order.park('u', 'm2');
    now = 500;
    expect(order.blockerOf('u', 'm3')).toBe('lost');
    now = 1_600;
    // `lost` was not seen for more than a second: m2 leads now
    expect(order.blockerOf('u', 'm3')).toBe('m2');
    expect(order.blockerOf('u', 'm2')).toBeUndefined();
    order.done('u', 'm2');
    expect(order.blockerOf('u', 'm3')).toBeUndefined();
  });

  it('delivers the messages of every user in queue order, however parked ones come back (property)', () => {
    fc.assert(
      fc.property(
        // the user of each message in queue order; which message fails once; how the consumer's next pick goes
        fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        (users, failsOnce, picks) => {
          const order = new UserOrder(Number.MAX_SAFE_INTEGER);
          const queue = users.map((user, i) => ({ user, i, id: `m${i}` }));
          const failed = new Set<number>();
          const delayed: typeof queue = [];
          const delivered: typeof queue = [];
          let next = 0;
          for (let step = 0; delivered.length < queue.length && step < 100_000; step++) {
            const pick = picks[step % picks.length] + step;
            // The consumer gets either the next message of the queue or one back from a delay queue, in any order.
            const fromDelay = delayed.length > 0 && (next >= queue.length || pick % 3 === 0);
            // Now and then the longest-waiting one, so every delayed message comes back eventually.
            const at = step % 5 === 4 ? 0 : pick % Math.max(1, delayed.length);
            const m = fromDelay ? delayed.splice(at, 1)[0] : queue[next++];
            if (order.blockerOf(m.user, m.id)) {
              order.park(m.user, m.id); // deferred behind an earlier message of its user
              delayed.push(m);
            } else if (failsOnce[m.i] && !failed.has(m.i)) {
              failed.add(m.i);
              order.park(m.user, m.id); // one failed call: retried through a delay queue
              delayed.push(m);
            } else {
              order.done(m.user, m.id);
              delivered.push(m);
            }
          }
          expect(delivered).toHaveLength(queue.length);
          for (const user of ['a', 'b', 'c']) {
            const mine = delivered.filter((m) => m.user === user).map((m) => m.i);
            expect(mine).toEqual([...mine].sort((x, y) => x - y));
          }
          expect(order.parkedUsers).toBe(0);
        },
      ),
    );
  });
});
