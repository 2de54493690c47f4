import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api-error';
import { HashGate } from './hash.gate';

describe('HashGate', () => {
  it('runs at most `concurrency` hashes at once, the others in arrival order', async () => {
    const gate = new HashGate({ concurrency: 2, maxWaitMs: 10_000 });
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        gate.run(async () => {
          running++;
          most = Math.max(most, running);
          order.push(i);
          await sleep(5);
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gate.queued).toBe(0);
  });

  it('sheds with 503 and Retry-After once the expected wait is too long, and admits again when it shrinks', async () => {
    const gate = new HashGate({ concurrency: 1, maxWaitMs: 80 });
    const slow = () => sleep(40);
    const admitted = [gate.run(slow), gate.run(slow), gate.run(slow), gate.run(slow)];
    // The average hash takes 25 ms at first: a fifth request would wait (3 waiting + 1) x 25 ms = 100 ms > 80 ms.
    const refused = await gate.run(slow).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).getStatus()).toBe(503);
    expect((refused as ApiError).headers?.['retry-after']).toBe('1');
    await Promise.all(admitted);
    await expect(gate.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('frees the slot when a hash fails', async () => {
    const gate = new HashGate({ concurrency: 1, maxWaitMs: 1000 });
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(async () => 1)).resolves.toBe(1);
  });
});
