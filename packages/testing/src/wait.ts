import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads `read()` until `done` accepts its value, every `intervalMs`; throws naming `what` and the last value after
 * `timeoutMs`. For tests that wait on other processes (queues drained, emails received, events delivered).
 */
export async function waitFor<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(intervalMs);
    last = await read();
  }
  return last;
}
