/**
 * When to try again. Network errors, 5xx, 408 and 429 are outages: wait and retry, never an error for the user.
 * Any other 4xx is about the input: the item is rejected with the gateway's reason.
 */

export const FIRST_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 30_000;
/** A Retry-After longer than this is shortened to it: the user is not left waiting for an hour. */
export const MAX_TOLD_WAIT_MS = 300_000;

export type Verdict =
  | { kind: 'accepted' }
  | { kind: 'retry'; retryAfterMs?: number }
  | { kind: 'unauthorized' }
  | { kind: 'rejected' };

export function verdictFor(status: number, retryAfter: string | null, now: number): Verdict {
  if (status >= 200 && status < 300) return { kind: 'accepted' };
  if (status === 401) return { kind: 'unauthorized' };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return retryAfterMs === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterMs };
  }
  return { kind: 'rejected' };
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_TOLD_WAIT_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), MAX_TOLD_WAIT_MS);
}

/**
 * Exponential backoff with jitter for the n-th retry (1-based): 1 s, 2 s, 4 s … capped at 30 s, each scaled by a
 * random factor in [0.5, 1) so that many clients back from an outage do not arrive together.
 */
export function backoffMs(retry: number, random: () => number): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}
